"""Query plans at scale: which index answers each hot read (PostgreSQL).

    .venv/bin/python benchmarks/plans.py [--services 50k --referrals 100k]
        [--host 127.0.0.1:5432] [--db NAME] [--json]

Uses run.py's scratch database of that size (``sk_bench_<services>_<referrals>``,
generated and analysed when missing, exactly as run.py does), then runs
``EXPLAIN (ANALYZE, FORMAT JSON)`` on the statements the application sends for:
the search's page of results and its facet count (the empty search and a
stadsdeel + problem search), the provider inbox (open, first page) and the
referrer list (first page, all and open only) of the largest organisations,
their later pages as the views read them (keyset, ``referrals.keyset``: page 3
by the token of page 2, the capped count, another sort, the hoofdaanbieder's
whole history), and the alternatives offered for declined referrals. Prints
per statement the indexes its plan reads, whether it sorts, rows and time;
exits 1 when a plan does not use the index it is meant to (``EXPECTED``). No
parallel workers, as in run.py. ``tests/benchmarks/test_query_plans.py`` runs
it at 50k services.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.common import log  # noqa: E402
from benchmarks.harness.database import (  # noqa: E402
    REFERRAL_SIZES,
    SERVICE_SIZES,
    ensure_database,
    prepare,
    server_url,
    setup_django,
    sized,
)

# The index each plan must read (any one of the names listed).
EXPECTED = {
    "search page of results (empty search)": {"registry_service_name_id"},
    "search facet counts (empty search)": {"registry_service_search_facets"},
    "search facet counts (stadsdeel + problem)": {"registry_service_search_facets"},
    "provider inbox, open, page 1": {"referral_inbox_open"},
    "referrer list, page 1": {"referral_referrer_newest"},
    "referrer list, open only, page 1": {"referral_referrer_newest"},
    "referrer list, page 3 (keyset)": {"referral_referrer_newest"},
    "referrer list, capped count": {
        "referral_referrer_newest",
        "referral_referrer_status",
        "referral_referrer_reference",
        "referral_referrer_started",
        "referral_referrer_service",
        "referrals_referral_referrer_organisation_id_dbfa938e",
    },
    "referrer list by reference, page 3 (keyset)": {"referral_referrer_reference"},
    "provider inbox, open, page 3 (keyset)": {"referral_inbox_open"},
    # Merged from one index scan per provider (selectors.referral_inbox_branches).
    "provider inbox, all, page 1 (keyset)": {"referral_inbox_all"},
    "provider inbox, all, page 3 (keyset)": {"referral_inbox_all"},
    "referrer list, service filter choices": {"referral_referrer_service"},
    # One short read per perceel, not a rank over every open service.
    "alternatives for declined referrals": {"service_alternatives_rank"},
}
PAGE = 25


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", choices=sorted(SERVICE_SIZES), default="50k")
    parser.add_argument("--referrals", choices=sorted(REFERRAL_SIZES), default="100k")
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--db", help="default sk_bench_<services>_<referrals>")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    args.db = args.db or f"sk_bench_{args.services}_{args.referrals}"
    return args


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(sql: str, params) -> dict:
    """What PostgreSQL does for one statement: indexes read, sorts, rows, ms."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    top = plan[0]
    nodes = list(_walk(top["Plan"]))
    return {
        "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        "node_types": sorted({n["Node Type"] for n in nodes}),
        "sorted_rows": max(
            (n.get("Actual Rows", 0) for n in nodes if n["Node Type"] == "Sort"),
            default=0,
        ),
        "rows": top["Plan"].get("Actual Rows"),
        "execution_ms": round(top.get("Execution Time", 0), 2),
    }


def _first_statement(read) -> tuple[str, list]:
    """The first statement ``read()`` sends, as sql and parameters."""
    from django.db import connection

    captured = []

    def probe(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(probe):
        read()
    return captured[0]


def _keyset(qs, page: int, parts=None) -> dict[str, tuple[str, list]]:
    """The statements of a working list's page ``page`` as the views read it
    (``referrals.keyset``, with the inbox's ``parts``): the capped count and
    the page's rows."""
    from django.db import connection

    from referrals import keyset

    token = None
    for _ in range(page - 1):
        token = keyset.keyset_page(qs, token, PAGE, parts).next_page_number()
    captured = []

    def probe(execute, sql, params, many, context):
        captured.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(probe):
        keyset.keyset_page(qs, token, PAGE, parts)
    count, rows = captured
    return {"count": count, "rows": rows}


def _queryset(qs) -> tuple[str, list]:
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def statements() -> dict[str, tuple[str, list]]:
    from django.http import QueryDict

    from benchmarks.harness import actors
    from referrals import selectors as referral_selectors
    from registry import search, selectors
    from registry.models import Perceel

    reference = selectors.search_reference()

    def filters(query: str):
        parsed, _errors = search.parse_params(QueryDict(query), reference)
        return selectors.search_prepare(parsed, reference)

    empty, mixed = filters(""), filters("stadsdeel=almere-haven&probleem=angst")
    cast = actors.cast(1)
    inbox = referral_selectors.referral_inbox(actor=cast.provider_user)
    inbox_all = referral_selectors.referral_inbox(
        actor=cast.provider_user, open_only=False
    )
    parts = referral_selectors.referral_inbox_parts(actor=cast.provider_user)
    # What the inbox page uses for the whole history: one LATERAL statement.
    every = referral_selectors.referral_inbox_branches(
        actor=cast.provider_user, open_only=False
    )
    mine = referral_selectors.referral_list_for_referrer(actor=cast.referrer_user)
    mine_open = referral_selectors.referral_list_for_referrer(
        actor=cast.referrer_user, open_only=True
    )
    percelen = set(Perceel.objects.values_list("pk", flat=True))
    # The counts are read past the cache: the plan of a miss is what matters.
    uncached = selectors._facet_counts_uncached  # noqa: SLF001
    return {
        "search page of results (empty search)": _first_statement(
            lambda: selectors.service_search_page(filters=empty, offset=0, limit=20)
        ),
        "search facet counts (empty search)": _first_statement(
            lambda: uncached(empty, reference)
        ),
        "search facet counts (stadsdeel + problem)": _first_statement(
            lambda: uncached(mixed, reference)
        ),
        "provider inbox, open, page 1": _queryset(inbox[:PAGE]),
        "referrer list, page 1": _queryset(mine[:PAGE]),
        "referrer list, open only, page 1": _queryset(mine_open[:PAGE]),
        "referrer list, page 3 (keyset)": _keyset(mine, 3)["rows"],
        "referrer list, capped count": _keyset(mine, 1)["count"],
        "referrer list by reference, page 3 (keyset)": _keyset(
            referral_selectors.referral_filter(mine, {"sorteer": "referentie"}), 3
        )["rows"],
        "provider inbox, open, page 3 (keyset)": _keyset(inbox, 3, parts)["rows"],
        "provider inbox, all, page 1 (keyset)": _keyset(inbox_all, 1, every)["rows"],
        "provider inbox, all, page 3 (keyset)": _keyset(inbox_all, 3, every)["rows"],
        "referrer list, service filter choices": _first_statement(
            lambda: referral_selectors.service_choices_for_referrer(
                actor=cast.referrer_user
            )
        ),
        "alternatives for declined referrals": _first_statement(
            lambda: referral_selectors.service_alternatives(perceel_ids=percelen)
        ),
    }


def main(argv=None) -> int:
    args = arguments(argv)
    database_url = server_url(args.host, args.db)
    ensure_database(args.host, args.db)
    setup_django(database_url)
    prepare(sized(args.services, args.referrals), generate=True)
    found = {name: explain(*statement) for name, statement in statements().items()}
    missed = {
        name: sorted(wanted)
        for name, wanted in EXPECTED.items()
        if not wanted & set(found[name]["indexes"])
    }
    if args.json:
        print(json.dumps({"plans": found, "missed": missed}, indent=1))
    else:
        for name, plan in found.items():
            mark = "MISSED" if name in missed else "ok" if name in EXPECTED else ""
            log(
                f"{name}: {plan['execution_ms']} ms, {plan['rows']} rows, "
                f"sorts {plan['sorted_rows']} rows, indexes "
                f"{', '.join(plan['indexes']) or '(none)'} {mark}"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
