"""Who am I: the header names the user and the organisation they act for; a
user in two organisations switches explicitly and acts in the chosen one
only. Users see their active sessions and end them."""

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

import pytest

from accounts import login_flow, services
from accounts.models import UserSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(provider_org, referrer_org):
    """A nurse who also works a few hours for a provider."""
    user = factories.UserFactory(username="twee", first_name="Tessa")
    factories.MembershipFactory(user=user, organisation=provider_org)
    factories.MembershipFactory(user=user, organisation=referrer_org)
    return user


def _switch(client, organisation):
    return client.post(
        reverse("accounts:organisation-switch"), {"organisation": organisation.pk}
    )


def test_a_log_in_picks_one_organisation_and_the_header_says_which(
    client, two_hats, provider_org, referrer_org
):
    client.force_login(two_hats)
    session = client.session
    request = type("R", (), {"session": session})()
    login_flow.organisation_choose_default(request, two_hats)
    session.save()
    first = min((provider_org, referrer_org), key=lambda o: o.name)
    assert client.session[login_flow.ORGANISATION_KEY] == first.pk
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Tessa" in page
    assert f'<span class="whoami__organisation">{first.name}</span>' in page
    assert reverse("accounts:organisation-switch") in page


def test_actions_are_taken_in_the_chosen_organisation_only(
    client, two_hats, provider_org, referrer_org, service
):
    client.force_login(two_hats)
    edit = reverse("provider:service-edit", args=[service.pk])
    refer = reverse("referrals:referral-create", args=[service.pk])

    assert _switch(client, referrer_org)["Location"] == reverse("registry:start")
    assert client.get(edit).status_code == 404
    assert client.get(refer).status_code == 200

    _switch(client, provider_org)
    assert client.get(edit).status_code == 200
    assert client.get(refer).status_code == 403


def test_switching_to_an_organisation_one_is_not_in_is_refused(
    client, two_hats, outsider_org, referrer_org
):
    client.force_login(two_hats)
    _switch(client, referrer_org)
    response = _switch(client, outsider_org)
    assert response.status_code == 400
    assert client.session[login_flow.ORGANISATION_KEY] == referrer_org.pk


def test_a_removed_membership_leaves_the_chosen_organisation_empty_handed(
    client, two_hats, provider_org, service
):
    client.force_login(two_hats)
    _switch(client, provider_org)
    two_hats.memberships.filter(organisation=provider_org).delete()
    edit = reverse("provider:service-edit", args=[service.pk])
    assert client.get(edit).status_code == 404


def test_a_user_sees_their_sessions_and_ends_another_one(client, provider_user):
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.force_login(provider_user)
    # force_login fires user_logged_in: both sessions are registered.
    assert UserSession.objects.filter(user=provider_user).count() == 2
    page = laptop.get(reverse("accounts:account"))
    keys = [row.key for row in page.context["sessions"]]
    assert sorted(keys) == sorted(
        [laptop.session.session_key, phone.session.session_key]
    )
    response = laptop.post(
        reverse("accounts:session-end"), {"session": phone.session.session_key}
    )
    assert response["Location"] == reverse("accounts:account")
    assert not Session.objects.filter(session_key=phone.session.session_key).exists()
    assert phone.get(reverse("accounts:account"))["Location"].startswith(
        reverse("login")
    )
    assert laptop.get(reverse("accounts:account")).status_code == 200


def test_nobody_ends_someone_elses_session(client, provider_user, outsider_user):
    victim = Client()
    victim.force_login(outsider_user)
    client.force_login(provider_user)
    response = client.post(
        reverse("accounts:session-end"), {"session": victim.session.session_key}
    )
    assert response.status_code == 404
    assert Session.objects.filter(session_key=victim.session.session_key).exists()


def test_end_all_other_sessions(provider_user):
    browsers = [Client() for _ in range(3)]
    for browser in browsers:
        browser.force_login(provider_user)
    browsers[0].post(reverse("accounts:session-end"), {"session": "others"})
    assert browsers[0].get(reverse("accounts:account")).status_code == 200
    for browser in browsers[1:]:
        assert browser.get(reverse("accounts:account")).status_code == 302
    assert services.sessions_end_all(user=provider_user) == 1


def test_the_account_page_pins_its_queries(
    client, provider_user, django_assert_num_queries
):
    client.force_login(provider_user)
    # session, user, sessions registered, their expiry, TOTP device, memberships
    # (header), session renewal is not due
    with django_assert_num_queries(6):
        client.get(reverse("accounts:account"))
