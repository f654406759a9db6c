"""Referral fixtures shared by tests/referrals and tests/api/test_referrals.py.

A referral from the standard referrer (JGZ) to the standard provider's service,
ten days ago, plus a school that may follow it and the school's user.
"""

import pytest

from tests import factories


@pytest.fixture
def school_org(db):
    return factories.OrganisationFactory(kind="school", name="Basisschool De Test")


@pytest.fixture
def school_user(school_org):
    return factories.MembershipFactory(organisation=school_org).user


@pytest.fixture
def outsider_referrer_user(db):
    org = factories.OrganisationFactory(kind="huisartsenpraktijk", name="Huisarts X")
    return factories.MembershipFactory(organisation=org).user


@pytest.fixture
def outsider_school_user(db):
    org = factories.OrganisationFactory(kind="school", name="Andere school")
    return factories.MembershipFactory(organisation=org).user


@pytest.fixture
def make_referral(referrer_org, referrer_user, service, school_org):
    """``make_referral(started=True, ...)``: the standard cast's referral."""

    def make(**kwargs):
        values = {
            "service": service,
            "referrer_organisation": referrer_org,
            "referrer_user": referrer_user,
            "follower_school": school_org,
            "school_consent": True,
            "help_question": "GEHEIME-HULPVRAAG angst en somberheid",
        }
        values.update(kwargs)
        return factories.ReferralFactory(**values)

    return make


@pytest.fixture
def referral(make_referral):
    return make_referral()
