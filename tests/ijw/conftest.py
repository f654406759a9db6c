"""The iJw cast: the standard provider with an AGB code, its subcontractor with
one, an outsider with one, and a referral of the example client (born
2010-02-14) to the provider."""

import itertools
from datetime import timedelta

from django.utils import timezone

import pytest

from registry import services as registry_services
from tests.ijw import helpers
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
    school_user,
)

PROVIDER_AGB = "42420001"
SUBCONTRACTOR_AGB = "42420002"
OUTSIDER_AGB = "65656055"
_ids = itertools.count(100000)


@pytest.fixture
def agbs(provider_org, subcontractor_org, outsider_org):
    for org, agb in (
        (provider_org, PROVIDER_AGB),
        (subcontractor_org, SUBCONTRACTOR_AGB),
        (outsider_org, OUTSIDER_AGB),
    ):
        org.agb = agb
        org.save(update_fields=["agb"])


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def ijw_referral(agbs, request):
    return request.getfixturevalue("make_referral")(
        child_birth_date=helpers.BORN, parent_email="ouder@example.org"
    )


@pytest.fixture
def msg(today):
    """``msg("JW305", ...)`` with fresh identifications and sensible dates."""

    def build(kind, **values):
        values.setdefault("identification", str(next(_ids)))
        values.setdefault("dated_on", today)
        if kind in ("JW301", "JW319"):
            values.setdefault("sender", helpers.MUNICIPALITY)
            values.setdefault("receiver", PROVIDER_AGB)
        else:
            values.setdefault("sender", PROVIDER_AGB)
            values.setdefault("receiver", helpers.MUNICIPALITY)
        if kind == "JW301":
            values.setdefault("allocated_on", today - timedelta(days=8))
            values.setdefault("valid_from", today - timedelta(days=8))
            values.setdefault("valid_until", today + timedelta(days=200))
        if kind in ("JW305", "JW307"):
            values.setdefault("start_valid_from", today - timedelta(days=8))
        return helpers.message(kind, **values)

    return build


@pytest.fixture
def municipality_key(municipality_org):
    _token, key = registry_services.api_token_create(
        organisation=municipality_org, actor=None, name="iJw", scopes="ijw"
    )
    return key


@pytest.fixture
def make_key():
    def make(organisation, scopes=None):  # None: the kind's default scopes
        return registry_services.api_token_create(
            organisation=organisation, actor=None, name="k", scopes=scopes
        )[1]

    return make


def xml_post(client, data: bytes, key: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.post(
        "/api/v1/ijw/messages", data=data, content_type="application/xml", **headers
    )


def snapshot():
    """Counts of everything an iJw message can change."""
    from ijw.models import (
        Allocation,
        ExperienceInvitation,
        Message,
        PendingProduct,
        Report,
    )
    from referrals.models import Notification, Referral, ReferralEvent

    return {
        "messages": Message.objects.count(),
        "allocations": Allocation.objects.count(),
        "reports": Report.objects.count(),
        "pending": PendingProduct.objects.count(),
        "events": ReferralEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "invitations": ExperienceInvitation.objects.count(),
        "statuses": sorted(Referral.objects.values_list("status", flat=True)),
    }
