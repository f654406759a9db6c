"""National-scale benchmark and load test, one command (PostgreSQL).

    .venv/bin/python benchmarks/run.py [--scale default|small] [--smoke]
        [--load-seconds 60] [--skip-generate] [--db sk_bench_full]

1. Data: scratch database ``--db`` (created if missing; default
   ``sk_bench_full``, ``sk_bench_full_small`` for ``--scale small``) on
   127.0.0.1:5432, migrated, filled by ``generate_scale_data`` (default scale: 5,000
   organisations, 50,000 services, 100,000 locations, 1,000,000 referrals with
   their events over 3 years; skipped when the same seed and sizes are there).
2. In-process: django.test.Client through the full middleware stack, warm-up
   then ``--requests`` requests per scenario: median, p95, CPU per request
   (this process + its PostgreSQL backend) and queries per request.
3. Raw SQL: the search and list requests' captured statements re-run with
   psycopg, as often; the ratio app time / raw SQL time.
4. Load: gunicorn (gunicorn.conf.py, ``--workers``) on a free 127.0.0.1 port
   with production settings, and ``benchmarks/harness/loadgen.py`` in another
   process: 80 % reads, 20 % writes, bounded by ``--load-seconds`` and
   ``--max-requests``. Throughput, p50/p95/p99, errors, 5xx.
5. Correctness after the load (``benchmarks/harness/checks.py``).

Prints one table and writes ``benchmarks/out/run-<timestamp>.json``. Exits 1
on any request error, 5xx or failed check (targets missed only show in the
table). ``--smoke``: tiny scale in ``sk_bench_smoke``, 5 requests per
scenario, a 5-second load with 2 workers (for CI).
"""

import argparse
import json
import os
import platform
import random
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import cache, report  # noqa: E402
from benchmarks.harness.common import OUT, log  # noqa: E402
from benchmarks.harness.database import (  # noqa: E402
    REFERRAL_SIZES,
    SCALES,
    SERVICE_SIZES,
    data_summary,
    ensure_database,
    prepare,
    server_url,
    setup_django,
    sized,
)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["default", "small"], default="default")
    parser.add_argument(
        "--services",
        choices=sorted(SERVICE_SIZES),
        help="catalogue size (with --referrals; overrides --scale)",
    )
    parser.add_argument(
        "--referrals",
        choices=sorted(REFERRAL_SIZES),
        help="history size (with --services; overrides --scale)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny and quick (CI)")
    parser.add_argument("--db", help="scratch database (default sk_bench_full)")
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--requests", type=int, help="per scenario (default 50)")
    parser.add_argument("--warmup", type=int, help="per scenario (default 5)")
    parser.add_argument("--load-seconds", type=float, help="default 60")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, help="client threads (2 x workers)")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--only",
        help="comma-separated parts of scenario names to run (the floors always run)",
    )
    parser.add_argument(
        "--cache",
        choices=cache.MODES,
        default="auto",
        help="auto: Redis when one answers on 127.0.0.1:6379 (as production), "
        "else the database cache; redis: require it; database: force the "
        "database cache",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=cache.DEFAULT_REDIS_DB,
        help="the benchmark's own Redis database number (emptied at the start)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", help="the JSON record's path (default: out/run-<time>.json)"
    )
    args = parser.parse_args(argv)
    smoke = args.smoke
    if bool(args.services) != bool(args.referrals):
        parser.error("--services and --referrals go together")
    # One database per scale: a second scale in the same database would collide.
    default_db = {"default": "sk_bench_full", "small": "sk_bench_full_small"}
    if args.services:
        default_db[args.scale] = f"sk_bench_{args.services}_{args.referrals}"
    args.db = args.db or ("sk_bench_smoke" if smoke else default_db[args.scale])
    args.requests = args.requests or (5 if smoke else 50)
    args.warmup = args.warmup if args.warmup is not None else (1 if smoke else 5)
    args.load_seconds = args.load_seconds or (5 if smoke else 60)
    args.workers = args.workers or (2 if smoke else 4)
    args.threads = args.threads or 2 * args.workers
    args.size = SCALES["smoke" if smoke else args.scale]
    if args.services and not smoke:
        args.size = sized(args.services, args.referrals)
    return args


@dataclass
class Context:
    """What the scenarios act with (see harness/inprocess.py)."""

    cast: object
    clients: dict
    pools: dict
    notes: list[str] = field(default_factory=list)


def _clients(cast) -> dict:
    from django.test import Client

    from benchmarks.harness import actors

    clients = {"anonymous": Client(), "api": Client()}
    for name, user in (
        ("provider", cast.provider_user),
        ("referrer", cast.referrer_user),
        ("municipality", cast.municipality_user),
    ):
        clients[name] = Client()
        actors.log_in(clients[name], user)
    return clients


def inprocess_context(args) -> Context:
    from benchmarks.harness import actors

    rng = random.Random(args.seed)  # noqa: S311
    cast = actors.cast(args.seed)
    cast.tokens[cast.provider.pk] = actors.token_for(cast.provider.pk)
    plans_needed = args.requests + args.warmup + 10
    pools = {
        "services": actors.public_service_ids(rng, 200),
        "details": actors.referral_references(cast.provider.pk, rng, 50),
        "family_codes": actors.family_codes(rng, 200),
        "patch_services": actors.own_services([cast.provider.pk], rng, 20),
        "event_plans": actors.open_referral_plans(
            actors.inbox_members([cast.provider.pk]), rng, plans_needed, most_steps=3
        ),
    }
    return Context(cast=cast, clients=_clients(cast), pools=pools)


def run_inprocess(args, ctx: Context, database_url: str) -> list[dict]:
    """Every scenario beside its floors, measured in this run: the framework's
    (a bare Django view, first) and its own SQL replayed on a bare connection."""
    from benchmarks.harness import inprocess

    rows, bare = [], None
    log(report.HEADER)
    chosen = [
        scenario
        for scenario in inprocess.scenarios(ctx)
        if not args.only
        or any(part.strip() in scenario.name for part in args.only.split(","))
    ]
    for scenario in [*inprocess.floor_scenarios(ctx), *chosen]:
        try:
            row = _measured(args, scenario, database_url, bare)
        except RuntimeError as exc:
            row = {"scenario": scenario.name, "error": str(exc)}
        if scenario.name == inprocess.FLOOR_VIEW and "error" not in row:
            bare = row["median_ms"]
        log(report.line(row))
        rows.append(row)
    return rows


def _measured(args, scenario, database_url: str, bare: float | None) -> dict:
    """One scenario's figures; ``ratio`` = app / its SQL floor, ``floor_ratio``
    = app / (its SQL floor + the bare view)."""
    from benchmarks.harness import inprocess, rawsql

    row = inprocess.run_scenario(scenario, args.requests, args.warmup, capture=20)
    row["target_ratio"] = scenario.target_ratio
    captured = [statements for statements in row.pop("statements") if statements]
    if captured:
        row.update(
            rawsql.time_statements(database_url, captured, row["requests"], args.warmup)
        )
    raw = row.get("raw_median_ms")
    if raw:
        row["ratio"] = round(row["median_ms"] / raw, 2)
    if bare is not None and row["median_ms"]:
        row["bare_ms"] = bare
        floor = (raw or 0) + bare
        row["floor_ms"] = round(floor, 2)
        row["floor_ratio"] = round(row["median_ms"] / floor, 2)
    return row


def load_plan(args, ctx: Context) -> dict:
    from benchmarks.harness import actors, inprocess

    rng = random.Random(args.seed + 1)  # noqa: S311
    providers = actors.top_providers(8)
    tokens = {str(pk): actors.token_for(pk) for pk in providers}
    members = actors.inbox_members(providers)
    plans = actors.open_referral_plans(members, rng, 3000, most_steps=4)
    return {
        "seconds": args.load_seconds,
        "max": args.max_requests,
        "threads": args.threads,
        "seed": args.seed,
        # In every Idempotency-Key: the seed makes the same keys in every run,
        # and a key an earlier run stored (for another step) is rightly 409.
        "run": uuid.uuid4().hex[:8],
        "write_share": 0.2,
        "retry_share": 0.1,
        "search_paths": list(inprocess.SEARCH_PAGES),
        "api_paths": inprocess.search_api_paths() or [],
        "service_ids": actors.public_service_ids(rng, 2000),
        "family_codes": actors.family_codes(rng, 500),
        "patch_services": actors.own_services(providers, rng, 500),
        "tokens": tokens,
        "event_plans": plans,
    }


def run_load(args, ctx: Context, database_url: str) -> tuple[dict, dict]:
    from django.db import connection

    from benchmarks.harness import checks, load

    plan = load_plan(args, ctx)
    connection.close()  # the server gets the machine to itself
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outcome = load.load_run(database_url, plan, args.workers, stamp)
    log(report.load_line(outcome["figures"]))
    log("correctness checks")
    found = checks.all_checks(outcome["result"], sample=10_000, seed=args.seed)
    return outcome["figures"], found


def main(argv=None) -> int:
    args = arguments(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    database_url = server_url(args.host, args.db)
    ensure_database(args.host, args.db)
    chosen_cache = cache.choose(args.cache, args.redis_db)
    setup_django(database_url, database_cache=chosen_cache["backend"] == "database")
    chosen_cache["inprocess_backend"] = cache.in_use()
    log(f"cache: {chosen_cache}")
    started, record = time.time(), {"load_average": {"start": os.getloadavg()}}
    record["cache"] = chosen_cache
    record["preparation_s"] = prepare(args.size, generate=not args.skip_generate)
    record["data"] = data_summary()
    ctx = inprocess_context(args)
    record["load_average"]["before_inprocess"] = os.getloadavg()
    record["inprocess"] = run_inprocess(args, ctx, database_url)
    record["load_average"]["after_inprocess"] = os.getloadavg()
    if not args.skip_load:
        record["load"], record["checks"] = run_load(args, ctx, database_url)
        record["load_average"]["after_load"] = os.getloadavg()
    record.update(_about(args, started, ctx))
    failed = report.failures(record)
    record["failures"] = failed
    path = (
        Path(args.out).resolve()
        if args.out
        else OUT / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    path.write_text(json.dumps(record, indent=1, default=str))
    print(report.table(record))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"\nwritten: {shown}")
    for failure in failed:
        print(f"FAILED: {failure}")
    return 1 if failed else 0


def _about(args, started: float, ctx: Context) -> dict:
    return {
        "command": " ".join([".venv/bin/python", "benchmarks/run.py", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": args.db,
        "scale": asdict(args.size),
        "notes": ctx.notes,
        "settings": {
            "requests": args.requests,
            "warmup": args.warmup,
            "load_seconds": args.load_seconds,
            "workers": args.workers,
            "client_threads": args.threads,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
