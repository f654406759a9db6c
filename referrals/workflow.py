"""The referral status flow. Nothing else knows the transitions (see STYLE.md).

Pure Python: no database, no Django models. A referral's status and milestone
dates are *derived* from its events with ``derive(events)``; services store the
result but never decide it. ``check_transition`` refuses illegal moves with a
message a provider or referrer understands.

Flow (DESIGN.md)::

    sent → received → first_contact → intake → started → ended
    side exits: waitlisted (before or after intake), declined, withdrawn

An event type is recorded at most once per referral: each is a milestone that
happens once, so a retried or concurrent recording of the same step is refused.
The one exception is ``waitlisted``, once while waiting for the intake and once
while waiting for the start of help after it (two different waits).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from referrals import workdays

SENT = "sent"
RECEIVED = "received"
FIRST_CONTACT = "first_contact"
WAITLISTED = "waitlisted"
INTAKE = "intake"
STARTED = "started"
ENDED = "ended"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

STATUS_LABELS = {
    SENT: _("Verstuurd"),
    RECEIVED: _("Ontvangen"),
    FIRST_CONTACT: _("Eerste contact"),
    WAITLISTED: _("Op wachtlijst"),
    INTAKE: _("Intake gehad"),
    STARTED: _("Hulp gestart"),
    ENDED: _("Afgesloten"),
    DECLINED: _("Afgewezen"),
    WITHDRAWN: _("Ingetrokken"),
}
EVENT_TYPES = (
    RECEIVED,
    FIRST_CONTACT,
    WAITLISTED,
    INTAKE,
    STARTED,
    ENDED,
    DECLINED,
    WITHDRAWN,
)
# Where a step was recorded: in the app ("") or reported by iJw messages.
SOURCE_APP = ""
SOURCE_IJW = "ijw"
SOURCE_CHOICES = [
    (SOURCE_APP, _("in de app")),
    (SOURCE_IJW, _("via iJw-berichtenverkeer")),
]
TERMINAL = frozenset({ENDED, DECLINED, WITHDRAWN})
# Help has not started and the referral is still running: norms apply.
OPEN_STATUSES = frozenset({SENT, RECEIVED, FIRST_CONTACT, WAITLISTED, INTAKE})

# Who records which step: the provider knows what happens at the provider; only
# the referrer can withdraw their own referral.
PROVIDER_EVENTS = frozenset(
    {RECEIVED, FIRST_CONTACT, WAITLISTED, INTAKE, STARTED, ENDED, DECLINED}
)
REFERRER_EVENTS = frozenset({WITHDRAWN})

# Allowed next steps from each status. ``waitlisted`` depends on whether the
# intake already happened; ``allowed_events`` handles that.
_NEXT = {
    SENT: {RECEIVED, DECLINED, WITHDRAWN},
    # An intake is a contact too: a provider may go straight to it.
    RECEIVED: {FIRST_CONTACT, INTAKE, DECLINED, WITHDRAWN},
    FIRST_CONTACT: {WAITLISTED, INTAKE, DECLINED, WITHDRAWN},
    INTAKE: {WAITLISTED, STARTED, DECLINED, WITHDRAWN},
    STARTED: {ENDED},
    ENDED: set(),
    DECLINED: set(),
    WITHDRAWN: set(),
}


class TransitionNotAllowed(ValidationError):
    """An illegal move; a ValidationError on field ``type`` so adapters name it."""

    def __init__(self, message):
        super().__init__({"type": [message]}, code="transition_not_allowed")


@dataclass(frozen=True)
class Event:
    """The workflow's view of a recorded event (services map model rows to this)."""

    type: str
    occurred_on: date
    expected_start_on: date | None = None
    bridging_care: bool | None = None
    # Marked as recorded in error (by the provider, or withdrawn in iJw with
    # StatusAanlevering 3): derive() skips it.
    retracted: bool = False


# The milestone dates (and wait details) that derive() sets besides the status.
MILESTONE_FIELDS = (
    "received_on",
    "first_contact_on",
    "waitlisted_on",
    "expected_start_on",
    "bridging_care",
    "intake_on",
    "started_on",
    "ended_on",
    "declined_on",
    "withdrawn_on",
)


@dataclass
class Derived:
    """Status and milestone dates that follow from the events."""

    status: str = SENT
    received_on: date | None = None
    first_contact_on: date | None = None
    waitlisted_on: date | None = None
    expected_start_on: date | None = None
    bridging_care: bool | None = None
    intake_on: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    declined_on: date | None = None
    withdrawn_on: date | None = None
    recorded: frozenset = field(default_factory=frozenset)
    waitlisted_after_intake: bool = False

    FIELDS = ("status", *MILESTONE_FIELDS)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


def derive(events: Iterable[Event]) -> Derived:
    """Replay events in recording order into status and milestone dates.
    Events marked as recorded in error are skipped, as if never recorded."""
    result = Derived()
    seen = set()
    for event in events:
        if event.retracted:
            continue
        result.status = event.type
        if event.type == WAITLISTED:
            # The latest wait counts: its date and expected start are current.
            result.waitlisted_on = event.occurred_on
            result.expected_start_on = event.expected_start_on
            result.bridging_care = event.bridging_care
            if result.intake_on:
                result.waitlisted_after_intake = True
        else:
            seen.add(event.type)
            setattr(result, f"{event.type}_on", event.occurred_on)
    result.recorded = frozenset(seen)
    return result


def allowed_events(derived: Derived) -> set[str]:
    """The event types that may be recorded next."""
    if derived.status == WAITLISTED:
        nxt = {STARTED} if derived.intake_on else {INTAKE}
        nxt |= {DECLINED, WITHDRAWN}
    else:
        nxt = set(_NEXT[derived.status])
    if derived.intake_on and derived.waitlisted_after_intake:
        nxt.discard(WAITLISTED)
    return nxt - derived.recorded


def check_transition(
    derived: Derived, event_type: str, *, reported: bool = False
) -> None:
    """Raise ``TransitionNotAllowed`` unless ``event_type`` may follow ``derived``.

    ``reported``: the step comes from the provider's own iJw start message
    (JW305). Help that started is a fact, so a reported start may follow any
    open status (the provider may never have recorded contact or intake here).
    """
    if event_type not in EVENT_TYPES:
        raise TransitionNotAllowed(
            _("Onbekende stap: %(type)s.") % {"type": event_type}
        )
    already = event_type in derived.recorded or (
        event_type == WAITLISTED
        and (
            derived.waitlisted_after_intake
            or (derived.waitlisted_on and not derived.intake_on)
        )
    )
    if already:
        raise TransitionNotAllowed(
            _("De stap '%(step)s' is al vastgelegd.")
            % {"step": STATUS_LABELS[event_type]}
        )
    if reported and event_type == STARTED and derived.status in OPEN_STATUSES:
        return
    if event_type not in allowed_events(derived):
        raise TransitionNotAllowed(
            _("De stap '%(step)s' kan niet na '%(status)s'.")
            % {
                "step": STATUS_LABELS[event_type],
                "status": STATUS_LABELS[derived.status],
            }
        )


def check_date(
    *, occurred_on: date, referred_on: date, today: date, last_event_on: date | None
) -> None:
    """An event happened on a real day: not in the future, not before the
    referral, and not before the step recorded before it."""
    if occurred_on > today:
        raise ValidationError(
            {"occurred_on": [_("De datum mag niet in de toekomst liggen.")]}
        )
    if occurred_on < referred_on:
        raise ValidationError(
            {"occurred_on": [_("De datum mag niet vóór de verwijzing liggen.")]}
        )
    if last_event_on and occurred_on < last_event_on:
        raise ValidationError(
            {
                "occurred_on": [
                    _("De datum mag niet vóór de vorige stap (%(date)s) liggen.")
                    % {"date": last_event_on.isoformat()}
                ]
            }
        )


def days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days


WEEKS = "weeks"
DAYS = "days"
WORKING_DAYS = "working_days"
NORM_UNITS = (WEEKS, DAYS, WORKING_DAYS)


@dataclass(frozen=True)
class Norm:
    """One norm: ``amount`` weeks, calendar days or working days (Dutch public
    holidays excluded) after the step it counts from."""

    amount: int
    unit: str = WEEKS

    def due(self, start: date) -> date:
        if self.unit == WORKING_DAYS:
            return workdays.add_working_days(start, self.amount)
        days = self.amount * 7 if self.unit == WEEKS else self.amount
        return start + timedelta(days=days)

    def overdue_before(self, today: date) -> date:
        """The cut-off: a step counted from a day before it is overdue ``today``
        (``due(start) < today`` exactly when ``start < cut-off``)."""
        if self.unit != WORKING_DAYS:
            return today - (self.due(today) - today)
        cutoff = today
        while self.due(cutoff - timedelta(days=1)) >= today:
            cutoff -= timedelta(days=1)
        return cutoff

    @property
    def calendar_days(self) -> int:
        """The norm in calendar days, for aggregate figures that cannot follow
        the holiday calendar per row (the dashboard): working days count with
        the weekends between them ("5 werkdagen" = 7 days), holidays not.
        Deadlines and overdue lists use ``due``, which is exact."""
        if self.unit == WORKING_DAYS:
            return self.amount + 2 * ((self.amount - 1) // 5 + 1)
        return self.amount * 7 if self.unit == WEEKS else self.amount

    @property
    def weeks(self) -> int | float:
        """The norm in weeks, as the catalogue and the dashboard state it."""
        if self.unit == WEEKS:
            return self.amount
        days = self.calendar_days
        return days // 7 if days % 7 == 0 else round(days / 7, 1)

    @property
    def label(self) -> str:
        if self.unit == WORKING_DAYS:
            return ngettext("%(n)s werkdag", "%(n)s werkdagen", self.amount) % {
                "n": self.amount
            }
        if self.unit == DAYS:
            return ngettext("%(n)s dag", "%(n)s dagen", self.amount) % {
                "n": self.amount
            }
        return ngettext("%(n)s week", "%(n)s weken", self.amount) % {"n": self.amount}


@dataclass(frozen=True)
class Norms:
    """The norms that apply to one referral (per urgency; ``ResponseNorm`` rows
    the municipality edits, defaults from the Almere contract and Treeknormen).

    first_contact, intake and total count from the referral; treatment from the
    intake.
    """

    first_contact: Norm = Norm(2)
    intake: Norm = Norm(4)
    treatment: Norm = Norm(10)
    total: Norm = Norm(14)

    def all(self) -> tuple[Norm, ...]:
        return (self.first_contact, self.intake, self.treatment, self.total)


# Translated when shown, in the language of the request that shows them.
DEADLINE_LABELS = {
    FIRST_CONTACT: _("Eerste contact"),
    INTAKE: _("Intake"),
    STARTED: _("Start hulp"),
}


@dataclass(frozen=True)
class Deadline:
    code: str  # first_contact | intake | started
    due_on: date

    @property
    def label(self) -> str:
        """In the active language. A list shows it from ``deadline_labels``,
        translated once, rather than once for every deadline it computes."""
        return str(DEADLINE_LABELS[self.code])


def deadline_labels() -> dict[str, str]:
    """Each deadline's label by code, in the active language."""
    return {code: str(label) for code, label in DEADLINE_LABELS.items()}


def deadlines(derived: Derived, *, referred_on: date, norms: Norms) -> list[Deadline]:
    """The norm deadlines still ahead of (or past for) an open referral.

    First contact within ``norms.first_contact`` of the referral (an intake
    counts as contact); intake within ``norms.intake``; help started within
    ``norms.treatment`` of the intake and ``norms.total`` of the referral,
    whichever comes first. Finished referrals have no deadlines.
    """
    if derived.status not in OPEN_STATUSES:
        return []
    result = []
    if not derived.first_contact_on and not derived.intake_on:
        due = norms.first_contact.due(referred_on)
        result.append(Deadline(FIRST_CONTACT, due))
    if not derived.intake_on:
        due = norms.intake.due(referred_on)
        result.append(Deadline(INTAKE, due))
    start_due = norms.total.due(referred_on)
    if derived.intake_on:
        start_due = min(start_due, norms.treatment.due(derived.intake_on))
    result.append(Deadline(STARTED, start_due))
    return sorted(result, key=lambda d: d.due_on)


def next_deadline(
    derived: Derived, *, referred_on: date, norms: Norms
) -> Deadline | None:
    ahead = deadlines(derived, referred_on=referred_on, norms=norms)
    return ahead[0] if ahead else None


def overdue(
    derived: Derived, *, referred_on: date, norms: Norms, today: date
) -> list[Deadline]:
    """Deadlines that passed without their step being recorded."""
    return [
        d
        for d in deadlines(derived, referred_on=referred_on, norms=norms)
        if d.due_on < today
    ]
