"""The world the permission matrix walks: eight roles and objects owned by
provider A (tests/security/test_permission_matrix.py)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client

from accounts import services as account_services
from referrals.models import Notification
from registry import hsds
from registry import services as registry_services
from registry.models import Organisation, Perceel
from registry.services.groups import municipality_group_ensure
from tests import factories
from webhooks import services as webhook_services

ROLES = (
    "anonymous",
    "referrer_a",
    "referrer_b",
    "provider_a",
    "provider_b",
    "subcontractor_a",
    "school",
    "municipality",
)
# Organisation API keys (issue 15), each with its kind's default scopes (the
# municipality's: ijw and catalogue:read).
KEY_ROLES = (
    "key_referrer_a",
    "key_referrer_b",
    "key_provider_a",
    "key_provider_b",
    "key_school",
    "key_municipality",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)

    def client(self, role: str) -> Client:
        """A fresh client per request (a log-out must not carry over), logged in
        with the role's session (one log-in per role)."""
        if role.startswith("key_"):
            return Client(
                raise_request_exception=False,
                headers={"authorization": f"Bearer {self.sessions[role]}"},
            )
        client = Client(raise_request_exception=False)
        if role == "anonymous":
            return client
        if role not in self.sessions:
            client.force_login(self.users[role])
            self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _member(organisation, role="staff", **user_fields):
    user = factories.UserFactory(**user_fields)
    factories.MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def build_world() -> World:
    """Provider A (a hoofdaanbieder) with a location, a service, an API token and
    an onderaannemer; provider B (another hoofdaanbieder); referrer A (JGZ) who
    referred a child to provider A's service with the school following (with
    consent); referrer B (a GP practice); the municipality (admin staff)."""
    perceel = Perceel.objects.get(code="begeleiding")
    provider_a = factories.HoofdaanbiederFactory(percelen=[perceel], slug="zorg-a")
    provider_b = factories.HoofdaanbiederFactory(percelen=[perceel], slug="zorg-b")
    sub_a = factories.OnderaannemerFactory(
        main_contractor=provider_a, percelen=[perceel]
    )
    referrer_a = factories.OrganisationFactory(kind=Organisation.Kind.JGZ)
    referrer_b = factories.OrganisationFactory(kind=Organisation.Kind.HUISARTS)
    school = factories.OrganisationFactory(kind=Organisation.Kind.SCHOOL)
    municipality = factories.OrganisationFactory(kind=Organisation.Kind.GEMEENTE)
    world = World()
    world.users = {
        "referrer_a": _member(referrer_a),
        "referrer_b": _member(referrer_b),
        "provider_a": _member(provider_a, role="admin"),
        "provider_b": _member(provider_b, role="admin"),
        "subcontractor_a": _member(sub_a, role="admin"),
        "school": _member(school),
        "municipality": _member(municipality, is_staff=True),
    }
    world.users["municipality"].groups.add(municipality_group_ensure())
    colleague = _member(provider_a)
    invitation, invitation_secret = account_services.invitation_create(
        actor=world.users["provider_a"],
        organisation=provider_a,
        email="nieuw@example.org",
        role="staff",
    )
    location = factories.LocationFactory(organisation=provider_a)
    service = factories.ServiceFactory(organisation=provider_a, perceel=perceel)
    service.locations.add(location)
    factories.ServiceFactory(organisation=sub_a, perceel=perceel)
    referral = factories.ReferralFactory(
        service=service,
        referrer_organisation=referrer_a,
        referrer_user=world.users["referrer_a"],
        follower_school=school,
        school_consent=True,
        received=True,
        parent_name="Matrixouder Pieters",
        parent_phone="06 98765432",
        parent_email="matrixouder@example.org",
    )
    token, _key = registry_services.api_token_create(
        organisation=provider_a, actor=None, name="Planning"
    )
    owners = {
        "key_referrer_a": referrer_a,
        "key_referrer_b": referrer_b,
        "key_provider_a": provider_a,
        "key_provider_b": provider_b,
        "key_school": school,
        "key_municipality": municipality,
    }
    for role, owner in owners.items():
        scopes = "ijw catalogue:read" if owner.is_municipality else None
        _t, world.sessions[role] = registry_services.api_token_create(
            organisation=owner, actor=None, name=role, scopes=scopes
        )
    webhook, _secret = webhook_services.subscription_create(
        organisation=provider_a,
        actor=None,
        url="http://127.0.0.1:9/hook",
        events=["referral.created"],
    )
    notice = Notification.objects.create(
        kind=Notification.Kind.STARTED,
        referral=referral,
        recipient_user=world.users["referrer_a"],
        subject="Hulp gestart",
        body="De hulp is gestart.",
        dedupe_key="matrix",
    )
    world.values = {
        "service": service.pk,
        "organisation": provider_a.pk,
        "organisation_slug": provider_a.slug,
        "location": location.pk,
        "token": token.pk,
        "webhook": webhook.pk,
        "notification": notice.pk,
        "reference": referral.reference,
        "event": referral.events.get().pk,
        "parent_name": referral.parent_name,
        "parent_phone": referral.parent_phone,
        "parent_email": referral.parent_email,
        "perceel": perceel.code,
        "district": location.district.slug,
        "hsds_service": hsds.hsds_id("service", service.pk),
        "hsds_organization": hsds.hsds_id("organization", provider_a.pk),
        "hsds_taxonomy": hsds.taxonomy_id("perceel"),
        "hsds_taxonomy_term": hsds.term_id("perceel", perceel.code),
        "hsds_service_at_location": hsds.hsds_id(
            "service_at_location", f"{service.pk}/{location.pk}"
        ),
        "capacity_version": service.capacity.version,
        "membership": colleague.memberships.get().pk,
        "invitation": invitation.pk,
        "invitation_secret": invitation_secret,
    }
    return world


SHARED_ROLES = ("main_a", "main_b", "shared", "token_a", "token_b")


def build_shared_world() -> World:
    """An onderaannemer shared by two hoofdaanbieders for different percelen.

    Hoofdaanbieder A holds begeleiding and behandeling-psychiatrie but
    subcontracts the onderaannemer for begeleiding only; hoofdaanbieder B holds
    behandeling-psychiatrie and subcontracts it for that. The onderaannemer has a
    service and a received referral (made ten weeks ago, so past the norms) in
    each perceel: ``_a`` under A's subcontract, ``_b`` under B's.
    """
    lot_a = Perceel.objects.get(code="begeleiding")
    lot_b = Perceel.objects.get(code="behandeling-psychiatrie")
    main_a = factories.HoofdaanbiederFactory(percelen=[lot_a, lot_b], slug="hoofd-a")
    main_b = factories.HoofdaanbiederFactory(percelen=[lot_b], slug="hoofd-b")
    shared = factories.OnderaannemerFactory(
        main_contractor=main_a, percelen=[lot_a], slug="gedeeld"
    )
    contract_b = main_b.contracts.get()
    shared.subcontracts.create(contract=contract_b)
    referrer = factories.OrganisationFactory(kind=Organisation.Kind.JGZ)
    world = World()
    world.users = {
        "main_a": _member(main_a, role="admin"),
        "main_b": _member(main_b, role="admin"),
        "shared": _member(shared, role="admin"),
        "referrer": _member(referrer),
    }
    world.values = {"shared_slug": shared.slug, "main_a": main_a.pk}
    for suffix, lot in (("a", lot_a), ("b", lot_b)):
        service = factories.ServiceFactory(organisation=shared, perceel=lot)
        referral = factories.ReferralFactory(
            service=service,
            referrer_organisation=referrer,
            referrer_user=world.users["referrer"],
            days_ago=70,
            received=True,
        )
        world.values[f"service_{suffix}"] = service.pk
        world.values[f"version_{suffix}"] = service.capacity.version
        world.values[f"reference_{suffix}"] = referral.reference
    for suffix, main in (("a", main_a), ("b", main_b)):
        _token, key = registry_services.api_token_create(
            organisation=main, actor=None, name="Planning"
        )
        world.sessions[f"token_{suffix}"] = key
    return world


def shared_client(world: World, role: str) -> Client:
    """A session client for a person, a header-carrying one for a token."""
    if role.startswith("token_"):
        return Client(
            raise_request_exception=False,
            headers={"authorization": f"Token {world.sessions[role]}"},
        )
    return world.client(role)
