"""One circuit breaker per process for every use of Redis: a hung Redis costs one timeout, not one per call.

A Redis that refuses connections fails at once; one that accepts them and
never answers makes every call wait its socket timeout, a dozen per page.
After the first such failure the breaker opens: for REDIS_COOL_DOWN_SECONDS
nothing asks Redis (the cache misses, writes are skipped, the generation is
unknown so pages are rendered uncached). Then one caller is let through to
try (half-open); its success closes the breaker, its failure opens it again.
"""

import logging
import os
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What says "Redis is unreachable", as opposed to a bad command (a ResponseError stays an error).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


# A half-open trial that has not reported back after this long no longer holds the others off.
TRIAL_SECONDS = 30


class RedisUnavailable(RedisConnectionError):
    """Raised instead of asking Redis while the breaker is open."""


class CircuitBreaker:
    """Closed: calls go through. Open: they don't, until the cool-down ends. Then one tries."""

    def __init__(self, cool_down, *, name="Redis", consequence="serving uncached"):
        self.cool_down = cool_down  # seconds, or a callable returning them (read from settings)
        self.name, self.consequence = name, consequence
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.pid = os.getpid()
        self.opened_at = None  # None: closed
        self.trial_started_at = None
        self.failures = 0

    def seconds(self):
        return self.cool_down() if callable(self.cool_down) else self.cool_down

    @property
    def is_open(self):
        return self._state()[0] is not None

    def _state(self):
        if self.pid != os.getpid():  # forked: the parent's outage is not this process's
            with self.lock:
                if self.pid != os.getpid():
                    self.reset()
        return self.opened_at, self.trial_started_at

    def allow(self):
        """Return True if the caller may ask Redis now (closed, or the one half-open trial)."""
        opened_at, trial_started_at = self._state()
        if opened_at is None:
            return True
        now = time.monotonic()
        with self.lock:
            if self.opened_at is None:
                return True
            if now - self.opened_at < self.seconds():
                return False
            # Half-open: one trial at a time; a trial that never reported back (a thread
            # killed mid-call) does not block the next one for long.
            if self.trial_started_at is not None and now - self.trial_started_at < TRIAL_SECONDS:
                return False
            self.trial_started_at = now
            return True

    def succeeded(self):
        if self.opened_at is None:
            return
        with self.lock:
            was_open, self.opened_at, self.trial_started_at = self.opened_at, None, None
            failures, self.failures = self.failures, 0
        if was_open is not None:
            logger.warning("%s answers again after %d failed attempt(s)", self.name, failures)

    def failed(self, operation, error):
        self._state()
        with self.lock:
            opening = self.opened_at is None
            self.opened_at = time.monotonic()
            self.trial_started_at = None
            self.failures += 1
        if opening:  # logged once per outage, not once per call
            logger.warning(
                "%s unavailable during %s; not asking it for %ss, %s: %s",
                self.name,
                operation,
                self.seconds(),
                self.consequence,
                error,
            )

    def call(self, operation, function, *args, **kwargs):
        """Return function(*args, **kwargs), or raise RedisUnavailable while open; record the outcome."""
        if not self.allow():
            raise RedisUnavailable(f"{self.name} circuit open ({operation} skipped)")
        try:
            result = function(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            self.failed(operation, error)
            raise
        except Exception:  # it answered, if only with an error
            self.succeeded()
            raise
        self.succeeded()
        return result


def cool_down_seconds():
    from django.conf import settings

    return getattr(settings, "REDIS_COOL_DOWN_SECONDS", 5)


REDIS_BREAKER = CircuitBreaker(cool_down_seconds)
