"""Read paths of the referral tracker: QuerySets scoped to the actor.

Every selector that returns referrals filters on what ``permissions`` lets the
actor see, so a view can never list another organisation's referral. Reading
personal data is logged by the caller with ``services.access_log_record``.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.utils import timezone

from referrals import codes, identifiers, keyset
from referrals import permissions as perms
from referrals import workflow as wf
from referrals.models import (
    URGENT_FIRST,
    AccessLogEntry,
    Notification,
    Referral,
    ReferralEvent,
    ResponseNorm,
)
from registry.catalogue_version import capacity_version, catalogue_version
from registry.models import Capacity, Service
from sociale_kaart.cache_safe import cache_get, cache_get_or_compute, cache_set

ALTERNATIVES_PER_REFERRAL = 5
# The working lists (/verwijzingen, /inbox) show the service's and the
# provider's name and the perceel: those rows only, without their long texts
# and the service's search document (a page of full rows is mostly those).
_WORKING_LIST_RELATED = ("service", "provider", "perceel")
_WORKING_LIST_DEFERRED = (
    "service__description",
    "service__how_to_refer",
    "service__search_text",
    "service__search_vector",
    "provider__description",
    "perceel__description",
)


def _working_list_rows(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.select_related(*_WORKING_LIST_RELATED).defer(*_WORKING_LIST_DEFERRED)


def _default_norms() -> dict[str, wf.Norms]:
    """Used where the municipality has no ``ResponseNorm`` row (the migration
    seeds the same values): settings NORM_*_WEEKS; an urgent referral's first
    contact within 2 working days."""
    regular = wf.Norms(
        first_contact=wf.Norm(settings.NORM_FIRST_CONTACT_WEEKS),
        intake=wf.Norm(settings.NORM_INTAKE_WEEKS),
        treatment=wf.Norm(settings.NORM_TREATMENT_WEEKS),
        total=wf.Norm(settings.NORM_TOTAL_WEEKS),
    )
    urgent = replace(regular, first_contact=wf.Norm(2, wf.WORKING_DAYS))
    return {codes.Urgency.REGULAR: regular, codes.Urgency.URGENT: urgent}


NormsTable = dict[str, wf.Norms]


def norms_table() -> NormsTable:
    """The norms per urgency (one query)."""
    table = _default_norms()
    for row in ResponseNorm.objects.all():
        if row.urgency in table:
            table[row.urgency] = replace(
                table[row.urgency], **{row.step: row.as_norm()}
            )
    return table


NORMS_CACHE_KEY = "referrals:norms-table"
NORMS_CACHE_SECONDS = 300  # a safety net: every change clears the key at once


def norms_table_cached() -> NormsTable:
    """``norms_table`` through the cache, for the texts every page states (the
    footer's Treeknormen, the catalogue's norm badges): no query per page.
    ``referrals.signals`` clears it whenever a ``ResponseNorm`` changes."""
    return cache_get_or_compute(NORMS_CACHE_KEY, norms_table, NORMS_CACHE_SECONDS)


def regular_norm_weeks() -> dict[str, int | float]:
    """The regular referral's norms in weeks: what the catalogue calls the
    Treeknormen (intake, treatment, total) and the first contact."""
    regular = norms_table_cached()[codes.Urgency.REGULAR]
    return {
        "first_contact": regular.first_contact.weeks,
        "intake": regular.intake.weeks,
        "treatment": regular.treatment.weeks,
        "total": regular.total.weeks,
    }


def norms(urgency: str = codes.Urgency.REGULAR, table: NormsTable | None = None):
    """The norms for a referral of ``urgency`` (from ``table``, else the cached
    table every page's footer states: no query)."""
    table = norms_table_cached() if table is None else table
    return table.get(urgency) or table[codes.Urgency.REGULAR]


def stored_derived(referral: Referral) -> wf.Derived:
    """The stored status and dates as a ``Derived`` (enough for the norms)."""
    values = {name: getattr(referral, name) for name in wf.Derived.FIELDS}
    return wf.Derived(**values)


@dataclass(frozen=True)
class Timing:
    """How a referral stands against the norms on ``today``."""

    days_since_referral: int
    days_waiting: int
    next_deadline: wf.Deadline | None
    overdue: tuple

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)


def referral_timing(
    referral: Referral, *, today: date | None = None, table: NormsTable | None = None
) -> Timing:
    """How ``referral`` stands against the norms of ``table`` (default: the
    cached table, ``norms``)."""
    today = today or timezone.localdate()
    derived = stored_derived(referral)
    kwargs = {
        "referred_on": referral.referred_on,
        "norms": norms(referral.urgency, table),
    }
    waited_until = (
        referral.started_on
        or referral.declined_on
        or referral.withdrawn_on
        or referral.ended_on
        or today
    )
    # ``wf.next_deadline`` and ``wf.overdue`` from one reading of the
    # deadlines (a list page asks this for every row).
    ahead = wf.deadlines(derived, **kwargs)
    return Timing(
        days_since_referral=(today - referral.referred_on).days,
        days_waiting=(waited_until - referral.referred_on).days,
        next_deadline=ahead[0] if ahead else None,
        overdue=tuple(d for d in ahead if d.due_on < today),
    )


def _visible_q(actor) -> Q:
    own = perms.scope(actor)
    return (
        Q(referrer_organisation_id__in=own.referrer_ids)
        | own.provider.q("provider", "perceel")
        | Q(school_consent=True, follower_school_id__in=own.school_ids)
    )


# A line of the API list (``ReferralSerializer._line``) reads a named row of
# these columns rather than a Referral with five relations (for a page of 100
# those model instances cost more than its SQL): the referral's own columns
# by attribute, as a Referral has them (what ``perms.referral_view``,
# ``referral_timing`` and the access log read), except those no line shows,
# and of each relation the one column the line shows (not a service's search
# document nor the previous referral's personal data).
_OFF_THE_LINE = frozenset(
    {
        "family_code",
        "referrer_user_id",
        "previous_referral_id",
        "personal_data_purged_at",
        "created_at",
        "provider_opened_at",
    }
)
REFERRAL_LINE_COLUMNS = (
    "pk",
    *(
        field.attname
        for field in Referral._meta.concrete_fields
        if field.attname not in _OFF_THE_LINE
    ),
    "service__name",
    "provider__name",
    "perceel__code",
    "referrer_organisation__name",
    "previous_referral__reference",
)


def referral_list_for_actor(*, actor) -> QuerySet[Referral]:
    """Every referral the actor may see, in any role (API list); its pages
    are read as rows of ``REFERRAL_LINE_COLUMNS``."""
    return Referral.objects.filter(_visible_q(actor)).order_by("-referred_on", "-id")


def referral_list_for_referrer(*, actor, open_only: bool = False) -> QuerySet[Referral]:
    """The referrals of the actor's referrer organisations, plus those the actor's
    school follows with consent (/verwijzingen), newest first."""
    own = perms.scope(actor)
    qs = Referral.objects.filter(
        Q(referrer_organisation_id__in=own.referrer_ids)
        | Q(school_consent=True, follower_school_id__in=own.school_ids)
    )
    if open_only:
        qs = qs.filter(status__in=wf.OPEN_STATUSES)
    return _working_list_rows(qs).order_by("-referred_on", "-id")


def referral_inbox(
    *, actor, open_only: bool = True, within: Q | None = None
) -> QuerySet[Referral]:
    """Referrals to the services of the actor's provider organisations (and, for a
    hoofdaanbieder, its onderaannemers' in the percelen of its subcontracts with
    them): urgent first, then oldest first. ``within``: one of
    ``inbox_branches`` instead of the whole scope (``referral_inbox_parts``)."""
    if within is None:
        within = perms.scope(actor).provider.q("provider", "perceel")
    qs = Referral.objects.filter(within)
    if open_only:
        # The same list as the partial index ``referral_inbox_open``.
        qs = qs.filter(status__in=sorted(wf.OPEN_STATUSES))
    return _working_list_rows(qs).order_by(URGENT_FIRST, "referred_on", "id")


def referral_inbox_parts(*, actor, open_only: bool = True) -> list[QuerySet]:
    """The inbox per provider (``inbox_branches``), for ``keyset.keyset_page``
    to merge a page from; none when there is only one provider."""
    branches = inbox_branches(actor=actor)
    if len(branches) < 2:
        return []
    return [
        referral_inbox(actor=actor, open_only=open_only, within=branch)
        for branch in branches
    ]


def referral_inbox_branches(*, actor, open_only: bool = True):
    """``referral_inbox_parts`` as ``keyset.Branches`` (one statement for the
    merge on PostgreSQL, however many onderaannemers); None when there is only
    one provider."""
    rows = _branch_rows(actor)
    if len(rows) < 2:
        return None
    return keyset.Branches(
        template=referral_inbox(actor=actor, open_only=open_only, within=_branch()),
        rows=tuple(rows),
        build=lambda: referral_inbox_parts(actor=actor, open_only=open_only),
    )


def _branch() -> Q:
    """The branch of the LATERAL row ``_b`` (``keyset.Branches``): its provider
    and, unless NULL (every perceel), its percelen. Table and column names
    from the model only."""
    quote = connection.ops.quote_name
    perceel = (
        f"{quote(Referral._meta.db_table)}."
        f"{quote(Referral._meta.get_field('perceel').column)}"
    )
    return Q(provider_id=RawSQL('"_b"."provider"', ())) & Q(
        RawSQL(  # noqa: S611 - names from the model, no input
            f'("_b"."percelen" IS NULL OR {perceel} = ANY("_b"."percelen"))',
            (),
            output_field=BooleanField(),
        )
    )


def inbox_branches(*, actor) -> list[Q]:
    """The actor's provider scope split per provider organisation: its own
    (every perceel) and each onderaannemer's (the subcontracted percelen).
    Disjoint, together the whole scope, and each one ordered by the inbox
    indexes (provider first), so ``keyset.keyset_page`` merges a page from
    each one's first rows instead of sorting everything the inbox reaches."""
    return [
        Q(provider_id=org)
        if percelen is None
        else Q(provider_id=org, perceel_id__in=percelen)
        for org, percelen in _branch_rows(actor)
    ]


def _branch_rows(actor) -> list[tuple[int, tuple[int, ...] | None]]:
    """(provider, its percelen in the scope or None for every perceel): the
    actor's own organisations first, then each onderaannemer, by id."""
    reach = perms.scope(actor).provider
    rows = [(org, None) for org in sorted(reach.own)]
    rows += [
        (org, tuple(sorted(reach.percelen_of(org))))
        for org in sorted(reach.organisation_ids - reach.own)
    ]
    return rows


def overdue_q(today: date, table: NormsTable) -> Q:
    """Open referrals past at least one norm of their urgency, as
    ``workflow.overdue`` decides it, as one database condition."""
    per_urgency = Q()
    for urgency, these in table.items():
        per_urgency |= Q(urgency=urgency) & (
            Q(referred_on__lt=these.total.overdue_before(today))
            | Q(
                first_contact_on__isnull=True,
                intake_on__isnull=True,
                referred_on__lt=these.first_contact.overdue_before(today),
            )
            | Q(
                intake_on__isnull=True,
                referred_on__lt=these.intake.overdue_before(today),
            )
            | Q(intake_on__lt=these.treatment.overdue_before(today))
        )
    return Q(status__in=wf.OPEN_STATUSES) & per_urgency


# The working lists' column sorts. Each sorts on an indexed column (reference is
# unique; referred_on, (status, referred_on) and started_on carry an index) and
# ends on the id, so rows never swap places between two pages.
SORT_COLUMNS = {
    "referentie": ("reference", "id"),
    "verwezen": ("referred_on", "id"),
    "status": ("status", "referred_on", "id"),
    "gestart": ("started_on", "id"),
}
SORTS = {
    **SORT_COLUMNS,
    **{
        f"-{key}": tuple(f"-{field}" for field in fields)
        for key, fields in SORT_COLUMNS.items()
    },
}


def _service_choices(qs: QuerySet[Service]) -> list[tuple[int, str]]:
    rows = qs.order_by("name", "organisation__name", "id").values_list(
        "pk", "name", "organisation__name"
    )
    return [(pk, f"{name} ({org})") for pk, name, org in rows]


def service_choices_for_inbox(*, actor) -> list[tuple[int, str]]:
    """The services whose referrals reach the actor as a provider (its own, and
    its onderaannemers' in the subcontracted percelen): one query, kept in the
    cache under the catalogue version (which every service or organisation
    write replaces) and the reach itself (whose percelen of which providers),
    so a page after a rename or a new subcontract reads them again."""
    reach = perms.scope(actor).provider
    if not reach.organisation_ids:
        return []

    def read() -> list[tuple[int, str]]:
        return _service_choices(
            Service.objects.filter(reach.q("organisation", "perceel"))
        )

    if not settings.SEARCH_COUNTS_CACHE_SECONDS:
        return read()
    covered = repr((sorted(reach.own), sorted(reach.via)))
    digest = hashlib.sha256(covered.encode()).hexdigest()
    key = f"referrals:inbox-services:{catalogue_version()}:{digest}"
    return cache_get_or_compute(key, read, settings.SEARCH_COUNTS_CACHE_SECONDS)


# Past this many services the referrer list's service filter is a search on
# the service's name instead of a list (a JGZ refers to thousands).
SERVICE_CHOICES_MAX = 200


def service_choices_for_referrer(*, actor) -> list[tuple[int, str]] | None:
    """The services the actor's referrer organisations referred to, if there
    are at most ``SERVICE_CHOICES_MAX`` (one query, reading the
    ``(referrer_organisation, service)`` index only up to the first
    ``SERVICE_CHOICES_MAX`` + 1 services); a longer list is cut there, which
    the caller takes as "too many to list". None for an actor who only follows
    as a school (a school never learns the service)."""
    ids = perms.scope(actor).referrer_ids
    if not ids:
        return None
    first = (
        Referral.objects.filter(referrer_organisation_id__in=ids)
        .order_by("service_id")
        .values("service_id")
        .distinct()[: SERVICE_CHOICES_MAX + 1]
    )
    return _service_choices(Service.objects.filter(pk__in=first))


def referral_filter(
    qs: QuerySet, filters: dict, *, table=None, service_within: Q | None = None
) -> QuerySet:
    """Narrow a working list (already scoped to the actor) by the list form's
    search, filters and sort. No extra query. ``service_within`` limits the
    service filter to the rows the actor may see the service of (so a school's
    followed pupils never answer "who is referred to this service")."""
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(reference__icontains=identifiers.normalise_reference(text))
            | Q(child_initials__istartswith=text)
        )
    for name, field in (("status", "status"), ("urgentie", "urgency")):
        if filters.get(name):
            qs = qs.filter(**{field: filters[name]})
    if filters.get("aanbod"):
        qs = qs.filter(Q(service_id=filters["aanbod"]) & (service_within or Q()))
    if filters.get("aanbod_naam"):
        named = Service.objects.filter(name__icontains=filters["aanbod_naam"])
        qs = qs.filter(Q(service_id__in=named.values("pk")) & (service_within or Q()))
    if filters.get("van"):
        qs = qs.filter(referred_on__gte=filters["van"])
    if filters.get("tot"):
        qs = qs.filter(referred_on__lte=filters["tot"])
    if filters.get("te_laat"):
        table = norms_table() if table is None else table
        qs = qs.filter(overdue_q(timezone.localdate(), table))
    if filters.get("sorteer"):
        qs = qs.order_by(*SORTS[filters["sorteer"]])
    return qs


def referral_get(*, actor, reference: str) -> Referral:
    """The referral with this reference if the actor may see it; else ``Http404``."""
    referral = (
        Referral.objects.select_related(
            "service",
            "service__capacity",
            "provider",
            "perceel",
            "referrer_organisation",
            "referrer_user",
            "follower_school",
            "previous_referral",
        )
        .filter(reference=identifiers.normalise_reference(reference))
        .first()
    )
    if referral is None or not perms.can_see_referral(actor, referral):
        raise Http404("Verwijzing niet gevonden.")
    return referral


def referral_events(referral: Referral) -> list[ReferralEvent]:
    """The timeline in recording order (the order ``workflow.derive`` replays)."""
    return list(referral.events.select_related("actor_organisation").order_by("id"))


def referral_open_duplicates(
    *, actor, child_initials: str, child_birth_date: date, perceel_id: int
) -> QuerySet[Referral]:
    """Open referrals of the same child in the same perceel that the actor's
    referrer organisations made.

    Limited to the actor's own organisations: showing another organisation's
    referral (even that one exists for this child) would break "a referrer never
    sees another organisation's referrals" (DESIGN.md).
    """
    return (
        Referral.objects.filter(
            referrer_organisation_id__in=perms.scope(actor).referrer_ids,
            child_initials__iexact=child_initials,
            child_birth_date=child_birth_date,
            perceel_id=perceel_id,
            status__in=wf.OPEN_STATUSES,
        )
        .select_related("service", "provider")
        .order_by("referred_on", "id")
    )


def service_alternatives(
    *, perceel_ids: set[int], limit: int = ALTERNATIVES_PER_REFERRAL + 1
) -> dict[int, list[Service]]:
    """Per perceel: active services accepting now, shortest wait first (one query).

    ``limit`` is one more than shown so the caller can drop the declined service.
    Only the first ``limit`` per perceel are read in full: they are chosen first
    over the service's own narrow columns (``search_open`` and
    ``search_total_wait``, which a trigger keeps equal to the capacity; see
    ``_alternatives_ranked``), not by reading and sorting every open service of
    the perceel with its joins.

    Which services those are depends on the catalogue and its capacity figures,
    so their ids are kept in the cache per perceel under the capacity version
    (which every catalogue or capacity write replaces); the rows are always
    read fresh, so a list of declined referrals does not rank every open
    service of their percelen on each page view.
    """
    if not perceel_ids:
        return {}
    keys = {pk: _alternatives_key(pk, limit) for pk in perceel_ids}
    chosen = {pk: cache_get(key) if key else None for pk, key in keys.items()}
    missing = {pk for pk, ids in chosen.items() if ids is None}
    if missing:
        pick = _alternatives_ranked(missing, limit)
        services = Service.objects.filter(
            Q(pk__in=pick) | Q(pk__in=_cached_ids(chosen))
        )
    else:
        services = Service.objects.filter(pk__in=_cached_ids(chosen))
    services = (
        services.filter(capacity__status=Capacity.Status.OPEN)
        .select_related("organisation", "capacity")
        # What an alternative shows: its name and link, its provider, its wait
        # (not the long texts and search document of 20-odd services a page).
        .only(
            "name",
            "perceel_id",
            "organisation__name",
            "capacity__status",
            "capacity__intake_wait_weeks",
            "capacity__treatment_wait_weeks",
        )
        .annotate(
            wait=Coalesce(F("capacity__intake_wait_weeks"), Value(0))
            + Coalesce(F("capacity__treatment_wait_weeks"), Value(0))
        )
        .order_by("wait", "name", "id")
    )
    result: dict[int, list[Service]] = {pk: [] for pk in perceel_ids}
    for service in services:
        if len(result[service.perceel_id]) < limit:
            result[service.perceel_id].append(service)
    seconds = settings.SEARCH_COUNTS_CACHE_SECONDS
    for pk in missing:
        if keys[pk]:
            cache_set(keys[pk], [service.pk for service in result[pk]], seconds)
    return result


def _alternatives_ranked(perceel_ids: set[int], limit: int):
    """The ids of the first ``limit`` open services of each perceel, as a
    subquery. On PostgreSQL one short read per perceel of the partial index
    ``service_alternatives_rank`` (a perceel with 20,000 open services costs
    what one with ten does); elsewhere a row number over the perceel's open
    services."""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT ranked.id FROM unnest(%s::bigint[]) AS p(id)"
            " CROSS JOIN LATERAL (SELECT s.id FROM registry_service s"
            " WHERE s.perceel_id = p.id AND s.active AND s.search_open"
            " ORDER BY COALESCE(s.search_total_wait, 0), s.name, s.id LIMIT %s)"
            " AS ranked"
        )
        # A constant statement; the perceel ids and the limit are parameters.
        return RawSQL(sql, [sorted(perceel_ids), limit])  # noqa: S611
    return (
        Service.objects.filter(
            perceel_id__in=perceel_ids, active=True, search_open=True
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("perceel_id"),
                order_by=[
                    Coalesce(F("search_total_wait"), Value(0)).asc(),
                    F("name").asc(),
                    F("id").asc(),
                ],
            )
        )
        .filter(rank__lte=limit)
        .values("pk")
    )


def _cached_ids(chosen: dict[int, list[int] | None]) -> list[int]:
    return [pk for ids in chosen.values() if ids for pk in ids]


def _alternatives_key(perceel_id: int, limit: int) -> str | None:
    if not settings.SEARCH_COUNTS_CACHE_SECONDS:
        return None
    # The ranking reads the services' room and waits: capacity writes change it.
    return f"referrals:alternatives:{capacity_version()}:{perceel_id}:{limit}"


def child_age(referral: Referral, today: date | None = None) -> int | None:
    born = referral.child_birth_date
    if born is None:
        return None
    today = today or timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def alternatives_fitting(referral: Referral) -> list[Service]:
    """Open services that fit the child of a declined or ended referral: same
    perceel, the child's age, a problem area and a stadsdeel of the declined
    service (where it has them), shortest wait first; never the same service."""
    qs = Service.objects.filter(
        perceel_id=referral.perceel_id,
        active=True,
        capacity__status=Capacity.Status.OPEN,
    ).exclude(pk=referral.service_id)
    age = child_age(referral)
    if age is not None:
        qs = qs.filter(age_min__lte=age, age_max__gte=age)
    problems = list(referral.service.problem_areas.values_list("pk", flat=True))
    if problems:
        qs = qs.filter(problem_areas__in=problems)
    districts = list(referral.service.districts.values_list("pk", flat=True))
    if districts:
        qs = qs.filter(districts__in=districts)
    qs = qs.distinct().select_related("organisation", "capacity")
    qs = qs.annotate(
        wait=Coalesce(F("capacity__intake_wait_weeks"), Value(0))
        + Coalesce(F("capacity__treatment_wait_weeks"), Value(0))
    )
    return list(qs.order_by("wait", "name", "id")[:ALTERNATIVES_PER_REFERRAL])


@dataclass(frozen=True)
class Chain:
    """The referrals one child went through, first to last, and the wait from
    the first referral until help started (or today)."""

    referrals: tuple
    wait_days: int
    started: bool

    @property
    def wait_weeks(self) -> int:
        return self.wait_days // 7


def referral_chain(referral: Referral, *, today: date | None = None) -> Chain:
    """Walk ``previous_referral`` back (at most 20 steps; one query each) and
    forward to the latest follow-up the actor's organisation made."""
    today = today or timezone.localdate()
    back = [referral]
    while back[0].previous_referral_id and len(back) < 20:
        back.insert(0, Referral.objects.get(pk=back[0].previous_referral_id))
    forward = referral
    while len(back) < 20:
        nxt = Referral.objects.filter(previous_referral=forward).order_by("id").first()
        if nxt is None:
            break
        back.append(nxt)
        forward = nxt
    last = back[-1]
    end = last.started_on or today
    return Chain(
        referrals=tuple(back),
        wait_days=(end - back[0].referred_on).days,
        started=last.started_on is not None,
    )


def alternatives_for(referral: Referral, per_perceel: dict[int, list[Service]]):
    """At most five alternatives for a declined referral, not its own service."""
    others = per_perceel.get(referral.perceel_id, [])
    return [s for s in others if s.pk != referral.service_id][
        :ALTERNATIVES_PER_REFERRAL
    ]


def access_log_list(*, actor, reference: str = "") -> QuerySet[AccessLogEntry]:
    if not perms.can_view_access_log(actor):
        raise Http404
    qs = AccessLogEntry.objects.select_related("referral", "user", "organisation")
    if reference:
        qs = qs.filter(referral__reference=identifiers.normalise_reference(reference))
    return qs.order_by("-at", "-id")


def notification_unread_for(*, actor) -> QuerySet[Notification]:
    if not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_user=actor, read_at__isnull=True)
        .select_related("referral")
        .order_by("-created_at", "-id")
    )
