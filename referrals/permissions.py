"""Who may do what with a referral. Pure functions of the actor and the referral.

Views, the API and services only wrap these. Outsiders get "not found" (404)
everywhere, so a reference never reveals that a referral exists.

Rules (DESIGN.md, issue 5):
- refer: members of a referrer organisation (JGZ, huisartsenpraktijk, GI,
  ziekenhuis, wijkteam). Never a school (in Almere a JGZ nurse or doctor refers
  for a school), never a provider, never an API token.
- see a referral:
  * the referrer organisation's members (everything);
  * the provider's members, and a hoofdaanbieder's members for referrals to its
    current onderaannemers (the hoofdaanbieder answers for them), and the
    provider's API token (everything: they give the help);
  * the follower school's members, only with school consent: status and dates,
    never the help question (``referral_view`` returns ``SCHOOL``).
  * Municipality staff do NOT open a referral's personal data: the least that
    works for contract management is anonymous timings (dashboard) and the
    access log. A gemeente member who is not also in one of the roles above gets
    404 like any outsider.
- record a step: provider steps by the provider side (as above); ``withdrawn``
  by the referrer organisation's members.

The actor's organisations are looked up once per request and memoised on the
actor object (two queries at most: memberships, subcontracts).
"""

from dataclasses import dataclass

from django.utils import timezone

from referrals import workflow as wf
from registry import permissions as registry_permissions
from registry.models import Organisation, Subcontract

REFERRER = "referrer"
PROVIDER = "provider"
SCHOOL = "school"


@dataclass(frozen=True)
class Scope:
    """The organisations an actor acts for, by role."""

    referrer_ids: frozenset = frozenset()
    provider_ids: frozenset = frozenset()  # own providers and their onderaannemers
    school_ids: frozenset = frozenset()
    municipality: bool = False
    referrer_organisations: tuple = ()
    member_ids: frozenset = frozenset()  # every organisation the actor belongs to


def _is_authenticated(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _current_subcontractor_ids(main_ids: list[int]) -> set[int]:
    if not main_ids:
        return set()
    today = timezone.localdate()
    return set(
        Subcontract.objects.filter(contract__organisation_id__in=main_ids)
        .exclude(end_date__lt=today)
        .exclude(contract__end_date__lt=today)
        .values_list("subcontractor_id", flat=True)
    )


def _token_scope(token) -> Scope:
    org = token.organisation
    if not (token.is_active and org.active and org.is_provider):
        return Scope()
    main = [org.pk] if org.kind == Organisation.Kind.HOOFDAANBIEDER else []
    return Scope(
        provider_ids=frozenset({org.pk} | _current_subcontractor_ids(main)),
        member_ids=frozenset({org.pk}),
    )


def _user_scope(user) -> Scope:
    # Shares the memoised membership query with registry.permissions.
    orgs = [m.organisation for m in registry_permissions.memberships(user)]
    own_providers = [o for o in orgs if o.is_provider]
    main = [o.pk for o in own_providers if o.kind == Organisation.Kind.HOOFDAANBIEDER]
    referrers = tuple(sorted((o for o in orgs if o.is_referrer), key=str))
    return Scope(
        referrer_ids=frozenset(o.pk for o in referrers),
        provider_ids=frozenset(
            {o.pk for o in own_providers} | _current_subcontractor_ids(main)
        ),
        school_ids=frozenset(o.pk for o in orgs if o.kind == Organisation.Kind.SCHOOL),
        municipality=any(o.is_municipality for o in orgs),
        referrer_organisations=referrers,
        member_ids=frozenset(o.pk for o in orgs),
    )


def scope(actor) -> Scope:
    """The actor's organisations by role (memoised on the actor)."""
    if not _is_authenticated(actor):
        return Scope()
    cached = getattr(actor, "_referrals_scope", None)
    if cached is None:
        token = getattr(actor, "api_token", None)
        cached = _token_scope(token) if token is not None else _user_scope(actor)
        actor._referrals_scope = cached
    return cached


def can_refer(actor) -> bool:
    return bool(scope(actor).referrer_ids)


def referral_view(actor, referral) -> str | None:
    """Which view of ``referral`` the actor gets: REFERRER, PROVIDER, SCHOOL or None."""
    own = scope(actor)
    if referral.referrer_organisation_id in own.referrer_ids:
        return REFERRER
    if referral.provider_id in own.provider_ids:
        return PROVIDER
    if referral.school_consent and referral.follower_school_id in own.school_ids:
        return SCHOOL
    return None


def can_see_referral(actor, referral) -> bool:
    return referral_view(actor, referral) is not None


def can_see_personal_data(actor, referral) -> bool:
    """Initials, date of birth, help question, parent contact: not for schools."""
    return referral_view(actor, referral) in (REFERRER, PROVIDER)


def can_record_event(actor, referral, event_type: str) -> bool:
    own = scope(actor)
    if event_type in wf.REFERRER_EVENTS:
        return referral.referrer_organisation_id in own.referrer_ids
    return referral.provider_id in own.provider_ids


def recordable_events(actor, referral) -> set[str]:
    """The event types this actor may ever record on this referral (not the flow)."""
    return {t for t in wf.EVENT_TYPES if can_record_event(actor, referral, t)}


def can_view_access_log(actor) -> bool:
    return scope(actor).municipality
