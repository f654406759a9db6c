"""Benchmark of the municipality dashboard (/regie) on PostgreSQL at scale.

    .venv/bin/python benchmarks/dashboard.py     # prepare (once), refresh, measure
    .venv/bin/python benchmarks/dashboard.py --prepare-only
    .venv/bin/python benchmarks/dashboard.py --skip-refresh --requests 50
    .venv/bin/python benchmarks/dashboard.py --db COPY --skip-prepare --skip-refresh
        --only overview    # a copy as it is (nothing generated); views so named

Builds a scratch database (default ``sk_bench_dash``; dropped with --reset):
the generated catalogue of ``sampledata.scale`` (5,000 organisations, 50,000
services), a capacity history per service, and 1,000,000 referrals with their
events over 3 years (``sampledata.referral_scale``). Then it times ``refresh_dashboard``
and every dashboard view in-process with Django's test client, as a
municipality user and as a provider user: warm-up requests first, then
``--requests`` timed requests per view. Prints a table and writes
``benchmarks/out/dashboard.json``. Target: p95 < 150 ms per view (issue 18).
The ``cold`` column is the first request after the memo is emptied (as after
a refresh), before the warm-up; ``cold all`` the first one with the live
figures (capacity now, open referrals past a norm) gone from the memo too (as
every 10 minutes).
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sk_bench_dash")
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="drop the database first")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument(
        "--skip-prepare",
        action="store_true",
        help="use the database as it is (no catalogue, history or referrals added)",
    )
    parser.add_argument(
        "--only", default="", help="measure only views whose name contains this"
    )
    return parser.parse_args()


def _ensure_database(args) -> None:
    import psycopg

    admin = f"postgresql://postgres@{args.host}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.db]
        ).fetchone()
        if exists and args.reset:
            conn.execute(f'DROP DATABASE "{args.db}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db}"')


def _setup_django(args) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}/{args.db}"
    os.environ.setdefault("TESTING", "1")  # test-only secrets; no other effect here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sociale_kaart.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _timed(label: str, timings: dict, function, *args, **kwargs):
    started = time.monotonic()
    result = function(*args, **kwargs)
    timings[label] = round(time.monotonic() - started, 1)
    _log(f"{label}: {timings[label]} s")
    return result


def prepare(args, timings: dict) -> None:
    """Catalogue, capacity history and referrals, each only if missing."""
    from django.db import connection

    from referrals.models import Referral
    from sampledata import referral_scale, scale

    config = scale.ScaleConfig(
        organisations=args.organisations,
        services=args.services,
        locations=args.services * 2,
        seed=args.seed,
    )
    if not scale.already_generated(config):
        _timed("catalogue", timings, scale.generate, config, log=_log)
    history = _timed(
        "capacity history", timings, referral_scale.generate_capacity_history, seed=1
    )
    _log(f"{history} capacity history rows added")
    missing = args.referrals - Referral.objects.count()
    if missing > 0:
        _timed(
            "referrals",
            timings,
            referral_scale.generate_referrals,
            count=missing,
            years=args.years,
            seed=args.seed,
            log=_log,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _users():
    """A municipality user, and a user of the hoofdaanbieder with most referrals."""
    from django.db.models import Count

    from referrals.models import Referral
    from registry.models import Membership, Organisation, User

    municipality, _ = Organisation.objects.get_or_create(
        slug="bench-gemeente", defaults={"name": "Gemeente (bench)", "kind": "gemeente"}
    )
    staff, _ = User.objects.get_or_create(username="bench-regie")
    Membership.objects.get_or_create(user=staff, organisation=municipality)
    top = (
        Referral.objects.filter(provider__kind="hoofdaanbieder")
        .values("provider")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    provider = Organisation.objects.get(pk=top["provider"])
    member, _ = User.objects.get_or_create(username="bench-aanbieder")
    Membership.objects.get_or_create(user=member, organisation=provider)
    return staff, member, provider


def _percentile(values: list[float], p: float) -> float:
    from dashboard.stats import percentile

    ordered = sorted(values)
    return percentile([(v, 1) for v in ordered], p)


_BACKEND: dict = {}


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same
    machine); with the process's own CPU a request's cost under other load."""
    from django.db import connection

    connection.ensure_connection()
    key = id(connection.connection)
    if key not in _BACKEND:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _BACKEND[key] = cursor.fetchone()[0]
    pid = _BACKEND[key]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get(client, url: str):
    """A response read to its end (a streamed CSV is written while read)."""
    response = client.get(url)
    response.body = response.getvalue()
    return response


def _measure(client, url: str, args) -> dict:
    from django.db import connection

    db_time, query_count = [0.0], [0]

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        query_count[0] += 1
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - started

    from django.core.cache import cache

    from dashboard.memo import LIVE_VERSION_KEY, memo_version_bump

    # Everything memoised is gone (after a refresh, with the live figures past
    # their 10 minutes as well): the page computes it all.
    memo_version_bump()
    cache.delete(LIVE_VERSION_KEY)
    started = time.perf_counter()
    response = _get(client, url)
    cold_all_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    # The first request after a refresh (the live figures still current).
    memo_version_bump()
    started = time.perf_counter()
    response = _get(client, url)
    cold_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    for _ in range(args.warmup):
        response = _get(client, url)
        assert response.status_code == 200, (url, response.status_code)
    samples, db_samples, cpu_samples, queries = [], [], [], 0
    for _ in range(args.requests):
        db_time[0], query_count[0] = 0.0, 0
        cpu = time.process_time() + _backend_cpu()
        with connection.execute_wrapper(wrapper):
            started = time.perf_counter()
            response = _get(client, url)
            samples.append((time.perf_counter() - started) * 1000)
        cpu_samples.append((time.process_time() + _backend_cpu() - cpu) * 1000)
        db_samples.append(db_time[0] * 1000)
        queries = query_count[0]
        assert response.status_code == 200, (url, response.status_code)
    return {
        "url": url,
        "requests": args.requests,
        "median_ms": round(_percentile(samples, 0.5), 1),
        "p95_ms": round(_percentile(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
        "cold_ms": round(cold_ms, 1),
        "cold_all_ms": round(cold_all_ms, 1),
        "db_median_ms": round(_percentile(db_samples, 0.5), 1),
        "cpu_median_ms": round(_percentile(cpu_samples, 0.5), 1),
        "cpu_p95_ms": round(_percentile(cpu_samples, 0.95), 1),
        "queries": queries or None,
        "bytes": len(response.body),
    }


# A download of every provider's figures: measured with fewer requests, and
# not a page (the 500 ms target is for pages).
DOWNLOAD = "CSV all providers (download)"
DOWNLOAD_REQUESTS = 5


def _views(provider) -> list[tuple[str, str, str]]:
    from dashboard.periods import add_months, month_start

    this_month = month_start(date.today())
    three_years = add_months(this_month, -35).strftime("%Y-%m")
    return [
        ("municipality", "overview, last 12 months", "/regie"),
        ("municipality", "overview, 36 months", f"/regie?van={three_years}"),
        (
            "municipality",
            "overview, perceel + huisarts",
            "/regie?perceel=begeleiding&verwijzer=02",
        ),
        (
            "municipality",
            "overview, one hoofdaanbieder",
            f"/regie?aanbieder={provider.slug}",
        ),
        ("municipality", "hoofdaanbieders side by side", "/regie/aanbieders"),
        (
            "municipality",
            "each provider, sorted by share",
            "/regie/aanbieders?niveau=aanbieder&sorteer=total",
        ),
        ("municipality", "open past a norm", "/regie/open"),
        ("municipality", "CSV per month", "/regie/csv/maanden.csv"),
        (
            "municipality",
            DOWNLOAD,
            "/regie/csv/aanbieders.csv?niveau=aanbieder",
        ),
        ("provider", "own figures beside Almere", "/regie/aanbieder"),
        ("provider", "own open past a norm", "/regie/open"),
        ("provider", "own CSV summary", "/regie/csv/kerncijfers.csv"),
    ]


def measure(args) -> list[dict]:
    from django.test import Client

    from benchmarks.harness import actors

    staff, member, provider = _users()
    clients = {"municipality": Client(), "provider": Client()}
    actors.log_in(clients["municipality"], staff)
    actors.log_in(clients["provider"], member)
    results = []
    for role, name, url in _views(provider):
        if args.only and args.only not in name:
            continue
        options = args
        if name == DOWNLOAD:
            options = argparse.Namespace(
                **{**vars(args), "requests": DOWNLOAD_REQUESTS}
            )
        result = {"role": role, "view": name, **_measure(clients[role], url, options)}
        _log(
            f"{role:12s} {name:34s} median {result['median_ms']:7.1f} ms "
            f"p95 {result['p95_ms']:7.1f} ms cpu {result['cpu_median_ms']:6.1f} ms "
            f"cold {result['cold_ms']:7.1f} ms "
            f"cold all {result['cold_all_ms']:7.1f} ms "
            f"q {result['queries']}"
        )
        results.append(result)
    return results


def _data_summary() -> dict:
    from dashboard import models as m
    from referrals.models import Referral, ReferralEvent
    from registry.models import Capacity, Organisation, Service

    return {
        "organisations": Organisation.objects.count(),
        "services": Service.objects.count(),
        "capacity_history_rows": Capacity.history.count(),
        "referrals": Referral.objects.count(),
        "events": ReferralEvent.objects.count(),
        "dashboard_rows": {
            model.__name__: model.objects.count()
            for model in (
                m.ReferralMonthlyCounts,
                m.ReferralDayHistogram,
                m.ReferralDeclineCounts,
                m.CapacityMonthly,
                m.RollupMember,
            )
        },
    }


def _print_table(results: list[dict]) -> None:
    print()
    print(
        f"{'role':12s} {'view':34s} {'median':>9s} {'p95':>9s} {'cpu med':>9s} "
        f"{'cpu p95':>9s} {'db med':>8s} {'q':>4s} {'cold':>9s} {'cold all':>9s}"
    )
    for r in results:
        print(
            f"{r['role']:12s} {r['view']:34s} {r['median_ms']:7.1f}ms "
            f"{r['p95_ms']:7.1f}ms {r['cpu_median_ms']:7.1f}ms "
            f"{r['cpu_p95_ms']:7.1f}ms {r['db_median_ms']:6.1f}ms "
            f"{r['queries'] or 0:4d} {r['cold_ms']:7.1f}ms {r['cold_all_ms']:7.1f}ms"
        )


def main() -> None:
    args = _arguments()
    _ensure_database(args)
    _setup_django(args)
    timings: dict = {}
    if not args.skip_prepare:
        prepare(args, timings)
    if args.prepare_only:
        return
    if not args.skip_refresh:
        from dashboard.services import dashboard_refresh

        refresh = _timed("refresh_dashboard", timings, dashboard_refresh)
        timings["refresh_dashboard_recorded_ms"] = refresh.duration_ms
    results = measure(args)
    _print_table(results)
    report = {
        "benchmark": "dashboard",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "data": _data_summary(),
        "timings_s": timings,
        "load_average": os.getloadavg(),
        "target_p95_ms": 150,
        "views": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(report, indent=2))
    _log(f"written {OUT / 'dashboard.json'}")


if __name__ == "__main__":
    main()
