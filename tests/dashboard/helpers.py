"""Known referral histories for the dashboard tests.

``history(service, "2026-01-05", [("received", "2026-01-06"), ...])`` stores a
referral with exactly these events (in this order) and the status and milestone
dates ``workflow.derive`` gives them, as ``referral_event_record`` would.
"""

from datetime import date

from referrals import workflow as wf
from referrals.models import ReferralEvent
from tests import factories


def day(text: str) -> date:
    return date.fromisoformat(text)


def history(service, referred_on: str, steps=(), **fields):
    referral = factories.ReferralFactory(
        service=service, referred_on=day(referred_on), consent_date=day(referred_on),
        **fields,
    )  # fmt: skip
    events = []
    for step in steps:
        event_type, occurred_on, *extra = step
        values = extra[0] if extra else {}
        if event_type == wf.DECLINED:
            values.setdefault("decline_reason", "no_capacity")
        if event_type == wf.ENDED:
            values.setdefault("end_reason", "31")
        events.append(
            ReferralEvent.objects.create(
                referral=referral,
                type=event_type,
                occurred_on=day(occurred_on),
                actor_organisation=referral.provider,
                **values,
            )
        )
    derived = wf.derive(e.as_workflow_event() for e in events)
    for name, value in derived.as_dict().items():
        setattr(referral, name, value)
    referral.save(update_fields=list(wf.Derived.FIELDS))
    return referral


def record(referral, event_type: str, occurred_on: str, **values):
    """Add one event (possibly back-dated) and re-derive the stored fields."""
    ReferralEvent.objects.create(
        referral=referral,
        type=event_type,
        occurred_on=day(occurred_on),
        actor_organisation=referral.provider,
        **values,
    )
    events = referral.events.order_by("recorded_at", "id")
    derived = wf.derive(e.as_workflow_event() for e in events)
    for name, value in derived.as_dict().items():
        setattr(referral, name, value)
    referral.save(update_fields=list(wf.Derived.FIELDS))
    return referral
