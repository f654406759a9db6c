"""The two workflow additions for iJw: a reported start may follow any open
status, and a retracted event is ignored by derive()."""

from datetime import date

import pytest

from referrals import workflow as wf

D = date(2026, 3, 1)


@pytest.mark.parametrize("status", sorted(wf.OPEN_STATUSES - {wf.WAITLISTED}))
def test_a_reported_start_may_follow_any_open_status(status):
    steps = {
        wf.SENT: [],
        wf.RECEIVED: [wf.RECEIVED],
        wf.FIRST_CONTACT: [wf.RECEIVED, wf.FIRST_CONTACT],
        wf.INTAKE: [wf.RECEIVED, wf.INTAKE],
    }[status]
    derived = wf.derive(wf.Event(t, D) for t in steps)
    assert derived.status == status
    wf.check_transition(derived, wf.STARTED, reported=True)
    if status != wf.INTAKE:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.check_transition(derived, wf.STARTED)


@pytest.mark.parametrize("status", [wf.DECLINED, wf.WITHDRAWN])
def test_a_reported_start_never_reopens_a_closed_referral(status):
    derived = wf.derive([wf.Event(status, D)])
    with pytest.raises(wf.TransitionNotAllowed):
        wf.check_transition(derived, wf.STARTED, reported=True)


def test_a_reported_start_is_not_recorded_twice():
    derived = wf.derive([wf.Event(wf.STARTED, D)])
    with pytest.raises(wf.TransitionNotAllowed):
        wf.check_transition(derived, wf.STARTED, reported=True)


def test_derive_ignores_a_retracted_event():
    events = [
        wf.Event(wf.RECEIVED, D),
        wf.Event(wf.STARTED, D, retracted=True),
    ]
    derived = wf.derive(events)
    assert (derived.status, derived.started_on) == (wf.RECEIVED, None)
    assert wf.STARTED not in derived.recorded
