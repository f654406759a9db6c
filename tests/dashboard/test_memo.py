"""The dashboard memo: computed once per refresh and selection, anew after."""

from datetime import date

import pytest

from dashboard import memo
from dashboard.selectors import Filters
from dashboard.services import dashboard_refresh

pytestmark = pytest.mark.django_db

JAN = Filters(first=date(2026, 1, 1), last=date(2026, 1, 1))
FEB = Filters(first=date(2026, 2, 1), last=date(2026, 2, 1))


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute, calls


def test_it_computes_once_per_selection():
    compute, calls = counter()

    assert memo.memoised("x", JAN, compute) == 1
    assert memo.memoised("x", JAN, compute) == 1
    assert memo.memoised("x", FEB, compute) == 2
    assert len(calls) == 2


def test_a_refresh_makes_every_memoised_figure_stale():
    compute, calls = counter()
    memo.memoised("x", JAN, compute)

    dashboard_refresh()

    assert memo.memoised("x", JAN, compute) == 2


def test_a_changed_dependency_is_computed_anew():
    compute, calls = counter()
    memo.memoised("x", JAN, compute, live=True, extra=("version 1",))

    assert memo.memoised("x", JAN, compute, live=True, extra=("version 2",)) == 2


def test_a_live_figure_is_the_same_for_every_period_and_kept_by_a_refresh():
    compute, calls = counter()

    assert memo.live_memoised("now", JAN, compute) == 1
    assert memo.live_memoised("now", FEB, compute) == 1  # not about a period
    dashboard_refresh()  # reads no refreshed table: still current
    assert memo.live_memoised("now", JAN, compute) == 1
    assert memo.live_memoised("now", JAN, compute, extra=("catalogue 2",)) == 2
    assert len(calls) == 2


def test_a_live_figure_differs_per_perceel_and_organisation(perceel, provider_org):
    from dataclasses import replace

    compute, calls = counter()
    memo.live_memoised("now", JAN, compute)
    memo.live_memoised("now", replace(JAN, perceel=perceel), compute)
    memo.live_memoised("now", replace(JAN, organisation=provider_org), compute)
    memo.live_memoised("now", replace(JAN, referrer_type="02"), compute)

    assert len(calls) == 4


def test_a_metric_is_pickled_by_reference():
    # Memoised figures hold metrics; their lazy labels would be rebuilt (a new
    # proxy class each) on every read from the memo.
    import pickle

    from dashboard import definitions as d

    for metric in d.METRICS:
        data = pickle.dumps(metric)
        assert pickle.loads(data) is metric  # noqa: S301 (our own bytes)
        assert b"_lazy_proxy_unpickle" not in data


def test_a_warm_overview_reads_the_totals_without_their_histograms():
    from dashboard.pages import figures_context

    first = figures_context(JAN)
    warm = figures_context(JAN)

    assert warm["figures"].histograms == {}
    assert warm["figures"] == first["figures"]
    assert warm["sections"] == first["sections"]
