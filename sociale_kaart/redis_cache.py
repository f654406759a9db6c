"""Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every
cache operation. Its constructor copies the table of response callbacks (about
170 entries) each time: with redis-py 8 that is about 65 us, more than a GET's
round trip on loopback (about 40 us), and a request makes several cache
operations (versions, counts, the throttle). A ``redis.Redis`` keeps no
connection of its own (it takes one from the pool per command) and may be
shared between threads, so one per pool is enough (issue 18, CPU per request).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class PooledClientCache(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool (kept in self._pools) -> redis.Redis

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientCache
