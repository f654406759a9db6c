"""The load run: gunicorn on 127.0.0.1 with production settings, and the load
generator (``loadgen.py``) in another process, both bounded in time and count."""

import contextlib
import json
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.harness.common import OUT, ROOT, log, process_cpu_ms, summary
from benchmarks.harness.database import app_environment

ACCESS_STATUS = re.compile(r'" (\d{3}) ')
TRACE_MARKS = ("Traceback", "WORKER TIMEOUT", "[ERROR]", '"level": "ERROR"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off, manifest static files, security headers),
    except what needs HTTPS: the load runs over plain HTTP on loopback, as
    behind a balancer that terminates TLS (no redirect, no Secure cookies)."""
    env = {key: value for key, value in os.environ.items() if key != "TESTING"}
    env.update(app_environment(database_url))
    env.update(
        {
            "TESTING": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DJANGO_SETTINGS_MODULE": "benchmarks.harness.server_settings",
            "BENCH_STATIC_ROOT": str(OUT / "staticfiles"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def deploy(env: dict) -> None:
    """What a deployment runs before starting the servers, with their settings
    (migrate also creates the database cache table; static files)."""
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", *command, "-v0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip


class Server:
    """``gunicorn -c gunicorn.conf.py -w N`` on a free loopback port."""

    def __init__(self, database_url: str, workers: int, log_path):
        self.env = server_environment(database_url)
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        deploy(self.env)
        command = [
            sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
            "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
        ]  # fmt: skip
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(  # noqa: S603 (fixed command)
            command, cwd=ROOT, env=self.env, stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)  # never leave a server behind
            raise
        return self

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if _get(f"{self.base}/", timeout=10) == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {seconds} s")

    def __exit__(self, *exc_info):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


def _get(url: str, timeout: float) -> int:
    # Only ever http://127.0.0.1:<port> (Server.base).
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        response.read()
        return response.status


def warm_up(base: str, paths: list[str], rounds: int) -> None:
    """Let every worker load its code and open its connection (not measured)."""
    for n in range(rounds):
        path = paths[n % len(paths)]
        _get(f"{base}{path}", timeout=60)


def run_loadgen(plan: dict, stamp: str) -> dict:
    plan_path = OUT / f"load-plan-{stamp}.json"
    result_path = OUT / f"load-result-{stamp}.json"
    plan_path.write_text(json.dumps(plan))
    script = ROOT / "benchmarks" / "harness" / "loadgen.py"
    subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(script), str(plan_path), str(result_path)],
        check=True, timeout=plan["seconds"] + 300,
    )  # fmt: skip
    result = json.loads(result_path.read_text())
    plan_path.unlink()
    return result


def summarise(result: dict, log_path) -> dict:
    """Throughput, latency percentiles, errors and 5xx, overall and per kind."""
    requests = result["requests"]
    by_kind = defaultdict(list)
    for kind, _status, ms in requests:
        by_kind[kind].append(ms)
    statuses = Counter(status for _, status, _ in requests)
    logged = Counter(ACCESS_STATUS.findall(log_path.read_text()))
    return {
        "seconds": result["seconds"],
        "requests": len(requests),
        "throughput_rps": round(len(requests) / max(result["seconds"], 0.001), 1),
        **summary([ms for _, _, ms in requests]),
        "errors": len(result["errors"]),
        "status_5xx": sum(n for status, n in statuses.items() if status >= 500),
        "server_logged_5xx": sum(n for code, n in logged.items() if code[0] == "5"),
        "conflicts_412": statuses.get(412, 0),
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "per_kind": {
            kind: {"requests": len(samples), **summary(samples)}
            for kind, samples in sorted(by_kind.items())
        },
        "first_errors": result["errors"][:20],
    }


def server_traces(log_path) -> list[str]:
    """Tracebacks and worker time-outs in the server log."""
    lines = log_path.read_text().splitlines()
    return [line for line in lines if any(mark in line for mark in TRACE_MARKS)][:20]


# The key of a parent's exited (reaped) children in a CPU snapshot.
REAPED = -1


def reaped_cpu_ms(pid: int) -> float:
    """CPU time (user + system) of the exited children ``pid`` has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) * 1000 / os.sysconf("SC_CLK_TCK")


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in children.split()]


def _database_pids(database_url: str) -> list[int]:
    import psycopg

    url = database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [row[0] for row in rows]


def _cpu(pids) -> dict[int, float]:
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # exited meanwhile
            found[pid] = process_cpu_ms(pid)
    return found


def cpu_snapshot(server: "Server", database_url: str) -> dict:
    """CPU ms so far of the gunicorn workers and the database's backends, and
    of their parents' exited children (``REAPED``): gunicorn recycles a
    worker after ``max_requests`` (its database connections end with it)."""
    backends = _database_pids(database_url)
    return {
        "app": {
            **_cpu(_children(server.process.pid)),
            REAPED: reaped_cpu_ms(server.process.pid),
        },
        "db": {
            **_cpu(backends),
            REAPED: reaped_cpu_ms(_parent(backends[0])) if backends else 0.0,
        },
    }


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def worker_rss_mb(server: "Server") -> dict:
    """Resident memory of each gunicorn worker right after the load (MB):
    what one more worker costs on the machine."""
    found = sorted(
        rss for rss in map(_rss_mb, _children(server.process.pid)) if rss is not None
    )
    if not found:
        return {}
    return {"workers": len(found), "median": found[len(found) // 2], "max": found[-1]}


def cpu_used(before: dict, after: dict, requests: int) -> dict:
    """CPU per request under load: what the workers and their PostgreSQL
    backends used between the snapshots. A process that exited meanwhile
    counts through its parent's reaped children (its whole life, so what it
    had used before the first snapshot is taken off); one that started
    counts whole. The database side's parent is the postmaster: a backend of
    another database that ends meanwhile would count too (the goals run has
    the machine to itself)."""
    used = {}
    for side in ("app", "db"):
        was, now = before[side], after[side]
        running = sum(ms - was.get(pid, 0) for pid, ms in now.items() if pid != REAPED)
        gone = sum(ms for pid, ms in was.items() if pid != REAPED and pid not in now)
        used[side] = running + (now[REAPED] - was[REAPED]) - gone
    per = max(requests, 1)
    return {
        "app_cpu_ms_per_request": round(used["app"] / per, 2),
        "db_cpu_ms_per_request": round(used["db"] / per, 2),
        "cpu_ms_per_request": round((used["app"] + used["db"]) / per, 2),
    }


def load_run(database_url: str, plan: dict, workers: int, stamp: str) -> dict:
    log_path = OUT / f"gunicorn-{stamp}.log"
    with Server(database_url, workers, log_path) as server:
        plan = {**plan, "base": server.base}
        warm_up(server.base, plan["search_paths"] + ["/status"], workers * 4)
        log(f"load: {workers} workers, {plan['threads']} client threads, "
            f"{plan['seconds']} s or {plan['max']} requests")  # fmt: skip
        before = cpu_snapshot(server, database_url)
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = run_loadgen(plan, stamp)
        client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = cpu_snapshot(server, database_url)
        rss = worker_rss_mb(server)
    figures = summarise(result, log_path)
    figures.update(cpu_used(before, after, len(result["requests"])))
    client_s = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    figures["client_cpu_ms_per_request"] = round(
        client_s * 1000 / max(len(result["requests"]), 1), 2
    )
    figures["server_log"] = str(log_path.relative_to(ROOT))
    figures["server_traces"] = server_traces(log_path)
    figures["workers"], figures["client_threads"] = workers, plan["threads"]
    figures["rss_mb_per_worker"] = rss
    return {"figures": figures, "result": result}
