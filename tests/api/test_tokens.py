"""API tokens: stored hashed, shown once, revocable; managed by the organisation's
own admin (/mijn/api-sleutels), never by the municipality for another
organisation. Scopes, expiry, rotation and other kinds: test_organisation_keys."""

import hashlib
from datetime import timedelta

from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine
from rest_framework.test import APIClient

from registry import services
from registry.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def _capacity_url(service):
    return reverse("registry-api:service-capacity", args=[service.pk])


def test_a_token_is_stored_as_a_sha256_hash_and_never_in_plain_text(provider_org):
    token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith("skj_") and len(key) > 40
    assert stored.prefix == key[:12]
    values = [str(getattr(stored, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert key not in values


def test_a_token_authenticates_and_records_its_use_at_most_once_a_minute(
    provider_org, service
):
    token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert (
            client.patch(
                _capacity_url(service), {"note": "a"}, format="json"
            ).status_code
            == 200
        )
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            client.patch(_capacity_url(service), {"note": "b"}, format="json")
            assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            client.patch(_capacity_url(service), {"note": "c"}, format="json")
            later = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first == start
    assert later == start + timedelta(seconds=61)


@pytest.mark.parametrize(
    "header",
    [
        "Token skj_unknown",
        "Token",
        "Token a b",
        "token skj_unknown",
        "Bearer skj_unknown",
        "Bearer",
    ],
)
def test_unknown_or_malformed_tokens_get_401_problem_json(service, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.patch(_capacity_url(service), {"note": "x"}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_revoked_token_gets_401_and_changes_nothing(provider_org, service):
    token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="Oud"
    )
    services.api_token_revoke(token=token, actor=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.patch(_capacity_url(service), {"note": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Deze API-sleutel is ingetrokken."
    service.capacity.refresh_from_db()
    assert service.capacity.note == ""


# --- /mijn/api-sleutels -------------------------------------------------------


def test_a_provider_admin_creates_a_token_and_sees_the_key_once(
    client, provider_admin, provider_org
):
    client.force_login(provider_admin)
    url = reverse("provider:tokens")
    response = client.post(
        url,
        {
            "organisation": provider_org.pk,
            "name": "Planning",
            "scopes": "capacity:write",
        },
    )
    assert response.status_code == 200
    key = response.context["created_key"]
    assert key in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.organisation, token.created_by, token.name) == (
        provider_org,
        provider_admin,
        "Planning",
    )
    again = client.get(url).content.decode()
    assert key not in again
    assert token.prefix in again


def test_a_provider_admin_cannot_create_a_token_for_another_organisation(
    client, provider_admin, outsider_org, subcontractor_org
):
    client.force_login(provider_admin)
    for org in (outsider_org, subcontractor_org):
        response = client.post(
            reverse("provider:tokens"),
            {"organisation": org.pk, "name": "X", "scopes": "catalogue:read"},
        )
        assert response.status_code == 400
        assert list(response.context["form"].errors) == ["organisation"]
    assert not ApiToken.objects.exists()


def test_a_staff_member_without_the_admin_role_cannot_manage_tokens(
    client, provider_user, provider_org
):
    token, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    client.force_login(provider_user)
    assert client.get(reverse("provider:tokens")).status_code == 403
    response = client.post(reverse("provider:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_a_provider_admin_revokes_its_own_token_but_not_another_organisations(
    client, provider_admin, provider_org, outsider_org
):
    own, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Eigen"
    )
    other, _key = services.api_token_create(
        organisation=outsider_org, actor=None, name="Ander"
    )
    client.force_login(provider_admin)
    assert client.get(reverse("provider:tokens")).content.decode().count("Ander") == 0
    forbidden = client.post(reverse("provider:token-revoke", args=[other.pk]))
    assert forbidden.status_code == 404
    ok = client.post(reverse("provider:token-revoke", args=[own.pk]))
    assert ok.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.is_active, other.is_active) == (False, True)


# --- admin (municipality staff) -------------------------------------------------


@pytest.fixture
def admin_user(municipality_org):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    factories.MembershipFactory(user=user, organisation=municipality_org)
    return user


def test_the_admin_creates_no_key_so_none_goes_through_messages(
    client, admin_user, provider_org
):
    """Keys are made by the organisation's own admin on /mijn/api-sleutels, where
    the key is shown once in the page; the admin would carry it in the messages
    cookie."""
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:registry_apitoken_add"),
        {"organisation": provider_org.pk, "name": "Koppeling"},
    )
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    assert not list(get_messages(response.wsgi_request))


def test_municipality_staff_may_not_create_a_providers_key(
    municipality_user, provider_org
):
    with pytest.raises(PermissionDenied):
        services.api_token_create(
            organisation=provider_org, actor=municipality_user, name="Van de gemeente"
        )
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_tokens_with_an_action(client, admin_user, provider_org):
    token, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Koppeling"
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:registry_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
