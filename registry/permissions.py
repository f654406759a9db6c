"""Who may do what on the social map, derived from memberships (organisation + role).

Pure functions of the actor and the object: views, the admin and DRF permission
classes only wrap them. The actor is a ``User`` or an API-token actor (any object
with an ``api_token`` attribute, see ``registry.api.authentication``), which acts
for the token's organisation and never as municipality staff.

Rules (DESIGN.md, "non-negotiables"):
- a provider user edits its own organisations' data; a hoofdaanbieder's users also
  edit their current onderaannemers' services and capacity, but only in the
  percelen of the hoofdaanbieder's own current subcontract with them
  (``provider_reach``: the one provider scope, which the referrals app uses too);
- an onderaannemer never edits its hoofdaanbieder;
- municipality staff (members of an organisation of kind ``gemeente``) edit every
  provider's catalogue data and alone manage contracts and percelen; they hold
  no membership in, nor a key for, a referrer, provider or school.

Memberships and editable ids are memoised on the actor object, which lives for one
request; create memberships before the first check in tests.
"""

import operator
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from types import MappingProxyType

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import ApiToken, Membership, Organisation, Service, Subcontract


def _memberships(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or _token(user) is not None:
        return []
    cached = getattr(user, "_registry_memberships", None)
    if cached is None:
        found = Membership.objects.filter(
            user=user, user__is_active=True, organisation__active=True
        ).select_related("organisation")
        # The organisation chosen for this session (accounts.middleware): a
        # user in two organisations acts in one at a time.
        chosen = getattr(user, "_active_organisation_id", None)
        if chosen is not None:
            found = found.filter(organisation_id=chosen)
        cached = list(found)
        user._registry_memberships = cached
    return cached


def _token(user):
    return getattr(user, "api_token", None)


def memberships(user) -> list[Membership]:
    """The user's active memberships with their organisations (memoised per request)."""
    return _memberships(user)


def _own_provider_organisations(user) -> list[Organisation]:
    token = _token(user)
    if token is not None:
        org = token.organisation
        return [org] if token.is_active and org.active and org.is_provider else []
    return [m.organisation for m in _memberships(user) if m.organisation.is_provider]


def is_municipality_staff(user) -> bool:
    """A member of an organisation of kind ``gemeente``."""
    return any(m.organisation.is_municipality for m in _memberships(user))


@dataclass(frozen=True)
class ProviderReach:
    """The one scope of a provider side: whose services, capacity and referrals
    an actor reaches, and through which organisation it is entitled to.

    - ``own``: the provider organisations the actor belongs to (or its key is
      of): every perceel.
    - ``via``: ``{(onderaannemer, perceel): hoofdaanbieder}`` for each current
      subcontract of one of the actor's hoofdaanbieders. A hoofdaanbieder
      answers for its onderaannemer only in the percelen of its own
      subcontract; an onderaannemer that also works under another
      hoofdaanbieder is out of reach in that one's percelen (DESIGN.md, "One
      permission scope").
    """

    own: frozenset = frozenset()
    via: Mapping = field(default_factory=dict)

    @property
    def organisation_ids(self) -> frozenset[int]:
        """Every provider reached in at least one perceel."""
        return self.own | {org for org, _perceel in self.via}

    def covers(self, organisation_id, perceel_id) -> bool:
        return organisation_id in self.own or (organisation_id, perceel_id) in self.via

    def entitled_through(self, organisation_id, perceel_id) -> int | None:
        """The organisation whose membership entitles the actor: the provider
        itself, or the hoofdaanbieder whose subcontract covers the perceel."""
        if organisation_id in self.own:
            return organisation_id
        return self.via.get((organisation_id, perceel_id))

    def percelen_of(self, organisation_id) -> frozenset[int] | None:
        """The percelen reached of ``organisation_id``: None for all of them."""
        if organisation_id in self.own:
            return None
        return frozenset(p for org, p in self.via if org == organisation_id)

    def q(self, organisation: str = "organisation", perceel: str = "perceel") -> Q:
        """A filter on rows with these organisation and perceel fields (one
        condition per onderaannemer, so the query stays small)."""
        lots: dict[int, set[int]] = defaultdict(set)
        for org, perceel_id in self.via:
            lots[org].add(perceel_id)
        conditions = [Q(**{f"{organisation}_id__in": sorted(self.own)})]
        conditions += [
            Q(**{f"{organisation}_id": org, f"{perceel}_id__in": sorted(ids)})
            for org, ids in sorted(lots.items())
        ]
        return reduce(operator.or_, conditions)


def current_subcontracts(*, main_ids=None, subcontractor_ids=None):
    """The subcontracts running today (they and the contract they hang under
    have started and not ended) of the given hoofdaanbieders or onderaannemers:
    the one definition of "current" for every reach of a hoofdaanbieder."""
    today = timezone.localdate()
    rows = (
        Subcontract.objects.exclude(start_date__gt=today)
        .exclude(end_date__lt=today)
        .exclude(contract__start_date__gt=today)
        .exclude(contract__end_date__lt=today)
    )
    if main_ids is not None:
        rows = rows.filter(contract__organisation_id__in=main_ids)
    if subcontractor_ids is not None:
        rows = rows.filter(subcontractor_id__in=subcontractor_ids)
    return rows.order_by("contract__organisation_id", "id")


def current_subcontract_lots(
    *, main_ids=None, subcontractor_ids=None
) -> list[tuple[int, int, int]]:
    """``(onderaannemer, perceel, hoofdaanbieder)`` of ``current_subcontracts``.
    One query, none for an empty selection."""
    if (main_ids is not None and not main_ids) or (
        subcontractor_ids is not None and not subcontractor_ids
    ):
        return []
    return list(
        current_subcontracts(
            main_ids=main_ids, subcontractor_ids=subcontractor_ids
        ).values_list(
            "subcontractor_id", "contract__perceel_id", "contract__organisation_id"
        )
    )


def _current_subcontracts(main_ids) -> dict[tuple[int, int], int]:
    """``{(onderaannemer, perceel): hoofdaanbieder}`` running today."""
    via: dict[tuple[int, int], int] = {}
    for sub_id, perceel_id, main_id in current_subcontract_lots(main_ids=main_ids):
        via.setdefault((sub_id, perceel_id), main_id)
    return via


def provider_reach(actor) -> ProviderReach:
    """The provider scope of ``actor`` (a user or an API-token actor), memoised.

    Municipality staff reach nothing here: they are no provider. (They edit
    providers' catalogue data, see ``editable_organisation_ids``, but never
    open a referral.)
    """
    cached = getattr(actor, "_registry_provider_reach", None)
    if cached is not None:
        return cached
    own = _own_provider_organisations(actor)
    main_ids = [o.pk for o in own if o.kind == Organisation.Kind.HOOFDAANBIEDER]
    own_ids = frozenset(o.pk for o in own)
    via = {
        key: main
        for key, main in _current_subcontracts(main_ids).items()
        if key[0] not in own_ids
    }
    reach = ProviderReach(own=own_ids, via=MappingProxyType(via))
    if getattr(actor, "is_authenticated", False):
        actor._registry_provider_reach = reach
    return reach


def editable_organisation_ids(user) -> frozenset[int]:
    """Ids of the provider organisations whose contact data and locations
    ``user`` may change (reached in at least one perceel; municipality: all)."""
    cached = getattr(user, "_registry_editable_ids", None)
    if cached is not None:
        return cached
    if is_municipality_staff(user):
        ids = frozenset(
            Organisation.objects.filter(
                kind__in=Organisation.PROVIDER_KINDS
            ).values_list("pk", flat=True)
        )
    else:
        ids = provider_reach(user).organisation_ids
    if getattr(user, "is_authenticated", False):
        user._registry_editable_ids = ids
    return ids


def editable_organisations(user) -> QuerySet[Organisation]:
    """Provider organisations ``user`` may edit (own, onderaannemers, or all)."""
    if is_municipality_staff(user):
        return Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
    return Organisation.objects.filter(pk__in=editable_organisation_ids(user))


def editable_services_q(user, prefix: str = "") -> Q:
    """Services (rows of ``prefix`` + service) whose capacity and description
    ``user`` may change: a hoofdaanbieder its onderaannemers' only in the
    percelen of its subcontracts; municipality staff every provider's."""
    if is_municipality_staff(user):
        return Q(**{f"{prefix}organisation__kind__in": Organisation.PROVIDER_KINDS})
    return provider_reach(user).q(f"{prefix}organisation", f"{prefix}perceel")


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """Contact data and locations of ``organisation``."""
    return organisation.pk in editable_organisation_ids(user)


def can_edit_service(user, service: Service) -> bool:
    """Capacity, waiting times, contact data and description of ``service``."""
    if is_municipality_staff(user):
        # Every provider's (``editable_organisation_ids``), read off the row
        # rather than from a list of every provider.
        return service.organisation.kind in Organisation.PROVIDER_KINDS
    return provider_reach(user).covers(service.organisation_id, service.perceel_id)


can_edit_capacity = can_edit_service


def can_edit_location(user, location) -> bool:
    return location.organisation_id in editable_organisation_ids(user)


def can_manage_contracts(user) -> bool:
    """Contracts, subcontracts and percelen belong to the municipality alone."""
    return is_municipality_staff(user)


def can_manage_tokens(user, organisation: Organisation) -> bool:
    """Create, rotate and revoke API keys and webhooks: the organisation's own
    admins only, for every kind of organisation (provider, referrer, school,
    municipality).

    A hoofdaanbieder's admin does not manage its onderaannemers' keys: a key is
    the organisation's own key to its own systems. Municipality staff never hold
    a key for another organisation: it would open that organisation's referrals
    to them (the municipality's own key is for iJw messages only).
    """
    if not organisation.active:
        return False
    return any(
        m.organisation_id == organisation.pk and m.role == Membership.Role.ADMIN
        for m in _memberships(user)
    )


_SCOPES_BY_ROLE = {
    "provider": (
        ApiToken.SCOPE_CATALOGUE_READ,
        ApiToken.SCOPE_CATALOGUE_WRITE,
        ApiToken.SCOPE_CAPACITY_WRITE,
        ApiToken.SCOPE_REFERRALS_READ,
        ApiToken.SCOPE_EVENTS_WRITE,
    ),
    "referrer": (
        ApiToken.SCOPE_CATALOGUE_READ,
        ApiToken.SCOPE_REFERRALS_CREATE,
        ApiToken.SCOPE_REFERRALS_READ,
        ApiToken.SCOPE_EVENTS_WRITE,
    ),
    "school": (ApiToken.SCOPE_CATALOGUE_READ, ApiToken.SCOPE_REFERRALS_READ),
    "municipality": (ApiToken.SCOPE_CATALOGUE_READ, ApiToken.SCOPE_IJW),
}


def _token_role(organisation: Organisation) -> str:
    if organisation.is_provider:
        return "provider"
    if organisation.is_referrer:
        return "referrer"
    if organisation.is_municipality:
        return "municipality"
    return "school"


def token_scopes_allowed(organisation: Organisation) -> tuple[str, ...]:
    """The scopes a key of ``organisation`` may hold, by its kind. A school reads
    the referrals it follows with consent (never personal data); the
    municipality delivers iJw messages and reads the public catalogue only."""
    return _SCOPES_BY_ROLE[_token_role(organisation)]


def token_scopes_default(organisation: Organisation) -> tuple[str, ...]:
    """Scopes when none are chosen: everything the kind may hold, except for the
    municipality, whose key must name ``ijw`` explicitly."""
    if organisation.is_municipality:
        return ()
    return token_scopes_allowed(organisation)


def can_write_memberships_in_admin(user) -> bool:
    """Add, change or remove memberships in the admin: superusers only.

    Municipality staff never: a membership in a referrer, provider or school
    opens children's data to them (DESIGN.md, "One permission scope"). An
    organisation's own admin adds its people on its own pages, not the admin.
    """
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def token_manageable_organisations(user) -> list[Organisation]:
    """Organisations whose keys and webhooks ``user`` manages on /mijn/api-sleutels:
    those the user is an admin member of, of any kind."""
    return [
        m.organisation
        for m in _memberships(user)
        if m.role == Membership.Role.ADMIN and m.organisation.active
    ]


def can_see_editor_names(user, service: Service) -> bool:
    """Whether the history of ``service`` may name the people who changed it.

    Everyone sees *that* and *when* something changed and by which organisation;
    personal names only the organisation's own editors and the municipality see.
    """
    return can_edit_service(user, service) or is_municipality_staff(user)
