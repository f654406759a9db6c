"""Collects every log record of the test run, formatted as production formats
it (``sociale_kaart.logs.JsonFormatter``), to check that no personal data
reaches the logs.

``install()`` wraps ``logging.Logger.handle``, which every enabled record passes
whatever handlers are configured (pytest's and Django's come and go), so the
collector sees exactly what production's handlers would be given.
"""

import logging
import re

from sociale_kaart.logs import JsonFormatter

# The personal data the test suite's referrals carry (tests/factories.py,
# tests/referrals/fixtures.py), and what search queries look like in a URL.
PERSONAL_DATA = [
    re.compile(pattern)
    for pattern in (
        r"Angstig en somber",  # ReferralFactory's help question
        r"GEHEIME-HULPVRAAG",  # make_referral's help question
        r"ZEBRAPAARD",  # tests/security/test_logs.py
        r"\bJ\.B\.",  # ReferralFactory's initials
        r"\bQ\.X\.",
        r"2015-05-17|17-05-2015|17 mei 2015",  # ReferralFactory's date of birth
        r"\bFC\d{8}\b",  # ReferralFactory's family codes
        r"ouder@example\.org",  # the parents' e-mail addresses
        r"zebra\.ouder@example\.org",
        r"[?&](q|zoek|query)=",  # a search query in a logged URL
    )
]

_formatter = JsonFormatter()
_state = {"installed": False, "records": 0, "lines": []}


def personal_data_in(line: str) -> list[str]:
    return [p.pattern for p in PERSONAL_DATA if p.search(line)]


def install() -> None:
    if _state["installed"]:
        return
    original = logging.Logger.handle

    def handle(self, record):
        _collect(record)
        return original(self, record)

    logging.Logger.handle = handle
    _state["installed"] = True


def _collect(record) -> None:
    _state["records"] += 1
    try:
        line = _formatter.format(record)
    except Exception as exc:  # noqa: BLE001 - a broken record is reported, not lost
        line = f"<unformattable record from {record.name}: {exc!r}>"
    if personal_data_in(line):
        _state["lines"].append(line)


def records_seen() -> int:
    return _state["records"]


def offending_lines() -> list[str]:
    return list(_state["lines"])
