"""The scratch database: create, configure Django for it, migrate, generate data."""

import os
import time
import warnings
from dataclasses import asdict, dataclass

from benchmarks.harness.common import log

ADMIN_DB = "postgres"


@dataclass(frozen=True)
class Scale:
    organisations: int
    services: int
    locations: int
    referrals: int
    years: float = 3
    seed: int = 1


SCALES = {
    "default": Scale(5000, 50_000, 100_000, 1_000_000),
    "small": Scale(500, 5000, 10_000, 100_000),
    "smoke": Scale(50, 300, 400, 2000),
}
# --services / --referrals: the catalogue and the history chosen apart.
SERVICE_SIZES = {"5k": 5000, "50k": 50_000, "200k": 200_000}
REFERRAL_SIZES = {"100k": 100_000, "1m": 1_000_000}


def sized(services: str, referrals: str) -> Scale:
    """A catalogue of ``services`` (ten per organisation, two locations per
    service, as the default scale) and ``referrals`` over three years."""
    count = SERVICE_SIZES[services]
    return Scale(count // 10, count, 2 * count, REFERRAL_SIZES[referrals])


def server_url(host: str, name: str) -> str:
    return f"postgres://postgres@{host}/{name}"


def ensure_database(host: str, name: str) -> bool:
    """Create database ``name`` when missing; True when it was created."""
    import psycopg

    with psycopg.connect(server_url(host, ADMIN_DB), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')
    return not found


def drop_database(host: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url(host, ADMIN_DB), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_environment(database_url: str) -> dict[str, str]:
    """Settings shared by the in-process client and the gunicorn servers."""
    return {
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "AXES_ENABLED": "0",
        # No mail server here; sending is not what is measured.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # Every simulated client comes from 127.0.0.1: the API throttle still
        # runs (and costs what it costs) but its limits are out of the way.
        "API_THROTTLE_ANON": "1000000/min",
        "API_THROTTLE_USER": "1000000/min",
    }


def setup_django(database_url: str, *, database_cache: bool = False) -> None:
    """Django in this process: production settings except test-only secrets and
    plain static storage (TESTING), one long-lived connection (so its database
    process can be measured) and no parallel query workers (see below).
    The cache is Redis when ``REDIS_URL`` is set (``harness.cache.choose``),
    else process memory, or with ``database_cache`` the database's cache
    table, as a deployment without REDIS_URL."""
    os.environ.update(app_environment(database_url))
    os.environ["TESTING"] = "1"
    os.environ["DATABASE_CONN_MAX_AGE"] = "3600"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sociale_kaart.settings")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    # In-process only (gunicorn gets the project's own URLs): adds the floor view.
    settings.ROOT_URLCONF = "benchmarks.harness.urls"
    if database_cache and not os.environ.get("REDIS_URL"):
        from django.test.utils import override_settings

        from benchmarks.harness.cache import database_cache_settings

        # For the rest of the process (setting_changed resets the caches).
        override_settings(CACHES=database_cache_settings()).enable()

    connection_created.connect(_serial_queries)


def _serial_queries(sender, connection, **kwargs) -> None:
    """No parallel workers: on two cores they only compete with other requests,
    and the CPU time of one database process is then all of a query's CPU."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")


def _present(scale: Scale) -> bool:
    from sampledata import scale as catalogue
    from sampledata.scale_referrals import generated_referral_count

    config = catalogue.ScaleConfig(
        organisations=scale.organisations,
        services=scale.services,
        locations=scale.locations,
        seed=scale.seed,
    )
    return (
        catalogue.already_generated(config)
        and generated_referral_count() >= scale.referrals
    )


def prepare(scale: Scale, *, generate: bool) -> dict:
    """Migrate; generate the data unless present (``generate_scale_data``: it
    skips what the same seed and sizes already made); ANALYZE after loading;
    rebuild the dashboard figures when they are missing or the data is new."""
    from django.core.management import call_command

    timings = {}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.monotonic() - started, 1)
    fresh = generate and not _present(scale)
    if fresh:
        log(f"generating {asdict(scale)}")
        started = time.monotonic()
        call_command(
            "generate_scale_data",
            organisations=scale.organisations,
            services=scale.services,
            locations=scale.locations,
            referrals=scale.referrals,
            years=scale.years,
            seed=scale.seed,
        )
        timings["generate_s"] = round(time.monotonic() - started, 1)
        _analyze()
    elif generate:
        log("data with this seed and these sizes is present: generation skipped")
    if not fresh and _never_analyzed():
        _analyze()
    timings.update(_dashboard_refresh(force=fresh))
    return timings


def _never_analyzed() -> bool:
    """True when the largest table has no statistics yet (generated elsewhere)."""
    from django.db import connection

    from referrals.models import ReferralEvent

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL"
            " FROM pg_stat_user_tables WHERE relname = %s",
            [ReferralEvent._meta.db_table],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _analyze() -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        # Fresh bulk-loaded tables: do what autovacuum would do after a while.
        cursor.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: {time.monotonic() - started:.1f} s")


def _dashboard_refresh(*, force: bool) -> dict:
    try:
        from dashboard.models import DashboardRefresh
        from dashboard.services import dashboard_refresh
    except ImportError:
        return {}
    if not force and DashboardRefresh.objects.exists():
        return {}
    started = time.monotonic()
    dashboard_refresh()
    seconds = round(time.monotonic() - started, 1)
    log(f"dashboard figures rebuilt: {seconds} s")
    return {"dashboard_refresh_s": seconds}


def data_summary() -> dict:
    from referrals.models import Referral, ReferralEvent
    from registry.models import Capacity, Location, Organisation, Service

    return {
        "organisations": Organisation.objects.count(),
        "services": Service.objects.count(),
        "locations": Location.objects.count(),
        "referrals": Referral.objects.count(),
        "referral_events": ReferralEvent.objects.count(),
        "capacity_history_rows": Capacity.history.count(),
    }
