"""The menu and the landing page after log-in follow the user's memberships, and
the interface is Dutch unless the visitor chose English."""

from django.urls import reverse

import pytest

from tests import factories


def nav_links(client):
    html = client.get(reverse("registry:home")).content.decode()
    return {
        label
        for label in ("Mijn aanbod", "Inbox", "Verwijzingen", "Regie", "Cijfers")
        if f">{label}</a>" in html
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "links", "landing"),
    [
        ("provider_user", {"Mijn aanbod", "Inbox", "Cijfers"}, "referrals:inbox"),
        ("subcontractor_user", {"Mijn aanbod", "Inbox", "Cijfers"}, "referrals:inbox"),
        ("referrer_user", {"Verwijzingen"}, "referrals:referral-list"),
        ("municipality_user", {"Mijn aanbod", "Regie"}, "dashboard:overview"),
    ],
)
def test_menu_and_landing_page_follow_the_role(
    client, request, fixture, links, landing
):
    client.force_login(request.getfixturevalue(fixture))
    assert nav_links(client) == links
    assert client.get(reverse("registry:start")).url == reverse(landing)


@pytest.mark.django_db
def test_a_school_member_sees_followed_referrals(client):
    school = factories.OrganisationFactory(kind="school")
    client.force_login(factories.MembershipFactory(organisation=school).user)
    assert nav_links(client) == {"Verwijzingen"}


@pytest.mark.django_db
def test_anonymous_visitors_see_no_professional_menu_and_start_asks_log_in(client):
    assert nav_links(client) == set()
    response = client.get(reverse("registry:start"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_pages_are_dutch_even_for_an_english_browser_until_english_is_chosen(client):
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    response = client.get(reverse("registry:search"), **english_browser)
    assert 'lang="nl"' in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(reverse("registry:search"), **english_browser)
    assert 'lang="en"' in response.content.decode()
