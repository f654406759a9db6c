"""The Redis cache backend (sociale_kaart.redis_cache): Django's, with one
redis.Redis per connection pool instead of one per cache operation."""

import socket
import threading
import uuid

import pytest

from sociale_kaart.redis_cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/15"


def _backend(location=REDIS_URL, **options):
    return RedisCache(
        location, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "OPTIONS": options}
    )


@pytest.fixture
def backend():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    cache = _backend()
    yield cache
    cache.clear()


def _counting_constructor(cache) -> list:
    """Count the redis.Redis objects the backend makes from now on."""
    made = []
    original = cache._cache._client

    def construct(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    cache._cache._client = construct
    return made


def test_every_operation_works_through_one_client(backend):
    made = _counting_constructor(backend)
    backend.set("a", {"n": 1}, 60)
    assert backend.add("a", "other", 60) is False
    assert backend.get("a") == {"n": 1}
    backend.set_many({"b": 2, "c": 3}, 60)
    assert backend.get_many(["a", "b", "c", "missing"]) == {
        "a": {"n": 1},
        "b": 2,
        "c": 3,
    }
    assert backend.incr("b") == 3
    assert backend.get_or_set("d", lambda: "computed", 60) == "computed"
    backend.delete_many(["a", "b"])
    assert backend.get("a") is None
    assert backend.has_key("c")
    assert len(made) == 1
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


def test_threads_share_the_client_and_each_sees_the_others_writes(backend):
    client = backend._cache.get_client()
    seen = []

    def run(number):
        backend.set(f"t{number}", number, 60)
        seen.append(backend._cache.get_client() is client)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [True] * 4
    assert backend.get_many([f"t{n}" for n in range(4)]) == {
        f"t{n}": n for n in range(4)
    }


def test_without_redis_each_operation_raises_and_stores_nothing():
    redis = pytest.importorskip("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = _backend(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    for _ in range(2):  # the kept client does not hide the next failure
        with pytest.raises(redis.exceptions.ConnectionError):
            cache.set("a", 1, 60)
        with pytest.raises(redis.exceptions.ConnectionError):
            cache.get("a")
    assert len(cache._cache._clients) == 1
