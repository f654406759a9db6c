"""Never keep what we must not: after importing messages (processed, queued,
refused, duplicate), neither the BSN nor the client's or a relation's name,
address or e-mail is anywhere in the database or in the logs."""

import logging
from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection

import pytest

from tests.ijw import helpers

pytestmark = pytest.mark.django_db

SECRETS = [
    helpers.BSN,
    "Gijsbrechtje",  # first name put in every message
    "Zwartkrijtvan",  # surname put in every message
    "Woustraat",  # address of the JW301 example
    "abc@def.com",  # a relation's e-mail in the JW301 example
    "Galen",  # a relation's surname in the JW301 example
    "2010-02-14",  # the client's date of birth: compared, never stored
]


def with_names(data: bytes) -> bytes:
    return data.replace(b">Tom<", b">Gijsbrechtje<").replace(
        b">Wit<", b">Zwartkrijtvan<"
    )


def database_text() -> str:
    """Every row of every table as text (SQLite: the SQL dump)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - own table names
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_no_bsn_name_or_address_is_kept_or_logged(
    tmp_path, msg, ijw_referral, today, caplog
):
    caplog.set_level(logging.DEBUG)
    ijw_referral.child_birth_date = helpers.BORN
    files = {
        "1.xml": msg("JW315", reference=ijw_referral.reference),
        "2.xml": msg("JW305", allocation="300201", begin_on=today - timedelta(days=2)),
        "3.xml": msg("JW301", reference=ijw_referral.reference, allocation="300201"),
        "4.xml": msg(
            "JW307",
            allocation="300201",
            begin_on=today - timedelta(days=2),
            end_on=today,
            end_reason="31",
        ),
        "5.xml": msg("JW305", allocation="999", begin_on=today),  # waits in the queue
        "6.xml": msg("JW305", allocation="300201", sender="65656055", begin_on=today),
        "7.xml": msg("JW305").replace(helpers.BSN.encode(), b"99990000"),  # invalid
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(with_names(data))
    (tmp_path / "8.xml").write_bytes(with_names(files["1.xml"]))  # duplicate
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_ijw", str(tmp_path), stdout=out, stderr=err)
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "ended"  # the messages did their work
    # The referral's own date of birth is the one legitimately stored; the
    # message's copy must not add another (the queue keeps a keyed hash).
    ijw_referral.__class__.objects.filter(pk=ijw_referral.pk).update(
        child_birth_date=None
    )
    dump = database_text()
    logs = caplog.text + out.getvalue() + err.getvalue()
    # The dump and the logs are real: what is kept and logged is in them.
    assert ijw_referral.reference in dump and "300201" in dump
    assert "ijw message refused" in logs
    for secret in SECRETS:
        assert secret not in dump, secret
        assert secret not in logs, secret
