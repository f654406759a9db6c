"""One error summary on every form: the same heading style, each error a link
to its field as "Label: message", focusable (tabindex=-1), role=alert."""

import re

from django.urls import reverse

import pytest


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary[ "][^>]*>.*?</div>', html, re.S)
    assert match, "no error summary"
    summary = match.group(0)
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    assert re.search(r"<h2[ >]", summary)
    assert "notice--error" not in html
    return summary


def test_a_provider_form_uses_the_summary(client, provider_user, service):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:service-edit", args=[service.pk]),
        {"description": "Anders", "intake_phone": "bel maar", "intake_email": "x"},
    )
    summary = _summary(response.content.decode())
    assert re.search(r'<a [^>]*href="#id_[a-z_]*intake_phone">[^<:]+: ', summary)


def test_a_dashboard_filter_uses_the_summary(client, municipality_user):
    client.force_login(municipality_user)
    response = client.get(reverse("dashboard:overview") + "?van=2026-13")
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    assert "Deze filters kloppen niet" in summary
    assert re.search(r'<a [^>]*href="#id_van">Van \(maand\): ', summary)


@pytest.fixture(autouse=True)
def _db(db):
    pass
