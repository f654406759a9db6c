"""Server time of /zoeken and /aanbod/<id> on a generated catalogue (PostgreSQL).

    .venv/bin/python benchmarks/search.py [--requests 60] [--warmup 10]

Uses (and creates when missing) the scratch database ``sk_bench`` on
127.0.0.1:5432 (``BENCH_DATABASE_URL`` overrides), migrates it, generates 5,000
organisations / 50,000 services / 100,000 locations with seed 1 (skipped when
already there), then times requests in-process with django.test.Client through
the full middleware stack. Prints median and p95 per scenario and writes JSON to
benchmarks/out/. Targets: p95 < 100 ms for search, < 50 ms for a service page.

Queries run without parallel workers (see ``serial_queries``), so the "cpu ms"
column, the CPU time of this process plus its database process per request, is
the whole cost of a request: unlike wall time it hardly changes when other work
loads the machine.
"""

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sk_bench"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DEBUG"] = "0"
os.environ["TESTING"] = "1"  # test settings: no secrets, plain static storage
os.environ["AXES_ENABLED"] = "0"
# One connection for the whole run, so the database process can be measured.
os.environ["DATABASE_CONN_MAX_AGE"] = "3600"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sociale_kaart.settings")

# whitenoise warns about a missing STATIC_ROOT (collectstatic is not needed here)
warnings.filterwarnings("ignore", message="No directory at")
SIZE = {"organisations": 5000, "services": 50000, "locations": 100000, "seed": 1}
SEARCH_TARGET_MS, SERVICE_TARGET_MS = 100, 50
SCENARIOS = {
    "search: free text": [
        "/zoeken?q=angst",
        "/zoeken?q=autisme",
        "/zoeken?q=gezinsbegeleiding",
        "/zoeken?q=behandeling+depressie",
        "/zoeken?q=autsime",
    ],
    "search: perceel + age": [
        "/zoeken?perceel=begeleiding&leeftijd=10",
        "/zoeken?perceel=behandeling-psychiatrie&leeftijd=15",
        "/zoeken?perceel=behandeling-lvb&leeftijd=6",
    ],
    "search: stadsdeel + problem + room": [
        "/zoeken?stadsdeel=almere-haven&probleem=angst&plek=1",
        "/zoeken?stadsdeel=almere-buiten&probleem=autisme&plek=1",
        "/zoeken?stadsdeel=almere-stad&probleem=gedrag&probleem=adhd&plek=1",
    ],
    "search: max wait + sort by wait": [
        "/zoeken?wachttijd=10&sorteer=wachttijd",
        "/zoeken?wachttijd=4&sorteer=wachttijd&perceel=begeleiding",
    ],
    "search: empty, page 1": ["/zoeken"],
    "search: empty, page 50": ["/zoeken?pagina=50"],
}


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare() -> list[str]:
    import django
    from django.core.management import call_command

    django.setup()
    from registry.models import Service
    from sampledata import scale

    call_command("migrate", verbosity=0)
    config = scale.ScaleConfig(**SIZE)
    started = time.monotonic()
    scale.generate(config, log=lambda message: print(f"  {message}", flush=True))
    print(f"data ready in {time.monotonic() - started:.1f} s")
    with django.db.connection.cursor() as cursor:
        # Fresh bulk-loaded tables: let PostgreSQL do what autovacuum would.
        cursor.execute("VACUUM ANALYZE")
    ids = Service.objects.filter(organisation__slug__startswith=config.slug_prefix)
    return [
        f"/aanbod/{pk}" for pk in ids.order_by("?").values_list("pk", flat=True)[:200]
    ]


def serial_queries(sender, connection, **kwargs) -> None:
    """No parallel workers: on two cores they only compete with other requests,
    and the CPU time of one database process is then all of a query's CPU."""
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")


def backend_cpu_ms() -> float:
    """CPU time (user + system) used so far by this connection's database process."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(client, urls: list[str], requests: int, warmup: int):
    """Wall times per request (ms) and the mean CPU per request (app + db)."""
    for n in range(warmup):
        client.get(urls[n % len(urls)])
    timings = []
    db_before, app_before = backend_cpu_ms(), time.process_time()
    for n in range(requests):
        url = urls[n % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    app_cpu = (time.process_time() - app_before) * 1000
    db_cpu = backend_cpu_ms() - db_before
    return timings, (app_cpu + db_cpu) / requests


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    ensure_database()
    service_urls = prepare()
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import Client

    connection_created.connect(serial_queries)
    connection.close()  # reconnect with the setting above
    client = Client()
    scenarios = {**SCENARIOS, "service page": service_urls}
    load_before = os.getloadavg()[0]
    rows = run_scenarios(client, scenarios, args.requests, args.warmup)
    report(rows, load=(load_before, os.getloadavg()[0]))


def run_scenarios(client, scenarios, requests: int, warmup: int) -> list[dict]:
    rows = []
    for name, urls in scenarios.items():
        timings, cpu_ms = measure(client, urls, requests, warmup)
        target = SERVICE_TARGET_MS if name == "service page" else SEARCH_TARGET_MS
        rows.append(
            {
                "scenario": name,
                "requests": len(timings),
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(p95(timings), 1),
                "cpu_ms_per_request": round(cpu_ms, 1),
                "target_p95_ms": target,
            }
        )
    return rows


def report(rows: list[dict], load: tuple[float, float]) -> None:
    header = f"{'scenario':36} {'n':>3} {'median ms':>9} {'p95 ms':>7} {'cpu ms':>7}"
    print(f"\n{header} {'target':>7}")
    for row in rows:
        verdict = "ok" if row["p95_ms"] < row["target_p95_ms"] else "SLOW"
        print(
            f"{row['scenario']:36} {row['requests']:>3} {row['median_ms']:>9} "
            f"{row['p95_ms']:>7} {row['cpu_ms_per_request']:>7} "
            f"{'<' + str(row['target_p95_ms']):>7} {verdict}"
        )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    print(f"load average (1 min) before/after: {load[0]:.2f} / {load[1]:.2f}")
    record = {"size": SIZE, "cpus": os.cpu_count(), "loadavg": load, "results": rows}
    path.write_text(json.dumps(record, indent=2))
    print(f"\nwritten: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
