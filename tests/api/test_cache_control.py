"""No shared cache keeps an API answer meant for one client: every answer to an
authenticated request is ``private``, and every answer with a referral's personal
data (or about a referral at all) is ``no-store``; public catalogue answers to
anonymous clients stay cacheable."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import logged_in, token_client
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
)

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    value = response.get("Cache-Control", "")
    return {part.strip() for part in value.split(",") if part.strip()}


@pytest.fixture
def referral(make_referral):  # noqa: F811
    return make_referral()


def test_referral_answers_are_private_and_never_stored(
    referral, referrer_user, provider_org, outsider_user
):
    session = logged_in(referrer_user)
    token = token_client(provider_org)
    answers = [
        session.get("/api/v1/referrals"),
        session.get(f"/api/v1/referrals/{referral.reference}"),
        token.get("/api/v1/referrals"),
        token.get(f"/api/v1/referrals/{referral.reference}"),
        token.post(
            f"/api/v1/referrals/{referral.reference}/events",
            {"type": "received", "occurred_on": referral.referred_on.isoformat()},
            format="json",
        ),
        logged_in(outsider_user).get(f"/api/v1/referrals/{referral.reference}"),
        APIClient().get("/api/v1/referrals"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 201, 404, 401]
    for answer in answers:
        assert {"no-store", "private"} <= directives(answer), answer.request


def test_every_authenticated_answer_is_private(referrer_user, provider_org):
    for client in (logged_in(referrer_user), token_client(provider_org)):
        response = client.get("/api/v1/services")
        assert response.status_code == 200
        assert "private" in directives(response)
        assert "public" not in directives(response)


def test_anonymous_catalogue_answers_stay_cacheable(service):
    response = APIClient().get("/api/v1/services")
    assert response.status_code == 200
    assert not {"private", "no-store"} & directives(response)
