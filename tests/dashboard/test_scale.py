"""The referral generator: stored status and dates equal workflow.derive of the
events, every step is a legal move on a real date, and the mix is plausible."""

from collections import Counter
from datetime import date

from django.db.models import F

import pytest

from dashboard.models import ReferralMonthlyCounts
from dashboard.services import dashboard_refresh
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from registry.models import Capacity
from sampledata import referral_scale as scale
from tests import factories

TODAY = date(2026, 3, 15)


@pytest.fixture
def generated(service, subcontractor_service, outsider_service):
    scale.generate_referrals(
        count=600,
        years=2,
        seed=7,
        services=[service, subcontractor_service, outsider_service],
        today=TODAY,
    )
    return Referral.objects.prefetch_related("events").order_by("pk")


def _events(referral):
    return sorted(referral.events.all(), key=lambda e: (e.recorded_at, e.pk))


def test_stored_fields_equal_workflow_derive(generated):
    assert len(generated) == 600
    for referral in generated:
        derived = wf.derive(e.as_workflow_event() for e in _events(referral))
        stored = {name: getattr(referral, name) for name in wf.Derived.FIELDS}
        assert stored == derived.as_dict(), referral.reference


def test_every_step_is_allowed_and_dated_in_order(generated):
    for referral in generated:
        state, replayed, last = wf.Derived(), [], None
        for event in _events(referral):
            wf.check_transition(state, event.type)
            wf.check_date(
                occurred_on=event.occurred_on,
                referred_on=referral.referred_on,
                today=TODAY,
                last_event_on=last,
            )
            replayed.append(event.as_workflow_event())
            state, last = wf.derive(replayed), event.occurred_on
        assert referral.consent_date <= referral.referred_on


def test_declines_and_ends_carry_a_reason(generated):
    events = ReferralEvent.objects.filter(referral__in=generated)
    assert not events.filter(type=wf.DECLINED, decline_reason="").exists()
    assert not events.filter(type=wf.ENDED, end_reason="").exists()


def test_the_mix_is_plausible(generated):
    statuses = Counter(r.status for r in generated)
    assert 0.05 < statuses[wf.DECLINED] / 600 < 0.16
    assert 0.02 < statuses[wf.WITHDRAWN] / 600 < 0.09
    assert statuses[wf.STARTED] + statuses[wf.ENDED] > 300
    assert sum(statuses[s] for s in wf.OPEN_STATUSES) > 0
    total_weeks = sorted(
        (r.started_on - r.referred_on).days / 7 for r in generated if r.started_on
    )
    median = total_weeks[len(total_weeks) // 2]
    assert 4 <= median <= 20
    back_dated = ReferralEvent.objects.filter(referral__in=generated).exclude(
        recorded_at__date=F("occurred_on")
    )
    assert back_dated.exists()


def test_the_same_seed_gives_the_same_referrals(db, service):
    def run():
        scale.generate_referrals(count=40, seed=3, services=[service], today=TODAY)
        rows = list(
            Referral.objects.order_by("pk").values_list(
                "referred_on", "status", "intake_on", "started_on", "referrer_type"
            )
        )
        Referral.objects.all().delete()
        return rows

    assert run() == run()


def test_new_referrals_get_fresh_ids_after_generating(db, service):
    scale.generate_referrals(count=5, seed=1, services=[service], today=TODAY)
    after = factories.ReferralFactory(service=service)
    assert after.pk > max(
        Referral.objects.exclude(pk=after.pk).values_list("pk", flat=True)
    )


def test_generated_referrals_give_consistent_dashboard_figures(generated):
    dashboard_refresh()
    city = ReferralMonthlyCounts.objects.filter(level="city")
    assert sum(row.made for row in city) == 600
    for row in ReferralMonthlyCounts.objects.all():
        assert row.made == row.open + row.started + row.declined + row.withdrawn


def test_capacity_history_ends_in_the_current_state(db, service, outsider_service):
    Capacity.history.all().delete()
    added = scale.generate_capacity_history(months=6, seed=2)
    assert added >= 2
    for capacity in Capacity.objects.all():
        last = Capacity.history.filter(id=capacity.pk).order_by("-history_id").first()
        assert (last.status, last.intake_wait_weeks, last.updated_at) == (
            capacity.status,
            capacity.intake_wait_weeks,
            capacity.updated_at,
        )
    assert scale.generate_capacity_history(seed=2) == 0  # only where none exists
