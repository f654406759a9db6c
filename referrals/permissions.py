"""Who may do what with a referral. Pure functions of the actor and the referral.

Views, the API and services only wrap these. Outsiders get "not found" (404)
everywhere, so a reference never reveals that a referral exists.

Rules (DESIGN.md, issue 5):
- refer: members of a referrer organisation (JGZ, huisartsenpraktijk, GI,
  ziekenhuis, wijkteam) and their organisation's API key (scope
  referrals:create). Never a school (in Almere a JGZ nurse or doctor refers
  for a school), never a provider.
- see a referral:
  * the referrer organisation's members (everything);
  * the provider's members, and a hoofdaanbieder's members for referrals to its
    current onderaannemers in the percelen of its own subcontract with them (the
    hoofdaanbieder answers for them there; ``registry.permissions.provider_reach``
    is the one scope), and the provider's API token (everything: they give the
    help);
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

from referrals import workflow as wf
from registry import permissions as registry_permissions
from registry.models import Organisation
from registry.permissions import ProviderReach

REFERRER = "referrer"
PROVIDER = "provider"
SCHOOL = "school"


@dataclass(frozen=True)
class Scope:
    """The organisations an actor acts for, by role."""

    referrer_ids: frozenset = frozenset()
    # The provider side: own providers, and onderaannemers in the percelen of a
    # hoofdaanbieder's current subcontract (``registry.permissions``).
    provider: ProviderReach = ProviderReach()
    school_ids: frozenset = frozenset()
    municipality: bool = False
    referrer_organisations: tuple = ()
    member_ids: frozenset = frozenset()  # every organisation the actor belongs to

    @property
    def is_provider(self) -> bool:
        return bool(self.provider.organisation_ids)

    def reaches_as_provider(self, referral) -> bool:
        return self.provider.covers(referral.provider_id, referral.perceel_id)


def _is_authenticated(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _token_scope(actor) -> Scope:
    """A key acts for its one organisation, in that organisation's role; a
    revoked or expired key, or one of an inactive organisation, for none."""
    token = actor.api_token
    org = token.organisation
    if not (token.is_active and org.active):
        return Scope()
    reach = registry_permissions.provider_reach(actor)
    referrers = (org,) if org.is_referrer else ()
    return Scope(
        referrer_ids=frozenset(o.pk for o in referrers),
        provider=reach,
        school_ids=frozenset([org.pk] if org.kind == Organisation.Kind.SCHOOL else []),
        municipality=org.is_municipality,
        referrer_organisations=referrers,
        member_ids=frozenset([org.pk]),
    )


def _user_scope(user) -> Scope:
    # Shares the memoised membership query with registry.permissions.
    orgs = [m.organisation for m in registry_permissions.memberships(user)]
    referrers = tuple(sorted((o for o in orgs if o.is_referrer), key=str))
    return Scope(
        referrer_ids=frozenset(o.pk for o in referrers),
        provider=registry_permissions.provider_reach(user),
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
        cached = _token_scope(actor) if token is not None else _user_scope(actor)
        actor._referrals_scope = cached
    return cached


def can_refer(actor) -> bool:
    return bool(scope(actor).referrer_ids)


def referral_view(actor, referral) -> str | None:
    """Which view of ``referral`` the actor gets: REFERRER, PROVIDER, SCHOOL or None."""
    own = scope(actor)
    if referral.referrer_organisation_id in own.referrer_ids:
        return REFERRER
    if own.reaches_as_provider(referral):
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
    return own.reaches_as_provider(referral)


def acting_organisation_id(actor, referral, event_type: str | None = None):
    """The organisation through which ``actor`` reads ``referral`` (no
    ``event_type``) or records a step of ``event_type`` on it: the referrer
    organisation, the provider, the hoofdaanbieder whose subcontract covers the
    referral's perceel, or the following school. None for outsiders.
    """
    if event_type is None:
        return reading_organisation_id(actor, referral, referral_view(actor, referral))
    if event_type in wf.REFERRER_EVENTS:
        return referral.referrer_organisation_id
    return _provider_side(actor, referral)


def reading_organisation_id(actor, referral, view: str | None):
    """``acting_organisation_id`` of a read whose ``referral_view`` the caller
    has decided already (a list page decides each row's view once)."""
    if view == REFERRER:
        return referral.referrer_organisation_id
    if view == PROVIDER:
        return _provider_side(actor, referral)
    if view == SCHOOL:
        return referral.follower_school_id
    return None


def _provider_side(actor, referral):
    return scope(actor).provider.entitled_through(
        referral.provider_id, referral.perceel_id
    )


def recordable_events(actor, referral) -> set[str]:
    """The event types this actor may ever record on this referral (not the flow)."""
    return {t for t in wf.EVENT_TYPES if can_record_event(actor, referral, t)}


def can_view_access_log(actor) -> bool:
    return scope(actor).municipality
