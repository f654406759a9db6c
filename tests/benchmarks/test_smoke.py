"""The benchmark harness's smoke mode (benchmarks/run.py --smoke) runs clean.

A tiny generated municipality in a scratch database of its own: every
in-process scenario answers as expected, the 5-second load against gunicorn
has no error and no 5xx, and the correctness checks after it pass (no lost
capacity update, one event per Idempotency-Key, stored status = derive(events)).
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


@pytest.fixture
def scratch_database():
    database = settings.DATABASES["default"]
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    name = f"sk_bench_smoke_{os.getpid()}"
    yield host, name
    admin = f"postgresql://{database['USER']}@{host}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_smoke_benchmark_and_load_run_without_errors(scratch_database):
    host, name = scratch_database
    run = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "benchmarks/run.py", "--smoke", "--db", name, "--host", host],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0, output
    assert "errors 0, 5xx 0" in run.stdout, output
    assert "FAILED" not in run.stdout, output
