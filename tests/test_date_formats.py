"""Dates follow the active language: Dutch style "5 dec. 2026" (Taalunie
abbreviations: "mei" has no full stop), English "5 Dec 2026"."""

from datetime import date

from django.template import Context, Template
from django.utils import translation

import pytest


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("nl", date(2026, 12, 5), "5 dec. 2026"),
        ("nl", date(2025, 10, 3), "3 okt. 2025"),
        ("nl", date(2026, 5, 1), "1 mei 2026"),
        ("nl", date(2026, 3, 9), "9 mrt. 2026"),
        ("en", date(2026, 12, 5), "5 Dec 2026"),
    ],
)
def test_the_default_date_format_reads_right(language, day, expected):
    with translation.override(language):
        assert Template("{{ day|date }}").render(Context({"day": day})) == expected


def test_a_dashboard_month_is_dutch():
    from dashboard.tables import month_label

    with translation.override("nl"):
        assert month_label(date(2026, 10, 1)) == "okt. 2026"
