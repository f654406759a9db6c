"""Issue 18: the working lists build each row's link, dates and status badge
once in Python (``referrals.rows``); the HTML is what the template tags and
filters gave."""

# ruff: noqa: F811

from django.template import Context, Template
from django.utils import translation
from django.utils.html import conditional_escape

import pytest

from referrals.rows import RowTexts
from tests.referrals.fixtures import make_referral, school_org  # noqa: F401

pytestmark = pytest.mark.django_db

TEMPLATE = Template(
    "{% load referral_tags %}{{ r.get_absolute_url }}|"
    '{{ r.referred_on|date:"DATE_FORMAT" }}|{{ r.started_on|date:"DATE_FORMAT" }}|'
    '{{ r.child_birth_date|date:"SHORT_DATE_FORMAT" }}|{% referral_status r %}'
)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_row_texts_are_what_the_template_gave(make_referral, language):
    made = [
        make_referral(days_ago=days, **steps)
        for days, steps in [
            (3, {}),
            (40, {"started": True}),
            (40, {"declined": True}),
            (200, {"ended": True}),
            (9, {"waitlisted": True}),
            (9, {"withdrawn": True}),
        ]
    ]
    made.append(make_referral(child_birth_date=None, reference="VW-A&B 1"))
    with translation.override(language):
        texts = RowTexts()
        for referral in made:
            row = texts.of(referral)
            # As the list templates print them (autoescaped).
            mine = "|".join(
                conditional_escape(row[name])
                for name in ("url", "referred_on", "started_on", "birth_date")
            )
            mine += f"|{conditional_escape(row['status'])}"
            assert mine == TEMPLATE.render(Context({"r": referral}))
