"""Single sign-on rules without a provider: who an organisation's identity
provider may let in, and when its MFA replaces the app's second factor. (The
whole flow runs against a real provider in tests/e2e/test_sso.py.)"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

import pytest

from accounts import login_flow, services
from accounts.models import OidcProvider, OrganisationLogEntry
from accounts.oidc import SsoRefused, mfa_asserted
from registry.models import Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(referrer_org):
    return OidcProvider.objects.create(
        organisation=referrer_org,
        issuer="https://login.jgz-test.nl",
        client_id="app",
        client_secret="s",
        email_domains="jgz-test.nl, ggd-test.nl",
    )


def _claims(email, **extra):
    return {"email": email, "email_verified": True, "given_name": "Anna", **extra}


def test_an_unknown_person_is_provisioned_into_that_organisation_only(
    provider, referrer_org
):
    user = services.sso_user_for(provider=provider, claims=_claims("Anna@JGZ-test.nl"))
    assert user.email == "anna@jgz-test.nl"
    assert not user.has_usable_password()
    assert [(m.organisation, m.role) for m in user.memberships.all()] == [
        (referrer_org, "staff")
    ]
    assert OrganisationLogEntry.objects.get().action == "sso_provisioned"


@pytest.mark.parametrize(
    "email",
    ["anna@elders.example", "anna@evil-jgz-test.nl", "anna@jgz-test.nl.evil.example"],
)
def test_a_domain_the_organisation_does_not_cover_is_refused(provider, email):
    with pytest.raises(SsoRefused, match="valt niet onder"):
        services.sso_user_for(provider=provider, claims=_claims(email))
    assert not User.objects.exists()
    assert not OrganisationLogEntry.objects.exists()


def test_an_unverified_email_is_refused(provider):
    with pytest.raises(SsoRefused):
        services.sso_user_for(
            provider=provider, claims=_claims("a@jgz-test.nl", email_verified=False)
        )
    assert not User.objects.exists()


def test_an_existing_account_of_another_organisation_is_not_pulled_in(
    provider, provider_org
):
    other = factories.UserFactory(username="x", email="anna@jgz-test.nl")
    factories.MembershipFactory(user=other, organisation=provider_org)
    with pytest.raises(SsoRefused, match="hoort niet bij"):
        services.sso_user_for(provider=provider, claims=_claims("anna@jgz-test.nl"))
    assert list(Membership.objects.filter(user=other)) == list(
        Membership.objects.filter(user=other, organisation=provider_org)
    )


def test_a_member_is_matched_and_an_inactive_one_refused(provider, referrer_org):
    member = factories.UserFactory(username="m", email="m@jgz-test.nl")
    factories.MembershipFactory(user=member, organisation=referrer_org)
    assert services.sso_user_for(
        provider=provider, claims=_claims("m@jgz-test.nl")
    ) == (member)
    member.is_active = False
    member.save()
    with pytest.raises(SsoRefused):
        services.sso_user_for(provider=provider, claims=_claims("m@jgz-test.nl"))


def test_the_provider_is_found_by_exact_domain(provider):
    assert services.sso_provider_for_email(email="a@ggd-test.nl") == provider
    assert services.sso_provider_for_email(email="a@jgz-test.nl.evil.example") is None
    provider.active = False
    provider.save()
    assert services.sso_provider_for_email(email="a@ggd-test.nl") is None


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["pwd"]}, False),
        ({"acr": "urn:example:loa:high"}, True),
        ({"acr": "urn:example:loa:low"}, False),
        ({}, False),
    ],
)
def test_mfa_is_asserted_by_amr_or_configured_acr(settings, claims, expected):
    settings.OIDC_MFA_ACR_VALUES = ["urn:example:loa:high"]
    assert mfa_asserted(claims) is expected


def _request():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = None
    return request


def test_idp_mfa_replaces_the_app_only_when_asserted(referrer_user):
    request = _request()
    url = login_flow.begin(
        request, referrer_user, method="sso", next_url="/x", idp_mfa=True
    )
    assert url == "/x"
    assert request.session[SESSION_KEY] == str(referrer_user.pk)
    assert request.session[login_flow.SECOND_FACTOR_KEY] == "idp"
    request = _request()
    url = login_flow.begin(request, referrer_user, method="sso", next_url="/x")
    assert url.endswith("/inloggen/instellen")
    assert SESSION_KEY not in request.session


@pytest.mark.parametrize(
    ("field", "value"),
    [("issuer", "http://login.example.org"), ("email_domains", " , ")],
)
def test_the_configuration_names_a_bad_field(provider, field, value):
    setattr(provider, field, value)
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert field in error.value.message_dict
