"""The referral pages: refer, created, slip, timeline, steps, inbox, list, log."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

import pytest

from referrals import workflow as wf
from referrals.models import Notification, Referral
from tests import factories

TODAY = timezone.localdate


def create_url(service):
    return reverse("referrals:referral-create", args=[service.pk])


def form_data(**overrides):
    data = {
        "referrer_role": "jgz_toegang",
        "child_initials": "M.K.",
        "child_birth_date": "2016-02-29",
        "help_question": "Veel ruzie thuis, slaapt slecht.",
        "urgency": "regular",
        "consent_by": "both",
        "parent_phone": "06 12345678",
        "consent_date": TODAY().isoformat(),
        "parent_email": "",
    }
    data.update(overrides)
    return data


def long_date(day):
    return date_format(day, "DATE_FORMAT")


# --- refer --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_referral_form_is_shown_to_a_referrer(client, referrer_user, service):
    client.force_login(referrer_user)
    response = client.get(create_url(service))
    assert response.status_code == 200
    assert "Verwijzen naar" in response.text
    assert 'name="child_initials"' in response.text
    # JGZ: toegang, jeugdarts or jeugdverpleegkundige (COD327 01, 03, 01)
    assert 'name="referrer_role"' in response.text
    assert 'value="jeugdverpleegkundige"' in response.text


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, service):
    response = client.get(create_url(service))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["provider_user", "school_user", "municipality_user"])
@pytest.mark.django_db
def test_only_referrers_may_open_the_referral_form(who, request, client, service):
    client.force_login(request.getfixturevalue(who))
    assert client.get(create_url(service)).status_code == 403
    assert client.post(create_url(service), form_data()).status_code == 403
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_referring_creates_the_referral_and_shows_the_family_code(
    client, referrer_user, service
):
    client.force_login(referrer_user)
    response = client.post(create_url(service), form_data(), follow=True)
    referral = Referral.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "referrals:referral-created", args=[referral.reference]
    )
    code = referral.family_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in response.text
    assert reverse("referrals:referral-slip", args=[referral.reference]) in (
        response.text
    )
    assert referral.status == wf.SENT


@pytest.mark.django_db
def test_a_bad_form_names_the_field_and_creates_nothing(client, referrer_user, service):
    client.force_login(referrer_user)
    response = client.post(create_url(service), form_data(child_initials="Jansen"))
    assert response.status_code == 200
    assert "Alleen initialen" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_duplicate_guard_shows_the_open_referral_and_needs_confirmation(
    client, referrer_user, service, make_referral, perceel
):
    other_service = factories.ServiceFactory(
        organisation=service.organisation, perceel=perceel
    )
    existing = make_referral(
        service=other_service,
        child_initials="M.K.",
        child_birth_date=date(2016, 2, 29),
    )
    client.force_login(referrer_user)
    response = client.post(create_url(service), form_data())
    assert response.status_code == 200
    assert "Er loopt al een verwijzing" in response.text
    assert existing.reference in response.text
    assert other_service.name in response.text
    assert existing.help_question not in response.text
    assert Referral.objects.count() == 1

    response = client.post(create_url(service), form_data(confirm_duplicate="on"))
    assert response.status_code == 302
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_duplicate_guard_ignores_finished_referrals_and_other_percelen(
    client, referrer_user, service, make_referral
):
    make_referral(
        child_initials="M.K.", child_birth_date=date(2016, 2, 29), declined=True
    )
    other = factories.ServiceFactory(
        organisation=factories.HoofdaanbiederFactory(
            percelen=[factories._perceel("behandeling-psychiatrie")]
        ),
        perceel=factories._perceel("behandeling-psychiatrie"),
    )
    make_referral(
        service=other, child_initials="M.K.", child_birth_date=date(2016, 2, 29)
    )
    client.force_login(referrer_user)
    response = client.post(create_url(service), form_data())
    assert response.status_code == 302


# --- created page and slip ----------------------------------------------------


@pytest.mark.django_db
def test_the_slip_has_the_code_and_whom_to_call_but_never_the_help_question(
    client, referrer_user, referral
):
    referral.service.intake_phone = "036 123 4567"
    referral.service.save()
    client.force_login(referrer_user)
    response = client.get(reverse("referrals:referral-slip", args=[referral.reference]))
    assert response.status_code == 200
    code = referral.family_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in response.text
    assert "http://testserver/status" in response.text
    assert "036 123 4567" in response.text
    assert referral.help_question not in response.text


@pytest.mark.parametrize("page", ["referral-created", "referral-slip"])
@pytest.mark.django_db
def test_the_family_code_pages_are_for_the_referrer_only(
    page, client, provider_user, referral
):
    client.force_login(provider_user)
    response = client.get(reverse(f"referrals:{page}", args=[referral.reference]))
    assert response.status_code == 404


# --- timeline and steps -------------------------------------------------------


@pytest.mark.django_db
def test_the_referrer_sees_the_timeline_code_and_withdraw_button(
    client, referrer_user, referral
):
    client.force_login(referrer_user)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    assert referral.help_question in response.text
    assert "Verwijzing intrekken" in response.text
    assert referral.family_code[:4] in response.text
    assert 'name="type" value="received"' not in response.text


@pytest.mark.django_db
def test_the_provider_gets_a_form_for_each_allowed_step_only(
    client, provider_user, referral
):
    client.force_login(provider_user)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    assert 'name="type" value="received"' in response.text
    assert 'name="type" value="declined"' in response.text
    assert 'name="type" value="intake"' not in response.text
    assert 'name="type" value="withdrawn"' not in response.text
    assert referral.family_code[:4] not in response.text


@pytest.mark.django_db
def test_a_provider_records_a_step_on_the_page(client, provider_user, referral):
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    response = client.post(
        url,
        {
            "type": "received",
            "received-occurred_on": TODAY().isoformat(),
            "received-note": "Aangemeld bij team Noord",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == wf.RECEIVED
    response = client.get(referral.get_absolute_url())
    assert "Aangemeld bij team Noord" in response.text
    assert 'name="type" value="intake"' in response.text


@pytest.mark.django_db
def test_a_refused_step_on_the_page_shows_why_and_changes_nothing(
    client, provider_user, referral
):
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    future = (TODAY() + timedelta(days=3)).isoformat()
    response = client.post(url, {"type": "received", "received-occurred_on": future})
    assert response.status_code == 400
    assert "toekomst" in response.text
    response = client.post(url, {"type": "started", "started-occurred_on": future})
    assert response.status_code == 400
    assert "kan niet na" in response.text
    referral.refresh_from_db()
    assert referral.status == wf.SENT
    assert not referral.events.exists()


@pytest.mark.django_db
def test_declining_needs_a_reason_on_the_page(client, provider_user, referral):
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    response = client.post(
        url, {"type": "declined", "declined-occurred_on": TODAY().isoformat()}
    )
    assert response.status_code == 400
    assert not referral.events.exists()


@pytest.mark.django_db
def test_the_referrer_withdraws(client, referrer_user, referral):
    client.force_login(referrer_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    data = {"type": "withdrawn", "withdrawn-occurred_on": TODAY().isoformat()}
    # First a confirmation page that says what will happen; nothing changes yet.
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Ingetrokken vastleggen?" in response.text
    assert "Ja, ingetrokken vastleggen" in response.text
    assert 'name="confirmed" value="1"' in response.text
    referral.refresh_from_db()
    assert referral.status == wf.SENT
    assert not referral.events.exists()
    response = client.post(url, {**data, "confirmed": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == wf.WITHDRAWN


@pytest.mark.django_db
def test_a_declined_referral_shows_alternatives_with_room(
    client, referrer_user, make_referral, perceel, provider_org
):
    referral = make_referral(declined=True)
    fast = factories.ServiceFactory(
        organisation=provider_org,
        perceel=perceel,
        name="Snel aanbod",
        capacity__intake_wait_weeks=0,
        capacity__treatment_wait_weeks=1,
    )
    full = factories.ServiceFactory(
        organisation=provider_org, perceel=perceel, capacity__status="closed"
    )
    client.force_login(referrer_user)
    response = client.get(referral.get_absolute_url())
    assert "Alternatieven" in response.text
    assert fast.name in response.text
    assert full.name not in response.text
    response = client.get(reverse("referrals:referral-list"))
    assert fast.name in response.text


# --- inbox and list -----------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_lists_open_referrals_oldest_first_with_days_and_norms(
    client, provider_user, make_referral
):
    new = make_referral(days_ago=1)
    old = make_referral(days_ago=20, received=True)
    done = make_referral(days_ago=30, started=True)
    client.force_login(provider_user)
    response = client.get(reverse("referrals:inbox"))
    text = response.text
    assert text.index(old.reference) < text.index(new.reference)
    assert done.reference not in text
    assert "Eerste contact te laat" in text  # 20 days > 2 weeks without contact
    response = client.get(reverse("referrals:inbox") + "?filter=all")
    assert done.reference in response.text


@pytest.mark.django_db
def test_the_hoofdaanbieder_inbox_includes_its_onderaannemers(
    client, provider_user, subcontractor_user, make_referral, subcontractor_service
):
    sub = make_referral(service=subcontractor_service)
    own = make_referral()
    client.force_login(provider_user)
    assert sub.reference in client.get(reverse("referrals:inbox")).text
    client.force_login(subcontractor_user)
    text = client.get(reverse("referrals:inbox")).text
    assert sub.reference in text
    assert own.reference not in text


@pytest.mark.django_db
def test_the_referrer_list_says_when_help_started(client, referrer_user, make_referral):
    started = make_referral(started=True)
    client.force_login(referrer_user)
    response = client.get(reverse("referrals:referral-list"))
    assert f"Hulp gestart op {long_date(started.started_on)}" in response.text


@pytest.mark.django_db
def test_the_list_flags_referrals_past_a_norm(client, referrer_user, make_referral):
    make_referral(days_ago=40, received=True)
    client.force_login(referrer_user)
    response = client.get(reverse("referrals:referral-list"))
    assert "Norm verstreken: Intake" in response.text


@pytest.mark.django_db
def test_unread_notices_are_listed_and_can_be_marked_read(
    client, referrer_user, referral
):
    notice = Notification.objects.create(
        kind="started",
        referral=referral,
        recipient_user=referrer_user,
        subject="Hulp gestart: testmelding",
        body="x",
        dedupe_key="t1",
    )
    client.force_login(referrer_user)
    assert (
        "Hulp gestart: testmelding"
        in client.get(reverse("referrals:referral-list")).text
    )
    response = client.post(reverse("referrals:notification-read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "testmelding" not in client.get(reverse("referrals:referral-list")).text


@pytest.mark.django_db
def test_another_users_notice_cannot_be_marked_read(
    client, provider_user, referrer_user, referral
):
    notice = Notification.objects.create(
        kind="started",
        referral=referral,
        recipient_user=referrer_user,
        subject="s",
        body="b",
        dedupe_key="t2",
    )
    client.force_login(provider_user)
    response = client.post(reverse("referrals:notification-read", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.django_db
def test_a_school_sees_followed_referrals_without_personal_data(
    client, school_user, referral
):
    client.force_login(school_user)
    response = client.get(reverse("referrals:referral-list"))
    assert referral.reference in response.text
    # The pupil's initials and date of birth (the school knows them), but
    # neither the service nor the provider: "jeugdhulp" and the perceel.
    assert referral.child_initials in response.text
    assert "17-5-2015" in response.text
    assert f"Jeugdhulp ({referral.perceel.name})" in response.text
    assert referral.service.name not in response.text
    assert referral.provider.name not in response.text
    assert referral.help_question not in response.text


# --- query counts -------------------------------------------------------------


def _make_many(make_referral, count):
    for number in range(count):
        make_referral(
            days_ago=number % 30,
            steps=[(), ("received",), ("declined",), ("received", "intake")][
                number % 4
            ],
        )


@pytest.mark.parametrize("count", [4, 20])
@pytest.mark.django_db
def test_the_inbox_query_count_does_not_grow_with_the_rows(
    count, client, provider_user, make_referral, django_assert_num_queries
):
    _make_many(make_referral, count)
    client.force_login(provider_user)
    # session, user, memberships, subcontracts, the services for the service
    # filter, page count, page rows, access log INSERT (norms: the cache)
    with django_assert_num_queries(8):
        response = client.get(reverse("referrals:inbox") + "?filter=all")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [4, 20])
@pytest.mark.django_db
def test_the_referral_list_query_count_does_not_grow_with_the_rows(
    count, client, referrer_user, make_referral, django_assert_num_queries
):
    _make_many(make_referral, count)
    client.force_login(referrer_user)
    # session, user, memberships, the services for the service filter, page
    # count, page rows, alternatives for the declined rows, access log INSERT,
    # unread notices (norms: the cache)
    with django_assert_num_queries(9):
        response = client.get(reverse("referrals:referral-list"))
    assert response.status_code == 200


# --- access log page ----------------------------------------------------------


@pytest.mark.django_db
def test_municipality_staff_see_the_access_log(
    client, municipality_user, referrer_user, referral
):
    client.force_login(referrer_user)
    client.get(referral.get_absolute_url())
    client.force_login(municipality_user)
    url = reverse("referrals:access-log")
    response = client.get(url + f"?reference={referral.reference.lower()}")
    assert response.status_code == 200
    assert referral.reference in response.text
    assert referrer_user.username in response.text
    assert "verwijzing (verwijzer)" in response.text  # the screen, in words
    assert "detail_referrer" not in response.text


@pytest.mark.parametrize("who", ["referrer_user", "provider_user", "school_user"])
@pytest.mark.django_db
def test_others_do_not_find_the_access_log(who, request, client):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("referrals:access-log")).status_code == 404


@pytest.mark.django_db
def test_the_can_refer_filter_shows_verwijs_to_referrers_only(
    referrer_user, provider_user
):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    template = Template(
        "{% load referral_tags %}{% if user|can_refer %}Verwijs{% endif %}"
    )
    assert template.render(Context({"user": referrer_user})) == "Verwijs"
    assert template.render(Context({"user": provider_user})) == ""
    assert template.render(Context({"user": AnonymousUser()})) == ""
