"""Table-driven tests of the referral status flow (referrals.workflow)."""

from datetime import date, timedelta

import pytest

from referrals import workflow as wf

D0 = date(2026, 3, 2)


def replay(*types):
    """Events of the given types on consecutive days from D0."""
    return [wf.Event(t, D0 + timedelta(days=i)) for i, t in enumerate(types)]


# (history so far, next step) — every legal move in the flow.
LEGAL = [
    ((), wf.RECEIVED),
    ((), wf.DECLINED),
    ((), wf.WITHDRAWN),
    ((wf.RECEIVED,), wf.FIRST_CONTACT),
    ((wf.RECEIVED,), wf.INTAKE),
    ((wf.RECEIVED,), wf.DECLINED),
    ((wf.RECEIVED,), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.WAITLISTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.INTAKE),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.DECLINED),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED), wf.INTAKE),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED), wf.DECLINED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE), wf.STARTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE), wf.WAITLISTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE), wf.DECLINED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE, wf.WAITLISTED), wf.STARTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED, wf.INTAKE), wf.WAITLISTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED, wf.INTAKE), wf.STARTED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE, wf.WAITLISTED), wf.DECLINED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE, wf.WAITLISTED), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED, wf.INTAKE), wf.DECLINED),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED, wf.INTAKE), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.INTAKE), wf.WAITLISTED),
    ((wf.RECEIVED, wf.INTAKE), wf.STARTED),
    ((wf.RECEIVED, wf.INTAKE), wf.DECLINED),
    ((wf.RECEIVED, wf.INTAKE), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.INTAKE, wf.WAITLISTED), wf.STARTED),
    ((wf.RECEIVED, wf.INTAKE, wf.WAITLISTED), wf.DECLINED),
    ((wf.RECEIVED, wf.INTAKE, wf.WAITLISTED), wf.WITHDRAWN),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED), wf.ENDED),
]

# Every illegal move, with a word the refusal message must contain.
ILLEGAL = [
    ((), wf.FIRST_CONTACT, "kan niet na"),
    ((), wf.INTAKE, "kan niet na"),
    ((), wf.STARTED, "kan niet na"),
    ((), wf.ENDED, "kan niet na"),
    ((), wf.WAITLISTED, "kan niet na"),
    ((wf.RECEIVED,), wf.RECEIVED, "al vastgelegd"),
    ((wf.RECEIVED,), wf.STARTED, "kan niet na"),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.STARTED, "kan niet na"),
    ((wf.RECEIVED, wf.FIRST_CONTACT), wf.FIRST_CONTACT, "al vastgelegd"),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED), wf.WAITLISTED, "al vastgelegd"),
    ((wf.RECEIVED, wf.FIRST_CONTACT, wf.WAITLISTED), wf.STARTED, "kan niet na"),
    ((wf.RECEIVED, wf.INTAKE, wf.WAITLISTED), wf.WAITLISTED, "al vastgelegd"),
    ((wf.RECEIVED, wf.INTAKE), wf.INTAKE, "al vastgelegd"),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED), wf.DECLINED, "kan niet na"),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED), wf.WITHDRAWN, "kan niet na"),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED), wf.STARTED, "al vastgelegd"),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED, wf.ENDED), wf.ENDED, "al vastgelegd"),
    ((wf.RECEIVED, wf.INTAKE, wf.STARTED, wf.ENDED), wf.RECEIVED, "al vastgelegd"),
    ((wf.DECLINED,), wf.RECEIVED, "kan niet na"),
    ((wf.DECLINED,), wf.WITHDRAWN, "kan niet na"),
    ((wf.WITHDRAWN,), wf.RECEIVED, "kan niet na"),
    ((wf.RECEIVED, wf.WITHDRAWN), wf.INTAKE, "kan niet na"),
    ((), "teleported", "Onbekende stap"),
]


@pytest.mark.parametrize(("history", "step"), LEGAL)
def test_it_allows_legal_moves_and_the_step_becomes_the_status(history, step):
    derived = wf.derive(replay(*history))
    wf.check_transition(derived, step)
    after = wf.derive(replay(*history, step))
    assert after.status == step
    assert step in wf.allowed_events(derived)


@pytest.mark.parametrize(("history", "step", "message"), ILLEGAL)
def test_it_refuses_illegal_moves_with_a_message_on_field_type(history, step, message):
    derived = wf.derive(replay(*history))
    with pytest.raises(wf.TransitionNotAllowed) as caught:
        wf.check_transition(derived, step)
    assert list(caught.value.message_dict) == ["type"]
    assert message in caught.value.message_dict["type"][0]
    assert step not in wf.allowed_events(derived)


def test_every_status_allows_exactly_the_moves_in_the_legal_table():
    """The two tables together cover the whole flow: nothing allowed is untested."""
    histories = {history for history, _ in LEGAL} | {h for h, _, _ in ILLEGAL}
    for history in histories:
        allowed = wf.allowed_events(wf.derive(replay(*history)))
        assert allowed == {step for h, step in LEGAL if h == history}, history


def test_derive_sets_every_milestone_date_from_the_events():
    events = [
        wf.Event(wf.RECEIVED, date(2026, 3, 3)),
        wf.Event(wf.FIRST_CONTACT, date(2026, 3, 10)),
        wf.Event(wf.WAITLISTED, date(2026, 3, 11), date(2026, 5, 1), True),
        wf.Event(wf.INTAKE, date(2026, 3, 30)),
        wf.Event(wf.STARTED, date(2026, 4, 20)),
        wf.Event(wf.ENDED, date(2026, 9, 1)),
    ]
    derived = wf.derive(events)
    assert derived.as_dict() == {
        "status": wf.ENDED,
        "received_on": date(2026, 3, 3),
        "first_contact_on": date(2026, 3, 10),
        "waitlisted_on": date(2026, 3, 11),
        "expected_start_on": date(2026, 5, 1),
        "bridging_care": True,
        "intake_on": date(2026, 3, 30),
        "started_on": date(2026, 4, 20),
        "ended_on": date(2026, 9, 1),
        "declined_on": None,
        "withdrawn_on": None,
    }


def test_derive_of_no_events_is_sent():
    assert wf.derive([]).status == wf.SENT


@pytest.mark.parametrize(
    ("occurred_on", "last", "field_message"),
    [
        (date(2026, 3, 21), None, "toekomst"),
        (date(2026, 2, 28), None, "vóór de verwijzing"),
        (date(2026, 3, 5), date(2026, 3, 6), "vorige stap (2026-03-06)"),
    ],
)
def test_check_date_refuses_future_prereferral_and_out_of_order_dates(
    occurred_on, last, field_message
):
    with pytest.raises(wf.ValidationError) as caught:
        wf.check_date(
            occurred_on=occurred_on,
            referred_on=date(2026, 3, 1),
            today=date(2026, 3, 20),
            last_event_on=last,
        )
    assert field_message in caught.value.message_dict["occurred_on"][0]


def test_check_date_accepts_back_dated_events_on_the_referral_day_and_today():
    for day in (date(2026, 3, 1), date(2026, 3, 20)):
        wf.check_date(
            occurred_on=day,
            referred_on=date(2026, 3, 1),
            today=date(2026, 3, 20),
            last_event_on=date(2026, 3, 1),
        )


NORMS = wf.Norms()


def test_deadlines_of_a_new_referral_are_contact_intake_and_start():
    derived = wf.derive([])
    got = [
        (d.code, d.due_on) for d in wf.deadlines(derived, referred_on=D0, norms=NORMS)
    ]
    assert got == [
        (wf.FIRST_CONTACT, D0 + timedelta(weeks=2)),
        (wf.INTAKE, D0 + timedelta(weeks=4)),
        (wf.STARTED, D0 + timedelta(weeks=14)),
    ]


def test_after_intake_start_is_due_within_ten_weeks_or_fourteen_in_total():
    early = wf.derive(
        [wf.Event(wf.RECEIVED, D0), wf.Event(wf.INTAKE, D0 + timedelta(days=7))]
    )
    late = wf.derive(
        [wf.Event(wf.RECEIVED, D0), wf.Event(wf.INTAKE, D0 + timedelta(weeks=6))]
    )
    assert wf.next_deadline(
        early, referred_on=D0, norms=NORMS
    ).due_on == D0 + timedelta(days=7, weeks=10)
    # 6 + 10 weeks would pass the 14-week total norm: the total norm decides.
    assert wf.next_deadline(late, referred_on=D0, norms=NORMS).due_on == D0 + timedelta(
        weeks=14
    )


def test_an_intake_counts_as_first_contact_for_the_norm():
    derived = wf.derive([wf.Event(wf.RECEIVED, D0), wf.Event(wf.INTAKE, D0)])
    codes = [d.code for d in wf.deadlines(derived, referred_on=D0, norms=NORMS)]
    assert codes == [wf.STARTED]


@pytest.mark.parametrize("final", [wf.STARTED, wf.DECLINED, wf.WITHDRAWN])
def test_referrals_that_started_or_stopped_have_no_deadlines(final):
    history = (wf.RECEIVED, wf.INTAKE, final) if final == wf.STARTED else (final,)
    assert wf.deadlines(wf.derive(replay(*history)), referred_on=D0, norms=NORMS) == []


def test_overdue_lists_only_passed_deadlines():
    derived = wf.derive([wf.Event(wf.RECEIVED, D0)])
    today = D0 + timedelta(weeks=3)
    got = wf.overdue(derived, referred_on=D0, norms=NORMS, today=today)
    assert [d.code for d in got] == [wf.FIRST_CONTACT]
