"""One label style: no colon after a form label, on every form."""

import re

from django.urls import reverse

import pytest


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_public_form_labels_have_no_colon(client, db, name):
    page = client.get(reverse(name)).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    assert labels
    assert not [label for label in labels if label.strip().endswith(":")]


def test_provider_form_labels_have_no_colon(client, provider_user, service):
    client.force_login(provider_user)
    page = client.get(reverse("provider:service-edit", args=[service.pk])).content
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page.decode(), re.S)
    assert len(labels) > 3
    assert not [label for label in labels if label.strip().endswith(":")]
