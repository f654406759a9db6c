"""Who sees a referral: outsiders get 404 everywhere; schools only with consent and
never the help question; the family never the help question."""

from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals import permissions as perms
from referrals.models import ReferralEvent
from tests import factories

PAGES = ["referral-detail", "referral-created", "referral-slip"]
OUTSIDERS = [
    "outsider_user",  # another provider
    "outsider_referrer_user",  # another referrer organisation
    "outsider_school_user",  # another school
    "subcontractor_user",  # the provider's onderaannemer (not its referral)
    "municipality_user",  # no personal data for the gemeente (permissions.py)
]


def page_urls(referral):
    return [reverse(f"referrals:{page}", args=[referral.reference]) for page in PAGES]


def api_urls(referral):
    return [
        reverse("referrals-api:referral-detail", args=[referral.reference]),
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.django_db
def test_outsiders_get_404_on_every_page_and_endpoint(who, request, client, referral):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for url in page_urls(referral):
        assert client.get(url).status_code == 404, url
    step_url = reverse("referrals:referral-event-create", args=[referral.reference])
    for step in ("received", "withdrawn"):
        data = {"type": step, f"{step}-occurred_on": timezone.localdate().isoformat()}
        assert client.post(step_url, data).status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    for url in api_urls(referral):
        assert api.get(url).status_code == 404
    events = reverse("referrals-api:referral-events", args=[referral.reference])
    response = api.post(
        events,
        {"type": "withdrawn", "occurred_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 404
    assert not ReferralEvent.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.django_db
def test_outsiders_do_not_see_it_in_any_list(who, request, client, referral):
    client.force_login(request.getfixturevalue(who))
    for name in ("referrals:inbox", "referrals:referral-list"):
        response = client.get(reverse(name) + "?filter=all")
        assert referral.reference not in response.text


@pytest.mark.django_db
def test_an_unknown_reference_is_the_same_404(client, referrer_user):
    client.force_login(referrer_user)
    url = reverse("referrals:referral-detail", args=["VW-DOESNOTX"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_school_without_consent_gets_404(client, school_user, make_referral):
    referral = make_referral(school_consent=False)
    client.force_login(school_user)
    assert client.get(referral.get_absolute_url()).status_code == 404
    assert referral.reference not in client.get(reverse("referrals:referral-list")).text


@pytest.mark.django_db
def test_the_school_view_never_shows_the_help_question_or_child_data(
    client, school_user, make_referral
):
    referral = make_referral(started=True, parent_email="ouder@example.org")
    client.force_login(school_user)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    assert "Hulp gestart op" in response.text
    assert referral.child_initials in response.text  # the school knows its pupil
    assert f"Jeugdhulp ({referral.perceel.name})" in response.text
    for secret in (
        referral.help_question,
        "ouder@example.org",
        referral.parent_phone,
        referral.family_code[:4],
        referral.service.name,
        referral.provider.name,
    ):
        assert secret not in response.text
    for name in ("referral-slip", "referral-created"):
        url = reverse(f"referrals:{name}", args=[referral.reference])
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_family_view_never_shows_the_help_question(client, make_referral):
    for state in ("sent", "waitlisted", "started", "declined", "ended"):
        referral = make_referral(**({} if state == "sent" else {state: True}))
        response = client.post(
            reverse("referrals:status"),
            {
                "family_code": referral.family_code,
                "birth_date": referral.child_birth_date.isoformat(),
            },
        )
        assert response.status_code == 200
        assert "Waar staat het nu?" in response.text
        assert referral.help_question not in response.text


@pytest.mark.django_db
def test_the_hoofdaanbieder_sees_its_onderaannemers_referrals(
    provider_user, make_referral, subcontractor_service
):
    referral = make_referral(service=subcontractor_service)
    assert perms.referral_view(provider_user, referral) == perms.PROVIDER
    assert perms.can_record_event(provider_user, referral, "received")


@pytest.mark.django_db
def test_an_ended_subcontract_ends_the_hoofdaanbieders_view(
    provider_user, make_referral, subcontractor_service, subcontractor_org
):
    referral = make_referral(service=subcontractor_service)
    sub = subcontractor_org.subcontracts.get()
    sub.end_date = timezone.localdate() - timezone.timedelta(days=1)
    sub.save()
    assert perms.referral_view(provider_user, referral) is None


@pytest.mark.django_db
def test_roles_follow_memberships(
    referral, referrer_user, provider_user, school_user, municipality_user
):
    assert perms.referral_view(referrer_user, referral) == perms.REFERRER
    assert perms.referral_view(provider_user, referral) == perms.PROVIDER
    assert perms.referral_view(school_user, referral) == perms.SCHOOL
    assert perms.referral_view(municipality_user, referral) is None
    assert perms.can_see_personal_data(provider_user, referral)
    assert not perms.can_see_personal_data(school_user, referral)
    assert perms.can_view_access_log(municipality_user)
    assert not perms.can_view_access_log(referrer_user)


@pytest.mark.django_db
def test_only_referrer_organisations_may_refer(
    referrer_user, provider_user, school_user, municipality_user
):
    assert perms.can_refer(referrer_user)
    for user in (provider_user, school_user, municipality_user):
        assert not perms.can_refer(user)
    inactive = factories.MembershipFactory(
        organisation=factories.OrganisationFactory(kind="huisartsenpraktijk"),
        user__is_active=False,
    ).user
    assert not perms.can_refer(inactive)
