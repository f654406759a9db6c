"""One promise per norm: every text that states a norm (the slip, the family's
page, the urgent mail, the referral's chain, the service page, the footer, the
catalogue API, the dashboard) reads the municipality's ResponseNorm rows, so a
changed norm changes every text at once."""

# ruff: noqa: F811

from datetime import date, timedelta

from django.core import mail
from django.urls import reverse

import pytest
from rest_framework.test import APIClient

from dashboard import selectors
from dashboard.periods import month_start
from dashboard.selectors.base import Filters
from dashboard.services import dashboard_refresh
from referrals import services
from referrals.models import Referral, ResponseNorm
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
)
from tests.referrals.test_family_status import check
from tests.referrals.test_provider_notices import _data

pytestmark = pytest.mark.django_db


def _set(urgency, step, amount, unit):
    """As the admin does: save the row (which also clears the cached table)."""
    norm = ResponseNorm.objects.get(urgency=urgency, step=step)
    norm.amount, norm.unit = amount, unit
    norm.save()


@pytest.fixture
def changed_norms():
    _set("regular", "first_contact", 10, "days")
    _set("regular", "intake", 6, "weeks")
    _set("regular", "total", 16, "weeks")
    _set("urgent", "first_contact", 3, "working_days")


def test_the_slip_and_the_family_page_state_the_changed_first_contact_norm(
    client, referrer_user, make_referral, changed_norms
):
    referral = make_referral()
    client.force_login(referrer_user)
    slip = client.get(reverse("referrals:referral-slip", args=[referral.reference]))
    assert "Binnen 10 dagen neemt" in slip.text
    client.logout()
    family = check(client, referral.family_code).text
    assert "Dat gebeurt binnen 10 dagen na de verwijzing." in family
    assert "2 weken" not in slip.text + family


def test_the_urgent_mail_states_the_changed_urgent_norm(
    referrer_user, service, changed_norms, django_capture_on_commit_callbacks
):
    service.intake_email = "intake@aanbieder.example"
    service.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_create(
            actor=referrer_user, service=service, data=_data(urgency="urgent")
        )
    [message] = mail.outbox
    assert "Neem binnen 3 werkdagen contact op met het gezin." in message.body


def test_the_catalogue_states_the_changed_treeknormen(client, service, changed_norms):
    page = client.get(service.get_absolute_url()).text
    assert "aanmeldwachttijd ten hoogste 6 weken" in page
    assert "samen ten hoogste 16 weken" in page  # the page and the footer
    assert "ten hoogste 14 weken" not in page
    body = APIClient().get(f"/api/v1/services/{service.pk}").json()
    assert body["norm_weeks"] == {"intake": 6, "treatment": 10, "total": 16}


def test_the_chain_on_the_referral_page_states_the_changed_total_norm(
    client, referrer_user, make_referral
):
    first = make_referral(days_ago=120, steps=("declined",))
    second = make_referral(days_ago=100, previous_referral=first)
    client.force_login(referrer_user)
    assert "boven de norm van 14 weken" in client.get(second.get_absolute_url()).text
    _set("regular", "total", 20, "weeks")
    text = client.get(second.get_absolute_url()).text
    assert "boven de norm van" not in text  # 17 weeks is within 20


def test_the_dashboard_counts_and_states_the_changed_norms(
    client, municipality_user, make_referral
):
    # Help started after 15 weeks: outside the norm of 14, within one of 16.
    started = make_referral(days_ago=140, steps=("received", "intake", "started"))
    Referral.objects.filter(pk=started.pk).update(
        intake_on=started.referred_on + timedelta(weeks=3),
        started_on=started.referred_on + timedelta(weeks=15),
    )
    f = Filters(first=month_start(started.referred_on), last=month_start(date.today()))
    dashboard_refresh()
    assert selectors.figures(f).wait("total").within == 0
    client.force_login(municipality_user)
    before = client.get(reverse("dashboard:overview")).text
    assert "ten hoogste 14 weken" in before

    _set("regular", "total", 16, "weeks")
    refresh = dashboard_refresh(since=date.today())  # a changed norm: full
    assert refresh.from_month is None
    assert selectors.figures(f).wait("total").within == 1
    after = client.get(reverse("dashboard:overview")).text
    assert "ten hoogste 16 weken" in after
    assert "Hulp gestart binnen 16 weken" in after
    assert "ten hoogste 14 weken" not in after


def test_coherent_capacity_measures_open_against_the_changed_intake_norm(
    service, changed_norms
):
    # The regular intake norm is now 6 weeks: "open" with a 5-week wait and no
    # free places agrees with it; 7 weeks still does not, naming the field.
    from django.core.exceptions import ValidationError

    from registry.models import Capacity

    capacity = Capacity(service=service, status="open", intake_wait_weeks=5)
    capacity.full_clean(exclude=["service"])
    capacity.intake_wait_weeks = 7
    with pytest.raises(ValidationError) as refused:
        capacity.full_clean(exclude=["service"])
    assert "6 weken" in str(refused.value)
    assert set(refused.value.message_dict) & {"status", "intake_wait_weeks"}
