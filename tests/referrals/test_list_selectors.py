"""Selectors behind the working lists: the alternatives offered for declined
referrals (the first few per perceel only) and the default orders that the
working-list indexes serve."""

# The shared referral fixtures are imported below; their names are then reused as
# test parameters, which is how pytest injects them.
# ruff: noqa: F811

from datetime import timedelta

from django.db import connection
from django.utils import timezone

import pytest

from referrals import selectors
from referrals.models import Referral
from referrals.rows import _alternatives_html
from registry.models import Perceel, Service
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
)

pytestmark = pytest.mark.django_db


def _service(org, perceel, name, status="open", intake=2, treatment=4, **kw):
    return factories.ServiceFactory(
        organisation=org,
        perceel=perceel,
        name=name,
        capacity__status=status,
        capacity__intake_wait_weeks=intake,
        capacity__treatment_wait_weeks=treatment,
        capacity__free_places=1,
        **kw,
    )


def test_alternatives_are_the_first_few_per_perceel_by_wait_then_name(
    provider_org, perceel
):
    other = Perceel.objects.exclude(pk=perceel.pk).first()
    waits = [(9, "Z"), (1, "B"), (1, "A"), (0, "C"), (5, "D"), (3, "E"), (2, "F")]
    for wait, name in waits:
        _service(provider_org, perceel, f"{name} aanbod", intake=wait, treatment=0)
    _service(provider_org, perceel, "Geen wachttijd", intake=None, treatment=None)
    _service(provider_org, perceel, "Vol", status="waitlist", intake=6)
    _service(provider_org, perceel, "Weg", intake=0, active=False)
    elsewhere = _service(provider_org, other, "Elders", intake=0, treatment=0)

    found = selectors.service_alternatives(perceel_ids={perceel.pk, other.pk}, limit=6)

    assert [s.name for s in found[perceel.pk]] == [
        "C aanbod",  # 0 weeks
        "Geen wachttijd",  # unknown counts as 0, then by name
        "A aanbod",
        "B aanbod",
        "F aanbod",
        "E aanbod",
    ]
    assert found[other.pk] == [elsewhere]
    assert selectors.service_alternatives(perceel_ids=set()) == {}


def test_alternatives_are_one_query(provider_org, perceel, django_assert_num_queries):
    for n in range(12):
        _service(provider_org, perceel, f"Aanbod {n}", intake=n % 4)
    with django_assert_num_queries(1):
        found = selectors.service_alternatives(perceel_ids={perceel.pk})
    assert len(found[perceel.pk]) == selectors.ALTERNATIVES_PER_REFERRAL + 1
    # The list writes name, link, provider and wait from that one read.
    with django_assert_num_queries(0):
        html = _alternatives_html(found[perceel.pk])
    assert provider_org.name in html and "Aanbod 0" in html


def test_the_inbox_is_urgent_first_then_oldest_first(provider_user, make_referral):
    today = timezone.localdate()
    old = make_referral(referred_on=today - timedelta(days=9))
    new_urgent = make_referral(referred_on=today - timedelta(days=1), urgency="urgent")
    newer = make_referral(referred_on=today - timedelta(days=2))
    found = list(selectors.referral_inbox(actor=provider_user))
    assert found == [new_urgent, old, newer]


def test_the_working_list_indexes_exist():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, Referral._meta.db_table
        )
    assert {"referral_referrer_newest", "referral_inbox_open"} <= set(constraints)


def test_alternatives_are_chosen_once_per_catalogue_version(provider_org, perceel):
    """The ranking of a perceel's open services is cached under the catalogue
    version; the rows are read fresh, and a capacity change ranks again."""
    from django.test.utils import CaptureQueriesContext

    services = [
        _service(provider_org, perceel, f"Aanbod {n}", intake=n, treatment=0)
        for n in range(8)
    ]
    first = selectors.service_alternatives(perceel_ids={perceel.pk})
    with CaptureQueriesContext(connection) as again:
        second = selectors.service_alternatives(perceel_ids={perceel.pk})
    assert len(again) == 1
    assert "ROW_NUMBER" not in again[0]["sql"].upper()
    assert [s.pk for s in second[perceel.pk]] == [s.pk for s in first[perceel.pk]]
    assert [s.pk for s in first[perceel.pk]] == [s.pk for s in services[:6]]

    # The last one now has no wait: a capacity write replaces the version.
    capacity = services[7].capacity
    capacity.intake_wait_weeks = 0
    capacity.save()
    third = selectors.service_alternatives(perceel_ids={perceel.pk})
    assert third[perceel.pk][0] == services[0]
    assert services[7] in third[perceel.pk]
    assert services[5] not in third[perceel.pk]


def test_cached_alternatives_are_read_fresh(provider_org, perceel):
    services = [
        _service(provider_org, perceel, f"Aanbod {n}", intake=n, treatment=0)
        for n in range(3)
    ]
    selectors.service_alternatives(perceel_ids={perceel.pk})
    # A write the cache cannot see (no signal): the row read still decides.
    Service.objects.filter(pk=services[0].pk).update(name="Hernoemd")
    found = selectors.service_alternatives(perceel_ids={perceel.pk})
    assert "Hernoemd" in [s.name for s in found[perceel.pk]]
