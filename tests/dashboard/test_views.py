"""Who sees /regie, what the pages and CSV downloads show, and what they never show.

Municipality staff see everything; a provider sees its own figures beside the
city's (another provider's: 404); referrers and schools get 403; anonymous
visitors the log-in page. No page or CSV holds initials, birth dates or help
questions.
"""

import csv
import io
import re
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse

import pytest
import time_machine

from dashboard.services import dashboard_refresh
from tests import factories
from tests.dashboard.helpers import history
from tests.security.csv_cells import HOSTILE_CELLS

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
SECRETS = (
    "Q.X.",
    "UNIEKE-HULPVRAAG",
    "2013-07-19",
    "19-07-2013",
    "19-7-2013",
    "19 jul 2013",
    "19 juli 2013",
)
CSV_TABLES = (
    "kerncijfers",
    "wachttijden",
    "percelen",
    "verwijzers",
    "maanden",
    "verdeling-contact",
    "verdeling-intake",
    "verdeling-treatment",
    "verdeling-total",
    "afwijzingen",
    "capaciteit",
    "gemeld-gemeten",
    "capaciteit-trend",
    "open-over-norm",
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def referrals(service, subcontractor_service, outsider_service):
    """Referrals with recognisable personal data, to prove it never shows."""
    personal = {
        "child_initials": "Q.X.",
        "child_birth_date": datetime(2013, 7, 19).date(),
        "help_question": "UNIEKE-HULPVRAAG over angst",
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


def url(name, *args, **query):
    path = reverse(f"dashboard:{name}", args=args)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# --- who may see what ---------------------------------------------------------


def test_municipality_staff_see_every_page(client, municipality_user, referrals):
    client.force_login(municipality_user)
    for path in (
        url("overview"),
        url("organisations"),
        url("organisations", niveau="aanbieder", sorteer="naam"),
        url("overdue"),
    ):
        assert client.get(path).status_code == 200, path


def test_municipality_staff_can_look_at_one_providers_page(
    client, municipality_user, provider_org, referrals
):
    client.force_login(municipality_user)
    response = client.get(url("own", aanbieder=provider_org.slug))
    assert response.status_code == 200
    assert provider_org.name in response.text
    assert client.get(url("own")).status_code == 302  # pick one first


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for path in (url("overview"), url("own"), url("overdue"), url("csv", "maanden")):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["referrer_user", "school_user"])
def test_referrers_and_schools_are_refused(client, db, request, who):
    if who == "school_user":
        school = factories.OrganisationFactory(kind="school")
        user = factories.MembershipFactory(organisation=school).user
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    for path in (
        url("overview"),
        url("own"),
        url("organisations"),
        url("overdue"),
        url("csv", "kerncijfers"),
    ):
        assert client.get(path).status_code == 403, path


def test_a_provider_is_sent_to_its_own_figures(client, provider_user, referrals):
    client.force_login(provider_user)
    response = client.get(url("overview"))
    assert response.status_code == 302
    assert response.url == url("own")


def test_a_provider_sees_its_own_figures_beside_the_city(
    client, provider_user, provider_org, outsider_org, subcontractor_org, referrals
):
    client.force_login(provider_user)
    response = client.get(url("own", van="2025-11", tot="2026-02"))
    assert response.status_code == 200
    text = response.text
    assert provider_org.name in text
    assert subcontractor_org.name in text  # its onderaannemer, each on its own
    assert "Almere, alle aanbieders" in text
    assert outsider_org.name not in text
    assert referrals[3].reference not in text  # the outsider's open referral


def test_a_provider_gets_404_for_another_providers_figures(
    client, provider_user, outsider_org, referrals
):
    client.force_login(provider_user)
    assert client.get(url("own", aanbieder=outsider_org.slug)).status_code == 404
    assert client.get(url("overdue", aanbieder=outsider_org.slug)).status_code == 404
    response = client.get(url("csv", "kerncijfers", aanbieder=outsider_org.slug))
    assert response.status_code == 404


def test_a_provider_may_not_see_providers_side_by_side(
    client, provider_user, referrals
):
    client.force_login(provider_user)
    assert client.get(url("organisations")).status_code == 403
    assert client.get(url("csv", "aanbieders")).status_code == 404


def test_a_hoofdaanbieder_sees_its_onderaannemer_but_not_the_reverse(
    client,
    provider_user,
    subcontractor_user,
    provider_org,
    subcontractor_org,
    referrals,
):
    client.force_login(provider_user)
    assert client.get(url("own", aanbieder=subcontractor_org.slug)).status_code == 200
    client.force_login(subcontractor_user)
    assert client.get(url("own", aanbieder=provider_org.slug)).status_code == 404
    own = client.get(url("own"))
    assert own.status_code == 200
    assert provider_org.name not in own.text


def test_a_hoofdaanbieder_user_starts_at_its_own_organisation(client, perceel):
    main = factories.HoofdaanbiederFactory(name="Zuiderzorg", percelen=[perceel])
    sub = factories.OnderaannemerFactory(
        name="Aan de Haven", main_contractor=main, percelen=[perceel]
    )
    client.force_login(factories.MembershipFactory(organisation=main).user)
    response = client.get(url("own"))
    assert response.context["organisation"] == main
    assert sub.name in response.text  # it may choose its onderaannemer


def test_a_provider_sees_only_its_own_open_referrals(
    client, provider_user, subcontractor_user, referrals
):
    client.force_login(provider_user)
    text = client.get(url("overdue")).text
    assert referrals[1].reference in text  # its onderaannemer's, past the norm
    assert referrals[3].reference not in text  # the outsider's
    client.force_login(subcontractor_user)
    assert referrals[1].reference in client.get(url("overdue")).text


# --- no personal data ---------------------------------------------------------


def _all_paths(organisation=None):
    query = {"van": "2025-11", "tot": "2026-03"}
    if organisation is not None:
        query["aanbieder"] = organisation.slug
    tables = CSV_TABLES + (("onderdelen",) if organisation is not None else ())
    paths = [url("csv", table, **query) for table in tables]
    paths += [url("overdue", **query), url("csv", "open-over-norm", **query)]
    return paths


def test_no_page_or_csv_shows_personal_data_to_the_municipality(
    client, municipality_user, provider_org, referrals
):
    client.force_login(municipality_user)
    paths = _all_paths() + _all_paths(provider_org)
    paths += [
        url("overview", van="2025-11", tot="2026-03"),
        url("overview", aanbieder=provider_org.slug),
        url("organisations"),
        url("organisations", niveau="aanbieder"),
        url("csv", "aanbieders", niveau="aanbieder"),
        url("own", aanbieder=provider_org.slug),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode("utf-8-sig")
        for secret in SECRETS:
            assert secret not in body, (path, secret)
        assert referrals[0].family_code not in body


def test_no_page_or_csv_shows_personal_data_to_a_provider(
    client, provider_user, provider_org, referrals
):
    client.force_login(provider_user)
    for path in [url("own", van="2025-11", tot="2026-03"), *_all_paths(provider_org)]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode("utf-8-sig")
        for secret in SECRETS:
            assert secret not in body, (path, secret)


# --- filters and bad input ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"van": "2026-13"}, "Vul een maand in als JJJJ-MM"),
        ({"tot": "maart"}, "Vul een maand in als JJJJ-MM"),
        ({"van": "2026-03", "tot": "2026-01"}, "ligt vóór"),
        ({"van": "2001-01", "tot": "2026-01"}, "ten hoogste 120 maanden"),
        ({"perceel": "bestaat-niet"}, "Kies een perceel uit de lijst"),
        ({"verwijzer": "99"}, "Kies een soort verwijzer uit de lijst"),
        ({"aanbieder": "bestaat-niet"}, "Kies een aanbieder uit de lijst"),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_error(
    client, municipality_user, referrals, query, message
):
    client.force_login(municipality_user)
    response = client.get(url("overview", **query))
    assert response.status_code == 400
    assert message in response.text
    assert "Kerncijfers" not in response.text  # no figures for a wrong filter
    csv_response = client.get(url("csv", "maanden", **query))
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_bad_table_options_get_a_message(client, municipality_user, referrals):
    client.force_login(municipality_user)
    for query in (
        {"pagina": "abc"},
        {"pagina": "0"},
        {"niveau": "x"},
        {"sorteer": "x"},
    ):
        response = client.get(url("organisations", **query))
        assert response.status_code == 400, query


def test_an_unknown_csv_table_is_not_found(client, municipality_user, referrals):
    client.force_login(municipality_user)
    assert client.get(url("csv", "bestaat-niet")).status_code == 404


def test_an_empty_period_renders_without_figures(client, municipality_user, referrals):
    client.force_login(municipality_user)
    response = client.get(url("overview", van="2020-01", tot="2020-03"))
    assert response.status_code == 200
    assert "Er zijn geen verwijzingen in deze selectie" in response.text
    rows = csv_rows(client.get(url("csv", "maanden", van="2020-01", tot="2020-03")))
    assert [r[:2] for r in rows[1:]] == [
        ["2020-01", "0"],
        ["2020-02", "0"],
        ["2020-03", "0"],
    ]


def test_the_page_before_any_refresh_says_so(client, municipality_user):
    client.force_login(municipality_user)
    response = client.get(url("overview"))
    assert response.status_code == 200
    assert "nog niet berekend" in response.text


def test_the_page_shows_how_fresh_the_figures_are(client, municipality_user, referrals):
    client.force_login(municipality_user)
    response = client.get(url("overview"))
    assert "Cijfers bijgewerkt op 15 maart 2026" in response.text
    assert "Zo rekenen we" in response.text  # the definitions


def test_charts_are_svg_with_a_title_and_a_table(client, municipality_user, referrals):
    client.force_login(municipality_user)
    text = client.get(url("overview", van="2025-11", tot="2026-03")).text
    assert text.count('role="img"') >= 8  # three trends, four distributions, capacity
    assert '<title id="trend-volume-title">Verwijzingen per maand</title>' in text
    assert '<desc id="verdeling-total-desc">' in text
    assert 'id="tabel-trend-volume"' in text
    assert "<script" not in text


# --- CSV content --------------------------------------------------------------


def test_csv_per_month_has_the_exact_figures(client, municipality_user, referrals):
    client.force_login(municipality_user)
    response = client.get(url("csv", "maanden", van="2026-01", tot="2026-01"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, january = csv_rows(response)
    row = dict(zip(header, january, strict=True))
    assert row["Maand"] == "2026-01"
    assert (row["Verwezen"], row["Open"], row["Gestart"], row["Afgewezen"]) == (
        "3", "1", "1", "1",
    )  # fmt: skip
    # Contact: 5 days for the first; the second is open and past the norm; the
    # third was declined without contact (not assessed).
    assert row["Eerste contact (norm 2 wk): Mediaan (dagen)"] == "5"
    assert row["Eerste contact (norm 2 wk): Gemeten"] == "1"
    assert row["Eerste contact (norm 2 wk): Nog open, over norm"] == "1"
    assert row["Eerste contact (norm 2 wk): Binnen norm (%)"] == "50,0"
    assert row["Totaal (norm 14 wk): Mediaan (dagen)"] == "46"


def test_csv_for_a_provider_is_its_own(
    client, provider_user, provider_org, subcontractor_org, referrals
):
    client.force_login(provider_user)
    january = {"van": "2026-01", "tot": "2026-01"}
    rows = csv_rows(client.get(url("csv", "kerncijfers", **january)))
    assert rows[1][1] == "3"  # its own one and its onderaannemer's two
    members = csv_rows(client.get(url("csv", "onderdelen", **january)))
    assert [r[:2] for r in members[1:]] == [
        [provider_org.name, "1"],
        [subcontractor_org.name, "2"],
    ]


@pytest.mark.parametrize(
    "table", ["maanden", "percelen", "kerncijfers", "wachttijden", "verdeling-total"]
)
def test_a_csv_of_the_page_reads_its_memo_and_has_its_figures(
    client, municipality_user, provider_org, referrals, django_assert_num_queries, table
):
    from django.core.cache import cache

    client.force_login(municipality_user)
    january = {"van": "2026-01", "tot": "2026-01", "aanbieder": provider_org.slug}
    client.get(url("overview", **january))  # fills the memo
    # session, user, memberships; the norms; the form's provider check (its
    # choices from the cache) and perceel choice; percelen (the memo key);
    # nothing from the refreshed tables.
    with django_assert_num_queries(6):
        warm = csv_rows(client.get(url("csv", table, **january)))
    cache.clear()
    cold = csv_rows(client.get(url("csv", table, **january)))
    assert warm == cold
    assert len(warm) > 1


@pytest.mark.parametrize("niveau", ["hoofdaanbieder", "aanbieder"])
def test_the_refresh_command_warms_the_download_of_every_organisation(
    client, municipality_user, referrals, niveau
):
    """Its first download after the nightly refresh reads no refreshed table
    (the figures are memoised; what providers report now is read live), and
    has the figures computed anew (cold)."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("refresh_dashboard", stdout=io.StringIO())
    client.force_login(municipality_user)
    path = url("csv", "aanbieders", niveau=niveau)
    with CaptureQueriesContext(connection) as first:
        warm = csv_rows(client.get(path))
    assert not any("dashboard_referral" in q["sql"] for q in first.captured_queries)
    assert any("registry_capacity" in q["sql"] for q in first.captured_queries)
    cache.clear()
    assert csv_rows(client.get(path)) == warm
    assert len(warm) > 2


@pytest.mark.parametrize("hostile", HOSTILE_CELLS)
def test_csv_cells_cannot_start_a_formula(client, municipality_user, perceel, hostile):
    evil = factories.HoofdaanbiederFactory(name=hostile, percelen=[perceel])
    service = factories.ServiceFactory(organisation=evil, perceel=perceel)
    history(service, "2026-01-05", [("received", "2026-01-05")])
    dashboard_refresh()
    client.force_login(municipality_user)
    rows = csv_rows(client.get(url("csv", "aanbieders", van="2026-01", tot="2026-01")))
    assert rows[1][0] == "'" + hostile


# --- the download of every organisation: the finished file memoised -------------

EVERY_PROVIDER = {"niveau": "aanbieder", "van": "2026-01", "tot": "2026-01"}


def refuse_to_build(monkeypatch):
    """From here on, building the organisations' file fails the test."""
    from dashboard import pages

    def fail(*args, **kwargs):
        raise AssertionError("the file was built again")

    monkeypatch.setattr(pages, "_csv_organisations", fail)


def reported_intake(response, name: str) -> str:
    header, *rows = csv_rows(response)
    column = header.index("Gemeld nu (mediaan, weken): Aanmeldwachttijd (weken)")
    return next(row[column] for row in rows if row[0] == name)


def test_a_repeat_download_of_every_organisation_is_the_memoised_file(
    client,
    municipality_user,
    referrals,
    monkeypatch,
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    with CaptureQueriesContext(connection) as cold:
        first = client.get(path)
    assert any("registry_capacity" in q["sql"] for q in cold.captured_queries)
    refuse_to_build(monkeypatch)
    # session, user, memberships and the norms; no figures, no capacity.
    with django_assert_max_num_queries(4) as warm:
        second = client.get(path)
    read = " ".join(q["sql"] for q in warm.captured_queries)
    assert "dashboard_" not in read and "registry_capacity" not in read
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert len(csv_rows(second)) == 3  # the header and the two of January


def test_the_download_names_the_day_it_is_asked_not_the_day_it_was_built(
    client, municipality_user, referrals
):
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    with time_machine.travel(datetime(2026, 3, 15, 23, 58, tzinfo=NOW.tzinfo)):
        client.force_login(municipality_user)
        first = client.get(path)
    with time_machine.travel(datetime(2026, 3, 16, 0, 1, tzinfo=NOW.tzinfo)):
        second = client.get(path)
    assert second.content == first.content  # memoised
    assert "-2026-03-15.csv" in first["Content-Disposition"]
    assert "-2026-03-16.csv" in second["Content-Disposition"]


def test_a_capacity_write_gives_a_fresh_download(
    client, municipality_user, provider_user, provider_org, service, referrals
):
    from registry.services import capacity_update

    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    before = client.get(path)
    assert reported_intake(before, provider_org.name) == "2"

    capacity_update(
        capacity=service.capacity, actor=provider_user, data={"intake_wait_weeks": 3}
    )

    assert reported_intake(client.get(path), provider_org.name) == "3"


def test_a_refresh_gives_a_fresh_download(
    client, municipality_user, provider_org, service, referrals
):
    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    before = client.get(path)
    history(service, "2026-01-09", [("received", "2026-01-09")])
    # The memoised file until the refresh: its figures are as of the last one.
    assert client.get(path).content == before.content

    dashboard_refresh()

    referred = {row[0]: row[1] for row in csv_rows(client.get(path))[1:]}
    assert referred[provider_org.name] == "2"
    assert {row[0]: row[1] for row in csv_rows(before)[1:]}[provider_org.name] == "1"


def test_a_changed_norm_gives_headers_that_state_it(
    client, municipality_user, referrals
):
    from referrals.models import ResponseNorm

    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    assert "Aanmelding (norm 4 wk): Mediaan (dagen)" in csv_rows(client.get(path))[0]
    norm = ResponseNorm.objects.get(urgency="regular", step="intake")
    norm.amount = 5
    norm.save()

    assert "Aanmelding (norm 5 wk): Mediaan (dagen)" in csv_rows(client.get(path))[0]


def test_each_language_gets_its_own_download(client, municipality_user, referrals):
    from django.conf import settings

    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    dutch = client.get(path)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(path)
    assert csv_rows(dutch)[0][:2] == ["Aanbieder", "Verwezen"]
    assert csv_rows(english)[0][:2] == ["Provider", "Referred"]
    assert csv_rows(english)[1:] == csv_rows(dutch)[1:]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert client.get(path).content == dutch.content


@pytest.mark.parametrize(
    "who, status",
    [
        ("provider_user", 404),
        ("subcontractor_user", 404),
        ("outsider_user", 404),
        ("referrer_user", 403),
        ("school_user", 403),
        ("anonymous", 302),
    ],
)
def test_only_the_municipality_gets_the_memoised_download(
    client, municipality_user, referrals, request, monkeypatch, who, status
):
    """A refused request neither reads nor builds the file, nor changes what
    the municipality gets next."""
    # Made first: a new organisation is a catalogue write (a fresh file).
    if who == "school_user":
        school = factories.OrganisationFactory(kind="school")
        user = factories.MembershipFactory(organisation=school).user
    elif who != "anonymous":
        user = request.getfixturevalue(who)
    client.force_login(municipality_user)
    path = url("csv", "aanbieders", **EVERY_PROVIDER)
    memoised = client.get(path)
    refuse_to_build(monkeypatch)
    client.logout()
    if who != "anonymous":
        client.force_login(user)

    for query in (EVERY_PROVIDER, {**EVERY_PROVIDER, "aanbieder": "x"}):
        response = client.get(url("csv", "aanbieders", **query))
        assert response.status_code == status
        assert response.content != memoised.content
        assert b"Aanbieder;Verwezen" not in response.content

    client.force_login(municipality_user)
    assert client.get(path).content == memoised.content


# --- query counts -------------------------------------------------------------


def test_overview_query_count(
    client, municipality_user, referrals, django_assert_num_queries
):
    client.force_login(municipality_user)
    # session, user, memberships; the form's provider choices; percelen; counts;
    # histograms per perceel, referrer type and month; capacity now; last
    # refresh; declines; referral chains; capacity trend; the norms; open past
    # norm: count and the first ten; the form's perceel choices; family
    # experience (ijw); "waar gaat het mis": shares per provider and per
    # perceel (names only when one is shown).
    with django_assert_num_queries(21):
        client.get(url("overview"))
    # Again: the figures (counts, three histograms), declines, capacity trend,
    # hotspots, capacity now and the count of open referrals from the memo
    # (``dashboard.memo``); the form's provider choices from the cache (per
    # catalogue version).
    with django_assert_num_queries(10):
        client.get(url("overview"))


def test_the_refresh_command_warms_the_city_overview(
    client, municipality_user, referrals, django_assert_num_queries
):
    from django.core.management import call_command

    call_command("refresh_dashboard", stdout=io.StringIO())
    client.force_login(municipality_user)
    # The first visit after the nightly refresh reads the figures, hotspots and
    # live counts from the memo, as a second visit does (see above).
    with django_assert_num_queries(10):
        response = client.get(url("overview"))
    assert response.status_code == 200


def _second_visit_queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    return len(warm)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_refresh_command_warms_the_usual_selections(
    client, municipality_user, referrals, language
):
    """The city over 36 months, each perceel and each hoofdaanbieder: their
    first visit after the refresh reads the memo as a second visit does, in
    Dutch and in English."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard.pages import warm_selections

    selections = list(warm_selections())
    assert {"perceel"} in [set(s) for s in selections]
    assert {"aanbieder"} in [set(s) for s in selections]
    out = io.StringIO()
    call_command("refresh_dashboard", stdout=out)
    assert f"{len(selections)} selections warmed" in out.getvalue()
    client.force_login(municipality_user)
    client.cookies["django_language"] = language
    for params in selections:
        path = url("overview") + "?" + urlencode(params)
        with CaptureQueriesContext(connection) as first:
            assert client.get(path).status_code == 200
        assert len(first) == _second_visit_queries(client, path), params


def test_the_refresh_command_can_leave_the_memo_cold(
    client, municipality_user, referrals, django_assert_num_queries
):
    from django.core.management import call_command

    call_command("refresh_dashboard", warm_seconds=0, stdout=io.StringIO())
    client.force_login(municipality_user)
    with django_assert_num_queries(21):
        client.get(url("overview"))


def test_own_page_query_count(
    client, provider_user, referrals, django_assert_num_queries
):
    client.force_login(provider_user)
    # session, user, memberships; the user's providers (current subcontracts and
    # organisations); percelen; own counts and three histograms; the city's counts
    # and three histograms; the hoofdaanbieder's current subcontracts, once for
    # every live read (``with_members``); capacity now; last refresh; declines;
    # referral chains; capacity trend; the norms; open past norm: count and the
    # first ten; the onderaannemers' counts, histograms and names; the form's
    # perceel choices; family experience (ijw).
    with django_assert_num_queries(28):
        client.get(url("own"))
    # Again: own and city figures, capacity now, the count of open referrals
    # and the rendered tables and charts of the refreshed figures (declines,
    # capacity trend, the onderaannemers' figures and names) from the memo.
    with django_assert_num_queries(13):
        client.get(url("own"))


def test_organisations_page_query_count(
    client, municipality_user, referrals, django_assert_num_queries
):
    client.force_login(municipality_user)
    # session, user, memberships; counts per organisation; names; histograms of
    # the page; capacities of the page and current subcontracts; last refresh;
    # the form's perceel choices; the norms (the municipality's, once).
    with django_assert_num_queries(11):
        client.get(url("organisations"))
    # Again: the page of organisations from the memo (session, user,
    # memberships, last refresh, perceel choices, norms).
    with django_assert_num_queries(6):
        client.get(url("organisations"))


def test_overdue_page_query_count(
    client, municipality_user, referrals, django_assert_num_queries
):
    client.force_login(municipality_user)
    # session, user, memberships; the norms; count; the page; the form's two
    # choice lists.
    with django_assert_num_queries(8):
        client.get(url("overdue"))
    # Again: the count from the memo, the provider choices from the cache.
    with django_assert_num_queries(6):
        client.get(url("overdue"))


# --- the memoised tables and charts -------------------------------------------


def page(client, path) -> str:
    """The page without its per-request CSRF token (the log-out form)."""
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(path).text
    )


@pytest.mark.parametrize(
    "query", [{}, {"van": "2025-04"}, {"perceel": "begeleiding", "verwijzer": "02"}]
)
def test_a_warm_overview_is_the_same_page_as_a_cold_one(
    client, municipality_user, referrals, query
):
    from django.core.cache import cache

    from dashboard.memo import LIVE_VERSION_KEY, memo_version_bump

    client.force_login(municipality_user)
    first = page(client, url("overview", **query))
    assert "tabel-maanden" in first
    assert page(client, url("overview", **query)) == first
    # The same with nothing memoised (as after a refresh, live figures expired).
    memo_version_bump()
    cache.delete(LIVE_VERSION_KEY)
    assert page(client, url("overview", **query)) == first


def test_a_warm_own_page_is_the_same_page_as_a_cold_one(
    client, provider_user, referrals
):
    from dashboard.memo import memo_version_bump

    client.force_login(provider_user)
    first = page(client, url("own"))
    assert "tabel-onderdelen" in first
    assert page(client, url("own")) == first
    memo_version_bump()
    assert page(client, url("own")) == first


def test_the_memoised_tables_follow_the_language_and_the_csv_links_the_selection(
    client, municipality_user, referrals
):
    from django.conf import settings

    client.force_login(municipality_user)
    dutch = client.get(url("overview")).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url("overview")).text
    assert "Wachttijden tegen de normen" in dutch
    assert "Wachttijden tegen de normen" not in english
    filtered = client.get(url("overview", verwijzer="02")).text
    assert "/regie/csv/maanden.csv?verwijzer=02" in filtered
    assert "/regie/csv/maanden.csv?verwijzer=02" not in english


def test_the_provider_choices_follow_a_write_to_an_organisation(
    client, municipality_user, provider_org
):
    client.force_login(municipality_user)
    assert provider_org.name in client.get(url("overview")).text  # now cached
    provider_org.name = "Nieuwe naam"
    provider_org.save()
    newcomer = factories.HoofdaanbiederFactory(name="Nieuwkomer")

    text = client.get(url("overview")).text

    assert f'<option value="{provider_org.slug}">Nieuwe naam</option>' in text
    assert f'<option value="{newcomer.slug}">Nieuwkomer</option>' in text
