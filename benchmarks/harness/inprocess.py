"""In-process server time: django.test.Client through the full middleware stack.

Each scenario is a function ``n -> Call`` (the n-th request); warm-up calls come
first. Per request: wall time, CPU (this process plus its PostgreSQL backend
process, so the figure is a request's own cost even on a busy machine) and the
number of queries. For the search and list scenarios the SQL of each URL is
captured once (sql + params) so ``rawsql`` can re-run exactly those statements.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from benchmarks.harness.common import percentile, process_cpu_ms, rounded

SEARCH_TARGET_MS = 100
WRITE_TARGET_MS = 50
SEARCH_PAGES = (
    # free text (one with a typo), perceel + age, stadsdeel + problem + room,
    # max wait sorted by wait, the empty search on page 1 and 50
    "/zoeken?q=angst",
    "/zoeken?q=behandeling+depressie",
    "/zoeken?q=autsime",
    "/zoeken?perceel=begeleiding&leeftijd=10",
    "/zoeken?perceel=behandeling-psychiatrie&leeftijd=15",
    "/zoeken?stadsdeel=almere-haven&probleem=angst&plek=1",
    "/zoeken?stadsdeel=almere-stad&probleem=gedrag&probleem=adhd&plek=1",
    "/zoeken?wachttijd=10&sorteer=wachttijd",
    "/zoeken?wachttijd=4&sorteer=wachttijd&perceel=begeleiding",
    "/zoeken",
    "/zoeken?pagina=50",
)


@dataclass
class Call:
    client: object
    method: str
    path: str
    kwargs: dict = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)
    marker: bytes = b""  # must be in the body (e.g. a real result, not "not found")


@dataclass
class Scenario:
    name: str
    make: Callable[[int], Call]
    raw_sql: bool = False
    target_p95_ms: float | None = None
    target_ratio: float | None = None
    note: str = ""


# --- the scenarios -------------------------------------------------------------------


def search_api_paths() -> list[str] | None:
    """The public search API's URLs if the API exists in this build, else None."""
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/services")
    except Resolver404:
        return None
    return [
        "/api/v1/services?q=angst",
        "/api/v1/services?q=behandeling+depressie&age=12",
        "/api/v1/services?lot=begeleiding&age=10",
        "/api/v1/services?district=almere-haven&problem=angst&accepting=true",
        "/api/v1/services?maxWaitWeeks=10&ordering=wait",
        "/api/v1/services",
        "/api/v1/services?page=10",
    ]


def _page_size(path: str, size: int) -> str:
    return f"{path}{'&' if '?' in path else '?'}pageSize={size}"


def _cycle(client, paths, **extra) -> Callable[[int], Call]:
    return lambda n: Call(client, "get", paths[n % len(paths)], **extra)


def scenarios(ctx) -> list[Scenario]:
    """``ctx``: an object with clients, cast, pools (see run.py ``Context``)."""
    anonymous = ctx.clients["anonymous"]
    result = [
        Scenario(
            "search page (11 filter mixes)",
            _cycle(anonymous, SEARCH_PAGES),
            raw_sql=True,
            target_p95_ms=SEARCH_TARGET_MS,
            target_ratio=3,
        ),
    ]
    api_paths = search_api_paths()
    if api_paths:
        result.append(
            Scenario(
                "search API (7 filter mixes)",
                _cycle(anonymous, api_paths),
                raw_sql=True,
                target_p95_ms=SEARCH_TARGET_MS,
                target_ratio=3,
            )
        )
        result.append(
            Scenario(
                "search API, 100 per page (7 mixes)",
                _cycle(anonymous, [_page_size(path, 100) for path in api_paths]),
                raw_sql=True,
                target_ratio=2,
            )
        )
    else:
        ctx.notes.append("search API /api/v1/services is not in this build: skipped")
    result.append(_search_after_write(anonymous))
    result.append(_search_after_capacity_write(anonymous))
    service_paths = [f"/aanbod/{pk}" for pk in ctx.pools["services"]]
    result += [
        Scenario("service page", _cycle(anonymous, service_paths), target_p95_ms=50),
        *_referral_scenarios(ctx),
        *_referral_api_scenarios(ctx),
        _capacity_patch(ctx),
        _event_post(ctx),
        *_dashboard_scenarios(ctx),
    ]
    return result


def _search_after_write(client) -> Scenario:
    """The same searches, each the first after a catalogue write: the version
    is replaced before every request (outside the timing), so nothing cached
    from the catalogue (facet counts, page ids, filter values) is read."""
    from registry.catalogue_version import catalogue_version_bump

    def call(n: int) -> Call:
        catalogue_version_bump()
        return Call(client, "get", SEARCH_PAGES[n % len(SEARCH_PAGES)])

    return Scenario(
        "search page, first after a catalogue write",
        call,
        raw_sql=True,
        target_p95_ms=SEARCH_TARGET_MS,
    )


def _search_after_capacity_write(client) -> Scenario:
    """The same searches, each the first after a capacity write (one in ten
    requests of the load mix is a capacity PATCH): what reads no capacity
    figure stays cached, the rest is counted again."""
    from registry.catalogue_version import capacity_version_bump

    def call(n: int) -> Call:
        capacity_version_bump()
        return Call(client, "get", SEARCH_PAGES[n % len(SEARCH_PAGES)])

    return Scenario(
        "search page, first after a capacity write",
        call,
        raw_sql=True,
        target_p95_ms=SEARCH_TARGET_MS,
    )


def _following(client, path: str, pages: int = 1) -> str:
    """The path of the list's page ``pages`` further on, through its "Volgende"
    links (the working lists page by keyset: a page's link carries a token).
    A list with fewer pages (the smoke scale) gives its last page."""
    import html
    import re

    following = re.compile(r'<a (?:class="[^"]*" )?href="(\?[^"]*)">Volgende</a>')
    for _ in range(pages):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        nav = response.content.decode().split('aria-label="Paginering"')[-1]
        found = following.search(nav)
        if found is None:
            break
        path = path.split("?")[0] + html.unescape(found.group(1))
    return path


def _referral_scenarios(ctx) -> list[Scenario]:
    provider, referrer = ctx.clients["provider"], ctx.clients["referrer"]
    details = [f"/verwijzingen/{ref}" for ref in ctx.pools["details"]]
    codes = ctx.pools["family_codes"]

    def family_status(n: int) -> Call:
        answer = codes[n % len(codes)]
        data = {"family_code": answer["code"], "birth_date": answer["birth_date"]}
        return Call(
            ctx.clients["anonymous"], "post", "/status", {"data": data},
            marker=b'id="now-title"',
        )  # fmt: skip

    return [
        Scenario(
            "provider inbox (open, page 1 and 2)",
            _cycle(provider, ["/inbox", _following(provider, "/inbox")]),
            raw_sql=True,
        ),
        Scenario(
            "provider inbox (all, page 1)",
            _cycle(provider, ["/inbox?filter=all"]),
            raw_sql=True,
        ),  # fmt: skip
        Scenario(
            "referrer list (page 1 and 2)",
            _cycle(referrer, ["/verwijzingen", _following(referrer, "/verwijzingen")]),
            raw_sql=True,
        ),
        Scenario(
            "referrer list (page 20, sorted by reference)",
            _cycle(
                referrer, [_following(referrer, "/verwijzingen?sorteer=referentie", 19)]
            ),
            raw_sql=True,
        ),
        Scenario(
            "referrer list (open only)",
            _cycle(referrer, ["/verwijzingen?filter=open"]),
            raw_sql=True,
        ),
        Scenario("referral detail (provider)", _cycle(provider, details)),
        Scenario("family status POST (right code)", family_status),
    ]


def _api_following(client, path: str) -> str:
    """The path of the API list's next page (its ``next`` link, a page number
    or a cursor, whichever the build gives); the same page if there is none."""
    from urllib.parse import urlsplit

    following = client.get(path).json().get("next")
    if not following:
        return path
    parts = urlsplit(following)
    return f"{parts.path}?{parts.query}"


def _referral_api_scenarios(ctx) -> list[Scenario]:
    provider, referrer = ctx.clients["provider"], ctx.clients["referrer"]
    first = "/api/v1/referrals?pageSize=100"
    return [
        Scenario(
            "referral API (100 per page), referrer, page 1 and 2",
            _cycle(referrer, [first, _api_following(referrer, first)]),
            raw_sql=True,
            target_ratio=2,
        ),
        Scenario(
            "referral API (100 per page), provider, open, page 1",
            _cycle(provider, [f"{first}&open=true"]),
            raw_sql=True,
            target_ratio=2,
        ),
    ]


def _capacity_patch(ctx) -> Scenario:
    services = ctx.pools["patch_services"]
    etags = {row["service"]: row["etag"] for row in services}
    token = ctx.cast.tokens[ctx.cast.provider.pk]

    def patch(n: int) -> Call:
        service = services[n % len(services)]["service"]
        body = (
            {"status": "waitlist", "intake_wait_weeks": 4 + n % 5, "free_places": 0}
            if n % 2
            else {"status": "open", "intake_wait_weeks": 1, "free_places": 1 + n % 3}
        )
        return Call(
            ctx.clients["api"],
            "patch",
            f"/api/v1/services/{service}/capacity",
            {
                "data": json.dumps(body),
                "content_type": "application/json",
                "HTTP_AUTHORIZATION": f"Token {token}",
                "HTTP_IF_MATCH": etags[service],
                "on_response": lambda r: etags.__setitem__(service, r["ETag"]),
            },
        )

    return Scenario(
        "capacity PATCH (API token, If-Match)", patch, target_p95_ms=WRITE_TARGET_MS
    )


def _event_post(ctx) -> Scenario:
    token = ctx.cast.tokens[ctx.cast.provider.pk]
    # Round-robin over referrals keeps each referral's steps in order.
    run = uuid.uuid4().hex[:8]
    queue = [
        (plan["reference"], step, f"bench-{run}-{plan['referral']}-{index}")
        for index, step, plan in _rounds(ctx.pools["event_plans"])
    ]

    def post(n: int) -> Call:
        reference, step, key = queue[n]
        return Call(
            ctx.clients["api"],
            "post",
            f"/api/v1/referrals/{reference}/events",
            {
                "data": json.dumps(step),
                "content_type": "application/json",
                "HTTP_AUTHORIZATION": f"Token {token}",
                "HTTP_IDEMPOTENCY_KEY": key,
            },
            expect=(201,),
        )

    post.available = len(queue)
    return Scenario(
        "event POST (API token, legal next step)", post, target_p95_ms=WRITE_TARGET_MS
    )


def _rounds(plans):
    longest = max((len(plan["steps"]) for plan in plans), default=0)
    for index in range(longest):
        for plan in plans:
            if index < len(plan["steps"]):
                yield index, plan["steps"][index], plan


def _dashboard_scenarios(ctx) -> list[Scenario]:
    try:
        from django.urls import reverse

        reverse("dashboard:overview")
    except Exception:  # noqa: BLE001 (no dashboard in this build)
        ctx.notes.append("dashboard (/regie) is not in this build: skipped")
        return []
    from dashboard.periods import add_months, month_start

    regie, provider = ctx.clients["municipality"], ctx.clients["provider"]
    perceel = urlencode({"perceel": "begeleiding", "verwijzer": "02"})
    three_years = add_months(month_start(date.today()), -35).strftime("%Y-%m")
    one_provider = urlencode({"aanbieder": ctx.cast.provider.slug})
    return [
        Scenario("dashboard /regie (12 months)", _cycle(regie, ["/regie"])),
        Scenario("dashboard /regie (36 months)", _cycle(regie, [f"/regie?van={three_years}"])),  # noqa: E501
        Scenario("dashboard /regie (one hoofdaanbieder)", _cycle(regie, [f"/regie?{one_provider}"])),  # noqa: E501
        Scenario("dashboard /regie (perceel + huisarts)", _cycle(regie, [f"/regie?{perceel}"])),  # noqa: E501
        Scenario("dashboard /regie/aanbieders", _cycle(regie, ["/regie/aanbieders"])),
        Scenario("dashboard /regie/open", _cycle(regie, ["/regie/open"])),
        Scenario("dashboard /regie/aanbieder (provider)", _cycle(provider, ["/regie/aanbieder"])),  # noqa: E501
    ]  # fmt: skip


def floor_scenarios(ctx) -> list[Scenario]:
    """The framework's own floor in this run: a Django view that does nothing
    (``benchmarks/harness/urls.py``) and /healthz, through the full middleware
    stack like every scenario."""
    anonymous = ctx.clients["anonymous"]
    return [
        Scenario(FLOOR_VIEW, _cycle(anonymous, ["/_bench/floor"])),
        Scenario("/healthz", _cycle(anonymous, ["/healthz"])),
    ]


FLOOR_VIEW = "bare Django view (floor)"


# --- measuring ------------------------------------------------------------------------


class _Probe:
    """Counts queries and (optionally) captures their SQL and parameters."""

    def __init__(self, capture: bool = False):
        self.count, self.capture, self.statements = 0, capture, []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.capture:
            self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


_BACKENDS: dict[int, int] = {}


def backend_cpu_ms() -> float:
    from django.db import connection

    connection.ensure_connection()
    key = id(connection.connection)
    if key not in _BACKENDS:
        _BACKENDS[key] = connection.connection.info.backend_pid
    return process_cpu_ms(_BACKENDS[key])


def perform(call: Call, probe: _Probe | None = None):
    """One request; returns (response, wall ms, cpu ms, queries)."""
    from django.db import connection

    kwargs = dict(call.kwargs)
    on_response = kwargs.pop("on_response", None)
    probe = probe or _Probe()
    cpu = time.process_time() * 1000 + backend_cpu_ms()
    with connection.execute_wrapper(probe):
        started = time.perf_counter()
        response = getattr(call.client, call.method)(call.path, **kwargs)
        wall = (time.perf_counter() - started) * 1000
    cpu = time.process_time() * 1000 + backend_cpu_ms() - cpu
    if response.status_code not in call.expect or (
        call.marker and call.marker not in response.content
    ):
        raise RuntimeError(
            f"{call.method.upper()} {call.path}: HTTP {response.status_code} "
            f"{response.content[:300]!r}"
        )
    if on_response:
        on_response(response)
    return response, wall, cpu, probe.count


def run_scenario(
    scenario: Scenario, requests: int, warmup: int, capture: int = 0
) -> dict:
    """Warm up, then time ``requests`` calls. The SQL (with parameters) of the
    first ``capture`` timed calls is kept in ``statements`` for the raw-SQL
    floor: captured while measured, so a write is not sent twice."""
    available = getattr(scenario.make, "available", None)
    if available is not None and available < warmup + requests:
        requests = max(0, available - warmup)
    for n in range(warmup):
        perform(scenario.make(n))
    walls, cpus, queries, per_path, statements = [], [], [], {}, []
    for n in range(warmup, warmup + requests):
        call = scenario.make(n)
        probe = _Probe(capture=len(statements) < capture)
        _, wall, cpu, count = perform(call, probe)
        if probe.capture:
            statements.append(probe.statements)
        walls.append(wall)
        cpus.append(cpu)
        queries.append(count)
        per_path.setdefault(call.path, []).append(wall)
    return {
        "statements": statements,
        "scenario": scenario.name,
        "requests": len(walls),
        "median_ms": rounded(percentile(walls, 50)),
        "p95_ms": rounded(percentile(walls, 95)),
        "cpu_median_ms": rounded(percentile(cpus, 50)),
        "cpu_p95_ms": rounded(percentile(cpus, 95)),
        "queries_median": percentile(queries, 50),
        "queries_max": max(queries, default=None),
        "target_p95_ms": scenario.target_p95_ms,
        "samples_ms": [round(w, 2) for w in walls],
        "median_ms_per_path": {
            path: rounded(percentile(samples, 50))
            for path, samples in per_path.items()
            if len(per_path) <= 20
        },
    }
