"""Who may do what on the social map, derived from memberships (organisation + role).

Pure functions of the actor and the object: views, the admin and DRF permission
classes only wrap them. The actor is a ``User`` or an API-token actor (any object
with an ``api_token`` attribute, see ``registry.api.authentication``), which acts
for the token's organisation and never as municipality staff.

Rules (DESIGN.md, "non-negotiables"):
- a provider user edits its own organisations' data; a hoofdaanbieder's users also
  edit their current onderaannemers' data (the hoofdaanbieder answers for them);
- an onderaannemer never edits its hoofdaanbieder;
- municipality staff (members of an organisation of kind ``gemeente``) edit every
  provider's data and alone manage contracts and percelen.

Memberships and editable ids are memoised on the actor object, which lives for one
request; create memberships before the first check in tests.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import Membership, Organisation, Service, Subcontract


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


def _current_subcontractor_ids(main_contractor_ids: list[int]) -> set[int]:
    if not main_contractor_ids:
        return set()
    today = timezone.localdate()
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    contract_current = Q(contract__end_date__isnull=True) | Q(
        contract__end_date__gte=today
    )
    return set(
        Subcontract.objects.filter(
            current, contract_current, contract__organisation_id__in=main_contractor_ids
        ).values_list("subcontractor_id", flat=True)
    )


def editable_organisation_ids(user) -> frozenset[int]:
    """Ids of the provider organisations whose data ``user`` may change."""
    cached = getattr(user, "_registry_editable_ids", None)
    if cached is not None:
        return cached
    if is_municipality_staff(user):
        ids = set(
            Organisation.objects.filter(
                kind__in=Organisation.PROVIDER_KINDS
            ).values_list("pk", flat=True)
        )
    else:
        own = _own_provider_organisations(user)
        main_ids = [o.pk for o in own if o.kind == Organisation.Kind.HOOFDAANBIEDER]
        ids = {o.pk for o in own} | _current_subcontractor_ids(main_ids)
    result = frozenset(ids)
    if getattr(user, "is_authenticated", False):
        user._registry_editable_ids = result
    return result


def editable_organisations(user) -> QuerySet[Organisation]:
    """Provider organisations ``user`` may edit (own, onderaannemers, or all)."""
    if is_municipality_staff(user):
        return Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
    return Organisation.objects.filter(pk__in=editable_organisation_ids(user))


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """Contact data and locations of ``organisation``."""
    return organisation.pk in editable_organisation_ids(user)


def can_edit_service(user, service: Service) -> bool:
    """Capacity, waiting times, contact data and description of ``service``."""
    return service.organisation_id in editable_organisation_ids(user)


can_edit_capacity = can_edit_service


def can_edit_location(user, location) -> bool:
    return location.organisation_id in editable_organisation_ids(user)


def can_manage_contracts(user) -> bool:
    """Contracts, subcontracts and percelen belong to the municipality alone."""
    return is_municipality_staff(user)


def can_manage_tokens(user, organisation: Organisation) -> bool:
    """Create and revoke API tokens: the provider's admins, or municipality staff.

    A hoofdaanbieder's admin does not manage its onderaannemers' tokens: a token
    is the organisation's own key to its own systems.
    """
    if not organisation.is_provider:
        return False
    if is_municipality_staff(user):
        return True
    return any(
        m.organisation_id == organisation.pk and m.role == Membership.Role.ADMIN
        for m in _memberships(user)
    )


def token_manageable_organisations(user) -> list[Organisation]:
    """Provider organisations whose tokens ``user`` manages on /mijn/api-sleutels.

    Municipality staff use the admin for other organisations' tokens, so this
    lists only organisations the user is an admin member of.
    """
    return [
        m.organisation
        for m in _memberships(user)
        if m.role == Membership.Role.ADMIN and m.organisation.is_provider
    ]


def can_see_editor_names(user, service: Service) -> bool:
    """Whether the history of ``service`` may name the people who changed it.

    Everyone sees *that* and *when* something changed and by which organisation;
    personal names only the organisation's own editors and the municipality see.
    """
    return can_edit_service(user, service) or is_municipality_staff(user)
