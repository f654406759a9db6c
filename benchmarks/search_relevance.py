"""Search relevance on the demo catalogue: recall@10 and nDCG@10 of the judged
queries in benchmarks/search_queries.toml.

    DEBUG=1 [DATABASE_URL=...] .venv/bin/python benchmarks/search_relevance.py [-v]

Runs against the database of ``DATABASE_URL`` (SQLite by default), which must
hold the demo data (``manage.py seed_demo``). Each query runs through the same
selector as /zoeken (``selectors.search_run``); its first ten results are
compared with the services judged relevant (by name: the demo offers each
service several times, from different providers).

- recall@10: the share of the relevant services in the first ten, out of as
  many as could fit (min(10, number relevant));
- nDCG@10: the same with position weighed (1/log2(rank + 1)), binary gains.

``-v`` prints every query that falls short with its first results.
"""

import math
import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sociale_kaart.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import translation  # noqa: E402

from registry import selectors  # noqa: E402
from registry.models import Service  # noqa: E402

K = 10


def judged() -> list[dict]:
    with open(ROOT / "benchmarks" / "search_queries.toml", "rb") as handle:
        return tomllib.load(handle)["query"]


def score(ranked: list[str], relevant_ids: set[int], ids: list[int]):
    hits = [pk in relevant_ids for pk in ids[:K]]
    ideal = min(K, len(relevant_ids))
    recall = sum(hits) / ideal if ideal else 0.0
    dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
    idcg = sum(1 / math.log2(rank + 2) for rank in range(ideal))
    return recall, (dcg / idcg if idcg else 0.0)


def main(verbose: bool) -> None:
    names = dict(Service.objects.filter(active=True).values_list("pk", "name"))
    if not names:
        sys.exit("No services: run `manage.py seed_demo` first.")
    rows = []
    with translation.override("nl"):
        for item in judged():
            relevant = set(item["relevant"])
            unknown = relevant - set(names.values())
            if unknown:
                sys.exit(f"{item['q']!r}: not in the demo data: {sorted(unknown)}")
            relevant_ids = {pk for pk, name in names.items() if name in relevant}
            params = QueryDict(mutable=True)
            params["q"] = item["q"]
            result = selectors.search_run(params)
            ids = [service.pk for service in result.services]
            recall, ndcg = score([names[i] for i in ids], relevant_ids, ids)
            rows.append((item["q"], recall, ndcg, result.pagination.count, ids))
    report(rows, names, verbose)


def report(rows, names, verbose: bool) -> None:
    n = len(rows)
    recall = sum(r[1] for r in rows) / n
    ndcg = sum(r[2] for r in rows) / n
    print(f"database: {connection.vendor}, queries: {n}")
    print(f"recall@10: {recall:.3f}   nDCG@10: {ndcg:.3f}")
    short = [r for r in rows if r[1] < 1]
    print(f"queries with recall@10 < 1: {len(short)}")
    for q, rec, nd, count, ids in short:
        print(f"  {q!r}: recall {rec:.2f}, nDCG {nd:.2f}, {count} found")
        if verbose:
            for pk in ids[:K]:
                print(f"      {names[pk]}")


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
