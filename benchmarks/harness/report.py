"""The printed table and the list of failures (errors, 5xx, failed checks)."""


def _fmt(value, width: int, digits: int = 1) -> str:
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value:>{width}}"


def verdict(row: dict) -> str:
    if "error" in row:
        return "ERROR"
    missed = []
    if row.get("target_p95_ms") and row["p95_ms"] > row["target_p95_ms"]:
        missed.append("p95")
    if row.get("target_ratio") and row.get("ratio", 0) > row["target_ratio"]:
        missed.append("ratio")
    if not row.get("target_p95_ms") and not row.get("target_ratio"):
        return ""
    return "MISSED " + "+".join(missed) if missed else "ok"


def line(row: dict) -> str:
    if "error" in row:
        return f"{row['scenario']:42} ERROR {row['error']}"
    return (
        f"{row['scenario']:42} {_fmt(row['requests'], 4)} {_fmt(row['median_ms'], 8)}"
        f" {_fmt(row['p95_ms'], 8)} {_fmt(row['cpu_median_ms'], 7)}"
        f" {_fmt(row.get('cpu_p95_ms'), 7)}"
        f" {_fmt(row['queries_median'], 5, 0)}"
        f" {_fmt(row.get('raw_median_ms'), 7, 2)} {_fmt(row.get('ratio'), 6, 2)}"
        f" {_fmt(row.get('floor_ms'), 7, 2)} {_fmt(row.get('floor_ratio'), 6, 2)}"
        f" {_fmt(row.get('target_p95_ms'), 6, 0)} {verdict(row)}"
        + (f" ({row['raw_note']})" if row.get("raw_note") else "")
    )


# median/p95: wall time; cpu: this process + its PostgreSQL backend per request;
# sql: the request's own statements replayed on a bare psycopg connection (its
# SQL floor) and app/sql; floor: sql + the bare Django view of this run, and
# app/floor.
HEADER = (
    f"{'in-process (ms)':42} {'n':>4} {'median':>8} {'p95':>8} {'cpu':>7}"
    f" {'cpu p95':>7} {'q':>5}"
    f" {'sql':>7} {'app/sql':>6} {'floor':>7} {'app/fl':>6} {'target':>6}"
)


def load_line(figures: dict) -> str:
    return (
        f"{figures['requests']} requests in {figures['seconds']} s = "
        f"{figures['throughput_rps']} req/s; p50 {figures['median_ms']} ms, "
        f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms; "
        f"errors {figures['errors']}, 5xx {figures['status_5xx']}, "
        f"412 {figures['conflicts_412']}"
    )


def _cpu_line(figures: dict) -> str:
    cpu = figures.get("cpu_ms_per_request")
    if not cpu:
        return ""
    ceiling = 2000 / cpu  # two cores' CPU per second / CPU per request
    rss = figures.get("rss_mb_per_worker") or {}
    memory = (
        f"; RSS per worker {rss['median']} MB (largest {rss['max']} MB)" if rss else ""
    )
    return (
        f"server CPU per request {cpu} ms (app {figures['app_cpu_ms_per_request']}"
        f" + PostgreSQL {figures['db_cpu_ms_per_request']}); load generator "
        f"{figures['client_cpu_ms_per_request']} ms; two idle cores would serve "
        f"about {ceiling:.0f} req/s of this mix{memory}"
    )


def _load_table(figures: dict) -> list[str]:
    lines = [
        "",
        f"load ({figures['workers']} gunicorn workers, "
        f"{figures['client_threads']} client threads): {load_line(figures)}",
        _cpu_line(figures),
        f"{'request kind':42} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8}",
    ]
    for kind, row in figures["per_kind"].items():
        lines.append(
            f"{kind:42} {row['requests']:>6} {_fmt(row['median_ms'], 8)}"
            f" {_fmt(row['p95_ms'], 8)} {_fmt(row['p99_ms'], 8)}"
        )
    return lines


def _checks_table(found: dict) -> list[str]:
    capacity, keys, derived = (
        found["capacity"],
        found["idempotency"],
        found["derived_status"],
    )
    return [
        "",
        "correctness after the load:",
        f"  capacity: {capacity['accepted']} accepted PATCHes all in history: "
        f"{'ok' if capacity['ok'] else 'FAILED'}",
        f"  idempotency: {keys['keys']} keys ({keys['retried_keys']} retried, "
        f"{keys['retried_at_once']} of them concurrently), one "
        f"event each: {'ok' if keys['ok'] else 'FAILED'}",
        f"  derived status: {derived['touched']} touched + {derived['sampled']} "
        f"sampled referrals equal derive(events); every status = last event: "
        f"{'ok' if derived['ok'] else 'FAILED'}",
    ]


def table(record: dict) -> str:
    lines = ["", HEADER] + [line(row) for row in record["inprocess"]]
    if "load" in record:
        lines += _load_table(record["load"]) + _checks_table(record["checks"])
    averages = record["load_average"]
    if "cache" in record:
        lines.append(f"\ncache: {record['cache']['backend']}")
    lines.append(
        "\nload average (1/5/15 min) at start "
        + " / ".join(f"{v:.2f}" for v in averages["start"])
    )
    return "\n".join(lines)


def failures(record: dict) -> list[str]:
    found = [
        f"{r['scenario']}: {r['error']}" for r in record["inprocess"] if "error" in r
    ]
    load = record.get("load")
    if load:
        if load["errors"]:
            found.append(f"load: {load['errors']} errors: {load['first_errors'][:3]}")
        if load["status_5xx"] or load["server_logged_5xx"]:
            found.append(f"load: {load['status_5xx']} 5xx answers")
        if load["server_traces"]:
            found.append(f"server log: {load['server_traces'][:3]}")
        for name, check in record["checks"].items():
            if not check["ok"]:
                found.append(f"check {name}: {check['failures'][:3]}")
    return found
