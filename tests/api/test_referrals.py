"""/api/v1/referrals: refer, list, retrieve, record steps (Idempotency-Key)."""

# The shared referral fixtures are imported below; their names are then reused as
# test parameters, which is how pytest injects them.
# ruff: noqa: F811

from datetime import date

from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals.models import AccessLogEntry, Referral, ReferralEvent
from registry import services as registry_services
from tests.referrals.fixtures import (  # noqa: F401 - fixtures, see above
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    referral,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
LIST = reverse("referrals-api:referral-list")
TODAY = timezone.localdate


def detail_url(referral):
    return reverse("referrals-api:referral-detail", args=[referral.reference])


def events_url(referral):
    return reverse("referrals-api:referral-events", args=[referral.reference])


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(organisation) -> APIClient:
    _token, key = registry_services.api_token_create(
        organisation=organisation, actor=None, name="Planningssysteem"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def body(target, **overrides):
    data = {
        "service": target.pk,
        "child_initials": "S.V.",
        "child_birth_date": "2012-09-01",
        "help_question": "Somber, trekt zich terug.",
        "urgency": "urgent",
        "consent_by": "both",
        "parent_phone": "06 12345678",
        "consent_date": TODAY().isoformat(),
        "parent_email": "ouder@example.org",
    }
    data.update(overrides)
    return data


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail", "code"} <= set(problem)
    if field:
        assert field in [p["name"] for p in problem["invalid_params"]]
    return problem


# --- paths and authentication -------------------------------------------------


def test_the_paths_have_no_trailing_slash(referral):
    assert LIST == "/api/v1/referrals"
    assert detail_url(referral) == f"/api/v1/referrals/{referral.reference}"
    assert events_url(referral) == f"/api/v1/referrals/{referral.reference}/events"


@pytest.mark.parametrize(
    "method", ["get_list", "post_list", "get_detail", "post_event"]
)
def test_anonymous_callers_get_401_problem(method, referral, service):
    client = APIClient()
    response = {
        "get_list": lambda: client.get(LIST),
        "post_list": lambda: client.post(LIST, body(service), format="json"),
        "get_detail": lambda: client.get(detail_url(referral)),
        "post_event": lambda: client.post(
            events_url(referral),
            {"type": "received", "occurred_on": TODAY().isoformat()},
            format="json",
        ),
    }[method]()
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response
    assert not ReferralEvent.objects.exists()
    assert Referral.objects.count() == 1


# --- create -------------------------------------------------------------------


def test_a_referrer_refers_and_gets_reference_family_code_and_status(
    referrer_user, service
):
    response = logged_in(referrer_user).post(LIST, body(service), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert data["reference"] == referral.reference
    code = referral.family_code
    assert data["family_code"] == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert data["status"] == "sent"
    assert data["events"] == []
    assert data["service"] == service.pk
    assert data["referrer_type"] == "01"
    assert data["urgency"] == "urgent"
    assert data["child_initials"] == "S.V."
    assert data["next_deadline"]["code"] == "first_contact"
    assert referral.parent_email == "ouder@example.org"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child_initials": "Sanne"}, "child_initials"),
        ({"child_birth_date": "2999-01-01"}, "child_birth_date"),
        ({"child_birth_date": "gisteren"}, "child_birth_date"),
        ({"consent_by": "buurman"}, "consent_by"),
        ({"help_question": ""}, "help_question"),
        ({"service": 999999}, "service"),
        ({"parent_email": "geen-adres"}, "parent_email"),
    ],
)
def test_create_names_the_bad_field_and_stores_nothing(
    overrides, field, referrer_user, service
):
    response = logged_in(referrer_user).post(
        LIST, body(service, **overrides), format="json"
    )
    assert_problem(response, 400, field)
    assert not Referral.objects.exists()


def test_a_follower_school_without_consent_is_refused(
    referrer_user, service, school_org
):
    response = logged_in(referrer_user).post(
        LIST, body(service, follower_school=school_org.pk), format="json"
    )
    assert_problem(response, 400, "school_consent")


def test_a_provider_cannot_refer(provider_user, provider_org, service):
    for client in (logged_in(provider_user), token_client(provider_org)):
        assert_problem(client.post(LIST, body(service), format="json"), 403)
    assert not Referral.objects.exists()


def test_a_duplicate_is_409_with_the_open_referral_unless_confirmed(
    referrer_user, service, make_referral
):
    existing = make_referral(child_initials="S.V.", child_birth_date=date(2012, 9, 1))
    client = logged_in(referrer_user)
    response = client.post(LIST, body(service), format="json")
    problem = assert_problem(response, 409)
    assert problem["code"] == "duplicate_referral"
    assert problem["duplicates"] == [existing.reference]
    assert Referral.objects.count() == 1
    response = client.post(LIST, body(service, confirm_duplicate=True), format="json")
    assert response.status_code == 201
    assert Referral.objects.count() == 2


# --- list and retrieve --------------------------------------------------------


def test_the_list_is_paginated_and_shows_only_what_the_caller_may_see(
    referrer_user, make_referral, outsider_service, outsider_referrer_user
):
    mine = make_referral()
    make_referral(service=outsider_service)  # made by us, to another provider
    factories_other = make_referral(
        referrer_organisation=outsider_referrer_user.memberships.get().organisation,
        referrer_user=outsider_referrer_user,
    )
    response = logged_in(referrer_user).get(LIST)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    references = {r["reference"] for r in data["results"]}
    assert mine.reference in references
    assert factories_other.reference not in references
    assert data["count"] == 2


def test_a_provider_token_lists_the_referrals_to_its_services(
    provider_org, make_referral, outsider_service
):
    to_us = make_referral()
    make_referral(service=outsider_service)
    data = token_client(provider_org).get(LIST).json()
    assert [r["reference"] for r in data["results"]] == [to_us.reference]
    assert data["results"][0]["help_question"] == to_us.help_question
    # The provider needs the family's contact for its first contact.
    assert data["results"][0]["parent_phone"] == "06 12345678"
    assert data["results"][0]["parent_name"] == to_us.parent_name


def test_the_list_filters_on_status_and_open(referrer_user, make_referral):
    started = make_referral(started=True)
    waiting = make_referral(received=True)
    client = logged_in(referrer_user)
    by_status = client.get(LIST, {"status": "started"}).json()["results"]
    assert [r["reference"] for r in by_status] == [started.reference]
    still_open = client.get(LIST, {"open": "true"}).json()["results"]
    assert [r["reference"] for r in still_open] == [waiting.reference]
    bad = client.get(LIST, {"status": "teleported"})
    assert_problem(bad, 400, "status")


def test_a_service_id_beyond_the_database_range_lists_nothing(
    referrer_user, make_referral
):
    referral = make_referral()
    client = logged_in(referrer_user)
    own = client.get(LIST, {"service": referral.service_id}).json()["results"]
    assert [r["reference"] for r in own] == [referral.reference]
    for value in ("9" * 30, "-" + "9" * 30):
        response = client.get(LIST, {"service": value})
        assert response.status_code == 200  # no such service, not a 500
        assert response.json()["results"] == []


def test_retrieve_has_status_milestones_and_events(referrer_user, make_referral):
    referral = make_referral(started=True)
    response = logged_in(referrer_user).get(detail_url(referral))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "started"
    assert data["started_on"] == referral.started_on.isoformat()
    assert data["intake_on"] == referral.intake_on.isoformat()
    assert [e["type"] for e in data["events"]] == ["received", "intake", "started"]
    assert data["events"][0] == {
        "type": "received",
        "occurred_on": referral.received_on.isoformat(),
        "recorded_at": data["events"][0]["recorded_at"],
        "organisation": referral.provider.name,
        "note": "",
        "expected_start_on": None,
        "bridging_care": None,
        "end_reason": None,
        "decline_reason": None,
    }
    assert data["next_deadline"] is None
    assert data["help_question"] == referral.help_question


def test_reads_are_logged(referrer_user, referral):
    client = logged_in(referrer_user)
    client.get(detail_url(referral))
    client.get(LIST)
    assert sorted(AccessLogEntry.objects.values_list("purpose", flat=True)) == [
        "api_detail",
        "api_list",
    ]


def test_a_school_gets_status_and_dates_but_no_personal_data(school_user, referral):
    data = logged_in(school_user).get(detail_url(referral)).json()
    assert data["status"] == "sent"
    hidden = ("help_question", "parent_phone", "parent_name", "parent_email")
    hidden += ("service", "service_name", "provider", "provider_name")
    for field in hidden:
        assert data[field] is None, field
    assert (data["child_initials"], data["child_birth_date"]) == ("J.B.", "2015-05-17")
    assert data["perceel"] == referral.perceel.code
    assert referral.help_question not in str(data)
    assert referral.service.name not in str(data)
    listed = logged_in(school_user).get(LIST).json()["results"][0]
    assert listed["help_question"] is None
    assert listed["service_name"] is None
    assert AccessLogEntry.objects.filter(user=school_user, purpose="api_list").exists()


@pytest.mark.parametrize(
    "who",
    [
        "outsider_user",
        "outsider_referrer_user",
        "outsider_school_user",
        "municipality_user",
    ],
)
def test_outsiders_get_404_on_retrieve_and_events(who, request, referral):
    client = logged_in(request.getfixturevalue(who))
    assert_problem(client.get(detail_url(referral)), 404)
    response = client.post(
        events_url(referral),
        {"type": "withdrawn", "occurred_on": TODAY().isoformat()},
        format="json",
    )
    assert_problem(response, 404)
    assert client.get(LIST).json()["count"] == 0
    assert not ReferralEvent.objects.exists()


def test_a_school_without_consent_gets_404(school_user, make_referral):
    referral = make_referral(school_consent=False)
    assert_problem(logged_in(school_user).get(detail_url(referral)), 404)


def test_another_providers_token_gets_404(outsider_org, referral):
    client = token_client(outsider_org)
    assert_problem(client.get(detail_url(referral)), 404)
    response = client.post(
        events_url(referral),
        {"type": "received", "occurred_on": TODAY().isoformat()},
        format="json",
    )
    assert_problem(response, 404)


# --- events -------------------------------------------------------------------


def test_a_provider_records_a_step_with_a_token(provider_org, referral):
    response = token_client(provider_org).post(
        events_url(referral),
        {"type": "received", "occurred_on": TODAY().isoformat(), "note": "Via EPD"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["type"], data["status"], data["note"]) == (
        "received",
        "received",
        "Via EPD",
    )
    assert data["organisation"] == provider_org.name
    referral.refresh_from_db()
    assert referral.status == "received"


@pytest.mark.parametrize("absent", [None, ""])
def test_a_step_without_a_reason_answers_null_reasons(provider_org, referral, absent):
    response = token_client(provider_org).post(
        events_url(referral),
        {
            "type": "received",
            "occurred_on": TODAY().isoformat(),
            "end_reason": absent,
            "decline_reason": absent,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["end_reason"], data["decline_reason"]) == (None, None)
    event = ReferralEvent.objects.get()
    assert (event.end_reason, event.decline_reason) == ("", "")  # stored as before


@pytest.mark.parametrize("via_subcontract", [False, True])
def test_a_step_is_seven_queries(
    provider_org,
    subcontractor_service,
    make_referral,
    django_assert_num_queries,
    via_subcontract,
):
    # Via a subcontract the token's hoofdaanbieder records the step: its
    # organisation is neither the referral's provider nor its referrer.
    service = {"service": subcontractor_service} if via_subcontract else {}
    referral = make_referral(first_contact=True, **service)
    client = token_client(provider_org)
    client.get(detail_url(referral))  # the token's use is noted now
    step = {"type": "intake", "occurred_on": TODAY().isoformat()}
    # 1 the token, 2 the referral looked up by its reference and locked with
    # its two organisations (no separate lookup first), 3 the provider scope
    # (once per request), 4 its events (the idempotency check and the workflow
    # share them), 5 INSERT the event, 6 UPDATE the status, 7 webhook
    # subscriptions; plus the SAVEPOINT and RELEASE the test's transaction makes
    # of the service's atomic().
    with django_assert_num_queries(7 + 2):
        response = client.post(
            events_url(referral), step, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
    assert response.status_code == 201, response.content
    assert response.json()["organisation"] == provider_org.name
    referral.refresh_from_db()
    assert referral.status == "intake"


def test_a_step_that_notifies_adds_only_the_outbox_insert(
    provider_org, make_referral, django_assert_num_queries
):
    referral = make_referral(intake=True)
    client = token_client(provider_org)
    client.get(detail_url(referral))  # the token's use is noted now
    step = {"type": "started", "occurred_on": TODAY().isoformat()}
    # The seven of a step (the locked referral brings the service and the
    # referring user the notice names) + the notices' one INSERT into the
    # outbox; plus SAVEPOINT/RELEASE of the test's transaction.
    with django_assert_num_queries(8 + 2):
        response = client.post(events_url(referral), step, format="json")
    assert response.status_code == 201, response.content
    assert referral.notifications.count() == 1


def test_the_notices_of_a_step_are_one_insert_and_mailed_after_commit(
    provider_org,
    make_referral,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    client = token_client(provider_org)
    client.get(detail_url(referral))  # the token's use is noted now
    step = {"type": "started", "occurred_on": TODAY().isoformat()}
    # Two notices (the referring user and the parent), still one INSERT.
    with (
        django_capture_on_commit_callbacks() as callbacks,
        django_assert_num_queries(8 + 2),
    ):
        response = client.post(events_url(referral), step, format="json")
    assert response.status_code == 201, response.content
    assert sorted(n.recipient_email for n in referral.notifications.all()) == sorted(
        [referral.referrer_user.email, "ouder@example.org"]
    )
    assert len(callbacks) == 1  # the try to mail them at once
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [referral.referrer_user.email, "ouder@example.org"]
    )
    assert all(n.sent_at for n in referral.notifications.all())


def test_a_step_without_notices_does_nothing_after_commit(
    provider_org, make_referral, django_capture_on_commit_callbacks
):
    referral = make_referral(first_contact=True)
    step = {"type": "intake", "occurred_on": TODAY().isoformat()}
    with django_capture_on_commit_callbacks() as callbacks:
        response = token_client(provider_org).post(
            events_url(referral), step, format="json"
        )
    assert response.status_code == 201, response.content
    assert not referral.notifications.exists()
    assert callbacks == []  # no query for due notices after the commit


@pytest.mark.parametrize(
    ("payload", "headers"),
    [
        ({"type": "teleported"}, {}),
        ({"type": "received"}, {"HTTP_IDEMPOTENCY_KEY": "x" * 101}),
    ],
)
def test_a_bad_step_on_a_referral_one_may_not_see_is_404_not_400(
    outsider_org, referral, payload, headers
):
    data = {"occurred_on": TODAY().isoformat(), **payload}
    response = token_client(outsider_org).post(
        events_url(referral), data, format="json", **headers
    )
    assert_problem(response, 404)
    assert not ReferralEvent.objects.exists()


def test_a_step_on_an_unknown_reference_is_404(provider_org):
    response = token_client(provider_org).post(
        reverse("referrals-api:referral-events", args=["VW-XXXXXXXX"]),
        {"type": "received", "occurred_on": TODAY().isoformat()},
        format="json",
    )
    assert_problem(response, 404)
    assert not ReferralEvent.objects.exists()


def test_waitlisted_takes_its_own_fields(provider_user, make_referral):
    referral = make_referral(first_contact=True)
    response = logged_in(provider_user).post(
        events_url(referral),
        {
            "type": "waitlisted",
            "occurred_on": TODAY().isoformat(),
            "expected_start_on": "2099-01-01",
            "bridging_care": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["bridging_care"] is True
    referral.refresh_from_db()
    assert referral.expected_start_on == date(2099, 1, 1)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "started"}, "type"),  # illegal move from sent
        ({"type": "teleported"}, "type"),
        ({"type": "received", "occurred_on": "2999-01-01"}, "occurred_on"),
        ({"type": "received", "occurred_on": None}, "occurred_on"),
        ({"type": "declined"}, "decline_reason"),
        ({"type": "received", "end_reason": "31"}, "end_reason"),
    ],
)
def test_a_refused_step_names_the_field_and_changes_nothing(
    payload, field, provider_user, referral
):
    data = {"occurred_on": TODAY().isoformat(), **payload}
    response = logged_in(provider_user).post(events_url(referral), data, format="json")
    assert_problem(response, 400, field)
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert not ReferralEvent.objects.exists()


def test_a_referrer_cannot_record_a_providers_step(referrer_user, referral):
    response = logged_in(referrer_user).post(
        events_url(referral),
        {"type": "received", "occurred_on": TODAY().isoformat()},
        format="json",
    )
    assert_problem(response, 403)
    assert not ReferralEvent.objects.exists()


def test_the_referrer_withdraws(referrer_user, referral):
    response = logged_in(referrer_user).post(
        events_url(referral),
        {"type": "withdrawn", "occurred_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "withdrawn"


def test_a_retry_with_the_same_idempotency_key_records_once(provider_org, referral):
    client = token_client(provider_org)
    payload = {"type": "received", "occurred_on": TODAY().isoformat()}
    first = client.post(
        events_url(referral), payload, format="json", HTTP_IDEMPOTENCY_KEY="step-1"
    )
    again = client.post(
        events_url(referral), payload, format="json", HTTP_IDEMPOTENCY_KEY="step-1"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReferralEvent.objects.count() == 1


def test_without_a_key_a_retry_is_refused_as_already_recorded(provider_org, referral):
    client = token_client(provider_org)
    payload = {"type": "received", "occurred_on": TODAY().isoformat()}
    assert client.post(events_url(referral), payload, format="json").status_code == 201
    problem = assert_problem(
        client.post(events_url(referral), payload, format="json"), 400, "type"
    )
    assert "al vastgelegd" in problem["invalid_params"][0]["reason"]
    assert ReferralEvent.objects.count() == 1


def test_the_same_key_for_another_step_is_409(provider_org, referral):
    client = token_client(provider_org)
    client.post(
        events_url(referral),
        {"type": "received", "occurred_on": TODAY().isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    response = client.post(
        events_url(referral),
        {
            "type": "declined",
            "occurred_on": TODAY().isoformat(),
            "decline_reason": "no_capacity",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert assert_problem(response, 409)["code"] == "idempotency_key_reused"
    assert ReferralEvent.objects.count() == 1


def test_an_overlong_idempotency_key_is_refused(provider_org, referral):
    response = token_client(provider_org).post(
        events_url(referral),
        {"type": "received", "occurred_on": TODAY().isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 101,
    )
    assert_problem(response, 400, "Idempotency-Key")
    assert not ReferralEvent.objects.exists()
