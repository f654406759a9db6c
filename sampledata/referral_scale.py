"""Generated referral histories at scale, for the dashboard benchmark and tests.

``generate_referrals`` bulk-inserts fictional referrals *with their events*:
each referral's story is simulated step by step (received, first contact,
waiting list, intake, start, end; or declined with a reason, withdrawn, or
stuck), cut off at today, and its stored status and milestone dates are exactly
``workflow.derive(events)``, as if every step went through
``referral_event_record``. Distributions are plausible rather than measured:
most help starts 4-20 weeks after the referral, about 10 % is declined, 5 %
withdrawn, some referrals stall (open and past the norms), and one event in
seven is recorded days or weeks after it happened (back-dated).

``generate_capacity_history`` gives services without history a plausible
capacity history ending in their current state (the dashboard's capacity trend).

Deterministic for a seed. PostgreSQL gets ``COPY`` (psycopg 3); other databases
``executemany``. Primary keys are assigned here and sequences reset afterwards,
so run it on a database nobody else is writing to. References are ``VW-Z`` +
7 characters derived from the id (unique among generated rows).
"""

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dashboard import sql
from referrals import codes
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from registry.models import Capacity, Organisation, Service

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH = 20_000
# Referrer types and how often each refers (huisartsen refer most).
REFERRER_ROLE_WEIGHTS = {
    codes.ReferrerRole.HUISARTS: 38,
    codes.ReferrerRole.JGZ_TOEGANG: 16,
    codes.ReferrerRole.JEUGDVERPLEEGKUNDIGE: 8,
    codes.ReferrerRole.JEUGDARTS: 12,
    codes.ReferrerRole.WIJKTEAM: 12,
    codes.ReferrerRole.MEDISCH_SPECIALIST: 8,
    codes.ReferrerRole.GI: 6,
}
_REFERRER_KIND = {
    codes.ReferrerRole.JGZ_TOEGANG: Organisation.Kind.JGZ,
    codes.ReferrerRole.JEUGDARTS: Organisation.Kind.JGZ,
    codes.ReferrerRole.JEUGDVERPLEEGKUNDIGE: Organisation.Kind.JGZ,
    codes.ReferrerRole.HUISARTS: Organisation.Kind.HUISARTS,
    codes.ReferrerRole.GI: Organisation.Kind.GI,
    codes.ReferrerRole.MEDISCH_SPECIALIST: Organisation.Kind.ZIEKENHUIS,
    codes.ReferrerRole.WIJKTEAM: Organisation.Kind.WIJKTEAM,
}
_REFERRER_ORGS = {  # kind: how many to create when none exist
    Organisation.Kind.JGZ: 3,
    Organisation.Kind.HUISARTS: 40,
    Organisation.Kind.GI: 2,
    Organisation.Kind.ZIEKENHUIS: 2,
    Organisation.Kind.WIJKTEAM: 7,
}
DECLINE_WEIGHTS = {
    codes.DeclineReason.NO_CAPACITY: 35,
    codes.DeclineReason.NOT_RIGHT_HELP: 30,
    codes.DeclineReason.OUTSIDE_AGE: 5,
    codes.DeclineReason.NO_CONTACT: 15,
    codes.DeclineReason.FAMILY_DECLINED: 10,
    codes.DeclineReason.OTHER: 5,
}
END_WEIGHTS = {"31": 70, "34": 10, "32": 8, "33": 4, "38": 5, "39": 3}
# Referral volume per calendar month (summer and December are quieter).
MONTH_WEIGHTS = (10, 11, 11, 10, 10, 9, 6, 6, 11, 11, 11, 8)


@dataclass(frozen=True)
class Step:
    type: str
    on: date
    expected_start_on: date | None = None
    bridging_care: bool | None = None
    end_reason: str = ""
    decline_reason: str = ""


class _Story:
    """One referral's simulated steps (before cutting off at today)."""

    def __init__(self, rng: random.Random, referred_on: date, speed: float):
        self.rng, self.referred_on, self.speed = rng, referred_on, speed
        self.steps: list[Step] = []

    @property
    def last(self) -> date:
        return self.steps[-1].on if self.steps else self.referred_on

    def add(self, type_: str, after_days: float, **fields) -> None:
        self.steps.append(
            Step(type_, self.last + timedelta(days=round(after_days)), **fields)
        )

    def days(self, median: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(median * self.speed), sigma)

    def exit(self, fate: str) -> None:
        if fate == "declined":
            reason = _weighted(self.rng, DECLINE_WEIGHTS)
            self.add(wf.DECLINED, self.rng.randint(0, 10), decline_reason=reason)
        else:
            self.add(wf.WITHDRAWN, self.rng.randint(0, 20))

    def waitlist(self) -> None:
        expected = self.last + timedelta(days=round(self.days(30, 0.5)))
        bridging = self.rng.random() < 0.3
        self.add(
            wf.WAITLISTED, self.rng.randint(0, 3),
            expected_start_on=expected, bridging_care=bridging,
        )  # fmt: skip


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def simulate(rng: random.Random, referred_on: date, speed: float) -> list[Step]:
    """The full story of one referral, in the order the steps are recorded."""
    story = _Story(rng, referred_on, speed)
    roll = rng.random()
    fate = (
        "declined" if roll < 0.10 else
        "withdrawn" if roll < 0.15 else
        "stuck" if roll < 0.17 else
        "normal"
    )  # fmt: skip
    stage = rng.choice((1, 2, 2, 3)) if fate != "normal" else 0
    story.add(wf.RECEIVED, rng.choices((0, 1, 2, 5), weights=(40, 35, 15, 10))[0])
    if stage == 1:
        return story.steps if fate == "stuck" else _exit(story, fate)
    _until_intake(story)
    if stage == 2:
        return story.steps if fate == "stuck" else _exit(story, fate)
    story.add(wf.INTAKE, max(1, story.days(24, 0.55) - (story.last - referred_on).days))
    if rng.random() < 0.25:
        story.waitlist()
    if stage == 3:
        return story.steps if fate == "stuck" else _exit(story, fate)
    story.add(wf.STARTED, max(1, story.days(32, 0.6)))
    if rng.random() < 0.8:
        story.add(
            wf.ENDED, story.days(150, 0.5), end_reason=_weighted(rng, END_WEIGHTS)
        )
    return story.steps


def _until_intake(story: _Story) -> None:
    if story.rng.random() < 0.75:
        story.add(wf.FIRST_CONTACT, story.days(6, 0.7))
        if story.rng.random() < 0.3:
            story.waitlist()


def _exit(story: _Story, fate: str) -> list[Step]:
    story.exit(fate)
    return story.steps


# --- timing of recording (back-dated events) --------------------------------------


def _recorded(rng: random.Random, steps: Sequence[Step], created: datetime):
    """Recording moments: mostly the same working day, sometimes weeks later."""
    moments, previous = [], created
    for step in steps:
        delay = rng.choices((0, rng.randint(1, 14), rng.randint(15, 60)), (85, 10, 5))[
            0
        ]
        hour = time(rng.randint(8, 17), rng.randint(0, 59))
        moment = _aware(step.on + timedelta(days=delay), hour)
        moment = max(moment, previous + timedelta(minutes=1))
        moments.append(moment)
        previous = moment
    return moments


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def cut_off(steps, moments, *, today: date, now: datetime):
    """The steps that happened and were recorded by now (a prefix)."""
    kept = []
    for step, moment in zip(steps, moments, strict=True):
        if step.on > today or moment > now:
            break
        kept.append((step, moment))
    return kept


# --- rows ---------------------------------------------------------------------


@dataclass
class _Context:
    rng: random.Random
    today: date
    now: datetime
    days: int
    services: list[tuple[int, int, int]]  # (service, provider, perceel)
    service_weights: list[float]
    speeds: dict[int, float]
    referrers: dict[str, list[int]]
    first_id: int
    first_event_id: int
    seed: int


def _referred_on(ctx: _Context) -> date:
    """A day in the last ``days``: quieter months less often, volume growing."""
    while True:
        offset = ctx.rng.randrange(ctx.days)
        day = ctx.today - timedelta(days=offset)
        growth = 1 - 0.25 * offset / ctx.days
        if ctx.rng.random() * 11 < MONTH_WEIGHTS[day.month - 1] * growth:
            return day


def _code(n: int, length: int) -> str:
    chars = []
    for _ in range(length):
        n, rest = divmod(n, 32)
        chars.append(ALPHABET[rest])
    return "".join(reversed(chars))


def _referral(ctx: _Context, pk: int):
    rng = ctx.rng
    service_id, provider_id, perceel_id = rng.choices(
        ctx.services, cum_weights=ctx.service_weights
    )[0]
    referred_on = _referred_on(ctx)
    # Waits grow a little over the years, as they did in the audit office's data.
    drift = 0.85 + 0.3 * (1 - (ctx.today - referred_on).days / ctx.days)
    steps = simulate(rng, referred_on, ctx.speeds[service_id] * drift)
    created = _aware(referred_on, time(rng.randint(8, 16), rng.randint(0, 59)))
    kept = cut_off(steps, _recorded(rng, steps, created), today=ctx.today, now=ctx.now)
    if created > ctx.now:
        created = ctx.now
    derived = wf.derive(
        wf.Event(s.type, s.on, s.expected_start_on, s.bridging_care) for s, _ in kept
    )
    referrer_role = _weighted(rng, REFERRER_ROLE_WEIGHTS)
    values = {
        "id": pk,
        "reference": "VW-Z" + _code(pk, 7),
        "family_code": "Z" + _code((pk * 40_503 + ctx.seed) % 32**9, 9),
        "service_id": service_id,
        "provider_id": provider_id,
        "perceel_id": perceel_id,
        "referrer_organisation_id": rng.choice(ctx.referrers[referrer_role]),
        "referrer_role": referrer_role,
        "referrer_type": codes.ROLE_COD327[referrer_role],
        "child_initials": f"{rng.choice(ALPHABET[10:])}.{rng.choice(ALPHABET[10:])}.",
        "child_birth_date": referred_on - timedelta(days=rng.randint(365, 17 * 365)),
        "help_question": "Gegenereerde verwijzing (testgegevens).",
        "urgency": "urgent" if rng.random() < 0.05 else "regular",
        "consent_by": "parent",
        "consent_date": referred_on - timedelta(days=rng.randint(0, 14)),
        "referred_on": referred_on,
        "created_at": created,
        **derived.as_dict(),
    }
    return values, kept


def _event_rows(ctx: _Context, referral: dict, kept, next_id: int) -> list[dict]:
    rows = []
    referrer = referral["referrer_organisation_id"]
    for n, (step, moment) in enumerate(kept):
        actor_org = referrer if step.type == wf.WITHDRAWN else referral["provider_id"]
        rows.append(
            {
                "id": next_id + n,
                "referral_id": referral["id"],
                "type": step.type,
                "occurred_on": step.on,
                "recorded_at": moment,
                "actor_organisation_id": actor_org,
                "expected_start_on": step.expected_start_on,
                "bridging_care": step.bridging_care,
                "end_reason": step.end_reason,
                "decline_reason": step.decline_reason,
            }
        )
    return rows


# --- bulk writing -------------------------------------------------------------


class _Writer:
    """Inserts dicts into one model's table (``sql.bulk_insert``: COPY on
    PostgreSQL, else executemany).

    Fields the rows do not carry get the model's default (NULL, "" or the
    field default), so the generator survives new optional fields.
    """

    def __init__(self, model, given: Sequence[str]):
        self.model, self.given = model, list(given)
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in given and not isinstance(f, models.AutoField)
        ]
        self.fields = [model._meta.get_field(n) for n in given] + fields
        self.defaults = [self._default(f) for f in fields]

    @staticmethod
    def _default(field):
        if field.has_default():
            return field.get_default()
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField):
            return ""
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value")

    def write(self, rows: Iterable[dict]) -> None:
        tuples = [(*(row.get(n) for n in self.given), *self.defaults) for row in rows]
        if tuples:
            sql.bulk_insert(self.model, [f.attname for f in self.fields], tuples)


_REFERRAL_FIELDS = (
    "id", "reference", "family_code", "service_id", "provider_id", "perceel_id",
    "referrer_organisation_id", "referrer_role", "referrer_type", "child_initials",
    "child_birth_date",
    "help_question", "urgency", "consent_by", "consent_date", "referred_on",
    "created_at", *wf.Derived.FIELDS,
)  # fmt: skip
_EVENT_FIELDS = (
    "id", "referral_id", "type", "occurred_on", "recorded_at", "actor_organisation_id",
    "expected_start_on", "bridging_care", "end_reason", "decline_reason",
)  # fmt: skip


def _next_id(model) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _reset_sequences(*model_classes) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), model_classes):
            cursor.execute(statement)


# --- public API ---------------------------------------------------------------


def ensure_referrer_organisations(*, seed: int = 1) -> dict[str, list[int]]:
    """Referrer organisation ids per referrer type, creating a few if none exist."""
    for kind, count in _REFERRER_ORGS.items():
        if Organisation.objects.filter(kind=kind).exists():
            continue
        Organisation.objects.bulk_create(
            Organisation(
                name=f"{Organisation.Kind(kind).label} {n + 1} (gegenereerd)",
                slug=f"scale-ref-s{seed}-{kind}-{n + 1}",
                kind=kind,
            )
            for n in range(count)
        )
    by_kind: dict[str, list[int]] = {}
    for pk, kind in Organisation.objects.filter(
        kind__in=list(_REFERRER_ORGS)
    ).values_list("pk", "kind"):
        by_kind.setdefault(kind, []).append(pk)
    return {t: sorted(by_kind[k]) for t, k in _REFERRER_KIND.items()}


def _service_rows(services) -> list[tuple[int, int, int]]:
    if services is None:
        services = Service.objects.filter(
            active=True, organisation__kind__in=Organisation.PROVIDER_KINDS
        )
    if isinstance(services, models.QuerySet):
        return list(
            services.order_by("pk").values_list("pk", "organisation_id", "perceel_id")
        )
    return [(s.pk, s.organisation_id, s.perceel_id) for s in services]


def _context(*, services, referrers, seed, years, today, now) -> _Context:
    rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
    rows = _service_rows(services)
    if not rows:
        raise ValueError("generate_referrals needs at least one provider service")
    # A few services receive most referrals (log-normal popularity).
    weights = [rng.lognormvariate(0, 1.0) for _ in rows]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return _Context(
        rng=rng,
        today=today,
        now=now,
        days=max(1, round(years * 365)),
        services=rows,
        service_weights=cumulative,
        speeds={s[0]: rng.lognormvariate(0, 0.35) for s in rows},
        referrers=referrers or ensure_referrer_organisations(seed=seed),
        first_id=_next_id(Referral),
        first_event_id=_next_id(ReferralEvent),
        seed=seed,
    )


def generate_referrals(
    *,
    count: int,
    years: float = 3,
    seed: int = 1,
    services=None,
    referrers: dict[str, list[int]] | None = None,
    today: date | None = None,
    log: Callable[[str], None] | None = None,
) -> int:
    """Insert ``count`` referrals made in the last ``years``, with their events.

    ``services``: a Service queryset or list to refer to (default: every active
    provider service); ``referrers``: referrer organisation ids per referrer
    type (default: existing ones, a few created if a kind has none).
    Returns the number of events inserted. Everything in one transaction.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    now = min(now, _aware(today, time(23, 59)))
    log = log or (lambda message: None)
    with transaction.atomic():
        ctx = _context(
            services=services, referrers=referrers, seed=seed, years=years,
            today=today, now=now,
        )  # fmt: skip
        referral_writer = _Writer(Referral, _REFERRAL_FIELDS)
        event_writer = _Writer(ReferralEvent, _EVENT_FIELDS)
        events = 0
        for start in range(0, count, BATCH):
            referral_rows, event_rows = [], []
            for pk in range(
                ctx.first_id + start, ctx.first_id + min(count, start + BATCH)
            ):
                values, kept = _referral(ctx, pk)
                referral_rows.append(values)
                event_rows += _event_rows(
                    ctx, values, kept, ctx.first_event_id + events
                )
                events += len(kept)
            referral_writer.write(referral_rows)
            event_writer.write(event_rows)
            log(f"{min(count, start + BATCH)} referrals, {events} events")
        _reset_sequences(Referral, ReferralEvent)
    return events


def generate_capacity_history(
    *, months: int = 36, seed: int = 1, now: datetime | None = None
) -> int:
    """Give every capacity without history rows a history ending in its state.

    About one change per six weeks, mostly keeping the status; the last row
    equals the current row. Returns the number of history rows inserted.
    """
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311
    history = Capacity.history.model
    # NOT EXISTS, not NOT IN: an anti-join stays fast with millions of rows.
    has_history = history.objects.filter(id=OuterRef("pk"))
    capacities = Capacity.objects.filter(~Exists(has_history)).order_by("pk")
    fields = ("id", "service_id", "status", "intake_wait_weeks", "treatment_wait_weeks")
    fields += ("free_places", "note", "updated_at", "version", "history_date")
    fields += ("history_type", "history_change_reason")
    writer = _Writer(history, fields)
    start = now - timedelta(days=round(months * 30.4))
    total = 0
    with transaction.atomic():
        batch = []
        for capacity in capacities.iterator(chunk_size=5000):
            batch += _capacity_walk(rng, capacity, start)
            if len(batch) >= BATCH:
                writer.write(batch)
                total, batch = total + len(batch), []
        writer.write(batch)
        total += len(batch)
    return total


def _capacity_walk(
    rng: random.Random, capacity: Capacity, start: datetime
) -> list[dict]:
    moments, moment = [], start + timedelta(days=rng.uniform(0, 30))
    while moment < capacity.updated_at:
        moments.append(moment)
        moment += timedelta(days=rng.expovariate(1 / 42))
    status = rng.choice(("open", "waitlist", "closed"))
    intake, treatment = rng.randint(0, 12), rng.randint(0, 20)
    rows = []
    for moment in moments:
        if rng.random() < 0.2:
            status = rng.choices(("open", "waitlist", "closed"), (40, 45, 15))[0]
        intake = max(0, intake + rng.randint(-2, 2))
        treatment = max(0, treatment + rng.randint(-2, 2))
        rows.append(_history_row(capacity, moment, status, intake, treatment))
    rows.append(
        _history_row(
            capacity, capacity.updated_at, capacity.status,
            capacity.intake_wait_weeks, capacity.treatment_wait_weeks,
        )
    )  # fmt: skip
    rows[0]["history_type"] = "+"
    return rows


def _history_row(capacity, moment, status, intake, treatment) -> dict:
    return {
        "id": capacity.pk,
        "service_id": capacity.service_id,
        "status": status,
        "intake_wait_weeks": intake,
        "treatment_wait_weeks": treatment,
        "free_places": capacity.free_places,
        "note": "",
        "updated_at": moment,
        "version": capacity.version,
        "history_date": moment,
        "history_type": "~",
        "history_change_reason": "gegenereerd",
    }
