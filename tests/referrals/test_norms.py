"""Issue 14: urgency means something. Norms are data per urgency and step,
counted in weeks, days or Dutch working days; deadlines, overdue notices and the
overdue list follow them."""

from datetime import date, timedelta

from django.urls import reverse

import pytest
import time_machine

from dashboard import selectors as dashboard_selectors
from dashboard.selectors.base import Filters
from referrals import notifications, selectors, workdays
from referrals import workflow as wf
from referrals.models import Notification, ResponseNorm
from tests import factories

# Friday 24 April 2026; Monday 27 April is Koningsdag.
FRIDAY = date(2026, 4, 24)


def test_working_days_skip_weekends_and_dutch_public_holidays():
    assert not workdays.is_working_day(date(2026, 4, 27))  # Koningsdag
    assert not workdays.is_working_day(date(2026, 12, 25))
    assert workdays.is_working_day(date(2026, 4, 28))
    # Friday + 2 working days: Tuesday, but Monday is Koningsdag -> Wednesday.
    assert workdays.add_working_days(FRIDAY, 2) == date(2026, 4, 29)
    assert workdays.add_working_days(date(2026, 3, 2), 2) == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("norm", "due"),
    [
        (wf.Norm(2), FRIDAY + timedelta(weeks=2)),
        (wf.Norm(3, wf.DAYS), FRIDAY + timedelta(days=3)),
        (wf.Norm(2, wf.WORKING_DAYS), date(2026, 4, 29)),
    ],
)
def test_a_norm_gives_its_due_date(norm, due):
    assert norm.due(FRIDAY) == due


@pytest.mark.parametrize(
    "norm", [wf.Norm(2), wf.Norm(3, wf.DAYS), wf.Norm(2, wf.WORKING_DAYS)]
)
def test_the_overdue_cutoff_agrees_with_the_due_date(norm):
    today = date(2026, 4, 30)
    cutoff = norm.overdue_before(today)
    for offset in range(40):
        start = today - timedelta(days=offset)
        assert (norm.due(start) < today) is (start < cutoff), start


@pytest.mark.django_db
def test_the_defaults_are_two_weeks_and_two_working_days_for_urgent():
    table = selectors.norms_table()
    assert table["regular"].first_contact == wf.Norm(2, wf.WEEKS)
    assert table["urgent"].first_contact == wf.Norm(2, wf.WORKING_DAYS)
    assert table["regular"].total == wf.Norm(14)
    assert ResponseNorm.objects.count() == 8  # seeded by the migration


@pytest.mark.django_db
def test_an_urgent_referral_is_due_for_first_contact_in_two_working_days():
    with time_machine.travel(date(2026, 4, 30), tick=False):
        urgent = factories.ReferralFactory(urgency="urgent", referred_on=FRIDAY)
        regular = factories.ReferralFactory(referred_on=FRIDAY)
        urgent_timing = selectors.referral_timing(urgent)
        regular_timing = selectors.referral_timing(regular)
    assert urgent_timing.next_deadline.due_on == date(2026, 4, 29)
    assert [d.code for d in urgent_timing.overdue] == ["first_contact"]
    assert regular_timing.next_deadline.due_on == FRIDAY + timedelta(weeks=2)
    assert regular_timing.overdue == ()


@pytest.mark.django_db
def test_the_municipality_changes_a_norm_and_deadlines_follow():
    # As the admin saves it (the cached norms table is cleared on save).
    norm = ResponseNorm.objects.get(urgency="regular", step="first_contact")
    norm.amount, norm.unit = 5, "working_days"
    norm.save()
    referral = factories.ReferralFactory(referred_on=FRIDAY)
    with time_machine.travel(date(2026, 5, 1), tick=False):
        timing = selectors.referral_timing(referral)
    # Friday + 5 working days, Koningsdag skipped: Monday 4 May.
    assert timing.next_deadline.due_on == date(2026, 5, 4)


@pytest.mark.django_db
def test_the_overdue_notice_follows_the_urgent_norm(referrer_user):
    with time_machine.travel(date(2026, 4, 30), tick=False):
        urgent = factories.ReferralFactory(
            urgency="urgent", referred_on=FRIDAY, referrer_user=referrer_user
        )
        factories.ReferralFactory(referred_on=FRIDAY, referrer_user=referrer_user)
        assert notifications.notification_enqueue_overdue() == 1
    notice = Notification.objects.get()
    assert notice.referral == urgent
    assert notice.dedupe_key == f"overdue:{urgent.pk}:first_contact"


@pytest.mark.django_db
def test_the_overdue_list_follows_the_urgent_norm():
    with time_machine.travel(date(2026, 4, 30), tick=False):
        urgent = factories.ReferralFactory(urgency="urgent", referred_on=FRIDAY)
        factories.ReferralFactory(referred_on=FRIDAY)
        f = Filters(first=date(2026, 1, 1), last=date(2026, 4, 1))
        rows = dashboard_selectors.overdue_referrals(f)
        assert [r.reference for r in rows] == [urgent.reference]
        shown = dashboard_selectors.overdue_rows(rows)
    assert shown[0].norms == ("Eerste contact",)


@pytest.mark.django_db
def test_municipality_staff_edit_the_norms_in_the_admin(client, municipality_user):
    from registry.services.groups import municipality_group_ensure

    municipality_user.is_staff = True
    municipality_user.save()
    municipality_user.groups.add(municipality_group_ensure())
    client.force_login(municipality_user)
    norm = ResponseNorm.objects.get(urgency="urgent", step="first_contact")
    url = reverse("admin:referrals_responsenorm_change", args=[norm.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"amount": "3", "unit": "working_days"})
    assert response.status_code == 302
    norm.refresh_from_db()
    assert (norm.amount, norm.unit) == (3, "working_days")
    # A norm of 0 is refused; nothing changes.
    response = client.post(url, {"amount": "0", "unit": "weeks"})
    assert response.status_code == 200
    norm.refresh_from_db()
    assert (norm.amount, norm.unit) == (3, "working_days")
    add = reverse("admin:referrals_responsenorm_add")
    assert client.get(add).status_code == 403


@pytest.mark.django_db
def test_a_provider_cannot_edit_the_norms(client, provider_user):
    provider_user.is_staff = False
    client.force_login(provider_user)
    url = reverse("admin:referrals_responsenorm_changelist")
    assert client.get(url).status_code == 302  # to the admin log-in
    assert ResponseNorm.objects.filter(amount=2, step="first_contact").count() == 2
