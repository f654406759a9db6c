"""Request-size limits: bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB) are
refused with 413 before anything reads them, on the API (problem+json) and on
form pages, and nothing is stored. (The catalogue import's own file limit,
IMPORT_MAX_BYTES, is tested in tests/registry/test_import_catalogue.py.)"""

import json

from django.urls import reverse

import pytest

from referrals.models import Referral
from sociale_kaart.api import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db


def _referral_body(service, padding: int) -> str:
    return json.dumps(
        {
            "service": service.pk,
            "child_initials": "Q.X.",
            "child_birth_date": "2015-05-17",
            "help_question": "x" * padding,
            "urgency": "regular",
            "consent_by": "parent",
            "parent_phone": "06 12345678",
            "consent_date": "2026-01-01",
        }
    )


def test_an_oversized_api_body_is_413_problem_json_and_stores_nothing(
    client, referrer_user, service, settings
):
    client.force_login(referrer_user)
    body = _referral_body(service, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    response = client.post("/api/v1/referrals", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["status"] == 413
    assert not Referral.objects.exists()


def test_a_body_just_under_the_limit_is_read(client, referrer_user, service, settings):
    client.force_login(referrer_user)
    body = _referral_body(service, 1000)
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post("/api/v1/referrals", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Referral.objects.count() == 1


def test_an_oversized_form_post_is_413_html(client, referrer_user, service, settings):
    client.force_login(referrer_user)
    url = reverse("referrals:referral-create", args=[service.pk])
    response = client.post(
        url, {"help_question": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )
    assert response.status_code == 413
    assert "te groot" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_limit_follows_the_setting(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = client.post(reverse("referrals:status"), {"family_code": "x" * 4096})
    assert response.status_code == 413
