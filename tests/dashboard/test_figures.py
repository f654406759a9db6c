"""The dashboard's figures from known referral histories, with frozen time.

The cast: hoofdaanbieder H (``provider_org``) with onderaannemer S
(``subcontractor_org``) in perceel begeleiding, and another hoofdaanbieder O
(``outsider_org``). Today is 15 March 2026. January 2026 holds:

    r1  H  huisarts (02)   5 Jan: contact 10 Jan, intake 20 Jan, start 20 Feb
    r2  H  gemeente (01)  12 Jan: intake 23 Feb (no separate contact), start 2 Mar
    r3  S  huisarts (02)  15 Jan: contact 16 Jan, declined 20 Jan (no capacity)
    r4  O  specialist(05) 20 Jan: withdrawn 25 Jan
    r6  S  jeugdarts (03)  2 Jan: received only (open: past contact and intake)

and December 2025 r7 (H): intake 20 Dec, waiting for the start (past both).

Waiting times in January, in days: contact r1 5, r2 42 (the intake), r3 1;
aanmelding r1 15, r2 42; behandeling r1 31, r2 7; total r1 46, r2 49.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dashboard import selectors
from dashboard.models import ReferralDayHistogram, ReferralMonthlyCounts
from dashboard.selectors import Filters
from dashboard.services import dashboard_refresh
from registry.models import Capacity, Contract, Subcontract
from tests import factories
from tests.dashboard.helpers import history, record

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
JAN = date(2026, 1, 1)
FEB = date(2026, 2, 1)
DEC = date(2025, 12, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(service, subcontractor_service, outsider_service):
    r = {}
    r[1] = history(service, "2026-01-05", [
        ("received", "2026-01-06"), ("first_contact", "2026-01-10"),
        ("intake", "2026-01-20"), ("started", "2026-02-20"),
    ], referrer_type="02")  # fmt: skip
    r[2] = history(service, "2026-01-12", [
        ("received", "2026-01-12"), ("intake", "2026-02-23"), ("started", "2026-03-02"),
    ], referrer_type="01")  # fmt: skip
    r[3] = history(subcontractor_service, "2026-01-15", [
        ("received", "2026-01-15"), ("first_contact", "2026-01-16"),
        ("declined", "2026-01-20", {"decline_reason": "no_capacity"}),
    ], referrer_type="02")  # fmt: skip
    r[4] = history(
        outsider_service,
        "2026-01-20",
        [("withdrawn", "2026-01-25")],
        referrer_type="05",
    )
    r[6] = history(
        subcontractor_service, "2026-01-02", [("received", "2026-01-02")],
        referrer_type="03",
    )  # fmt: skip
    r[7] = history(service, "2025-12-01", [
        ("received", "2025-12-01"), ("intake", "2025-12-20"),
    ], referrer_type="02")  # fmt: skip
    dashboard_refresh()
    return r


def january(**kwargs) -> Filters:
    return Filters(first=JAN, last=JAN, **kwargs)


def waits(figures):
    return {
        code: (w.n, w.median, w.p90, w.within, w.late, w.share_within)
        for code, w in figures.waits.items()
    }


def test_city_counts_in_january(cast):
    figures = selectors.figures(january())
    assert (figures.made, figures.open, figures.started) == (5, 1, 2)
    assert (figures.declined, figures.withdrawn) == (1, 1)


def test_city_waiting_times_in_january_are_exact(cast):
    # (measured, median, p90, within, late, share within)
    assert waits(selectors.figures(january())) == {
        "contact": (3, 5, pytest.approx(34.6), 2, 1, 0.5),
        "intake": (2, 28.5, pytest.approx(39.3), 1, 1, pytest.approx(1 / 3)),
        "treatment": (2, 19, pytest.approx(28.6), 2, 0, 1.0),
        "total": (2, 47.5, pytest.approx(48.7), 2, 0, 1.0),
    }


def test_a_referral_counts_in_its_cohort_month(cast):
    december = selectors.figures(Filters(first=DEC, last=DEC))
    assert december.made == 1
    assert waits(december)["treatment"] == (0, None, None, 0, 1, 0.0)
    assert waits(december)["total"] == (0, None, None, 0, 1, 0.0)
    both = selectors.figures(Filters(first=DEC, last=JAN))
    assert both.made == 6
    assert both.wait("intake").median == 19  # 15, 19, 42


def test_declines_are_counted_per_reason(cast):
    assert selectors.declines(january()) == [("no_capacity", "Geen capaciteit", 1)]


def test_figures_per_referrer_type(cast, perceel):
    data = selectors.overview(january(), percelen=[perceel])
    by_type = {code: f for code, _label, f in data.by_referrer_type}
    assert sorted(by_type) == ["01", "02", "03", "05"]
    assert (by_type["02"].made, by_type["02"].declined, by_type["02"].started) == (
        2,
        1,
        1,
    )
    assert by_type["02"].wait("contact").median == 3  # 5 and 1 days
    assert by_type["01"].wait("total").median == 49
    assert by_type["03"].wait("contact").late == 1
    assert by_type["05"].withdrawn == 1


def test_per_perceel_and_per_month_add_up_to_the_total(cast, perceel):
    data = selectors.overview(Filters(first=DEC, last=FEB), percelen=[perceel])
    assert [(p, f.made) for p, f in data.by_perceel] == [(perceel, 6)]
    assert [(m, f.made) for m, f in data.by_month] == [(DEC, 1), (JAN, 5), (FEB, 0)]
    assert data.total.made == 6
    assert (
        data.total.wait("intake").median == data.by_perceel[0][1].wait("intake").median
    )


def test_a_hoofdaanbieder_rolls_up_its_onderaannemers(cast, provider_org):
    group = selectors.figures(january(organisation=provider_org))
    assert (group.made, group.open, group.started, group.declined) == (4, 1, 2, 1)
    assert group.wait("contact").median == 5  # 1, 5, 42
    assert group.withdrawn == 0  # r4 belongs to the outsider


def test_an_onderaannemer_on_its_own(cast, subcontractor_org):
    own = selectors.figures(january(organisation=subcontractor_org))
    assert (own.made, own.open, own.declined) == (2, 1, 1)
    assert waits(own)["contact"] == (1, 1, 1, 1, 1, 0.5)


def test_members_add_up_to_the_hoofdaanbieder(cast, provider_org, subcontractor_org):
    rows = selectors.members(january(organisation=provider_org))
    assert [(r.organisation_id, r.figures.made) for r in rows] == [
        (provider_org.pk, 2),
        (subcontractor_org.pk, 2),
    ]
    group = selectors.figures(january(organisation=provider_org))
    assert sum(r.figures.made for r in rows) == group.made
    assert sum(r.figures.wait("contact").n for r in rows) == group.wait("contact").n


def test_an_onderaannemer_counts_only_from_its_subcontract_month(
    cast, provider_org, perceel
):
    late_joiner = factories.OnderaannemerFactory()
    contract = Contract.objects.get(organisation=provider_org, perceel=perceel)
    Subcontract.objects.create(
        contract=contract, subcontractor=late_joiner, start_date=date(2026, 2, 10)
    )
    joiner_service = factories.ServiceFactory(organisation=late_joiner, perceel=perceel)
    history(joiner_service, "2026-01-20", [("received", "2026-01-20")])
    history(joiner_service, "2026-02-12", [("received", "2026-02-12")])
    dashboard_refresh()
    assert selectors.figures(january(organisation=provider_org)).made == 4
    feb = selectors.figures(Filters(first=FEB, last=FEB, organisation=provider_org))
    assert feb.made == 1
    assert selectors.figures(january(organisation=late_joiner)).made == 1


def test_the_organisation_table_side_by_side(cast, provider_org, outsider_org):
    page = selectors.organisation_table(january(), level="group")
    assert [(r.organisation_id, r.figures.made) for r in page.rows] == [
        (provider_org.pk, 4),
        (outsider_org.pk, 1),
    ]
    assert page.rows[0].figures.wait("intake").median == 28.5
    each = selectors.organisation_table(january(), level="provider", sort="naam")
    assert sorted(r.figures.made for r in each.rows) == [1, 2, 2]
    assert each.count == 3 and each.pages == 1


def test_sorting_by_share_within_norm_puts_the_worst_first(
    cast, provider_org, subcontractor_org, outsider_org
):
    page = selectors.organisation_table(january(), level="provider", sort="intake")
    assert [
        (r.organisation_id, r.figures.wait("intake").share_within) for r in page.rows
    ] == [
        (subcontractor_org.pk, 0.0),  # r6 late, r3 declined before an intake
        (provider_org.pk, 0.5),  # r1 within, r2 not
        (outsider_org.pk, None),  # nothing to assess
    ]


def test_an_empty_period_gives_zeros_and_no_medians(cast, perceel):
    empty = Filters(first=date(2020, 1, 1), last=date(2020, 3, 1))
    data = selectors.overview(empty, percelen=[perceel])
    assert data.total.made == 0
    assert all(
        w.median is None and w.share_within is None for w in data.total.waits.values()
    )
    assert [f.made for _m, f in data.by_month] == [0, 0, 0]
    assert data.by_perceel == [] and data.by_referrer_type == []
    assert selectors.declines(empty) == []
    assert selectors.organisation_table(empty, level="group").rows == []
    assert [m.services for m in selectors.capacity_trend(empty)] == [0, 0, 0]


def test_a_single_referral_is_its_own_median(db, outsider_service, outsider_org):
    history(outsider_service, "2026-01-08", [
        ("received", "2026-01-08"), ("intake", "2026-01-22"), ("started", "2026-02-05"),
    ])  # fmt: skip
    dashboard_refresh()
    figures = selectors.figures(january(organisation=outsider_org))
    assert waits(figures)["total"] == (1, 28, 28, 1, 0, 1.0)
    assert waits(figures)["intake"] == (1, 14, 14, 1, 0, 1.0)


def test_nothing_at_all_gives_an_empty_dashboard(db):
    dashboard_refresh()
    assert selectors.figures(january()).made == 0
    assert selectors.last_refresh().as_of == date(2026, 3, 15)


def test_open_referrals_past_a_norm_oldest_first(cast, provider_org):
    rows = selectors.overdue_rows(selectors.overdue_referrals(january()))
    assert [(r.reference, r.norms) for r in rows] == [
        (cast[7].reference, ("Start hulp",)),
        (cast[6].reference, ("Eerste contact", "Intake")),
    ]
    assert rows[0].days_open == (date(2026, 3, 15) - date(2025, 12, 1)).days
    own = selectors.overdue_referrals(january(organisation=provider_org))
    assert own.count() == 2  # r7 its own, r6 its onderaannemer's


def test_back_dated_events_change_past_figures_at_the_next_refresh(
    cast, outsider_service
):
    late = history(outsider_service, "2026-01-26", [("received", "2026-01-26")])
    dashboard_refresh()
    assert selectors.figures(january()).wait("intake").late == 2
    # Recorded on 15 March; the intake happened on 2 February: 7 days.
    record(late, "intake", "2026-02-02")
    assert selectors.figures(january()).wait("intake").n == 2  # not yet refreshed
    dashboard_refresh()
    figures = selectors.figures(january())
    assert figures.wait("intake").n == 3
    assert figures.wait("intake").median == 15  # 7, 15, 42
    assert figures.wait("intake").late == 1


def test_a_partial_refresh_keeps_older_months(cast, outsider_service):
    history(outsider_service, "2026-01-28")
    dashboard_refresh(since=FEB)
    assert selectors.figures(january()).made == 5
    assert selectors.last_refresh().from_month == FEB
    dashboard_refresh(since=date(2026, 1, 15))  # the month of that day
    assert selectors.figures(january()).made == 6


def test_every_precomputed_row_adds_up(cast):
    for row in ReferralMonthlyCounts.objects.all():
        assert row.made == row.open + row.started + row.declined + row.withdrawn
        for metric in ("contact", "intake", "treatment", "total"):
            counted = ReferralDayHistogram.objects.filter(
                level=row.level,
                organisation=row.organisation,
                month=row.month,
                perceel=row.perceel,
                referrer_type=row.referrer_type,
                metric=metric,
            )
            assert sum(h.count for h in counted) == getattr(row, f"{metric}_n")


def test_city_histograms_summed_over_referrer_types_match(cast):
    for metric in ("contact", "intake", "treatment", "total"):
        rows = ReferralDayHistogram.objects.filter(metric=metric)
        per_type = sum(h.count for h in rows.filter(level="city"))
        summed = sum(h.count for h in rows.filter(level="cityall"))
        assert per_type == summed > 0


def test_capacity_now_per_status_with_stale_data(
    cast, service, subcontractor_service, outsider_service, provider_org
):
    Capacity.objects.filter(service=outsider_service).update(
        status="closed", updated_at=NOW - timedelta(days=20)
    )
    Capacity.objects.filter(service=subcontractor_service).update(
        status="waitlist", intake_wait_weeks=6
    )
    city = selectors.capacity_now(january())
    assert (city.services, city.stale) == (3, 1)
    assert [(code, n) for code, _l, n, _s in city.status_list] == [
        ("open", 1), ("waitlist", 1), ("closed", 1),
    ]  # fmt: skip
    assert city.reported.intake_weeks == 2  # 2, 2, 6
    group = selectors.capacity_now(january(organisation=provider_org))
    assert (group.services, group.stale) == (2, 0)
    assert group.reported.intake_weeks == 4  # 2 and 6


def test_capacity_trend_follows_the_history(db, perceel, provider_org):
    with time_machine.travel(datetime(2026, 1, 25, tzinfo=ZoneInfo("UTC")), tick=False):
        service = factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with time_machine.travel(datetime(2026, 2, 10, tzinfo=ZoneInfo("UTC")), tick=False):
        capacity = Capacity.objects.get(service=service)
        capacity.status = "closed"
        capacity.updated_at = datetime(2026, 2, 10, tzinfo=ZoneInfo("UTC"))
        capacity.save()
    dashboard_refresh()
    months = selectors.capacity_trend(Filters(first=DEC, last=date(2026, 3, 1)))
    assert [(m.month, m.by_status) for m in months] == [
        (DEC, {}),
        (JAN, {"open": 1}),
        (FEB, {"closed": 1}),
        (date(2026, 3, 1), {"closed": 1}),
    ]
    # Stale: not updated in the 14 days before the month's end (March: today).
    assert [m.stale for m in months] == [0, 0, 1, 1]


def test_the_command_rebuilds_all_or_recent_months(cast, capsys):
    from django.core.management import CommandError, call_command

    call_command("refresh_dashboard")
    assert "all months" in capsys.readouterr().out
    call_command("refresh_dashboard", months=2)
    assert selectors.last_refresh().from_month == FEB
    call_command("refresh_dashboard", since="2025-12")
    assert selectors.last_refresh().from_month == DEC
    assert selectors.figures(january()).made == 5
    for bad in ({"since": "2025-13"}, {"since": "gisteren"}, {"months": 0}):
        with pytest.raises(CommandError):
            call_command("refresh_dashboard", **bad)
