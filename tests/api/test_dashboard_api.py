"""/api/v1/dashboard: the figures of /regie for municipality staff, a provider's
own figures, 403 for everyone else, 401 anonymous, never personal data."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from dashboard.services import dashboard_refresh
from tests import factories
from tests.api.helpers import assert_problem, logged_in, token_client
from tests.dashboard.helpers import history

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
API = "/api/v1/dashboard"
ENDPOINTS = ("summary", "trend", "providers", "overdue")
PERIOD = {"from": "2025-11", "to": "2026-03"}
SECRETS = ("Q.X.", "UNIEKE-HULPVRAAG", "2013-07-19", "ouder@example.org")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def referrals(service, subcontractor_service, outsider_service):
    """Four referrals with recognisable personal data, to prove it never shows:
    one started (provider), two at the onderaannemer (one declined), one at
    the outsider, still open and past its norms."""
    personal = {
        "child_initials": "Q.X.",
        "child_birth_date": datetime(2013, 7, 19).date(),
        "help_question": "UNIEKE-HULPVRAAG over angst",
        "parent_email": "ouder@example.org",
    }
    made = [
        history(service, "2026-01-05", [
            ("received", "2026-01-06"), ("first_contact", "2026-01-10"),
            ("intake", "2026-01-20"), ("started", "2026-02-20"),
        ], referrer_type="02", **personal),
        history(subcontractor_service, "2026-01-02", [("received", "2026-01-02")],
                referrer_type="03", **personal),
        history(subcontractor_service, "2026-01-15", [
            ("received", "2026-01-15"), ("declined", "2026-01-20"),
        ], referrer_type="02", **personal),
        history(outsider_service, "2025-11-20", [("received", "2025-11-21")],
                referrer_type="05", **personal),
    ]  # fmt: skip
    dashboard_refresh()
    return made


def get(client, name, **params):
    # /overdue lists what is open now: it takes no period (an unknown key is 400).
    period = {} if name == "overdue" else PERIOD
    return client.get(f"{API}/{name}", {**period, **params})


def test_overdue_refuses_a_period_it_does_not_take(municipality_user, referrals):
    response = logged_in(municipality_user).get(f"{API}/overdue", PERIOD)
    assert_problem(response, 400, *PERIOD)


# --- who may see what -------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_callers_get_401(name):
    response = APIClient().get(f"{API}/{name}")
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response


@pytest.mark.parametrize("who", ["referrer_user", "school_user"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_referrers_and_schools_get_403(request, who, name):
    if who == "school_user":
        school = factories.OrganisationFactory(kind="school")
        user = factories.MembershipFactory(organisation=school).user
    else:
        user = request.getfixturevalue(who)
    assert_problem(get(logged_in(user), name), 403)


def test_the_municipality_sees_the_city(municipality_user, referrals):
    response = get(logged_in(municipality_user), "summary")
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] is None and body["city"] is None
    assert body["period"] == {"start": "2025-11", "end": "2026-03"}
    figures = body["figures"]
    assert (figures["made"], figures["started"], figures["declined"]) == (4, 1, 1)
    assert figures["open"] == 2
    total = figures["waits"]["total"]
    assert (total["n"], total["median_days"]) == (1, 46.0)  # 5 Jan -> 20 Feb
    assert body["norms"] == {"contact": 2, "intake": 4, "treatment": 10, "total": 14}
    assert [row["lot"]["code"] for row in body["by_lot"]] == ["begeleiding"]
    assert {row["referrer_type"] for row in body["by_referrer_type"]} == {
        "02",
        "03",
        "05",
    }
    assert body["declines"] == [
        {"reason": "no_capacity", "label": "Geen capaciteit", "count": 1}
    ]
    assert body["capacity"]["services"] == 3
    assert body["capacity"]["by_status"] == {"open": 3, "waitlist": 0, "closed": 0}
    assert body["overdue"] == 2
    assert body["refreshed_at"] is not None


def test_the_municipality_looks_at_one_provider_with_its_subcontractor(
    municipality_user, provider_org, subcontractor_org, referrals
):
    body = get(
        logged_in(municipality_user), "summary", provider=provider_org.slug
    ).json()
    assert body["provider"]["slug"] == provider_org.slug
    assert body["figures"]["made"] == 3  # rolled up with the onderaannemer
    assert body["city"]["made"] == 4
    assert [m["provider"]["id"] for m in body["members"]] == [
        provider_org.pk,
        subcontractor_org.pk,
    ]


def test_a_provider_sees_its_own_figures_beside_the_city(
    provider_org, outsider_org, referrals
):
    for client in (token_client(provider_org), token_client(outsider_org)):
        body = get(client, "summary").json()
        assert body["city"]["made"] == 4
    own = get(token_client(outsider_org), "summary").json()
    assert own["provider"]["id"] == outsider_org.pk
    assert own["figures"]["made"] == 1


def test_a_provider_gets_404_for_another_providers_figures(
    provider_user, outsider_org, subcontractor_user, provider_org, referrals
):
    client = logged_in(provider_user)
    for name in ("summary", "trend", "overdue"):
        assert_problem(get(client, name, provider=outsider_org.slug), 404)
    # An onderaannemer does not see its hoofdaanbieder.
    assert_problem(
        get(logged_in(subcontractor_user), "summary", provider=provider_org.slug), 404
    )


def test_a_hoofdaanbieder_sees_its_onderaannemer(
    provider_user, subcontractor_org, referrals
):
    body = get(
        logged_in(provider_user), "summary", provider=subcontractor_org.slug
    ).json()
    assert body["provider"]["id"] == subcontractor_org.pk
    assert body["figures"]["made"] == 2


def test_providers_may_not_see_providers_side_by_side(provider_org, referrals):
    assert_problem(get(token_client(provider_org), "providers"), 403)


# --- the figures --------------------------------------------------------------------


def test_the_trend_has_every_month_of_the_period(municipality_user, referrals):
    body = get(logged_in(municipality_user), "trend").json()
    assert body["count"] == 5
    assert [m["month"] for m in body["results"]] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert [m["figures"]["made"] for m in body["results"]] == [1, 0, 3, 0, 0]
    assert set(body["results"][0]["capacity"]) == {"services", "by_status", "stale"}


def test_providers_side_by_side_for_the_municipality(
    municipality_user, provider_org, outsider_org, subcontractor_org, referrals
):
    client = logged_in(municipality_user)
    groups = get(client, "providers").json()
    assert [(r["provider"]["id"], r["figures"]["made"]) for r in groups["results"]] == [
        (provider_org.pk, 3),
        (outsider_org.pk, 1),
    ]
    each = get(client, "providers", level="provider", ordering="name").json()
    assert {r["provider"]["id"] for r in each["results"]} == {
        provider_org.pk,
        subcontractor_org.pk,
        outsider_org.pk,
    }
    names = [r["provider"]["name"] for r in each["results"]]
    assert names == sorted(names, key=str.lower)


def test_open_referrals_past_a_norm_are_scoped_to_the_caller(
    municipality_user, provider_org, outsider_org, referrals
):
    city = get(logged_in(municipality_user), "overdue").json()
    assert city["count"] == 2
    oldest = city["results"][0]
    assert oldest == {
        "reference": referrals[3].reference,
        "provider": {
            "id": outsider_org.pk,
            "slug": outsider_org.slug,
            "name": outsider_org.name,
        },
        "lot": "begeleiding",
        "status": "received",
        "referred_on": "2025-11-20",
        "days_open": 115,
        "past": ["first_contact", "intake", "started"],
    }
    own = get(token_client(provider_org), "overdue").json()
    assert [r["reference"] for r in own["results"]] == [referrals[1].reference]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "maart"}, "from"),
        ({"from": "2026-03", "to": "2025-01"}, "to"),
        ({"from": "2010-01", "to": "2026-03"}, "from"),
        ({"lot": "bestaat-niet"}, "lot"),
        ({"referrerType": "07"}, "referrerType"),
        ({"provider": "bestaat-niet"}, "provider"),
        ({"level": "stad"}, "level"),
        ({"ordering": "made"}, "ordering"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_parameters_are_400_naming_them(municipality_user, params, name):
    endpoint = "providers" if name in ("level", "ordering", "page") else "summary"
    response = logged_in(municipality_user).get(f"{API}/{endpoint}", params)
    assert_problem(response, 400, name)


def test_without_a_period_the_last_twelve_months_count(municipality_user, referrals):
    body = logged_in(municipality_user).get(f"{API}/summary").json()
    assert body["period"] == {"start": "2025-04", "end": "2026-03"}


@pytest.mark.parametrize("who", ["municipality_user", "provider_user"])
def test_no_response_holds_personal_data(request, who, referrals):
    client = logged_in(request.getfixturevalue(who))
    for name in ENDPOINTS:
        response = get(client, name)
        text = json.dumps(response.json())
        for secret in SECRETS:
            assert secret not in text, (name, secret)
