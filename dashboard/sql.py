"""Small SQL pieces that differ between PostgreSQL and SQLite.

The precompute is plain ``INSERT ... SELECT ... GROUP BY``; only date
arithmetic needs a dialect. Identifiers come from model metadata, never from
input; values always go in as parameters.
"""

from datetime import date, datetime

from django.db import connection

# PostgreSQL work_mem for the refresh's transaction (sorts and hash aggregates of
# millions of rows stay in memory instead of spilling to disk).
REFRESH_WORK_MEM = "256MB"


def month_of(column: str) -> str:
    """The first day of the month of a date column, as a date."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def days_between(start: str, end: str) -> str:
    """Whole days from ``start`` to ``end``; NULL when either is NULL."""
    if connection.vendor == "postgresql":
        return f"({end} - {start})"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def param(value):
    """Adapt a date or datetime for a raw query the way the ORM stores it."""
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


def typed(kind: str) -> str:
    """A placeholder with its type, for constants in a derived table (PostgreSQL
    needs the type there; SQLite must not cast dates, which it stores as text)."""
    if connection.vendor == "postgresql":
        return {"date": "CAST(%s AS date)", "timestamp": "CAST(%s AS timestamptz)"}[
            kind
        ]
    return "%s"


def more_memory(cursor) -> None:
    """Room for the refresh's big GROUP BYs in memory (this transaction only)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")


def bulk_insert(model, fields, rows) -> None:
    """Insert tuples (in ``fields`` order, attnames): COPY on PostgreSQL."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {table(model)} ({columns}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        model_fields = [model._meta.get_field(f) for f in fields]
        prepared = [
            [
                f.get_db_prep_save(v, connection)
                for f, v in zip(model_fields, row, strict=True)
            ]
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {table(model)} ({columns}) VALUES ({marks})",  # noqa: S608
            prepared,
        )


def placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
