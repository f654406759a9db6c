"""Small shared pieces: logging, percentiles, the CPU of the database process."""

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "benchmarks" / "out"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values, p: float) -> float | None:
    """The ``p``-th percentile (0-100), linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value, digits: int = 1):
    return None if value is None else round(value, digits)


def summary(samples_ms) -> dict:
    return {
        "median_ms": rounded(percentile(samples_ms, 50)),
        "p95_ms": rounded(percentile(samples_ms, 95)),
        "p99_ms": rounded(percentile(samples_ms, 99)),
        "max_ms": rounded(max(samples_ms) if samples_ms else None),
    }


def process_cpu_ms(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` on this machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
