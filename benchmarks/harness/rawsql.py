"""The same SQL straight on PostgreSQL: what the app adds on top of its queries.

The statements a request ran (captured with their parameters) are executed with
psycopg on a connection set up like Django's (client-side binding, UTC, no
parallel workers), one request's statements per transaction, rolled back (list
pages also write their access-log rows). The ratio app time / raw SQL time is
then the cost of Django, templates and middleware per unit of database work.
"""

import time

import psycopg

from benchmarks.harness.common import percentile, rounded


def connect(database_url: str) -> psycopg.Connection:
    url = database_url.replace("postgres://", "postgresql://", 1)
    return psycopg.connect(
        url,
        cursor_factory=psycopg.ClientCursor,
        options="-c TimeZone=UTC -c max_parallel_workers_per_gather=0",
    )


class NotReplayable(Exception):
    """The captured statements fail when run again (e.g. a committed step's
    INSERT meets the unique-step constraint)."""


def _replay(conn: psycopg.Connection, statements) -> float:
    started = time.perf_counter()
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cursor:
            for sql, params, many in statements:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
    except psycopg.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotReplayable(f"not replayable: {first}") from None
    return (time.perf_counter() - started) * 1000


def time_statements(
    database_url: str, per_url: list[list[tuple]], requests: int, warmup: int
) -> dict:
    """Run the captured requests' SQL ``requests`` times (cycling like the app
    scenario did) after ``warmup`` runs; median and p95 in ms."""
    with connect(database_url) as conn:
        for n in range(warmup):
            _replay(conn, per_url[n % len(per_url)])
        samples = [
            _replay(conn, per_url[n % len(per_url)])
            for n in range(warmup, warmup + requests)
        ]
    return {
        "raw_median_ms": rounded(percentile(samples, 50), 2),
        "raw_p95_ms": rounded(percentile(samples, 95), 2),
        "statements_per_request": [len(statements) for statements in per_url],
    }
