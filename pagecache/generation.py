"""The content generation and the tag clock: what every process agrees the public content is.

Two numbers and a table, in a store every process shares:

- the generation: every cached page and fragment is stored with the generation
  it was rendered in and is only served while it is the same, so one bump
  makes every copy on every app server stale at once (invalidate_public_pages);
- the clock: a counter moved by every targeted change (pages_changed), which
  also writes the clock's new value into each tag it touches. A copy stored
  with the clock it was rendered at ("as of") and the tags it shows is current
  while none of those tags moved past it (pagecache/tags.py).

The stores:

- RedisStore (REDIS_URL set): one Redis hash (generation, clock, tags), every
  change published over pub/sub so each process's GenerationWatcher can vouch
  for its in-memory copies without a round trip per request.
- FileStore (no Redis, as with `make serve`'s embedded default): one small
  file under VAR_DIR holding the generation, read on every request
  (microseconds), shared by every worker on the machine. It keeps no tags: a
  targeted change bumps the generation there, as every change did before.
- FakeStore: in memory, like Redis, for tests; it can be taken down or flushed.

A generation that cannot be read is None, never a default: nothing cached is
served or stored while it is unknown. A store that lost its value (Redis
flushed or restarted, the file deleted) starts again from a fresh random
generation, never from one that copies made before could still carry; the
clock and the tags live in the same hash as the generation, so they are lost
(or evicted) together with it, never alone.
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
from select import POLLIN
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import close_old_connections, connections, transaction
from django.dispatch import Signal
from gevent.monkey import get_original

from .breaker import OUTAGE_ERRORS, REDIS_BREAKER, RedisUnavailable
from .local import LOCAL_FRAGMENTS, LOCAL_PAGES

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:state"
# How long a process waits for Redis to confirm a subscription before it tries again.
SUBSCRIBE_TIMEOUT = 2.0


def fresh_generation():
    """Return a random generation: after a store lost its value, numbering must not repeat one."""
    return secrets.randbelow(2**48) + 1


class State(NamedTuple):
    """What a store holds: the generation, and the clock of targeted changes."""

    generation: int
    clock: int


class TagVersion(NamedTuple):
    """The clock of a tag's last change, and of its last hard one (never to be served stale after)."""

    version: int
    hard: int


UNCHANGED = TagVersion(0, 0)


def tags_message(clock, hard, tags):
    """Return the announcement of a targeted change: b"tags <clock> <0|1> <tag> ..."."""
    return " ".join(["tags", str(clock), "1" if hard else "0", *tags]).encode()


def parse_tags_message(data):
    """Return (clock, hard, tags) from tags_message(), or None for any other announcement."""
    parts = data.decode().split(" ") if isinstance(data, bytes) else str(data).split(" ")
    if len(parts) < 3 or parts[0] != "tags":
        return None
    return int(parts[1]), parts[2] == "1", parts[3:]


class GenerationStore:
    """Where the generation lives. Reads and bumps raise when the store is unreachable.

    `vouches_locally`: reading the store per request is cheap and authoritative, so
    copies a process keeps in memory under the value read may be trusted without
    a subscription. `pubsub()`: a redis-py style PubSub announcing every change, or
    None when the store has no announcements (then reading it per request is the
    only way to know). `keeps_tags`: targeted changes move only their tags; a
    store without tags bumps the generation for them instead.
    """

    vouches_locally = False
    keeps_tags = False
    channel = GENERATION_KEY
    # A CircuitBreaker (breaker.py) when the store can hang: reads skip it while it is open.
    breaker = None

    def get(self):
        """Return the store's State."""
        raise NotImplementedError

    def bump(self):
        """Change the generation (every copy goes stale); return the new one."""
        raise NotImplementedError

    def bump_tags(self, tags, *, hard):
        """Move the clock and write it into each tag; return the new clock."""
        self.bump()
        return 0

    def tag_versions(self, tags):
        """Return {tag: TagVersion} for tags (UNCHANGED for a tag never changed)."""
        return {tag: UNCHANGED for tag in tags}

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


# Atomic in Redis: the clock moves, each tag takes its value (and its hard mark), and the
# change is announced, in that order for every subscriber.
BUMP_TAGS_SCRIPT = """
local clock = redis.call('HINCRBY', KEYS[1], 'clock', 1)
local hard = ARGV[1] == '1'
local fields = {}
for i = 2, #ARGV do
  fields[#fields + 1] = 'v:' .. ARGV[i]
  fields[#fields + 1] = clock
  if hard then
    fields[#fields + 1] = 'h:' .. ARGV[i]
    fields[#fields + 1] = clock
  end
end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
local message = 'tags ' .. clock .. ' ' .. ARGV[1]
for i = 2, #ARGV do message = message .. ' ' .. ARGV[i] end
redis.call('PUBLISH', KEYS[1], message)
return clock
"""


class RedisStore(GenerationStore):
    """The generation, the clock and the tags as one Redis hash (under the cache's KEY_PREFIX)."""

    breaker = REDIS_BREAKER
    keeps_tags = True

    def __init__(self, url, key):
        self.url = url
        self.key = self.channel = key
        self.client = self.connect()
        self.bump_tags_script = self.client.register_script(BUMP_TAGS_SCRIPT)

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
        generation, clock = self.client.hmget(self.key, "generation", "clock")
        if generation is None:  # flushed, restarted or evicted: start again where no copy can be
            self.client.hsetnx(self.key, "generation", fresh_generation())
            generation, clock = self.client.hmget(self.key, "generation", "clock")
        return State(int(generation), int(clock or 0))

    def bump(self):
        return self.attempted("generation bump", self.increment)

    def increment(self):
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hsetnx(self.key, "generation", fresh_generation())
            pipe.hincrby(self.key, "generation", 1)
            pipe.publish(self.channel, b"bump")
            _created, generation, _listeners = pipe.execute()
        return generation

    def bump_tags(self, tags, *, hard):
        tags = list(tags)
        return self.attempted(
            "tag bump",
            lambda: int(self.bump_tags_script(keys=[self.key], args=["1" if hard else "0", *tags])),
        )

    def tag_versions(self, tags):
        tags = list(tags)
        if not tags:
            return {}
        fields = [field for tag in tags for field in (f"v:{tag}", f"h:{tag}")]
        values = self.guarded("tag read", lambda: self.client.hmget(self.key, fields))
        return {
            tag: TagVersion(int(values[2 * index] or 0), int(values[2 * index + 1] or 0))
            for index, tag in enumerate(tags)
        }

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
            return State(self.read(), 0)
        except FileNotFoundError:
            self.write(fresh_generation(), replace=False)
            return State(self.read(), 0)
        except ValueError:  # half a value cannot happen (writes are atomic) but must never pass as one
            self.write(fresh_generation(), replace=True)
            return State(self.read(), 0)

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
    """An in-memory store for tests, with tags and announcements like Redis's and outages on demand."""

    keeps_tags = True

    def __init__(self, *, vouches_locally=False, announces=True, breaker=None, keeps_tags=True):
        self.vouches_locally = vouches_locally
        self.announces = announces
        self.breaker = breaker
        self.keeps_tags = keeps_tags
        self.value = None
        self.clock = 0
        self.tags = {}
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
        return State(self.value, self.clock)

    def bump(self):
        return self.attempted("generation bump", self.increment)

    def increment(self):
        self.check()
        if self.value is None:
            self.value = fresh_generation()
        self.value += 1
        self.announce(b"bump")
        return self.value

    def bump_tags(self, tags, *, hard):
        if not self.keeps_tags:
            return super().bump_tags(tags, hard=hard)
        self.check()
        self.clock += 1
        for tag in tags:
            previous = self.tags.get(tag, UNCHANGED)
            self.tags[tag] = TagVersion(self.clock, self.clock if hard else previous.hard)
        self.announce(tags_message(self.clock, hard, tags))
        return self.clock

    def tag_versions(self, tags):
        self.check()
        return {tag: self.tags.get(tag, UNCHANGED) for tag in tags}

    def announce(self, data):
        for subscription in list(self.subscriptions):
            subscription.deliver({"type": "message", "channel": self.channel, "data": data})

    def flush(self):
        self.value = None
        self.clock = 0
        self.tags = {}

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


def read_state(store=None):
    """Return the store's State, or None when it cannot be read."""
    try:
        return (store or generation_store()).get()
    except RedisUnavailable:  # the breaker is open: logged once when it opened
        return None
    except Exception as error:  # store down: nothing cached may be trusted
        logger.warning("Page generation unavailable; serving uncached: %s", error)
        return None


def read_generation(store=None):
    """Return the store's generation, or None when it cannot be read."""
    state = read_state(store)
    return None if state is None else state.generation


class GenerationWatcher:
    """This process's view of the store, kept current by the store's announcements.

    `current()` returns the State while the subscription is up and None
    otherwise (then callers read the store). A background thread per process
    subscribes, waits for the server's confirmation and only then reads the
    state, so no change can fall in between. A generation bump makes it read
    the store again; a targeted change is applied from its announcement
    (clock and tags, published atomically with the change), so the process
    knows every tag moved since it subscribed (`since`) without asking.
    """

    def __init__(self):
        self.state = None
        self.since = None
        self.versions = {}
        self.pid = None
        self.store = None
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        # Called about once a second from the watcher's thread (scheduled changes falling due).
        self.tick_callbacks = []
        self.last_tick_error = None
        # Whether an announcement waits unread (set per subscription), and one is being applied.
        self.unread = None
        self.applying = False

    def current(self):
        store = generation_store()
        if settings.PAGE_CACHE_LOCAL_ENTRIES <= 0 or store.vouches_locally:
            return None
        if self.pid != os.getpid() or self.store is not store:  # first use in this (forked) process
            self.start(store)
        if store.breaker is not None and store.breaker.is_open:
            # A hung store's subscription may stay silent rather than fail: vouch for nothing.
            return None
        if self.behind():
            return None
        return self.state

    def behind(self):
        """Return True while an announcement is unread or being applied: memory is not current then."""
        unread = self.unread
        return self.applying or (unread is not None and unread())

    def known_versions(self, tags, as_of):
        """Return {tag: TagVersion} from announcements, or None if they cannot tell for a copy this old."""
        if self.state is None or self.since is None or as_of < self.since:
            return None
        versions = self.versions
        return {tag: versions.get(tag, UNCHANGED) for tag in tags}

    def start(self, store):
        with self.lock:
            if self.pid == os.getpid() and self.store is store:
                return
            self.stopped.set()  # a thread watching another store (tests) stops at its next message
            self.stopped = threading.Event()
            self.pid, self.store, self.state, self.since = os.getpid(), store, None, None
            self.unread = None
            threading.Thread(
                target=self.listen, args=(store, self.stopped), name="page-generation", daemon=True
            ).start()

    def reset(self):
        with self.lock:
            self.stopped.set()
            self.pid = self.store = self.state = self.since = self.unread = None
            self.versions = {}

    def listen(self, store, stopped):
        try:
            self.watch(store, stopped)
        finally:
            connections.close_all()  # what its ticks opened, in this thread: nobody else can close it

    def watch(self, store, stopped):
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
                    self.unread = unread_announcements(pubsub)
                    self.subscribed(store, stopped, store.get())
                    while not stopped.is_set():
                        message = pubsub.get_message(timeout=1.0)
                        # Everything already received is applied before anything else runs here.
                        while message is not None:
                            self.applying = True
                            if message["type"] == "message":
                                self.heard(store, stopped, message["data"])
                            message = pubsub.get_message(timeout=0)
                        self.applying = False
                        if not stopped.is_set():
                            self.tick()
            except Exception as error:  # store gone: stop trusting memory, retry
                self.applying = False
                if (
                    store.breaker is not None
                    and isinstance(error, OUTAGE_ERRORS)
                    and not isinstance(error, RedisUnavailable)
                ):
                    store.breaker.failed("subscription", error)
                self.subscribed(store, stopped, None)
                forget_local_copies()
                stopped.wait(1)

    def subscribed(self, store, stopped, state):
        if not stopped.is_set() and self.store is store:
            self.versions = {}
            self.since = state.clock if state is not None else None
            self.state = state

    def heard(self, store, stopped, data):
        if stopped.is_set() or self.store is not store:
            return
        change = parse_tags_message(data)
        if change is None:  # the generation moved: read the store's own value
            self.renewed(store.get())
        else:
            self.apply(*change)

    def renewed(self, state):
        """Take a new generation: the tag versions heard belong to the old one's clock.

        Copies of the old generation are gone anyway, and a store that lost its
        value (Redis flushed) starts its clock again from zero: versions kept
        from before would make every copy of the new generation look stale.
        """
        if self.state is None or state is None or state.generation != self.state.generation:
            self.versions = {}
            self.since = state.clock if state is not None else None
        self.state = state

    def apply(self, clock, hard, tags):
        """Take a targeted change into this process's view (its announcement, or this process's own bump)."""
        for tag in tags:
            previous = self.versions.get(tag, UNCHANGED)
            version = max(previous.version, clock)
            self.versions[tag] = TagVersion(version, max(previous.hard, clock) if hard else previous.hard)
        state = self.state
        if state is not None and clock > state.clock:
            self.state = State(state.generation, clock)

    def tick(self):
        for callback in self.tick_callbacks:
            try:
                callback()
            except Exception as error:
                # Once per kind of failure, not every second while (say) the database is away.
                if repr(error) != self.last_tick_error:
                    self.last_tick_error = repr(error)
                    logger.warning("Page cache watcher task failed: %r", error)
            else:
                self.last_tick_error = None
        close_old_connections()  # as after a request: the ticks' queries are rare


def unread_announcements(pubsub):
    """Return a function telling whether pubsub has received bytes its reader has not read yet.

    Asked of the kernel (a zero-timeout poll of the subscription's socket),
    never by reading: the watcher's thread owns the connection. The poll is
    the original one, not gevent's, so a request asking does not yield.
    """
    if isinstance(pubsub, FakePubSub):
        return lambda: not pubsub.messages.empty()
    sock = getattr(pubsub.connection, "_sock", None)
    if sock is None:
        return None
    fileno = sock.fileno()
    poll = get_original("select", "poll")

    def unread():
        # A poll object of its own each time: one object polled by two threads at once
        # (requests of a threaded worker, the watcher's own ticks) raises RuntimeError.
        poller = poll()
        try:
            poller.register(fileno, POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError):  # closed: the watcher is reconnecting
            return True

    return unread


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
    """What a request works with: the generation, the clock, and whether local copies may be used."""

    generation: int | None
    clock: int
    local: bool


def current_reading(request=None):
    """Return this request's Reading of the store; read once per request, kept on it."""
    if request is not None and hasattr(request, "page_generation"):
        return request.page_generation
    store = generation_store()
    watched = WATCHER.current()
    if watched is not None:
        reading = Reading(watched.generation, watched.clock, True)
    else:
        state = read_state(store)
        local = store.vouches_locally and settings.PAGE_CACHE_LOCAL_ENTRIES > 0
        if state is None:
            reading = Reading(None, 0, False)
        else:
            reading = Reading(state.generation, state.clock, local)
    if request is not None:
        request.page_generation = reading
    return reading


def content_generation(request=None):
    """Return the content generation, or None while it cannot be read.

    It changes only when every cached copy must go (invalidate_public_pages);
    targeted changes move tags instead (see pagecache/tags.py).
    """
    return current_reading(request).generation


def watching(store):
    return WATCHER.pid == os.getpid() and WATCHER.store is store and WATCHER.state is not None


def invalidate_public_pages():
    """Invalidate every cached public page and fragment on every app server, now.

    Return the new generation, or None if the store could not be reached.
    """
    changing.send(sender=None)
    store = generation_store()
    try:
        generation = store.bump()
    except Exception:  # a cache outage must not fail the editor's save
        logger.exception("Could not invalidate the page cache")
        # The app renders uncached while the generation is unreadable; the caches in front must too.
        changed.send(sender=None, tags=None, hard=True)
        return None
    if watching(store):
        # This process knows at once, without waiting for its own announcement. Its
        # listener re-reads the store when the announcement arrives, so a newer bump
        # from elsewhere that this one overtook is corrected then.
        try:
            WATCHER.renewed(store.get())
        except Exception:  # unreadable just after the bump: vouch for nothing until it is back
            WATCHER.renewed(None)
    # After the bump: what a cache in front fetches again is rendered in the new generation.
    changed.send(sender=None, tags=None, hard=True)
    return generation


def invalidate_tags(tags, *, hard=False):
    """Invalidate the cached pages and fragments showing any of tags, on every app server, now.

    hard: what they showed must never be served again, not even while a fresh
    copy renders (an article taken down or corrected). Return the new clock, or
    None if the store could not be reached.
    """
    tags = sorted(set(tags))
    if not tags:
        return None
    changing.send(sender=None)
    store = generation_store()
    try:
        clock = store.bump_tags(tags, hard=hard)
    except Exception:  # a cache outage must not fail the editor's save
        logger.exception("Could not invalidate cached pages tagged %s", " ".join(tags))
        changed.send(sender=None, tags=tags, hard=hard)  # the caches in front still hear of it
        return None
    if store.keeps_tags and watching(store):
        WATCHER.apply(clock, hard, tags)  # at once here; the announcement repeats it harmlessly
    changed.send(sender=None, tags=tags, hard=hard)
    return clock


def public_pages_changed():
    """Invalidate every cached public page, on every app server, after the transaction commits."""
    transaction.on_commit(invalidate_public_pages)


def pages_changed(tags, *, hard=False):
    """Invalidate the cached pages showing tags, on every app server, after the transaction commits."""
    tags = frozenset(tags)
    transaction.on_commit(lambda: invalidate_tags(tags, hard=hard))


# Sent before every invalidation, once the change committed: a read replica's lag is measured
# from here (newsportal/replica_lag.py), so a page rendered after the bump finds the change's
# position.
changing = Signal()
# Sent after every invalidation, with tags (None: everything) and hard: for purging a CDN
# and warming the pages again.
changed = Signal()


def _forget_stores(*, setting, **kwargs):
    if setting in {"REDIS_URL", "PAGE_CACHE_GENERATION_FILE", "CACHES"}:
        _stores.clear()
        WATCHER.reset()


setting_changed.connect(_forget_stores)
