"""A Redis cache that degrades to "miss" when Redis is unreachable, instead of failing the request.

The cache only ever holds copies (rendered pages, the most-read list, the page
generation), so losing Redis must cost speed, never pages.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from .breaker import REDIS_BREAKER, RedisUnavailable

logger = logging.getLogger(__name__)


def warn(operation, error):
    logger.warning("Redis unavailable during %s; continuing without the cache: %s", operation, error)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool instead of building one per call.

    redis.Redis is thread-safe over its pool; building it fills a table of ~170
    response callbacks, which on a cached page was a visible share of the request.
    """

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if pool not in clients:
            clients[pool] = self._client(connection_pool=pool)
        return clients[pool]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache where reads miss and writes are skipped while Redis is down or hung.

    Every call goes through the process's circuit breaker (breaker.py): after one
    timeout, calls skip Redis at once instead of each waiting for its own.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def guarded(self, operation, fallback, function, *args):
        try:
            return REDIS_BREAKER.call(operation, function, *args)
        except RedisUnavailable:
            return fallback
        except RedisError as error:
            warn(operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self.guarded("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self.guarded("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self.guarded("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.guarded("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded("set_many", list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded("add", False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded("touch", False, super().touch, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        # Django raises ValueError for a missing key; without Redis every key is missing.
        result = self.guarded("incr", _MISSING, super().incr, key, delta, version)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (Redis unavailable)")
        return result

    def delete(self, key, version=None):
        return self.guarded("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self.guarded("delete_many", None, super().delete_many, keys, version)


_MISSING = object()
