"""The nightly refresh never makes a dashboard reader wait (PostgreSQL only).

A reader holds its transaction (and so its ACCESS SHARE locks on every
dashboard table) open through a whole full refresh, and another reader reads
while the refresh's own transaction is half done. Every connection has a
``lock_timeout``: a refresh that took a lock readers conflict with (CLUSTER,
VACUUM FULL, TRUNCATE, ALTER TABLE), or a read that waited for the refresh,
fails the test with LockNotAvailable instead of hanging.
"""

from django.db import connection

import psycopg
import pytest

from dashboard import definitions as d
from dashboard import services
from dashboard.models import (
    CapacityMonthly,
    ReferralDayHistogram,
    ReferralDeclineCounts,
    ReferralMonthlyCounts,
    RollupMember,
)
from dashboard.sql import table
from tests.dashboard.helpers import history

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOCK_TIMEOUT = "2s"
TABLES = (
    ReferralMonthlyCounts,
    ReferralDayHistogram,
    ReferralDeclineCounts,
    CapacityMonthly,
    RollupMember,
)
CITY_MADE = (
    f"SELECT COALESCE(SUM(made), 0) FROM {table(ReferralMonthlyCounts)} "  # noqa: S608
    "WHERE level = %s"
)


@pytest.fixture
def readers():
    """Connections of their own; closed even when the test fails, so the
    table flush after the test never waits for their locks."""
    opened = []

    def open_reader():
        opened.append(_reader())
        return opened[-1]

    yield open_reader
    for reader in opened:
        reader.close()


def _reader() -> psycopg.Connection:
    settings = connection.settings_dict
    reader = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    reader.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    reader.commit()
    return reader


def _city_made(reader) -> int:
    return reader.execute(CITY_MADE, [d.CITY]).fetchone()[0]


def test_readers_are_not_blocked_by_a_full_refresh(service, readers, monkeypatch):
    history(service, "2026-01-05", [("received", "2026-01-06")])
    services.dashboard_refresh()
    history(service, "2026-01-12", [("received", "2026-01-13")])

    # Reader 1: one snapshot, its locks on every dashboard table held throughout.
    holding = readers()
    holding.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    for model in TABLES:
        holding.execute(f"SELECT COUNT(*) FROM {table(model)}")  # noqa: S608
    assert _city_made(holding) == 1

    # Reader 2 reads while the refresh has deleted and rewritten the rows but
    # not yet committed.
    during = []
    passing = readers()
    original = services._insert_city_all_referrers

    def read_midway(cursor, *, since):
        original(cursor, since=since)
        during.append(_city_made(passing))
        passing.commit()

    monkeypatch.setattr(services, "_insert_city_all_referrers", read_midway)
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        services.dashboard_refresh()  # a full rebuild, its tidying included
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert during == [1]  # not blocked, and the figures before the refresh
    assert _city_made(holding) == 1  # its snapshot is untouched
    holding.commit()
    assert _city_made(holding) == 2
    assert _city_made(passing) == 2
