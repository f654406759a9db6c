"""Benchmark the catalogue import at municipal scale on PostgreSQL.

    .venv/bin/python benchmarks/import_catalogue.py [--orgs 5000 --services 50000
        --runs 3 --seed 2024 --database sk_bench_import]

Generates a deterministic (seeded) pair of CSV files: about a third hoofdaanbieders,
the rest onderaannemers under them, services spread over percelen, stadsdelen,
problem areas, forms and statuses. Creates a scratch database on the server of
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), migrates it and,
per run, empties the catalogue and times: a dry run on the empty database, the first
import, and a re-import of the same files (which must change nothing), then a COPY
of the rows the first import wrote (the floor). Prints the medians, the first
import's split by phase (wall and Python CPU between its progress marks) and its
ratio to the COPY in wall and CPU seconds (this process plus its PostgreSQL
backend), and writes every figure to benchmarks/out/import_catalogue.json. The
scratch database (``--database``) is dropped at the end.
"""

import argparse
import csv
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "import_catalogue.json"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
PHASES = ("dry-run (empty db)", "first import", "re-import (no changes)")
COPY_PHASE = "COPY of the same rows"

WORDS = [
    "Jeugdzorg", "Gezinshulp", "Kompas", "De Brug", "Horizon", "Kindkracht",
    "Samen Sterk", "Groeikracht", "Het Anker", "Lichtpunt", "Zonnebloem",
    "Vlinder", "Opstap", "Windkracht", "Stapstenen", "Kiem", "Wijkkracht",
]  # fmt: skip
FORMS = ["B.V.", "Stichting", "Coöperatie", "Praktijk", "Groep"]
SERVICES = [
    "Ambulante gezinsbegeleiding", "Individuele begeleiding", "Groepstraining",
    "Sociale vaardigheidstraining", "Ouderbegeleiding", "Diagnostiek",
    "Behandeling angst", "Traumabehandeling", "Dagbesteding", "Logeeropvang",
    "Schoolbegeleiding", "Weerbaarheidstraining", "Jongerencoaching",
]  # fmt: skip
STREETS = [
    "Stadhuisplein", "Grote Markt", "Havenhoofd", "Hoofdweg", "Randstad 21",
    "Kruidenwijk", "Waterwijk", "Muziekwijk", "Literatuurwijk", "Danswijk",
]  # fmt: skip
TEXT = [
    "hulp", "voor", "kinderen", "jongeren", "en", "ouders", "thuis", "op", "school",
    "of", "in", "de", "wijk", "met", "aandacht", "gedrag", "angst", "opvoeding",
    "samenwerking", "huisarts",
]  # fmt: skip
STATUSES = ["open"] * 5 + ["wachtlijst"] * 4 + ["aanmeldstop"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=5000)
    parser.add_argument("--services", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--database", default="sk_bench_import")
    return parser.parse_args()


def scratch_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_execute(server_url: str, *statements: str) -> None:
    import psycopg

    url = scratch_url(server_url, "postgres")
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sociale_kaart.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["DEBUG"] = "0"  # DEBUG keeps a query log, which skews timings
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Data ---------------------------------------------------------------------------


def reference():
    from registry.models import DeliveryForm, District, Perceel, ProblemArea

    return {
        "percelen": list(
            Perceel.objects.filter(active=True).values_list("code", flat=True)
        ),
        "districts": list(District.objects.values_list("name", flat=True)),
        "problems": list(ProblemArea.objects.values_list("slug", flat=True)),
        "forms": list(DeliveryForm.objects.values_list("slug", flat=True)),
    }


def postcode(rng: random.Random) -> str:
    letters = rng.choice("ABCDEFGHJKLMNPRTVWXZ") + rng.choice("ABCDEGHJKLNPRTVXZ")
    return f"{rng.randint(1300, 1365)} {letters}"


def organisation_rows(rng: random.Random, count: int, ref) -> list[dict]:
    mains = max(1, count // 3)
    rows, held = [], {}
    for index in range(count):
        kvk = f"{10000000 + index * 7:08d}"
        name = f"{rng.choice(WORDS)} {rng.choice(FORMS)} {index}"
        slug = name.lower().replace(" ", "").replace(".", "")[:30]
        if index < mains:
            percelen = rng.sample(ref["percelen"], rng.randint(1, 3))
            role, main = "hoofdaanbieder", ""
        else:
            main = f"{10000000 + rng.randrange(mains) * 7:08d}"
            percelen = rng.sample(held[main], rng.randint(1, len(held[main])))
            role = "onderaannemer"
        held[kvk] = percelen
        rows.append(
            {
                "kvk": kvk,
                "naam": name,
                "rol": role,
                "hoofdaanbieder_kvk": main,
                "percelen": "|".join(percelen),
                "agb": f"{rng.randrange(10**7, 10**8):08d}",
                "website": f"https://www.{slug}.example.nl",
                "telefoon": f"036 {rng.randint(100, 999)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                "email": f"info@{slug}.example.nl",
                "adres": f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                "postcode": postcode(rng),
                "plaats": "Almere",
                "stadsdeel": rng.choice(ref["districts"]),
            }
        )
    return rows


def service_rows(rng: random.Random, count: int, orgs: list[dict], ref) -> list[dict]:
    rows = []
    for index in range(count):
        org = rng.choice(orgs)
        age_min = rng.randint(0, 16)
        status, wait, places = _capacity_values(rng)
        rows.append(
            {
                "kvk": org["kvk"],
                "aanbod": f"{rng.choice(SERVICES)} {index}",
                "perceel": rng.choice(org["percelen"].split("|")),
                "omschrijving": " ".join(rng.choices(TEXT, k=rng.randint(8, 30))),
                "leeftijd_van": str(age_min),
                "leeftijd_tot": str(rng.randint(age_min, 23)),
                "problematiek": "|".join(
                    rng.sample(ref["problems"], rng.randint(1, 3))
                ),
                "vorm": "|".join(rng.sample(ref["forms"], rng.randint(1, 2))),
                "stadsdelen": "|".join(rng.sample(ref["districts"], rng.randint(1, 4))),
                "intake_telefoon": "",
                "intake_email": f"intake@{org['email'].split('@')[1]}",
                "status": status,
                "aanmeldwachttijd_weken": str(wait),
                "behandelwachttijd_weken": rng.choice(["", str(rng.randint(0, 40))]),
                "vrije_plekken": places,
            }
        )
    return rows


def _capacity_values(rng: random.Random) -> tuple[str, int, str]:
    """A status with a wait and free places the capacity rules accept: "open"
    only with free places or an intake wait of at most 4 weeks, no free places
    under an aanmeldstop."""
    status = rng.choice(STATUSES)
    wait = rng.randint(0, 20)
    places = rng.choice(["", str(rng.randint(0, 12))])
    if status == "open" and places in ("", "0"):
        wait = min(wait, 4)
    if status == "aanmeldstop":
        places = rng.choice(["", "0"])
    return status, wait, places


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def generate(folder: Path, args) -> tuple[Path, Path]:
    rng = random.Random(args.seed)
    ref = reference()
    orgs = organisation_rows(rng, args.orgs, ref)
    org_path, service_path = folder / "organisaties.csv", folder / "aanbod.csv"
    write_csv(org_path, orgs)
    write_csv(service_path, service_rows(rng, args.services, orgs, ref))
    return org_path, service_path


# --- Timing -------------------------------------------------------------------------


def catalogue_tables() -> list[str]:
    """Every table the import writes, parents before children (COPY order)."""
    from registry.models import (
        Capacity,
        Contract,
        Location,
        Organisation,
        Service,
        Subcontract,
    )

    models = [Organisation, Location, Contract, Subcontract, Service, Capacity]
    tables = [model._meta.db_table for model in models]
    tables += [
        field.remote_field.through._meta.db_table
        for field in Service._meta.many_to_many
    ]
    tables += [
        model.history.model._meta.db_table
        for model in models
        if hasattr(model, "history")
    ]
    return tables


def empty_catalogue() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = ", ".join(catalogue_tables())
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def copy_out() -> dict[str, bytes]:
    """The rows the import wrote, table by table, in COPY's text format."""
    from django.db import connection

    data = {}
    with connection.cursor() as cursor:
        for table in catalogue_tables():
            with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                data[table] = b"".join(bytes(block) for block in copy)
    return data


def copy_in(data: dict[str, bytes]) -> dict:
    """The floor: COPY the same rows into the emptied tables (indexes,
    constraints and triggers as the import meets them), in one transaction."""
    from django.db import connection, transaction

    empty_catalogue()
    cpu, started = cpu_seconds(), time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, rows in data.items():
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(rows)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "queries": len(data),
        "bytes": sum(len(rows) for rows in data.values()),
    }


def backend_cpu_seconds() -> float:
    """CPU time used so far by this connection's PostgreSQL backend (same host)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    return time.process_time() + backend_cpu_seconds()


SAVE_STEPS = (
    "save organisations",
    "save locations",
    "save contracts",
    "save subcontracts",
    "save services",
    "save service links",
    "save capacities",
    "update capacities",
)


class Phases:
    """Wall and Python CPU seconds between the import's progress marks: the
    end of each file's checks, of the comparison, and each save step; the rest
    (search documents not built before the insert, the commit) is "after save"."""

    def __init__(self):
        from django.utils.translation import gettext

        self.save_stage = gettext("opslaan")
        self.marks = [("start", time.perf_counter(), time.process_time())]

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == self.save_stage:
            name = SAVE_STEPS[done - 1] if done <= len(SAVE_STEPS) else stage
        elif done == total:
            name = stage
        else:
            return
        self.marks.append((name, time.perf_counter(), time.process_time()))

    def split(self) -> dict[str, dict[str, float]]:
        self.marks.append(("after save", time.perf_counter(), time.process_time()))
        return {
            name: {"seconds": wall - prev_wall, "python_cpu_seconds": cpu - prev_cpu}
            for (_p, prev_wall, prev_cpu), (name, wall, cpu) in pairwise(self.marks)
        }


def timed(org_path: Path, service_path: Path, *, dry_run: bool):
    from django.db import connection

    from registry import services

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    cpu, started = cpu_seconds(), time.perf_counter()
    phases = Phases()
    with connection.execute_wrapper(count):
        result = services.catalogue_import(
            organisations=org_path,
            services=service_path,
            dry_run=dry_run,
            progress=phases,
        )
    wall = time.perf_counter() - started
    return {
        "seconds": wall,
        "cpu_seconds": cpu_seconds() - cpu,
        "queries": queries,
        "phases": phases.split(),
    }, result


def one_run(org_path: Path, service_path: Path) -> dict[str, dict]:
    from registry.models import Service

    empty_catalogue()
    figures = {}
    figures[PHASES[0]], _result = timed(org_path, service_path, dry_run=True)
    assert not Service.objects.exists(), "the dry run left rows behind"
    figures[PHASES[1]], result = timed(org_path, service_path, dry_run=False)
    assert result.counts["services"].created == Service.objects.count()
    figures[PHASES[2]], result = timed(org_path, service_path, dry_run=False)
    assert not result.changed, "re-importing the same files changed something"
    figures[COPY_PHASE] = copy_in(copy_out())
    return figures


def report(args, runs: list[dict], sizes: dict[str, int]) -> dict:
    from django.db import connection

    def median(phase: str, key: str) -> float:
        return statistics.median(run[phase][key] for run in runs)

    print(
        f"\nimport_catalogue: {args.orgs} organisations, {args.services} services, "
        f"{args.runs} run(s), PostgreSQL {connection.pg_version // 10000}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'phase':<24}{'median s':>10}{'min s':>8}{'max s':>8}{'cpu s':>8}"
        f"{'queries':>9}"
    )
    for phase in (*PHASES, COPY_PHASE):
        times = [run[phase]["seconds"] for run in runs]
        print(
            f"{phase:<24}{median(phase, 'seconds'):>10.1f}{min(times):>8.1f}"
            f"{max(times):>8.1f}{median(phase, 'cpu_seconds'):>8.1f}"
            f"{runs[0][phase]['queries']:>9}"
        )
    print(f"\n{'first import, by phase':<40}{'median s':>10}{'python cpu s':>14}")
    for name in runs[0][PHASES[1]]["phases"]:
        walls = [run[PHASES[1]]["phases"][name]["seconds"] for run in runs]
        cpus = [run[PHASES[1]]["phases"][name]["python_cpu_seconds"] for run in runs]
        print(
            f"{name:<40}{statistics.median(walls):>10.1f}"
            f"{statistics.median(cpus):>14.1f}"
        )
    ratios = [run[PHASES[1]]["seconds"] / run[COPY_PHASE]["seconds"] for run in runs]
    cpu_ratios = [
        run[PHASES[1]]["cpu_seconds"] / run[COPY_PHASE]["cpu_seconds"] for run in runs
    ]
    print(
        "first import / COPY, CPU seconds (each run): "
        + ", ".join(f"{r:.1f}" for r in cpu_ratios)
    )
    listed = ", ".join(f"{r:.1f}" for r in ratios)
    print(
        f"first import / COPY (each run): {listed}; "
        f"median {statistics.median(ratios):.1f} (goal <= 3)"
    )
    return {
        "benchmark": "import_catalogue",
        "import_over_copy": ratios,
        "import_over_copy_median": statistics.median(ratios),
        "import_over_copy_cpu": cpu_ratios,
        "parameters": vars(args),
        "file_bytes": sizes,
        "median_seconds": {
            phase: median(phase, "seconds") for phase in (*PHASES, COPY_PHASE)
        },
        "median_cpu_seconds": {
            phase: median(phase, "cpu_seconds") for phase in (*PHASES, COPY_PHASE)
        },
        "runs": runs,
        "load_average": os.getloadavg(),
        "postgresql": connection.pg_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main() -> int:
    args = parse_args()
    server = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server")
    name = args.database
    admin_execute(
        server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'
    )
    try:
        setup_django(scratch_url(server, name))
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        with tempfile.TemporaryDirectory() as folder:
            org_path, service_path = generate(Path(folder), args)
            sizes = {p.name: p.stat().st_size for p in (org_path, service_path)}
            runs = []
            for number in range(1, args.runs + 1):
                print(f"run {number}/{args.runs} ...", file=sys.stderr)
                runs.append(one_run(org_path, service_path))
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(report(args, runs, sizes), indent=2) + "\n")
        print(f"\nwritten: {OUT.relative_to(ROOT)}")
        connections.close_all()
    finally:
        admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
