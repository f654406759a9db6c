"""The cache the benchmark's processes share: Redis, as in production, when
one answers on 127.0.0.1:6379, else the database cache (a deployment without
REDIS_URL).

Redis gets a database number of the benchmark's own (``--redis-db``), emptied
at the start of a run so no counts cached by an earlier run are read. The
choice goes into this process's environment (``REDIS_URL``), which the gunicorn
servers inherit (``load.server_environment``), and into the run's record.
"""

import os

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
DEFAULT_REDIS_DB = 9
MODES = ("auto", "redis", "database")


def choose(mode: str, redis_db: int) -> dict:
    """Set ``REDIS_URL`` (or remove it) for ``mode``: "auto" takes Redis when
    it answers, "redis" requires it, "database" forces the database cache.
    Returns what the record keeps."""
    os.environ.pop("REDIS_URL", None)
    if mode != "database":
        url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}"
        if _flushed(url):
            os.environ["REDIS_URL"] = url
            return {"backend": "redis", "url": url, "flushed_at_start": True}
        if mode == "redis":
            raise SystemExit(f"--cache redis: no Redis answers at {url}")
    return {"backend": "database"}


def _flushed(url: str) -> bool:
    """Empty the benchmark's Redis database; False when no Redis answers."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError:
        return False
    finally:
        client.close()
    return True


def database_cache_settings() -> dict:
    """The production settings' cache without REDIS_URL (the in-process part
    runs with TESTING, whose cache would otherwise be process memory)."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sociale_kaart_cache",
        }
    }


def in_use() -> str:
    """The backend class of this process's default cache."""
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
