"""Receiving iJw messages: effects, matching, entitlement, refusals change nothing."""

from datetime import timedelta

from django.core.exceptions import ValidationError

import pytest

from ijw import services
from ijw.models import Allocation, Message, PendingProduct, Report
from referrals.models import Notification, ReferralEvent
from tests.ijw import helpers
from tests.ijw.conftest import OUTSIDER_AGB, SUBCONTRACTOR_AGB, snapshot

pytestmark = pytest.mark.django_db


def receive(data):
    return services.ijw_message_receive(data=data)


def allocate(msg, referral, number="300201", **values):
    receive(msg("JW315", reference=referral.reference))
    return receive(
        msg("JW301", reference=referral.reference, allocation=number, **values)
    )


def test_the_examples_validate_and_are_not_ours_without_our_reference(msg):
    for kind in ("JW315", "JW301", "JW319"):
        outcome = receive(helpers.message(kind))
        assert outcome.outcome == Message.Outcome.NOT_OURS
    assert Report.objects.count() == 0


def test_jw315_and_jw301_link_the_allocation_to_the_referral(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    allocation = Allocation.objects.get()
    assert (allocation.referral, allocation.number) == (ijw_referral, "300201")
    assert allocation.municipality_code == helpers.MUNICIPALITY
    steps = list(Report.objects.order_by("id").values_list("step", flat=True))
    assert steps == ["requested", "allocated"]


def test_jw305_records_help_started_on_its_begindatum(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    begin = today - timedelta(days=3)
    outcome = receive(msg("JW305", allocation="300201", begin_on=begin))
    ijw_referral.refresh_from_db()
    assert outcome.outcome == "processed"
    assert (ijw_referral.status, ijw_referral.started_on) == ("started", begin)
    event = ReferralEvent.objects.get(referral=ijw_referral, type="started")
    assert event.source == "ijw"
    assert event.actor_organisation == ijw_referral.provider
    report = Report.objects.get(step="started")
    assert report.event == event
    # Notifications fire as for any step: referrer (app + mail) and parent.
    kinds = set(Notification.objects.values_list("kind", "recipient_email"))
    assert ("started", "ouder@example.org") in kinds


def test_jw307_ends_with_reason_and_invites_the_family(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    receive(msg("JW305", allocation="300201", begin_on=today - timedelta(days=5)))
    receive(
        msg(
            "JW307",
            allocation="300201",
            begin_on=today - timedelta(days=5),
            end_on=today - timedelta(days=1),
            end_reason="34",
        )
    )
    ijw_referral.refresh_from_db()
    assert (ijw_referral.status, ijw_referral.ended_on) == (
        "ended",
        today - timedelta(days=1),
    )
    ended = ReferralEvent.objects.get(type="ended")
    assert (ended.source, ended.end_reason) == ("ijw", "34")
    assert Notification.objects.filter(
        kind="experience", recipient_email="ouder@example.org"
    ).exists()


def test_jw307_without_a_start_records_the_start_too(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    receive(
        msg(
            "JW307",
            allocation="300201",
            begin_on=today - timedelta(days=6),
            end_on=today - timedelta(days=2),
            end_reason="31",
        )
    )
    ijw_referral.refresh_from_db()
    assert ijw_referral.started_on == today - timedelta(days=6)
    assert ijw_referral.status == "ended"


def test_a_start_recorded_by_hand_keeps_both_dates(msg, ijw_referral, today):
    from tests.factories import _referral_steps  # noqa: PLC0415

    _referral_steps(ijw_referral, ("received", "intake", "started"))
    hand = ijw_referral.events.get(type="started").occurred_on
    allocate(msg, ijw_referral)
    begin = today - timedelta(days=1)
    receive(msg("JW305", allocation="300201", begin_on=begin))
    assert ReferralEvent.objects.filter(type="started").count() == 1
    report = Report.objects.get(step="started")
    assert report.event is None and report.occurred_on == begin
    from ijw.selectors import report_lines_for_referral  # noqa: PLC0415

    line = [
        x
        for x in report_lines_for_referral(referral=ijw_referral)
        if x.report == report
    ][0]
    assert line.hand_date == hand and line.differs == (hand != begin)


def test_status_3_retracts_the_start(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    begin = today - timedelta(days=3)
    receive(msg("JW305", allocation="300201", begin_on=begin))
    receive(msg("JW305", allocation="300201", begin_on=begin, status="3"))
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "sent" and ijw_referral.started_on is None
    event = ReferralEvent.objects.get(type="started")
    assert event.retracted_at is not None  # history keeps it
    assert Report.objects.get(step="started").retracted_at is not None
    # The corrected start can be reported again.
    receive(msg("JW305", allocation="300201", begin_on=begin - timedelta(days=1)))
    ijw_referral.refresh_from_db()
    assert ijw_referral.started_on == begin - timedelta(days=1)


def test_jw319_puts_refused_and_investigating_on_the_timeline(msg, ijw_referral):
    receive(
        msg("JW319", reference=ijw_referral.reference, answer="1", refusal_reason="3")
    )
    receive(msg("JW319", reference=ijw_referral.reference, answer="2"))
    steps = list(Report.objects.order_by("id").values_list("step", "reason"))
    assert steps[0] == ("refused", "3") and steps[1][0] == "investigating"
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "sent"


def test_the_hoofdaanbieder_may_report_for_its_subcontractor(
    msg, agbs, make_referral, subcontractor_service, today
):
    referral = make_referral(
        service=subcontractor_service, child_birth_date=helpers.BORN
    )
    receive(msg("JW301", reference=referral.reference, allocation="555"))
    from tests.ijw.conftest import PROVIDER_AGB  # noqa: PLC0415

    receive(msg("JW305", allocation="555", sender=PROVIDER_AGB, begin_on=today))
    referral.refresh_from_db()
    assert referral.status == "started"
    # and the subcontractor itself too (another allocation)
    other = make_referral(service=subcontractor_service, child_birth_date=helpers.BORN)
    receive(
        msg(
            "JW301",
            reference=other.reference,
            allocation="556",
            receiver=SUBCONTRACTOR_AGB,
        )
    )
    receive(msg("JW305", allocation="556", sender=SUBCONTRACTOR_AGB, begin_on=today))
    other.refresh_from_db()
    assert other.status == "started"


# --- refusals change nothing ----------------------------------------------------


def assert_refused(data, field):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        receive(data)
    assert field in info.value.message_dict
    assert snapshot() == before
    return info.value


def test_a_message_against_the_schema_is_refused_naming_the_path(msg, ijw_referral):
    data = msg("JW305", allocation="300201").replace(
        b"<jw305:StatusAanlevering>1<", b"<jw305:StatusAanlevering>X<"
    )
    error = assert_refused(
        data, "/Bericht/Client/StartProducten/StartProduct/StatusAanlevering"
    )
    assert "X" not in str(error.message_dict)


def test_a_schema_error_never_echoes_the_bsn(msg):
    data = msg("JW305").replace(helpers.BSN.encode(), b"12345")
    error = assert_refused(data, "/Bericht/Client/Bsn")
    assert "12345" not in str(error.message_dict)


def test_a_start_from_another_agb_is_refused(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    assert_refused(
        msg("JW305", allocation="300201", sender=OUTSIDER_AGB, begin_on=today),
        "Afzender",
    )


def test_an_allocation_to_another_provider_is_refused(msg, ijw_referral):
    assert_refused(
        msg("JW301", reference=ijw_referral.reference, receiver=OUTSIDER_AGB),
        "Ontvanger",
    )


def test_a_wrong_birth_date_is_refused(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    assert_refused(
        msg(
            "JW305",
            allocation="300201",
            begin_on=today,
            birth_date=helpers.BORN + timedelta(days=1),
        ),
        "Client/Geboortedatum",
    )
    assert_refused(
        msg(
            "JW301",
            reference=ijw_referral.reference,
            allocation="9",
            birth_date=helpers.BORN.replace(year=2011),
        ),
        "Client/Geboortedatum",
    )


def test_a_start_before_the_referral_is_refused(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    assert_refused(
        msg(
            "JW305",
            allocation="300201",
            begin_on=ijw_referral.referred_on - timedelta(days=1),
        ),
        "Begindatum",
    )


def test_a_second_start_without_retraction_is_refused(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    receive(msg("JW305", allocation="300201", begin_on=today))
    assert_refused(
        msg("JW305", allocation="300201", begin_on=today), "StatusAanlevering"
    )


def test_a_retraction_without_a_start_is_refused(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    assert_refused(
        msg("JW305", allocation="300201", begin_on=today, status="3"),
        "StatusAanlevering",
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<x/>",
    ],
)
def test_hostile_or_broken_xml_is_refused(data, db):
    assert_refused(data, "bericht")


def test_an_oversized_message_is_refused(settings, msg):
    settings.IJW_MAX_MESSAGE_BYTES = 500
    assert_refused(msg("JW305"), "bericht")


# --- duplicates and the queue -----------------------------------------------------


def test_a_message_received_twice_changes_nothing(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    data = msg("JW305", allocation="300201", begin_on=today)
    receive(data)
    before = snapshot()
    outcome = receive(data)
    assert outcome.outcome == "duplicate"
    assert snapshot() == before


def test_an_unmatched_start_waits_and_is_matched_by_its_jw301(msg, ijw_referral, today):
    begin = today - timedelta(days=2)
    outcome = receive(msg("JW305", allocation="777", begin_on=begin))
    assert outcome.outcome == "queued"
    pending = PendingProduct.objects.get()
    assert pending.allocation_number == "777"
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "sent"
    receive(msg("JW301", reference=ijw_referral.reference, allocation="777"))
    ijw_referral.refresh_from_db()
    assert (ijw_referral.status, ijw_referral.started_on) == ("started", begin)
    assert not PendingProduct.objects.exists()
    assert Message.objects.get(kind="JW305").outcome == "processed"


def test_a_waiting_start_with_another_birth_date_refuses_the_jw301(
    msg, ijw_referral, today
):
    receive(
        msg(
            "JW305",
            allocation="778",
            begin_on=today,
            birth_date=helpers.BORN.replace(year=2012),
        )
    )
    assert_refused(
        msg("JW301", reference=ijw_referral.reference, allocation="778"),
        "Client/Geboortedatum",
    )


def test_the_queue_expires_after_90_days(msg, ijw_referral, today):
    receive(msg("JW305", allocation="779", begin_on=today))
    assert services.ijw_queue_expire(today=today + timedelta(days=90)) == 0
    assert services.ijw_queue_expire(today=today + timedelta(days=91)) == 1
    assert not PendingProduct.objects.exists()
    assert Message.objects.get(kind="JW305").outcome == "not_ours"


def test_status_3_retracts_the_end(msg, ijw_referral, today):
    allocate(msg, ijw_referral)
    begin, finish = today - timedelta(days=4), today - timedelta(days=1)
    receive(msg("JW305", allocation="300201", begin_on=begin))
    stop = {
        "allocation": "300201",
        "begin_on": begin,
        "end_on": finish,
        "end_reason": "31",
    }
    receive(msg("JW307", **stop))
    receive(msg("JW307", **stop, status="3"))
    ijw_referral.refresh_from_db()
    assert (ijw_referral.status, ijw_referral.ended_on) == ("started", None)
    # With the end withdrawn, the start may be withdrawn too.
    receive(msg("JW305", allocation="300201", begin_on=begin, status="3"))
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "sent"


def test_a_start_with_later_steps_in_the_app_cannot_be_withdrawn(
    msg, ijw_referral, today, provider_user
):
    from referrals.services import referral_event_record  # noqa: PLC0415

    allocate(msg, ijw_referral)
    receive(msg("JW305", allocation="300201", begin_on=today - timedelta(days=3)))
    referral_event_record(
        referral=ijw_referral,
        type="ended",
        occurred_on=today,
        actor=provider_user,
        end_reason="31",
    )
    assert_refused(
        msg(
            "JW305", allocation="300201", begin_on=today - timedelta(days=3), status="3"
        ),
        "StatusAanlevering",
    )
