"""The API speaks iJw codes where iJw has one: referrer types (COD327), end
reasons (JZ588) and product categories (JZ020); and the referral list refuses
bad filters by name."""

# The shared referral fixtures are imported below; their names are then reused as
# test parameters, which is how pytest injects them.
# ruff: noqa: F811

from django.utils import timezone

import pytest

from referrals.models import Referral, ReferralEvent
from registry.models import DeliveryForm, Perceel
from tests import factories
from tests.api.helpers import assert_problem, logged_in, token_client
from tests.referrals.fixtures import (  # noqa: F401 - fixtures, see above
    make_referral,
    referral,
    school_org,
)

pytestmark = pytest.mark.django_db
REFERRALS = "/api/v1/referrals"


def _refer(user, service, **overrides):
    body = {
        "service": service.pk,
        "child_initials": "S.V.",
        "child_birth_date": "2012-09-01",
        "help_question": "Somber.",
        "consent_by": "parent",
        "parent_phone": "06 12345678",
        "consent_date": timezone.localdate().isoformat(),
        **overrides,
    }
    return logged_in(user).post(REFERRALS, body, format="json")


def test_a_jgz_referral_carries_a_cod327_referrer_type(referrer_user, service):
    response = _refer(referrer_user, service, referrer_type="03")
    assert response.status_code == 201, response.content
    assert response.json()["referrer_type"] == "03"  # Jeugdarts
    assert response.json()["referrer_role"] == "jeugdarts"
    assert Referral.objects.get().referrer_type == "03"


def test_a_jgz_nurse_refers_as_cod327_01(referrer_user, service):
    response = _refer(referrer_user, service, referrer_role="jeugdverpleegkundige")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["referrer_role"], body["referrer_type"]) == (
        "jeugdverpleegkundige",
        "01",
    )


@pytest.mark.parametrize("role", ["school", "wijkteam", "03"])
def test_a_role_outside_the_organisation_or_list_is_400(referrer_user, service, role):
    assert_problem(
        _refer(referrer_user, service, referrer_role=role), 400, "referrer_role"
    )
    assert not Referral.objects.exists()


@pytest.mark.parametrize("code", ["07", "3", "jeugdarts", "", "wijkteam"])
def test_a_code_outside_cod327_is_400_and_stores_nothing(referrer_user, service, code):
    assert_problem(
        _refer(referrer_user, service, referrer_type=code), 400, "referrer_type"
    )
    assert not Referral.objects.exists()


def _end(provider_org, referral, **fields):
    return token_client(provider_org).post(
        f"{REFERRALS}/{referral.reference}/events",
        {"type": "ended", "occurred_on": timezone.localdate().isoformat(), **fields},
        format="json",
    )


def test_help_ends_with_a_jz588_reason(provider_org, make_referral):
    referral = make_referral(started=True)
    response = _end(provider_org, referral, end_reason="38")
    assert response.status_code == 201, response.content
    assert response.json()["end_reason"] == "38"  # overstap naar andere aanbieder
    referral.refresh_from_db()
    assert referral.status == "ended"


@pytest.mark.parametrize("code", ["99", "1", "volgens plan", ""])
def test_an_end_reason_outside_jz588_is_400_and_changes_nothing(
    provider_org, make_referral, code
):
    referral = make_referral(started=True)
    events = ReferralEvent.objects.count()
    assert_problem(_end(provider_org, referral, end_reason=code), 400, "end_reason")
    assert ReferralEvent.objects.count() == events
    referral.refresh_from_db()
    assert referral.status == "started"


def test_services_carry_their_jz020_product_category(provider_org):
    psychiatrie = Perceel.objects.get(code="behandeling-psychiatrie")
    factories.ContractFactory(organisation=provider_org, perceel=psychiatrie)
    ggz = factories.ServiceFactory(organisation=provider_org, perceel=psychiatrie)
    day = factories.ServiceFactory(organisation=provider_org, perceel=psychiatrie)
    day.forms.add(DeliveryForm.objects.get(slug="dagbehandeling"))
    client = token_client(provider_org)
    categories = {
        s.pk: client.get(f"/api/v1/services/{s.pk}").json()["product_category"]
        for s in (ggz, day)
    }
    assert categories == {
        ggz.pk: {"code": "54", "name": "Jeugd-ggz"},
        day.pk: {"code": "41", "name": "Dagbehandeling"},
    }


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"service": "1.5"}, "service"),
        ({"service": "een"}, "service"),
        ({"referredAfter": "gisteren"}, "referredAfter"),
        ({"status": "zoek"}, "status"),
        ({"open": "misschien"}, "open"),
        ({"page": "0"}, "page"),
        ({"pageSize": "201"}, "pageSize"),
    ],
)
def test_a_bad_referral_filter_is_400_naming_it(referrer_user, referral, params, name):
    assert_problem(logged_in(referrer_user).get(REFERRALS, params), 400, name)


def test_the_referral_list_filters_on_service(referrer_user, make_referral, service):
    mine = make_referral()
    other = factories.ServiceFactory(organisation=service.organisation)
    make_referral(service=other)
    body = logged_in(referrer_user).get(REFERRALS, {"service": service.pk}).json()
    assert [r["reference"] for r in body["results"]] == [mine.reference]
