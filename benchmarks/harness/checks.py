"""Correctness after the load run.

- No lost capacity update: every accepted PATCH (its answer's version and
  values) is a row in the capacity history, and no version of a service was
  answered with two different sets of values.
- Idempotency: every Idempotency-Key that was answered 2xx stored exactly one
  event; a retried key got one 201 and one 200, both naming the same event.
- Derived status: for every referral the load touched and for a random sample
  of all referrals, the stored status and dates equal ``workflow.derive`` of its
  events (in recording order); for all referrals, the status equals the type
  of the last event (one SQL query).
"""

import random

from referrals import workflow as wf

CAPACITY_FIELDS = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
)


def capacity_updates(patches: list[dict]) -> dict:
    from registry.models import Capacity

    history = Capacity.history.model
    failures = []
    # A PATCH that changes nothing answers the current version (no new row), so
    # one version may be answered twice, but only ever with the same values.
    answers: dict[tuple, set] = {}
    for patch in patches:
        values = tuple(patch[name] for name in CAPACITY_FIELDS)
        answers.setdefault((patch["service"], patch["version"]), set()).add(values)
    failures += [
        f"service {service}: version {version} answered with different values"
        for (service, version), values in answers.items()
        if len(values) > 1
    ]
    for patch in patches:
        match = {name: patch[name] for name in CAPACITY_FIELDS}
        found = history.objects.filter(
            service_id=patch["service"], version=patch["version"], **match
        ).exists()
        if not found:
            failures.append(f"service {patch['service']} v{patch['version']}: lost")
    failures += _current_is_last_history({p["service"] for p in patches})
    return {"accepted": len(patches), "failures": failures[:20], "ok": not failures}


def _current_is_last_history(service_ids) -> list[str]:
    """Each patched capacity row equals its newest history row."""
    from registry.models import Capacity

    history = Capacity.history.model
    failures = []
    for capacity in Capacity.objects.filter(service_id__in=service_ids):
        last = (
            history.objects.filter(id=capacity.pk)
            .order_by("-version", "-history_date")
            .first()
        )
        fields = (*CAPACITY_FIELDS, "version")
        if last is None or any(
            getattr(last, name) != getattr(capacity, name) for name in fields
        ):
            failures.append(f"service {capacity.service_id}: row differs from history")
    return failures


def _event_failures(entry: dict, stored: list) -> list[str]:
    answered = [a for a in entry["answers"] if a[0] in (200, 201)]
    label = f"{entry['reference']} key {entry['key']}"
    if not answered:
        return [] if not stored else [f"{label}: stored without a 2xx answer"]
    failures = []
    if len(stored) != 1:
        failures.append(f"{label}: {len(stored)} events stored")
    statuses = sorted(a[0] for a in answered)
    if statuses.count(201) != 1:
        failures.append(f"{label}: answers {statuses}")
    if len({a[1] for a in answered}) != 1:
        failures.append(f"{label}: answers name different events")
    return failures


def idempotency(events: list[dict]) -> dict:
    from referrals.models import ReferralEvent

    keys = [entry["key"] for entry in events]
    stored: dict[str, list] = {}
    for row in ReferralEvent.objects.filter(idempotency_key__in=keys).values(
        "idempotency_key", "referral_id"
    ):
        stored.setdefault(row["idempotency_key"], []).append(row)
    failures = []
    for entry in events:
        failures += _event_failures(entry, stored.get(entry["key"], []))
    retried = [e for e in events if e["retried"] and len(e["answers"]) == 2]
    return {
        "keys": len(events),
        "retried_keys": len(retried),
        "retried_at_once": sum(1 for e in retried if e.get("at_once")),
        "failures": failures[:20],
        "ok": not failures,
    }


def _mismatches(referral_ids) -> list[str]:
    from referrals.models import Referral, ReferralEvent

    failures = []
    ids = sorted(set(referral_ids))
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        events: dict[int, list] = {pk: [] for pk in chunk}
        for event in ReferralEvent.objects.filter(referral_id__in=chunk).order_by("id"):
            events[event.referral_id].append(event.as_workflow_event())
        for referral in Referral.objects.filter(pk__in=chunk).only(*wf.Derived.FIELDS):
            stored = {name: getattr(referral, name) for name in wf.Derived.FIELDS}
            if stored != wf.derive(events[referral.pk]).as_dict():
                failures.append(f"referral {referral.pk}: stored {stored['status']}")
    return failures


def derived_status(touched, sample: int, seed: int) -> dict:
    from referrals.models import Referral

    top = Referral.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)  # noqa: S311
    sampled = {rng.randint(1, top) for _ in range(sample)} if top else set()
    touched_failures = _mismatches(touched)
    sample_failures = _mismatches(sampled)
    last_event = last_event_mismatches()
    failures = touched_failures + sample_failures
    return {
        "touched": len(set(touched)),
        "sampled": len(sampled),
        "failures": failures[:20],
        "all_referrals_status_is_last_event": last_event == 0,
        "ok": not failures and last_event == 0,
    }


def last_event_mismatches() -> int:
    """Referrals whose status is not the type of their last event (or "sent")."""
    from django.db import connection

    from referrals.models import Referral, ReferralEvent

    referrals, events = Referral._meta.db_table, ReferralEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM {referrals} r
            LEFT JOIN LATERAL (
                SELECT e.type FROM {events} e WHERE e.referral_id = r.id
                ORDER BY e.id DESC LIMIT 1
            ) last ON true
            WHERE r.status <> COALESCE(last.type, %s)
            """,  # noqa: S608 (table names from model metadata)
            [wf.SENT],
        )
        return cursor.fetchone()[0]


def all_checks(result: dict, *, sample: int, seed: int) -> dict:
    touched = [entry["referral"] for entry in result["events"]]
    return {
        "capacity": capacity_updates(result["patches"]),
        "idempotency": idempotency(result["events"]),
        "derived_status": derived_status(touched, sample, seed),
    }
