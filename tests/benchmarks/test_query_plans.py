"""At 50,000 services and 100,000 referrals the search and the working lists
read the indexes meant for them (``benchmarks/plans.py``: EXPLAIN ANALYZE of the
statements the application sends). Generating that scratch database takes
minutes the first time, so this runs only when asked: ``BENCHMARK_PLANS=1``
(CI skips it), on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.benchmark,
    pytest.mark.skipif(
        os.environ.get("BENCHMARK_PLANS") != "1",
        reason="generates 50k services and 100k referrals: set BENCHMARK_PLANS=1",
    ),
]


def test_search_and_list_plans_use_their_indexes_at_50k_services():
    database = settings.DATABASES["default"]
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    run = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [
            sys.executable,
            "benchmarks/plans.py",
            "--services",
            "50k",
            "--referrals",
            "100k",
            "--host",
            host,
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = run.stdout[-6000:] + run.stderr[-4000:]
    assert run.returncode == 0, output
    assert '"missed": {}' in run.stdout, output
