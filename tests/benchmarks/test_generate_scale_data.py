"""generate_scale_data's referrals part: referrals whose stored status and dates
follow from their events, spread over a few hundred referrer organisations,
generated once per seed and size."""

from collections import Counter
from io import StringIO

from django.core.management import call_command

import pytest

from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from referrals.services import referrer_type_choices
from registry.models import Capacity, Organisation
from sampledata.scale_referrals import REFERRER_COUNTS, referrer_slug_prefix

pytestmark = pytest.mark.django_db

SIZES = {"organisations": 10, "services": 40, "locations": 25, "seed": 3}


def generate(referrals: int) -> str:
    out = StringIO()
    call_command("generate_scale_data", referrals=referrals, stdout=out, **SIZES)
    return out.getvalue()


def test_stored_status_and_dates_equal_derive_of_the_events():
    generate(referrals=300)
    assert Referral.objects.count() == 300
    for referral in Referral.objects.prefetch_related("events"):
        events = sorted(referral.events.all(), key=lambda e: e.pk)
        derived = wf.derive(e.as_workflow_event() for e in events)
        stored = {name: getattr(referral, name) for name in wf.Derived.FIELDS}
        assert stored == derived.as_dict(), referral.reference


def test_referrers_are_a_few_hundred_organisations_of_fitting_kinds():
    generate(referrals=300)
    referrers = Organisation.objects.filter(slug__startswith=referrer_slug_prefix(3))
    assert Counter(referrers.values_list("kind", flat=True)) == REFERRER_COUNTS
    assert sum(REFERRER_COUNTS.values()) >= 200
    for referral in Referral.objects.select_related("referrer_organisation"):
        allowed = referrer_type_choices(referral.referrer_organisation)
        assert referral.referrer_type in allowed


def test_every_referral_goes_to_a_generated_provider_service_with_its_perceel():
    generate(referrals=200)
    for referral in Referral.objects.select_related("service"):
        assert referral.provider_id == referral.service.organisation_id
        assert referral.perceel_id == referral.service.perceel_id


def test_a_second_run_with_the_same_sizes_adds_nothing():
    generate(referrals=200)
    events, history = ReferralEvent.objects.count(), Capacity.history.count()
    output = generate(referrals=200)
    assert "referrals with this size exist: skipped" in output
    assert Referral.objects.count() == 200
    assert ReferralEvent.objects.count() == events
    assert Capacity.history.count() == history


def test_zero_referrals_makes_the_catalogue_only():
    generate(referrals=0)
    assert not Referral.objects.exists()
    assert not Organisation.objects.filter(
        slug__startswith=referrer_slug_prefix(3)
    ).exists()
