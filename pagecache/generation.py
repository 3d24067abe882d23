"""The content generation: one number every process agrees on, changed by every public change.

Every cached page and fragment is stored with the generation it was rendered
in and is only served while the generation is the same, so one bump makes
every copy on every app server stale at once. The number lives in a store
every process shares:

- RedisStore (REDIS_URL set): one key in Redis, bumps published over pub/sub
  so each process's GenerationWatcher can vouch for its in-memory copies
  without a round trip per request.
- FileStore (no Redis, as with `make serve`'s embedded default): one small
  file under VAR_DIR, read on every request (microseconds: it is one open and
  read of a page-cached file), shared by every worker on the machine.
- FakeStore: in memory, for tests; it can be taken down or flushed.

A generation that cannot be read is None, never a default: nothing cached is
served or stored while it is unknown. A store that lost its value (Redis
flushed or restarted, the file deleted) starts again from a fresh random
number, never from one that copies made before could still carry.
"""

import logging
import os
import queue
import secrets
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction

from .breaker import OUTAGE_ERRORS, REDIS_BREAKER, RedisUnavailable
from .local import LOCAL_FRAGMENTS, LOCAL_PAGES

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# How long a process waits for Redis to confirm a subscription before it tries again.
SUBSCRIBE_TIMEOUT = 2.0


def fresh_generation():
    """Return a random generation: after a store lost its value, numbering must not repeat one."""
    return secrets.randbelow(2**48) + 1


class GenerationStore:
    """Where the generation lives. get() and bump() raise when the store is unreachable.

    `vouches_locally`: reading the store per request is cheap and authoritative, so
    copies a process keeps in memory under the value read may be trusted without
    a subscription. `pubsub()`: a redis-py style PubSub announcing every bump, or
    None when the store has no announcements (then reading it per request is the
    only way to know).
    """

    vouches_locally = False
    channel = GENERATION_KEY
    # A CircuitBreaker (breaker.py) when the store can hang: reads skip it while it is open.
    breaker = None

    def get(self):
        raise NotImplementedError

    def bump(self):
        raise NotImplementedError

    def guarded(self, operation, function):
        """Return function(), unless the breaker is open (then raise at once); record the outcome."""
        if self.breaker is None:
            return function()
        return self.breaker.call(operation, function)

    def attempted(self, operation, function):
        """Return function() even while the breaker is open, recording the outcome.

        For bumps: a skipped bump would leave pages from before an edit matching once
        the store answers again; an editor's save may wait one timeout for it.
        """
        if self.breaker is None:
            return function()
        try:
            result = function()
        except OUTAGE_ERRORS as error:
            self.breaker.failed(operation, error)
            raise
        self.breaker.succeeded()
        return result

    def pubsub(self):
        return None


class RedisStore(GenerationStore):
    """The generation as one Redis key (under the cache's KEY_PREFIX), bumps published on it."""

    breaker = REDIS_BREAKER

    def __init__(self, url, key):
        self.url = url
        self.key = self.channel = key
        self.client = self.connect()

    def connect(self, socket_timeout=None):
        import redis

        # Give up quickly on a dead Redis, as the cache does: readers wait for pages, not timeouts.
        timeout = settings.REDIS_SOCKET_TIMEOUT
        return redis.Redis.from_url(
            self.url,
            socket_connect_timeout=timeout,
            socket_timeout=socket_timeout or timeout,
            health_check_interval=1,
        )

    def get(self):
        return self.guarded("generation read", self.read)

    def read(self):
        value = self.client.get(self.key)
        if value is None:  # flushed or restarted: start again somewhere no copy can be
            self.client.set(self.key, fresh_generation(), nx=True)
            value = self.client.get(self.key)
        return int(value)

    def bump(self):
        return self.attempted("generation bump", self.increment)

    def increment(self):
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self.key, fresh_generation(), nx=True)
            pipe.incr(self.key)
            pipe.publish(self.channel, b"bump")
            _created, generation, _listeners = pipe.execute()
        return generation

    def pubsub(self):
        # Its own connection: a subscribed connection can do nothing else. It is read by the
        # watcher's thread, never by a request, so it may wait longer.
        return self.connect(socket_timeout=SUBSCRIBE_TIMEOUT).pubsub()


class FileStore(GenerationStore):
    """The generation in a file every process on this machine reads: the store without Redis."""

    vouches_locally = True

    def __init__(self, path):
        self.path = Path(path)

    def get(self):
        try:
            return self.read()
        except FileNotFoundError:
            self.write(fresh_generation(), replace=False)
            return self.read()
        except ValueError:  # half a value cannot happen (writes are atomic) but must never pass as one
            self.write(fresh_generation(), replace=True)
            return self.read()

    def read(self):
        # Plain os calls: ~5 µs per request on the dev machine, against ~23 µs for Path.read_bytes().
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            return int(os.read(descriptor, 64))
        finally:
            os.close(descriptor)

    def bump(self):
        generation = fresh_generation()
        self.write(generation, replace=True)
        return generation

    def write(self, generation, *, replace):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a temporary file, then renamed (or linked) into place: a reader
        # sees the old value or the new one, never part of one.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".generation-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(str(generation).encode())
            if replace:
                os.replace(temporary, self.path)
            else:
                try:
                    os.link(temporary, self.path)  # fails if another process made it first
                except FileExistsError:
                    pass
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


class FakeStore(GenerationStore):
    """An in-memory store for tests, with announcements like Redis's and outages on demand."""

    def __init__(self, *, vouches_locally=False, announces=True, breaker=None):
        self.vouches_locally = vouches_locally
        self.announces = announces
        self.breaker = breaker
        self.value = None
        self.is_down = False
        self.subscriptions = []
        self.reads = 0

    def check(self):
        if self.is_down:
            raise ConnectionError("fake store down")

    def get(self):
        return self.guarded("generation read", self.read)

    def read(self):
        self.check()
        self.reads += 1
        if self.value is None:
            self.value = fresh_generation()
        return self.value

    def bump(self):
        return self.attempted("generation bump", self.increment)

    def increment(self):
        self.check()
        if self.value is None:
            self.value = fresh_generation()
        self.value += 1
        for subscription in list(self.subscriptions):
            subscription.deliver({"type": "message", "channel": self.channel, "data": b"bump"})
        return self.value

    def flush(self):
        self.value = None

    def pubsub(self):
        return FakePubSub(self) if self.announces else None


class FakePubSub:
    """Like redis-py's PubSub: a subscription only hears bumps once its confirmation was read."""

    def __init__(self, store):
        self.store = store
        self.messages = queue.Queue()
        self.pending = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def subscribe(self, channel):
        self.store.check()
        self.pending.append({"type": "subscribe", "channel": channel, "data": 1})

    def deliver(self, message):
        self.messages.put(message)

    def get_message(self, timeout=0.0):
        self.store.check()
        if self.pending:
            # The server's confirmation: from now on this subscription receives publications.
            self.store.subscriptions.append(self)
            return self.pending.pop(0)
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        if self in self.store.subscriptions:
            self.store.subscriptions.remove(self)


_stores = {}
_override = None


def generation_store():
    """Return the store for the current settings: Redis with REDIS_URL, else the shared file."""
    if _override is not None:
        return _override
    if settings.REDIS_URL:
        config = ("redis", settings.REDIS_URL, cache.make_key(GENERATION_KEY))
    else:
        config = ("file", str(settings.PAGE_CACHE_GENERATION_FILE))
    if config not in _stores:
        _stores[config] = RedisStore(*config[1:]) if config[0] == "redis" else FileStore(config[1])
    return _stores[config]


@contextmanager
def using_store(store):
    """Run the block with store as every process's generation store (tests)."""
    global _override
    previous, _override = _override, store
    WATCHER.reset()
    try:
        yield store
    finally:
        _override = previous
        WATCHER.reset()


def read_generation(store=None):
    """Return the store's generation, or None when it cannot be read."""
    try:
        return (store or generation_store()).get()
    except RedisUnavailable:  # the breaker is open: logged once when it opened
        return None
    except Exception as error:  # store down: nothing cached may be trusted
        logger.warning("Page generation unavailable; serving uncached: %s", error)
        return None


class GenerationWatcher:
    """This process's view of the generation, kept current by the store's announcements.

    `current()` returns the generation while the subscription is up and None
    otherwise (then callers read the store). A background thread per process
    subscribes, waits for the server's confirmation and only then reads the
    generation, so no bump can fall in between; every announcement makes it
    read the generation again, so the value is the store's own, never one
    pieced together from messages.
    """

    def __init__(self):
        self.generation = None
        self.pid = None
        self.store = None
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def current(self):
        store = generation_store()
        if settings.PAGE_CACHE_LOCAL_ENTRIES <= 0 or store.vouches_locally:
            return None
        if self.pid != os.getpid() or self.store is not store:  # first use in this (forked) process
            self.start(store)
        if store.breaker is not None and store.breaker.is_open:
            # A hung store's subscription may stay silent rather than fail: vouch for nothing.
            return None
        return self.generation

    def start(self, store):
        with self.lock:
            if self.pid == os.getpid() and self.store is store:
                return
            self.stopped.set()  # a thread watching another store (tests) stops at its next message
            self.stopped = threading.Event()
            self.pid, self.store, self.generation = os.getpid(), store, None
            threading.Thread(
                target=self.listen, args=(store, self.stopped), name="page-generation", daemon=True
            ).start()

    def reset(self):
        with self.lock:
            self.stopped.set()
            self.pid = self.store = self.generation = None

    def listen(self, store, stopped):
        while not stopped.is_set():
            if store.breaker is not None and store.breaker.is_open:
                # Requests make the half-open trial (reading the generation); subscribe once it passed.
                stopped.wait(0.2)
                continue
            try:
                pubsub = store.pubsub()
                if pubsub is None:
                    return
                with pubsub:
                    subscribe_confirmed(pubsub, store.channel)
                    self.vouch(store, stopped, store.get())
                    while not stopped.is_set():
                        message = pubsub.get_message(timeout=1.0)
                        if message is not None and message["type"] == "message":
                            self.vouch(store, stopped, store.get())
            except Exception as error:  # store gone: stop trusting memory, retry
                if (
                    store.breaker is not None
                    and isinstance(error, OUTAGE_ERRORS)
                    and not isinstance(error, RedisUnavailable)
                ):
                    store.breaker.failed("subscription", error)
                self.vouch(store, stopped, None)
                forget_local_copies()
                stopped.wait(1)

    def vouch(self, store, stopped, generation):
        if not stopped.is_set() and self.store is store:
            self.generation = generation


def subscribe_confirmed(pubsub, channel, timeout=SUBSCRIBE_TIMEOUT):
    """Subscribe and return once the server confirmed: only then are announcements delivered.

    redis-py's subscribe() only sends the command. Reading the generation before
    the confirmation arrives leaves a window in which a bump is neither seen by
    that read nor announced to this subscription: the process would vouch for a
    stale generation until the next bump.
    """
    pubsub.subscribe(channel)
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        message = pubsub.get_message(timeout=remaining)
        if message is not None and message["type"] == "subscribe":
            return
    raise TimeoutError(f"no confirmation of the subscription to {channel!r}")


def forget_local_copies():
    LOCAL_PAGES.clear()
    LOCAL_FRAGMENTS.clear()


WATCHER = GenerationWatcher()


class Reading(NamedTuple):
    """The generation a request works with, and whether this process's own copies may be used."""

    generation: int | None
    local: bool


def current_reading(request=None):
    """Return this request's Reading of the generation; read once per request, kept on it."""
    if request is not None and hasattr(request, "page_generation"):
        return request.page_generation
    store = generation_store()
    watched = WATCHER.current()
    if watched is not None:
        reading = Reading(watched, True)
    else:
        generation = read_generation(store)
        local = store.vouches_locally and settings.PAGE_CACHE_LOCAL_ENTRIES > 0
        reading = Reading(generation, local and generation is not None)
    if request is not None:
        request.page_generation = reading
    return reading


def content_generation(request=None):
    """Return the content generation, or None while it cannot be read.

    It changes whenever readers could see a change. The page cache reads it once
    per request and leaves it on the request.
    """
    return current_reading(request).generation


def invalidate_public_pages():
    """Invalidate every cached public page and fragment on every app server, now.

    Return the new generation, or None if the store could not be reached.
    """
    # First: a page rendered under the new generation must find this change's WAL position,
    # so it is read from the primary until the read replica has replayed it. (Imported here:
    # replica_lag uses pagecache.breaker.)
    from newsportal.replica_lag import note_primary_change

    note_primary_change()
    store = generation_store()
    try:
        generation = store.bump()
    except Exception:  # a cache outage must not fail the editor's save
        logger.exception("Could not invalidate the page cache")
        return None
    if WATCHER.pid == os.getpid() and WATCHER.store is store and WATCHER.generation is not None:
        # This process knows at once, without waiting for its own announcement. Its
        # listener re-reads the store when the announcement arrives, so a newer bump
        # from elsewhere that this one overtook is corrected then.
        WATCHER.generation = generation
    return generation


def public_pages_changed():
    """Invalidate every cached public page, on every app server, after the transaction commits."""
    transaction.on_commit(invalidate_public_pages)


def _forget_stores(*, setting, **kwargs):
    if setting in {"REDIS_URL", "PAGE_CACHE_GENERATION_FILE", "CACHES"}:
        _stores.clear()
        WATCHER.reset()


setting_changed.connect(_forget_stores)
