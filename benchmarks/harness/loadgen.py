"""Load generator: threads sending a read/write mix to a server on this machine.

    python benchmarks/harness/loadgen.py PLAN.json RESULT.json

Standard library only, run in its own process (not the server's). The plan
(written by run.py) names the base URL (must be loopback), the bounds (seconds
and a maximum number of requests: it stops at whichever comes first), the
number of threads, the mix, and the pools to draw from. Operations:

- reads (80 %): search pages with varying filters, the search API if present,
  service pages, the family status check (GET the form for its CSRF token, then
  POST the right code and date of birth);
- writes (20 %): a capacity update (GET for the ETag, then PATCH with If-Match;
  412 is a legal answer when another thread changed it first) and a referral
  step (POST with an Idempotency-Key; each thread owns its referrals so steps
  stay in order). About 10 % of the steps are sent twice with the same key, half
  of them at the same time from two connections, as a client retrying after a
  time-out would: exactly one 201 and one 200 are expected.

The result lists every request (kind, HTTP status, milliseconds) and what the
correctness checks need: accepted capacity versions and the events posted.
"""

import http.client
import json
import random
import re
import sys
import threading
import time
from collections import deque
from ipaddress import ip_address
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")


class Stop(Exception):
    pass


class Shared:
    """State shared by the threads: bounds and collected results."""

    def __init__(self, plan: dict):
        self.plan = plan
        self.deadline = time.monotonic() + plan["seconds"]
        self.lock = threading.Lock()
        self.sent = 0
        self.requests: list[tuple[str, int, float]] = []
        self.errors: list[str] = []
        self.patches: list[dict] = []
        self.events: list[dict] = []

    def ticket(self) -> None:
        with self.lock:
            if time.monotonic() >= self.deadline or self.sent >= self.plan["max"]:
                raise Stop
            self.sent += 1

    def record(self, kind: str, status: int, ms: float, error: str = "") -> None:
        with self.lock:
            self.requests.append((kind, status, round(ms, 2)))
            if error and len(self.errors) < 200:
                self.errors.append(f"{kind}: {error}")


class Client:
    """One keep-alive connection (re-opened when the server closes it)."""

    def __init__(self, shared: Shared):
        self.shared = shared
        parts = urlsplit(shared.plan["base"])
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def send(self, kind, method, path, body=None, headers=None, expect=(200,)):
        self.shared.ticket()
        headers = {"Host": "127.0.0.1", **(headers or {})}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.shared.record(kind, 0, _ms(started), f"{method} {path}: {exc!r}")
            return None, b""
        error = (
            "" if response.status in expect else f"{method} {path}: {response.status}"
        )
        self.shared.record(kind, response.status, _ms(started), error)
        return response, data


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# --- reads ---------------------------------------------------------------------------


def search(client: Client, rng: random.Random) -> None:
    plan = client.shared.plan
    path = rng.choice(plan["search_paths"])
    if rng.random() < 0.5:
        path += ("&" if "?" in path else "?") + f"pagina={rng.randint(1, 5)}"
    client.send("search page", "GET", path)


def search_api(client: Client, rng: random.Random) -> None:
    client.send("search API", "GET", rng.choice(client.shared.plan["api_paths"]))


def service_page(client: Client, rng: random.Random) -> None:
    service = rng.choice(client.shared.plan["service_ids"])
    client.send("service page", "GET", f"/aanbod/{service}")


def family_status(client: Client, rng: random.Random) -> None:
    response, body = client.send("family status GET", "GET", "/status")
    token = CSRF_INPUT.search(body or b"")
    cookie = CSRF_COOKIE.search((response and response.getheader("Set-Cookie")) or "")
    if not token or not cookie:
        client.shared.record("family status POST", 0, 0, "no CSRF token on /status")
        return
    answer = rng.choice(client.shared.plan["family_codes"])
    form = {
        "csrfmiddlewaretoken": token[1].decode(),
        "family_code": answer["code"],
        "birth_date": answer["birth_date"],
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie[1]}",
    }
    _, page = client.send(
        "family status POST", "POST", "/status", urlencode(form), headers
    )
    if page and b'id="now-title"' not in page:
        client.shared.record("family status POST", 0, 0, "right code not recognised")


# --- writes --------------------------------------------------------------------------


def capacity_update(client: Client, rng: random.Random) -> None:
    plan = client.shared.plan
    target = rng.choice(plan["patch_services"])
    path = f"/api/v1/services/{target['service']}/capacity"
    auth = {"Authorization": f"Token {plan['tokens'][str(target['organisation'])]}"}
    response, _ = client.send("capacity GET", "GET", path, headers=auth)
    if response is None or response.status != 200:
        return
    body = rng.choice(
        (
            {"status": "open", "free_places": rng.randint(1, 5), "intake_wait_weeks": 1},  # noqa: E501
            {"status": "waitlist", "free_places": 0, "intake_wait_weeks": rng.randint(2, 12)},  # noqa: E501
            {"status": "closed", "free_places": 0, "treatment_wait_weeks": rng.randint(4, 30)},  # noqa: E501
        )
    )  # fmt: skip
    headers = {
        **auth,
        "Content-Type": "application/json",
        "If-Match": response.getheader("ETag"),
    }
    response, data = client.send(
        "capacity PATCH", "PATCH", path, json.dumps(body), headers, expect=(200, 412)
    )
    if response is not None and response.status == 200:
        with client.shared.lock:
            client.shared.patches.append(json.loads(data))


def _post_event(client: Client, path: str, step: dict, headers: dict):
    response, data = client.send(
        "event POST", "POST", path, json.dumps(step), headers, expect=(200, 201)
    )
    if response is None or response.status not in (200, 201):
        return response and response.status, None
    return response.status, json.loads(data)


def referral_step(client: Client, rng: random.Random, queue: deque) -> bool:
    """Post the next planned step of the next own referral; False when none left."""
    if not queue:
        return False
    plan, index = queue.popleft()
    if index + 1 < len(plan["steps"]):
        queue.append((plan, index + 1))
    shared = client.shared
    run, nonce = shared.plan["run"], f"{rng.getrandbits(32):08x}"
    key = f"load-{run}-{plan['referral']}-{index}-{nonce}"
    path = f"/api/v1/referrals/{plan['reference']}/events"
    headers = {
        "Authorization": f"Token {shared.plan['tokens'][str(plan['provider'])]}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    step, answers = plan["steps"][index], []
    retry = rng.random() < shared.plan["retry_share"]
    at_once = retry and rng.random() < 0.5
    try:
        if at_once:
            answers += _at_once(client, path, step, headers)
        else:
            answers.append(_post_event(client, path, step, headers))
            if retry:
                answers.append(_post_event(client, path, step, headers))
    finally:  # also when the run stops between a request and its retry
        with shared.lock:
            shared.events.append(
                {"reference": plan["reference"], "referral": plan["referral"],
                 "key": key, "type": step["type"], "retried": retry,
                 "at_once": at_once,
                 "answers": [[status, body and body.get("recorded_at")]
                             for status, body in answers]}
            )  # fmt: skip
    return True


def _at_once(client: Client, path: str, step: dict, headers: dict) -> list:
    """The same request from two connections at the same moment."""
    other = Client(client.shared)
    answers: list = [None, None]
    barrier = threading.Barrier(2)

    def run(slot: int, who: Client) -> None:
        try:
            barrier.wait(timeout=5)
            answers[slot] = _post_event(who, path, step, headers)
        except Stop:
            answers[slot] = (None, None)

    second = threading.Thread(target=run, args=(1, other))
    second.start()
    run(0, client)
    second.join()
    other.conn.close()
    return answers


# --- the threads ---------------------------------------------------------------------


def worker(shared: Shared, number: int, plans: list[dict]) -> None:
    rng = random.Random(shared.plan["seed"] * 1000 + number)  # noqa: S311
    client = Client(shared)
    queue = deque((plan, 0) for plan in plans)
    reads = [(search, 40), (service_page, 25), (family_status, 25)]
    reads.append((search_api, 10) if shared.plan["api_paths"] else (search, 10))
    try:
        while True:
            if rng.random() >= shared.plan["write_share"]:
                operation = rng.choices(*zip(*reads, strict=True))[0]
                operation(client, rng)
            elif rng.random() < 0.5 or not referral_step(client, rng, queue):
                capacity_update(client, rng)
    except Stop:
        pass
    finally:
        client.conn.close()


def main(plan_path: str, result_path: str) -> None:
    with open(plan_path) as handle:
        plan = json.load(handle)
    host = urlsplit(plan["base"]).hostname
    if not ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: only loopback addresses")
    shared = Shared(plan)
    threads = [
        threading.Thread(
            target=worker, args=(shared, n, plan["event_plans"][n :: plan["threads"]])
        )
        for n in range(plan["threads"])
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {
        "seconds": round(time.monotonic() - started, 2),
        "requests": shared.requests,
        "errors": shared.errors,
        "patches": shared.patches,
        "events": shared.events,
    }
    with open(result_path, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
