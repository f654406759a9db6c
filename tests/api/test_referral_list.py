"""GET /api/v1/referrals: pages by signed cursor (keyset), page numbers for
existing clients, the capped count, and lines built directly."""

# The shared referral fixtures are imported below; their names are then reused as
# test parameters, which is how pytest injects them.
# ruff: noqa: F811

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

import pytest
from rest_framework.test import APIClient

from referrals import keyset
from referrals.api import serializers as s
from referrals.models import AccessLogEntry, Referral
from registry import services as registry_services
from tests.referrals.fixtures import (  # noqa: F401 - fixtures, see above
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
LIST = reverse("referrals-api:referral-list")
PROBLEM = "application/problem+json"


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def references(body) -> list[str]:
    return [line["reference"] for line in body["results"]]


def params(link) -> dict:
    return parse_qs(urlsplit(link).query)


@pytest.fixture
def history(make_referral):
    """Nine referrals over five days, several on one day (the id breaks ties)."""
    return [make_referral(days_ago=days) for days in (1, 2, 2, 2, 3, 3, 5, 8, 8)]


def newest_first(referrals) -> list[str]:
    ordered = sorted(referrals, key=lambda r: (r.referred_on, r.pk), reverse=True)
    return [r.reference for r in ordered]


def test_next_links_give_every_referral_once_in_order(
    referrer_user, history, make_referral
):
    client = logged_in(referrer_user)
    seen, page = [], client.get(LIST, {"pageSize": 2}).json()
    assert page["previous"] is None
    while True:
        seen += references(page)
        if page["next"] is None:
            break
        assert "page" not in params(page["next"])
        assert set(params(page["next"])) == {"cursor", "pageSize"}
        # A new referral between pages is the newest: on page 1, not later.
        make_referral(days_ago=0)
        page = client.get(page["next"]).json()
    assert seen == newest_first(history)


def test_previous_links_lead_back_to_the_first_page(referrer_user, history):
    client = logged_in(referrer_user)
    pages = [client.get(LIST, {"pageSize": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    assert len(pages) == 5
    back = pages[-1]
    for expected in reversed(pages[:-1]):
        back = client.get(back["previous"]).json()
        assert references(back) == references(expected)
    assert back["previous"] is None
    # The first page's link back is the plain list: no cursor.
    assert "cursor" not in params(pages[1]["previous"])


def test_page_numbers_still_work_and_link_on_by_cursor(referrer_user, history):
    client = logged_in(referrer_user)
    expected = newest_first(history)
    second = client.get(LIST, {"pageSize": 2, "page": 2}).json()
    assert references(second) == expected[2:4]
    assert second["count"] == 9
    third = client.get(second["next"]).json()
    assert references(third) == expected[4:6]
    first = client.get(second["previous"]).json()
    assert references(first) == expected[:2]
    last = client.get(LIST, {"pageSize": 2, "page": 5}).json()
    assert (references(last), last["next"]) == (expected[8:], None)
    assert references(client.get(last["previous"]).json()) == expected[6:8]
    beyond = client.get(LIST, {"pageSize": 2, "page": 6})
    assert (beyond.status_code, beyond["Content-Type"]) == (404, PROBLEM)


def test_the_count_stops_at_the_cap(referrer_user, history, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    body = logged_in(referrer_user).get(LIST, {"pageSize": 2}).json()
    assert body["count"] == 5  # more than 4
    assert len(body["results"]) == 2


def test_filters_stay_in_the_links(referrer_user, make_referral):
    for days in range(5):
        make_referral(days_ago=days + 1, started=days % 2 == 0)
    client = logged_in(referrer_user)
    page = client.get(LIST, {"status": "started", "pageSize": 2}).json()
    assert params(page["next"])["status"] == ["started"]
    rest = client.get(page["next"]).json()
    statuses = {line["status"] for line in page["results"] + rest["results"]}
    assert (statuses, rest["next"]) == ({"started"}, None)


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "WyJ4Il0:1abc:xyz", "", "a" * 600],
)
def test_a_bad_cursor_is_400_naming_it_and_changes_nothing(
    referrer_user, history, cursor
):
    before = AccessLogEntry.objects.count()
    response = logged_in(referrer_user).get(LIST, {"cursor": cursor})
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names == ["cursor"]
    assert AccessLogEntry.objects.count() == before


def test_an_edited_cursor_is_400(referrer_user, history):
    client = logged_in(referrer_user)
    link = client.get(LIST, {"pageSize": 2}).json()["next"]
    cursor = params(link)["cursor"][0]
    edited = ("X" if cursor[0] != "X" else "Y") + cursor[1:]
    assert edited != cursor
    response = client.get(LIST, {"cursor": edited, "pageSize": 2})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["cursor"]


def test_a_cursor_with_a_page_number_is_400(referrer_user, history):
    client = logged_in(referrer_user)
    link = client.get(LIST, {"pageSize": 2}).json()["next"]
    response = client.get(link + "&page=2")
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["cursor"]


def test_a_page_reads_only_the_page(
    referrer_org, make_referral, django_assert_num_queries
):
    for days in range(120):
        make_referral(days_ago=days % 30 + 1)
    _token, key = registry_services.api_token_create(
        organisation=referrer_org, actor=None, name="EPD"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    first = client.get(LIST, {"pageSize": 100}).json()  # norms cached, key used
    # The key with its organisation (the scope follows from it), the count up
    # to the cap, the page's rows with their relations (the ids by the index
    # first, in the same statement), the access log's INSERT of the 100 rows.
    # No COUNT(*) of the history, no norms query (cached).
    with django_assert_num_queries(4):
        following = client.get(first["next"]).json()
    assert len(first["results"]) == 100
    assert len(following["results"]) == 20
    with django_assert_num_queries(4):
        assert len(client.get(LIST, {"pageSize": 100}).json()["results"]) == 100


def test_each_caller_pages_through_only_what_it_may_see(
    referrer_user,
    school_user,
    outsider_referrer_user,
    outsider_school_user,
    municipality_user,
    outsider_user,
    make_referral,
    outsider_service,
):
    ours = [make_referral(days_ago=days + 1) for days in range(5)]
    hidden_from_school = make_referral(days_ago=2, school_consent=False)
    theirs = make_referral(
        referrer_organisation=outsider_referrer_user.memberships.get().organisation,
        referrer_user=outsider_referrer_user,
        service=outsider_service,
        follower_school=None,
    )

    def everything(user) -> list[str]:
        client, seen = logged_in(user), []
        page = client.get(LIST, {"pageSize": 2}).json()
        while True:
            seen += references(page)
            if not page["next"]:
                return seen
            page = client.get(page["next"]).json()

    assert everything(referrer_user) == newest_first([*ours, hidden_from_school])
    assert everything(school_user) == newest_first(ours)
    assert everything(outsider_referrer_user) == [theirs.reference]
    assert everything(outsider_user) == [theirs.reference]  # to its service
    for user in (outsider_school_user, municipality_user):
        assert everything(user) == []
    # A school's lines carry no personal data, page after page.
    client = logged_in(school_user)
    second = client.get(client.get(LIST, {"pageSize": 2}).json()["next"]).json()
    for line in second["results"]:
        assert line["help_question"] is None
        assert line["service_name"] is None


class _Generic(s.ReferralSerializer):
    """DRF's own output of the declared fields (a subclass takes that path)."""


def test_a_list_line_is_what_the_declared_fields_give(
    rf,
    referrer_user,
    provider_user,
    school_user,
    make_referral,
):
    from referrals import selectors

    earlier = make_referral(ended=True, days_ago=40)
    made = [
        make_referral(),
        make_referral(waitlisted=True, parent_email="", parent_name=""),
        make_referral(started=True, previous_referral=earlier, urgency="urgent"),
        make_referral(declined=True, school_consent=False, days_ago=120),
        earlier,
    ]
    Referral.objects.filter(pk=made[1].pk).update(bridging_care=True)
    for user in (referrer_user, provider_user, school_user):
        request = rf.get(LIST)
        request.user = user
        listed = selectors.referral_list_for_actor(actor=user)
        rows = list(listed.values_list(*selectors.REFERRAL_LINE_COLUMNS, named=True))
        assert rows
        for row in rows:
            fast = s.ReferralSerializer(context={"request": request})
            generic = _Generic(context={"request": request})
            line = fast.to_representation(row)  # the list's named row
            expected = generic.to_representation(Referral.objects.get(pk=row.pk))
            assert line == expected
            assert list(line) == list(expected)


def test_a_page_logs_each_row_it_returns_under_the_entitling_organisation(
    provider_user, provider_org, make_referral, subcontractor_service, service
):
    own = [make_referral(days_ago=days + 1) for days in range(3)]
    via = make_referral(service=subcontractor_service, days_ago=5)
    client = logged_in(provider_user)
    first = client.get(LIST, {"pageSize": 2}).json()
    logged = AccessLogEntry.objects.order_by("referral_id")
    assert sorted(logged.values_list("referral_id", flat=True)) == sorted(
        Referral.objects.get(reference=ref).pk for ref in references(first)
    )
    assert {(e.user, e.purpose) for e in logged} == {(provider_user, "api_list")}
    AccessLogEntry.objects.all().delete()
    client.get(first["next"])
    # The onderaannemer's referral is read through the hoofdaanbieder.
    assert sorted(logged.values_list("referral_id", "organisation_id")) == sorted(
        [(own[2].pk, provider_org.pk), (via.pk, provider_org.pk)]
    )
    assert all(e.at is not None for e in logged)


def test_a_key_reading_a_page_is_logged_without_a_user(referrer_org, make_referral):
    made = [make_referral() for _ in range(3)]
    _token, key = registry_services.api_token_create(
        organisation=referrer_org, actor=None, name="EPD"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert len(client.get(LIST).json()["results"]) == 3
    assert sorted(
        AccessLogEntry.objects.values_list("referral_id", "user", "organisation")
    ) == sorted((r.pk, None, referrer_org.pk) for r in made)


# Each row's view is decided once a request, for its log entry and its line.


def test_a_school_sees_its_pupils_line_without_personal_data_logged_under_it(
    referrer_user, school_user, school_org, make_referral
):
    referral = make_referral(days_ago=3)
    full = logged_in(referrer_user).get(LIST).json()["results"]
    AccessLogEntry.objects.all().delete()
    body = logged_in(school_user).get(LIST).json()
    # The school knows its pupil's initials and date of birth; nothing else
    # personal, nor the service or provider (they reveal the problem).
    hidden = [n for n in s.PERSONAL if n not in ("child_initials", "child_birth_date")]
    expected = {**full[0], **dict.fromkeys([*hidden, *s.SCHOOL_HIDDEN])}
    assert body["results"] == [expected]
    assert (expected["child_initials"], expected["child_birth_date"]) == (
        "J.B.",
        "2015-05-17",
    )
    assert list(
        AccessLogEntry.objects.values_list("referral_id", "user", "organisation")
    ) == [(referral.pk, school_user.pk, school_org.pk)]


def test_a_hoofdaanbieder_reads_its_onderaannemers_line_in_full_logged_under_it(
    referrer_user,
    provider_user,
    provider_org,
    make_referral,
    subcontractor_service,
):
    referral = make_referral(service=subcontractor_service)
    full = logged_in(referrer_user).get(LIST).json()["results"]
    AccessLogEntry.objects.all().delete()
    body = logged_in(provider_user).get(LIST).json()
    assert body["results"] == full
    assert body["results"][0]["help_question"] == referral.help_question
    assert list(
        AccessLogEntry.objects.values_list("referral_id", "user", "organisation")
    ) == [(referral.pk, provider_user.pk, provider_org.pk)]


def test_a_row_beyond_the_callers_view_is_neither_logged_nor_shown_in_person(
    outsider_referrer_user, make_referral, monkeypatch
):
    # Cannot happen through the selector; should a list ever hand one over,
    # its line carries no personal data and nothing logs it as read.
    from referrals import selectors

    theirs = make_referral()
    everything = Referral.objects.order_by("-referred_on", "-id")
    monkeypatch.setattr(
        selectors, "referral_list_for_actor", lambda *, actor: everything
    )
    (line,) = logged_in(outsider_referrer_user).get(LIST).json()["results"]
    assert line["reference"] == theirs.reference
    assert all(line[name] is None for name in s.PERSONAL)
    assert not AccessLogEntry.objects.exists()


def test_a_page_decides_each_rows_view_once(provider_user, make_referral, monkeypatch):
    from referrals import permissions as perms

    for days in range(3):
        make_referral(days_ago=days + 1)
    asked = []
    decide = perms.referral_view

    def counted(actor, referral):
        asked.append(referral.pk)
        return decide(actor, referral)

    monkeypatch.setattr(perms, "referral_view", counted)
    body = logged_in(provider_user).get(LIST).json()
    assert len(body["results"]) == 3
    assert len(asked) == len(set(asked)) == 3  # once per row
    assert AccessLogEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("language", "labels"),
    [(None, ["Eerste contact", "Intake"]), ("en", ["First contact", "Intake"])],
)
def test_deadline_labels_are_in_the_callers_language(
    settings, referrer_user, make_referral, language, labels
):
    make_referral(days_ago=1)
    make_referral(days_ago=2, first_contact=True)
    client = logged_in(referrer_user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    lines = client.get(LIST).json()["results"]
    assert [line["next_deadline"]["label"] for line in lines] == labels
    assert [line["next_deadline"]["code"] for line in lines] == [
        "first_contact",
        "intake",
    ]
