"""Referral pages write dates in the active language's own formats
(sociale_kaart/formats/<language>: DATE_FORMAT, SHORT_DATE_FORMAT), never a
format string of their own; the family's pages write the month in full."""

# ruff: noqa: F811

import datetime
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

import pytest

from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
)

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "referrals"
NAMED = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "MONTH_DAY_FORMAT"}


def test_no_referral_template_has_a_date_format_of_its_own():
    for path in TEMPLATES.rglob("*.*"):
        formats = set(re.findall(r'\|date:"([^"]*)"', path.read_text()))
        assert formats <= NAMED, (path.name, formats - NAMED)


@pytest.fixture
def march_referral(make_referral, referrer_user):
    return make_referral(
        referred_on=datetime.date(2026, 3, 3),
        child_birth_date=datetime.date(2019, 5, 7),
        child_initials="J.",
    )


@pytest.mark.parametrize(
    ("language", "referred", "born"),
    [("nl", "3 mrt. 2026", "7-5-2019"), ("en", "3 Mar 2026", "07/05/2019")],
)
def test_the_inbox_writes_dates_in_the_language_of_the_page(
    client, provider_user, march_referral, language, referred, born
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(provider_user)
    text = client.get(reverse("referrals:inbox")).text
    assert f">{referred}<" in text
    assert f">{born}<" in text


@pytest.mark.parametrize(
    ("language", "referred"), [("nl", "3 mrt. 2026"), ("en", "3 Mar 2026")]
)
def test_the_referral_page_writes_dates_in_the_language_of_the_page(
    client, referrer_user, march_referral, language, referred
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(referrer_user)
    text = client.get(march_referral.get_absolute_url()).text
    assert f"<dd>{referred}</dd>" in text


@pytest.mark.parametrize(
    ("language", "referred"), [("nl", "3 maart 2026"), ("en", "3 March 2026")]
)
def test_the_slip_for_the_family_writes_the_month_in_full(
    client, referrer_user, march_referral, language, referred
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(referrer_user)
    url = reverse("referrals:referral-slip", args=[march_referral.reference])
    assert referred in client.get(url).text
