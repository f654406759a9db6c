"""CPU per request under load counts the gunicorn workers that were recycled
during the run (and their database connections): through the CPU of the
exited children their parent has reaped."""

import os
import subprocess
import sys

import pytest

from benchmarks.harness import load

pytestmark = pytest.mark.skipif(
    not os.path.exists(f"/proc/{os.getpid()}/stat"), reason="needs /proc"
)

BUSY = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"  # noqa: E501


def test_a_child_that_exits_counts_in_its_parents_reaped_cpu():
    before = load.reaped_cpu_ms(os.getpid())
    subprocess.run([sys.executable, "-c", BUSY.format(seconds=0.3)], check=True)  # noqa: S603
    assert load.reaped_cpu_ms(os.getpid()) - before >= 250


def test_a_recycled_worker_counts_once_and_only_after_the_first_snapshot():
    # Worker 10 ran 400 ms before the first snapshot and exited at 1,000 ms
    # (reaped: its whole life); worker 11 started after it and ran 300 ms;
    # worker 12 ran throughout, 50 -> 250 ms.
    before = {
        "app": {10: 400.0, 12: 50.0, load.REAPED: 5000.0},
        "db": {load.REAPED: 0.0},
    }
    after = {
        "app": {11: 300.0, 12: 250.0, load.REAPED: 6000.0},
        "db": {load.REAPED: 0.0},
    }
    used = load.cpu_used(before, after, requests=10)
    # (1000 - 400) + 300 + (250 - 50) = 1,100 ms over 10 requests
    assert used["app_cpu_ms_per_request"] == 110.0
    assert used["cpu_ms_per_request"] == 110.0


def test_nothing_exited_is_the_running_processes_alone():
    before = {"app": {1: 10.0, load.REAPED: 7.0}, "db": {2: 5.0, load.REAPED: 3.0}}
    after = {"app": {1: 30.0, load.REAPED: 7.0}, "db": {2: 15.0, load.REAPED: 3.0}}
    used = load.cpu_used(before, after, requests=2)
    assert used == {
        "app_cpu_ms_per_request": 10.0,
        "db_cpu_ms_per_request": 5.0,
        "cpu_ms_per_request": 15.0,
    }
