"""Issue 14: after a decline the referrer is offered alternatives that fit the
child, "Verwijs hierheen" pre-fills a new referral linked to the old one, and
the chain's total wait is shown."""

# ruff: noqa: F811

from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals import selectors
from referrals.models import AccessLogEntry, Referral
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    referral,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def declined(make_referral, referrer_user, service):
    from registry.models import ProblemArea

    service.problem_areas.set(ProblemArea.objects.filter(slug="angst"))
    return make_referral(
        declined=True,
        referrer_user=referrer_user,
        child_birth_date=TODAY().replace(year=TODAY().year - 9, day=1),
        days_ago=30,
    )


def _alt(provider_org, perceel, name, problem="angst", **kwargs):
    from registry.models import ProblemArea

    service = factories.ServiceFactory(
        organisation=provider_org, perceel=perceel, name=name, **kwargs
    )
    service.problem_areas.set(ProblemArea.objects.filter(slug=problem))
    return service


def test_alternatives_fit_age_and_problem_shortest_wait_first(
    declined, provider_org, perceel
):
    slow = _alt(provider_org, perceel, "Traag", capacity__treatment_wait_weeks=8)
    fast = _alt(provider_org, perceel, "Snel", capacity__treatment_wait_weeks=0)
    _alt(provider_org, perceel, "Kamertraining 16+", age_min=16, age_max=23)
    _alt(provider_org, perceel, "Ander probleem", problem="autisme")
    _alt(provider_org, perceel, "Vol", capacity__status="waitlist")
    found = selectors.alternatives_fitting(declined)
    assert [s.name for s in found] == [fast.name, slow.name]


def test_verwijs_hierheen_prefills_everything_and_links_the_chain(
    client, declined, referrer_user, provider_org, perceel
):
    target = _alt(provider_org, perceel, "Snel")
    client.force_login(referrer_user)
    page = client.get(declined.get_absolute_url()).text
    create = reverse("referrals:referral-create", args=[target.pk])
    link = f"{create}?vorige={declined.reference}"
    assert link in page
    form = client.get(link)
    initial = form.context["form"].initial
    assert initial["help_question"] == declined.help_question
    assert initial["parent_phone"] == declined.parent_phone
    assert AccessLogEntry.objects.filter(referral=declined, purpose="prefill").exists()
    # Submitting the pre-filled form as shown: nothing retyped.
    data = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in initial.items()
        if value not in (None, "")
    }
    data["school_consent"] = "on" if initial.get("school_consent") else ""
    response = client.post(create, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = Referral.objects.exclude(pk=declined.pk).get()
    assert new.previous_referral == declined
    assert new.help_question == declined.help_question
    chain = selectors.referral_chain(new)
    assert [r.pk for r in chain.referrals] == [declined.pk, new.pk]
    assert chain.wait_days == 30
    assert not chain.started
    page = client.get(new.get_absolute_url()).text
    assert "Eerdere en latere verwijzingen" in page
    assert declined.reference in page


def test_another_organisations_referral_cannot_be_continued(
    client, declined, outsider_referrer_user, service
):
    client.force_login(outsider_referrer_user)
    url = reverse("referrals:referral-create", args=[service.pk])
    assert client.get(f"{url}?vorige={declined.reference}").status_code == 404
    assert Referral.objects.count() == 1


def test_an_open_referral_cannot_be_continued(referral, referrer_user, service):
    api = APIClient()
    api.force_authenticate(referrer_user)
    today = TODAY()
    body = {
        "service": service.pk,
        "child_initials": referral.child_initials,
        "child_birth_date": referral.child_birth_date.isoformat(),
        "help_question": "Opnieuw.",
        "consent_by": "parent",
        "consent_date": today.isoformat(),
        "parent_phone": "06 12345678",
        "previous_referral": referral.reference,
        "confirm_duplicate": True,
    }
    response = api.post("/api/v1/referrals", body, format="json")
    assert response.status_code == 400
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names == ["previous_referral"]
    assert Referral.objects.count() == 1


def test_the_api_links_the_chain(declined, referrer_user, provider_org, perceel):
    target = _alt(provider_org, perceel, "Snel")
    api = APIClient()
    api.force_authenticate(referrer_user)
    body = {
        "service": target.pk,
        "child_initials": declined.child_initials,
        "child_birth_date": declined.child_birth_date.isoformat(),
        "help_question": "Vervolg.",
        "consent_by": "parent",
        "consent_date": TODAY().isoformat(),
        "parent_phone": "06 12345678",
        "previous_referral": declined.reference,
    }
    response = api.post("/api/v1/referrals", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["previous_referral"] == declined.reference
    unknown = {**body, "previous_referral": "VW-BESTAATNIET"}
    response = api.post("/api/v1/referrals", unknown, format="json")
    assert response.status_code == 400
    assert Referral.objects.count() == 2


def test_the_chain_wait_runs_until_help_starts(declined, make_referral):
    follow = make_referral(started=True, days_ago=5, previous_referral=declined)
    chain = selectors.referral_chain(declined)
    assert chain.started
    assert chain.wait_days == (follow.started_on - declined.referred_on).days
    assert chain.wait_days >= 25
