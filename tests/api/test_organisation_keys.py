"""Organisation API keys for every kind of organisation (issue 15, part 1):
scopes, expiry, rotation without downtime, revocation, Bearer (Token as alias),
GET /me, /services?organisation=, and a referrer system's day through the API."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine
from rest_framework.test import APIClient

from referrals.models import Referral, ReferralEvent
from registry import services
from registry.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
ME = "/api/v1/me"
REFERRALS = "/api/v1/referrals"


def org_of(kind):
    if kind == "hoofdaanbieder":
        return factories.HoofdaanbiederFactory()
    return factories.OrganisationFactory(kind=kind)


def key_for(organisation, scopes=None, **kwargs):
    return services.api_token_create(
        organisation=organisation, actor=None, name="Systeem", scopes=scopes, **kwargs
    )


def bearer(key) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def referral_body(service, **overrides):
    today = timezone.localdate()
    data = {
        "service": service.pk,
        "child_initials": "S.V.",
        "child_birth_date": "2012-09-01",
        "help_question": "Somber, trekt zich terug.",
        "urgency": "regular",
        "consent_by": "both",
        "consent_date": today.isoformat(),
        "parent_name": "A. de Vries",
        "parent_phone": "06 12345678",
        "parent_email": "ouder@example.org",
    }
    data.update(overrides)
    return data


# --- scopes per kind ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "hoofdaanbieder",
            "capacity:write catalogue:read catalogue:write events:write referrals:read",
        ),
        ("jgz", "catalogue:read events:write referrals:create referrals:read"),
        ("wijkteam", "catalogue:read events:write referrals:create referrals:read"),
        ("school", "catalogue:read referrals:read"),
    ],
)
def test_every_kind_gets_a_key_with_its_default_scopes(kind, expected):
    organisation = org_of(kind)
    token, key = key_for(organisation)
    assert token.scopes == expected
    assert bearer(key).get(ME).json()["scopes"] == expected.split()


@pytest.mark.parametrize(
    ("kind", "scope"),
    [
        ("school", "referrals:create"),
        ("school", "capacity:write"),
        ("jgz", "capacity:write"),
        ("hoofdaanbieder", "referrals:create"),
        ("gemeente", "referrals:read"),
        ("hoofdaanbieder", "ijw"),
        ("jgz", "nonsense"),
    ],
)
def test_a_scope_the_kind_may_not_hold_is_refused_naming_the_field(kind, scope):
    organisation = org_of(kind)
    with pytest.raises(Exception) as info:
        key_for(organisation, scopes=[scope, "catalogue:read"])
    assert "scopes" in info.value.message_dict
    assert scope in " ".join(info.value.message_dict["scopes"])
    assert not ApiToken.objects.exists()


def test_a_missing_scope_is_403_problem_naming_the_scope(referrer_org, service):
    _token, key = key_for(referrer_org, scopes=["referrals:read"])
    response = bearer(key).post(REFERRALS, referral_body(service), format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "referrals:create" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_a_key_without_catalogue_read_cannot_search(provider_org):
    _token, key = key_for(provider_org, scopes=["capacity:write"])
    response = bearer(key).get("/api/v1/services")
    assert response.status_code == 403
    assert "catalogue:read" in response.json()["detail"]


# --- Bearer, Token alias, expiry, rotation, revocation -----------------------------


def test_bearer_and_the_token_alias_both_work(provider_org):
    _token, key = key_for(provider_org)
    for keyword in ("Bearer", "bearer", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        assert client.get(ME).status_code == 200, keyword
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer skj_unknown")
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_key_is_401_and_its_page_says_so(provider_org):
    ends = timezone.now() + timedelta(days=2)
    token, key = key_for(provider_org, expires_at=ends)
    assert bearer(key).get(ME).status_code == 200
    with time_machine.travel(ends + timedelta(seconds=1)):
        response = bearer(key).get(ME)
    assert response.status_code == 401
    assert "verlopen" in response.json()["detail"]


def test_an_end_date_in_the_past_is_refused(provider_org):
    with pytest.raises(Exception) as info:
        key_for(provider_org, expires_at=timezone.now() - timedelta(minutes=1))
    assert "expires_at" in info.value.message_dict
    assert not ApiToken.objects.exists()


def test_rotation_keeps_both_keys_valid_until_the_old_one_is_revoked(provider_org):
    old, old_key = key_for(provider_org, scopes=["catalogue:read"])
    new, new_key = services.api_token_rotate(token=old, actor=None)
    assert new.scopes == old.scopes and new.name == old.name
    assert bearer(old_key).get(ME).status_code == 200
    assert bearer(new_key).get(ME).status_code == 200
    services.api_token_revoke(token=old, actor=None)
    assert bearer(old_key).get(ME).status_code == 401
    assert bearer(new_key).get(ME).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(provider_org):
    token, key = key_for(provider_org)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        bearer(key).get(ME)
        token.refresh_from_db()
        first = token.last_used_at
        bearer(key).get(ME)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        bearer(key).get(ME)
    token.refresh_from_db()
    assert token.last_used_at == first == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        bearer(key).get(ME)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


# --- /me and /services?organisation= ------------------------------------------------


def test_me_tells_a_key_its_organisation_kind_and_scopes(referrer_org):
    _token, key = key_for(referrer_org, scopes=["referrals:read"])
    data = bearer(key).get(ME).json()
    assert data["auth"] == "key"
    assert data["organisations"] == [
        {
            "id": referrer_org.pk,
            "slug": referrer_org.slug,
            "name": referrer_org.name,
            "kind": "jgz",
            "role": None,
        }
    ]
    assert data["scopes"] == ["referrals:read"]
    assert data["user"] is None


def test_me_tells_a_session_its_person_and_organisations(client, provider_admin):
    client.force_login(provider_admin)
    data = client.get(ME).json()
    assert data["auth"] == "session" and data["scopes"] is None
    assert data["user"]["username"] == provider_admin.username
    assert [(o["kind"], o["role"]) for o in data["organisations"]] == [
        ("hoofdaanbieder", "admin")
    ]


def test_me_without_credentials_is_401():
    assert APIClient().get(ME).status_code == 401


def test_services_filter_by_organisation_slug_or_id(
    provider_org, service, outsider_service
):
    _token, key = key_for(provider_org)
    client = bearer(key)
    own = client.get("/api/v1/services", {"organisation": provider_org.slug}).json()
    assert [s["id"] for s in own["results"]] == [service.pk]
    by_id = client.get("/api/v1/services", {"organisation": provider_org.pk}).json()
    assert [s["id"] for s in by_id["results"]] == [service.pk]
    both = client.get(
        f"/api/v1/services?organisation={provider_org.pk}"
        f"&organisation={outsider_service.organisation.slug}"
    ).json()
    assert {s["id"] for s in both["results"]} == {service.pk, outsider_service.pk}
    bad = client.get("/api/v1/services", {"organisation": "bestaat-niet"})
    assert bad.status_code == 400
    assert [p["name"] for p in bad.json()["invalid_params"]] == ["organisation"]


@pytest.mark.parametrize("value", ["9" * 30, "²", "-1"])
def test_an_organisation_filter_that_is_no_id_is_400_not_500(service, value):
    response = APIClient().get("/api/v1/services", {"organisation": value})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["organisation"]


# --- a referrer system's day ------------------------------------------------------


def test_a_referrer_system_refers_keeps_the_family_code_follows_and_withdraws(
    referrer_org, service
):
    _token, key = key_for(referrer_org)
    client = bearer(key)  # CSRF enforced: a key needs none
    created = client.post(REFERRALS, referral_body(service), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    referral = Referral.objects.get()
    assert referral.referrer_organisation == referrer_org
    assert referral.referrer_user is None
    assert referral.parent_email == "ouder@example.org"
    code = referral.family_code
    assert data["family_code"] == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    listed = client.get(REFERRALS).json()["results"]
    assert [r["reference"] for r in listed] == [referral.reference]
    detail = client.get(f"{REFERRALS}/{referral.reference}")
    assert detail.status_code == 200
    assert detail.json()["parent_email"] == "ouder@example.org"
    withdrawn = client.post(
        f"{REFERRALS}/{referral.reference}/events",
        {"type": "withdrawn", "occurred_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert withdrawn.status_code == 201, withdrawn.content
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    event = ReferralEvent.objects.get()
    assert event.actor is None and event.actor_organisation_id == referrer_org.pk


def test_a_referrer_key_cannot_record_a_provider_step(referrer_org, service):
    _token, key = key_for(referrer_org)
    client = bearer(key)
    reference = client.post(REFERRALS, referral_body(service), format="json").json()[
        "reference"
    ]
    response = client.post(
        f"{REFERRALS}/{reference}/events",
        {"type": "received", "occurred_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert not ReferralEvent.objects.exists()


def test_a_session_post_still_needs_csrf(referrer_user, service):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(referrer_user)
    response = client.post(REFERRALS, referral_body(service), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_the_openapi_document_declares_bearer_and_says_keys_need_no_csrf(client):
    schema = client.get("/api/v1/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["apiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "CSRF" in schema["info"]["description"]


# --- managing keys: the organisation's own admin, of any kind ------------------------


@pytest.mark.parametrize("kind", ["jgz", "school", "gemeente", "hoofdaanbieder"])
def test_an_admin_of_any_kind_makes_a_key_on_the_page(client, kind):
    organisation = org_of(kind)
    admin = factories.MembershipFactory(organisation=organisation, role="admin").user
    client.force_login(admin)
    url = reverse("provider:tokens")
    assert client.get(url).status_code == 200
    scope = "ijw" if kind == "gemeente" else "catalogue:read"
    response = client.post(
        url,
        {
            "organisation": organisation.pk,
            "name": "Ons systeem",
            "scopes": [scope],
            "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.organisation == organisation and token.scopes == scope
    assert token.expires_at.date() == timezone.localdate() + timedelta(days=30)
    assert response.context["created_key"].startswith("skj_")


def test_the_page_refuses_a_scope_the_kind_may_not_hold(client):
    school = factories.OrganisationFactory(kind="school")
    admin = factories.MembershipFactory(organisation=school, role="admin").user
    client.force_login(admin)
    response = client.post(
        reverse("provider:tokens"),
        {"organisation": school.pk, "name": "X", "scopes": ["referrals:create"]},
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_rotate_and_revoke_on_the_page(client, referrer_org):
    admin = factories.MembershipFactory(organisation=referrer_org, role="admin").user
    old, old_key = key_for(referrer_org)
    client.force_login(admin)
    response = client.post(reverse("provider:token-rotate", args=[old.pk]))
    assert response.status_code == 200
    new_key = response.context["created_key"]
    assert bearer(old_key).get(ME).status_code == 200
    assert bearer(new_key).get(ME).status_code == 200
    client.post(reverse("provider:token-revoke", args=[old.pk]))
    assert bearer(old_key).get(ME).status_code == 401
    assert bearer(new_key).get(ME).status_code == 200


@pytest.mark.parametrize("who", ["member", "municipality_admin", "other_admin"])
def test_nobody_else_manages_an_organisations_keys(client, referrer_org, who):
    token, key = key_for(referrer_org)
    other = {
        "member": lambda: factories.MembershipFactory(organisation=referrer_org).user,
        "municipality_admin": lambda: (
            factories.MembershipFactory(
                organisation=factories.OrganisationFactory(kind="gemeente"),
                role="admin",
            ).user
        ),
        "other_admin": lambda: (
            factories.MembershipFactory(
                organisation=factories.OrganisationFactory(kind="jgz"), role="admin"
            ).user
        ),
    }[who]()
    client.force_login(other)
    assert client.post(
        reverse("provider:token-revoke", args=[token.pk])
    ).status_code in (
        403,
        404,
    )
    assert client.post(
        reverse("provider:token-rotate", args=[token.pk])
    ).status_code in (
        403,
        404,
    )
    with pytest.raises(PermissionDenied):
        services.api_token_create(
            organisation=referrer_org, actor=other, name="x", scopes=["catalogue:read"]
        )
    assert ApiToken.objects.get() == token and token.is_active
    assert bearer(key).get(ME).status_code == 200


def test_the_keys_page_query_count_does_not_grow_with_keys(
    client, referrer_org, django_assert_num_queries
):
    admin = factories.MembershipFactory(organisation=referrer_org, role="admin").user
    for _ in range(3):
        key_for(referrer_org)
    client.force_login(admin)
    # session, user, memberships with organisations, the keys with their makers
    with django_assert_num_queries(4):
        page = client.get(reverse("provider:tokens"))
    assert page.content.decode().count("skj_") >= 3
