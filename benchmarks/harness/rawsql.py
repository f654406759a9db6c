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


def _replay(conn: psycopg.Connection, statements, guarded: bool = False) -> float:
    """One request's statements in a rolled-back transaction, in ms. ``guarded``:
    each in a savepoint of its own, so a write refused the second time (its
    first run committed) costs its refusal and the rest still runs."""
    started = time.perf_counter()
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cursor:
            for sql, params, many in statements:
                if guarded:
                    _guarded(conn, cursor, sql, params, many)
                else:
                    _execute(cursor, sql, params, many)
    except psycopg.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotReplayable(first) from None
    return (time.perf_counter() - started) * 1000


def _execute(cursor, sql, params, many) -> None:
    if many:
        cursor.executemany(sql, params)
    else:
        cursor.execute(sql, params)
    if cursor.description is not None:
        cursor.fetchall()


def _guarded(conn, cursor, sql, params, many) -> None:
    if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
        return  # the app's own savepoints would clash with the guards
    try:
        with conn.transaction():
            _execute(cursor, sql, params, many)
    except psycopg.Error:
        pass


def time_statements(
    database_url: str, per_url: list[list[tuple]], requests: int, warmup: int
) -> dict:
    """Run the captured requests' SQL ``requests`` times (cycling like the app
    scenario did) after ``warmup`` runs; median and p95 in ms."""
    found = {"statements_per_request": [len(statements) for statements in per_url]}
    with connect(database_url) as conn:
        try:
            _replay(conn, per_url[0])
            guarded = False
        except NotReplayable as exc:
            guarded = True
            found["raw_note"] = f"a statement refused when run again ({exc})"
        for n in range(warmup):
            _replay(conn, per_url[n % len(per_url)], guarded)
        samples = [
            _replay(conn, per_url[n % len(per_url)], guarded)
            for n in range(warmup, warmup + requests)
        ]
    found["raw_median_ms"] = rounded(percentile(samples, 50), 2)
    found["raw_p95_ms"] = rounded(percentile(samples, 95), 2)
    return found
