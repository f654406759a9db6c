"""Every goal of issue 18 in one run, each beside its floor (PostgreSQL).

    .venv/bin/python benchmarks/goals.py [--load-seconds 60] [--requests 50]
    .venv/bin/python benchmarks/goals.py --report-only   # the table from the last parts

Runs, one after the other, each in its own process and scratch database:

1. ``run.py --services 5k --referrals 100k`` search, service page and lists:
   the search's SQL floor at 5,000 services, the lists at 100,000 referrals;
2. ``run.py --services 50k --referrals 1m``: every in-process scenario (search,
   lists of the largest organisations, writes, dashboards) and the load mix;
3. ``run.py --services 200k --referrals 100k`` search and service page only;
4. ``dashboard.py`` on the 50k / 1M database: the refresh, every view, and the
   first request of each after the memo is emptied (``cold``);
5. ``import_catalogue.py``: 5,000 organisations / 50,000 services against a
   COPY of the same rows.

Before each part it waits (at most ``--settle-seconds``) for the 1-minute load
average to fall below ``--settle-load``, so no part starts in the wake of the
previous one's load run.

Then prints the goals as a Markdown table (goal, measured, floor, ratio, met or
missed by how much) and writes it with the parts' file names to
``benchmarks/out/goals.json`` and ``benchmarks/out/goals.md``. The data is
generated on first use (``generate_scale_data``: about 10 minutes for 1M
referrals, 15 for 200k services) and kept for later runs.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable
SEARCH_ONLY = "search page,search API,service page"


def parts(args) -> list[tuple[str, list[str], Path]]:
    """(name, command, the JSON it writes)."""
    run = [PYTHON, "benchmarks/run.py", "--requests", str(args.requests)]
    search_only = ["--skip-load", "--only", SEARCH_ONLY]
    load = ["--load-seconds", str(args.load_seconds)]
    return [
        (
            "search and lists at 5k / 100k",
            [*run, "--services", "5k", "--referrals", "100k", "--skip-load",
             "--only", f"{SEARCH_ONLY},inbox,referrer list",
             "--out", str(OUT / "goals-5k.json")],
            OUT / "goals-5k.json",
        ),
        (
            "everything at 50k / 1M",
            [*run, "--services", "50k", "--referrals", "1m", *load,
             "--out", str(OUT / "goals-50k-1m.json")],
            OUT / "goals-50k-1m.json",
        ),
        (
            "search at 200k",
            [*run, "--services", "200k", "--referrals", "100k", *search_only,
             "--out", str(OUT / "goals-200k.json")],
            OUT / "goals-200k.json",
        ),
        (
            "dashboards at 1M",
            [PYTHON, "benchmarks/dashboard.py", "--db", "sk_bench_50k_1m",
             "--organisations", "5000", "--services", "50000",
             "--referrals", "1000000"],
            OUT / "dashboard.json",
        ),
        (
            "import against COPY",
            [PYTHON, "benchmarks/import_catalogue.py", "--orgs", "5000",
             "--services", "50000", "--runs", "1"],
            OUT / "import_catalogue.json",
        ),
    ]  # fmt: skip


def run_parts(args) -> dict:
    done = {}
    for name, command, path in parts(args):
        if args.only and not any(p.strip() in name for p in args.only.split(",")):
            continue
        waited = settle(args.settle_load, args.settle_seconds)
        started = time.monotonic()
        print(f"==> {name}: {' '.join(command[1:])}", flush=True)
        before = os.getloadavg()
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (our scripts)
        done[name] = {
            "file": str(path.relative_to(ROOT)),
            "seconds": round(time.monotonic() - started),
            "load_average_before": before,
            "load_average_after": os.getloadavg(),
            "waited_for_quiet_s": waited,
        }
    return done


def settle(below: float, most: float) -> float:
    """Wait until the 1-minute load average is under ``below`` (at most ``most``
    seconds), so a part does not start in the wake of the one before it (the
    load run leaves the machine at 5 for a minute). Returns the seconds waited."""
    started = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - started < most:
        time.sleep(5)
    waited = round(time.monotonic() - started)
    if waited:
        print(f"    waited {waited} s for the load average ({os.getloadavg()[0]:.2f})")
    return waited


# --- the goals ------------------------------------------------------------------------


def _rows(path: Path) -> dict[str, dict]:
    record = json.loads(path.read_text())
    return {row["scenario"]: row for row in record.get("inprocess", [])}


def _find(rows: dict, start: str) -> dict:
    for name, row in rows.items():
        if name.startswith(start) and "error" not in row:
            return row
    return {}


def _verdict(value, goal) -> str:
    if value is None or goal is None:
        return "not measured"
    if value <= goal:
        return "met"
    return f"missed by {value / goal:.2f} x"


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def goal_rows() -> list[dict]:  # noqa: C901 - one block per goal of the issue
    found = []

    def add(goal, measure, value, limit, floor=None, ratio=None, note=""):
        found.append(
            {
                "goal": goal,
                "measure": measure,
                "value": value,
                "limit": limit,
                "floor": floor,
                "ratio": ratio,
                "verdict": _verdict(value, limit),
                "note": note,
            }
        )

    small, big, huge = (OUT / f"goals-{s}.json" for s in ("5k", "50k-1m", "200k"))
    if big.exists():
        rows = _rows(big)
        search = _find(rows, "search page (")
        add(
            "search p95, 50k services <= 30 ms",
            "search page p95 (ms)",
            search.get("p95_ms"),
            30,
            search.get("floor_ms"),
            search.get("floor_ratio"),
        )
        add(
            "search at 50k: app <= 1.5 x floor",
            "app median / (SQL + bare view)",
            search.get("floor_ratio"),
            1.5,
            search.get("floor_ms"),
        )
        cold = _find(rows, "search page, first after")
        add(
            "(no goal) search, first after a catalogue write",
            "p95 (ms)",
            cold.get("p95_ms"),
            30,
            cold.get("floor_ms"),
            cold.get("floor_ratio"),
            "nothing cached; counts the matches",
        )
        api = _find(rows, "search API, 100 per page")
        add(
            "API list at 100 per page <= 2 x its SQL",
            "search API app / SQL",
            api.get("ratio"),
            2,
            api.get("raw_median_ms"),
        )
        referral_api = _find(rows, "referral API")
        if referral_api:
            add(
                "API list at 100 per page <= 2 x its SQL",
                "referral API app / SQL",
                referral_api.get("ratio"),
                2,
                referral_api.get("raw_median_ms"),
            )
        page = _find(rows, "service page")
        add(
            "service page p95 <= 15 ms",
            "p95 (ms)",
            page.get("p95_ms"),
            15,
            page.get("floor_ms"),
            page.get("floor_ratio"),
        )
        slowest_search = search.get("p95_ms")
        for name, row in rows.items():
            if (
                name.startswith(("provider inbox", "referrer list"))
                and "error" not in row
            ):
                add(
                    "lists p95 at 1M referrals <= 50 ms",
                    f"{name} p95 (ms)",
                    row["p95_ms"],
                    50,
                    row.get("floor_ms"),
                    row.get("floor_ratio"),
                )
                add(
                    "lists no slower than a search",
                    f"{name} p95 / search p95",
                    _quotient(row["p95_ms"], slowest_search),
                    1,
                )
        for start, limit, queries in (("capacity PATCH", 15, 6), ("event POST", 20, 8)):
            row = _find(rows, start)
            add(
                f"{start} p95 <= {limit} ms",
                "p95 (ms)",
                row.get("p95_ms"),
                limit,
                row.get("floor_ms"),
                row.get("floor_ratio"),
            )
            add(
                f"{start} <= {queries} queries",
                "queries (most)",
                row.get("queries_max"),
                queries,
            )
        for name, row in rows.items():
            if name.startswith("dashboard") and "error" not in row:
                add(
                    "dashboard p95 at 1M <= 150 ms",
                    f"{name} p95 (ms), warm",
                    row["p95_ms"],
                    150,
                    row.get("floor_ms"),
                    row.get("floor_ratio"),
                )
        load = json.loads(big.read_text()).get("load")
        if load:
            add(
                "load mix CPU per request <= 10 ms",
                "server CPU per request (ms)",
                load.get("cpu_ms_per_request"),
                10,
                note=_load_note(load),
            )
        if small.exists():
            low_rows = _rows(small)
            for name, row in rows.items():
                fewer = low_rows.get(name, {})
                if name.startswith(("provider inbox", "referrer list")) and fewer:
                    add(
                        "lists that do not grow with the history",
                        f"{name}: p95 at 1M / at 100k",
                        _quotient(row.get("p95_ms"), fewer.get("p95_ms")),
                        1.5,
                        fewer.get("p95_ms"),
                    )
            low = _find(low_rows, "search page (")
            add(
                "search SQL floor at 50k <= 1.5 x at 5k",
                "SQL floor 50k / 5k",
                _quotient(search.get("raw_median_ms"), low.get("raw_median_ms")),
                1.5,
                low.get("raw_median_ms"),
            )
        if huge.exists():
            high = _find(_rows(huge), "search page (")
            add(
                "search p95 at 200k <= 1.5 x at 50k",
                "p95 200k / p95 50k",
                _quotient(high.get("p95_ms"), search.get("p95_ms")),
                1.5,
                high.get("floor_ms"),
                high.get("floor_ratio"),
            )
    dashboard = OUT / "dashboard.json"
    if dashboard.exists():
        for view in json.loads(dashboard.read_text())["views"]:
            name = f"{view['role']}: {view['view']}"
            add(
                "dashboard p95 at 1M <= 150 ms",
                f"{name} p95 (ms)",
                view["p95_ms"],
                150,
                view.get("db_median_ms"),
            )
            add(
                "dashboard p95 at 1M <= 150 ms",
                f"{name}, first after refresh (ms)",
                view["cold_ms"],
                150,
            )
    imported = OUT / "import_catalogue.json"
    if imported.exists():
        record = json.loads(imported.read_text())
        seconds = record["median_seconds"]
        copy = next(v for k, v in seconds.items() if "COPY" in k.upper())
        add(
            "import 50k services <= 3 x COPY",
            "first import / COPY",
            round(record["import_over_copy_median"], 2),
            3,
            copy,
        )
    return found


def _load_note(load: dict) -> str:
    rss = load.get("rss_mb_per_worker") or {}
    return (
        f"app {load.get('app_cpu_ms_per_request')} + PostgreSQL "
        f"{load.get('db_cpu_ms_per_request')}; {load.get('throughput_rps')} req/s; "
        f"RSS per worker {rss.get('median')} MB"
    )


def _quotient(a, b):
    if a is None or not b:
        return None
    return round(a / b, 2)


def markdown(rows: list[dict], about: dict) -> str:
    lines = [
        "| goal | measure | value | goal | floor (ms) | value / floor | verdict |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['goal']} | {row['measure']} | {_ms(row['value'])} | "
            f"{row['limit']} | {_ms(row['floor'])} | {_ms(row['ratio'])} | "
            f"{row['verdict']}{' (' + row['note'] + ')' if row['note'] else ''} |"
        )
    lines.append("")
    for name, part in about.get("parts", {}).items():
        lines.append(
            f"- {name}: {part['seconds']} s, `{part['file']}`, load average "
            f"{part['load_average_before'][0]:.2f} before, "
            f"{part['load_average_after'][0]:.2f} after"
            + (
                f" (waited {part['waited_for_quiet_s']} s for it to settle)"
                if part.get("waited_for_quiet_s")
                else ""
            )
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--only", help="comma-separated parts of the parts' names")
    parser.add_argument(
        "--settle-load",
        type=float,
        default=1.5,
        help="before each part, wait for the 1-minute load average to fall below this",
    )
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=180,
        help="but wait at most this long (0: never wait)",
    )
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    about = {"command": " ".join(["benchmarks/goals.py", *sys.argv[1:]])}
    about["started"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    if not args.report_only:
        about["parts"] = run_parts(args)
    rows = goal_rows()
    text = markdown(rows, about)
    (OUT / "goals.json").write_text(json.dumps({**about, "goals": rows}, indent=1))
    (OUT / "goals.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
