"""Whether the read replica has replayed the newest content change: until it has, pages read the primary.

A page rendered from a replica that has not yet replayed a change would be
cached under the new content generation as if it showed that change. So:

- after a content change commits, note_primary_change() records where the
  primary's WAL stands (the highest position yet) in Redis, before the page
  cache is invalidated: any request that reads the new generation finds it;
- a public request reads from the replica only once the replica has replayed
  that position. Each process remembers the furthest position it saw the
  replica replay, so once caught up a request costs one Redis GET and no query
  until the next change; while behind, the replica is asked (one cheap query)
  and the request reads the primary.

Anything unknown (Redis down, the replica unreachable or not a standby) sends
the request to the primary, which is always right.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from pagecache.breaker import OUTAGE_ERRORS, REDIS_BREAKER
from pagecache.generation import changing

logger = logging.getLogger(__name__)

REPLICA = "replica"
CHANGE_POSITION_KEY = "replica:change-position"

# Keep the highest position: two changes may record theirs out of order. Positions are
# integers (bytes of WAL); Lua's numbers are exact below 2**53, 8 PiB of WAL.
RECORD_HIGHEST = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


def lsn_position(lsn):
    """'16/B374D848' (PostgreSQL's pg_lsn) -> its byte position, an integer that compares as the LSN does."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class ReplayKnowledge:
    """What this process knows of the replica: how far it replayed, and whether it answers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.replayed = 0
        self.unreachable_until = 0.0

    def saw_replayed(self, position):
        with self.lock:
            self.replayed = max(self.replayed, position)

    def unreachable(self):
        # Like the database breaker: one request pays for a lost replica, the next ones
        # go to the primary at once for DB_COOL_DOWN_SECONDS.
        self.unreachable_until = time.monotonic() + settings.DB_COOL_DOWN_SECONDS

    def reachable(self):
        return time.monotonic() >= self.unreachable_until


REPLICA_STATE = ReplayKnowledge()
_client = None


def redis_client():
    """The process's Redis client for the change position (the cache's timeouts; its own connection)."""
    global _client
    if _client is None or _client.url != settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            health_check_interval=1,
        )
        client.url = settings.REDIS_URL
        _client = client
    return _client


def position_key():
    return cache.make_key(CHANGE_POSITION_KEY)


def replica_configured():
    return REPLICA in settings.DATABASES and bool(settings.REDIS_URL)


def note_primary_change():
    """Record where the primary's WAL stands, now that a content change committed.

    Called before the page cache is invalidated (pagecache.generation's changing
    signal), so a page rendered after the invalidation always sees this position. A failure is
    logged, never raised: the editor's save has committed.
    """
    if not replica_configured():
        return
    try:
        with connections["default"].cursor() as cursor:
            # The write position, not the insert position: it ends at the commit record, which
            # the replica's replay position reaches exactly, even when nothing follows it.
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            position = lsn_position(cursor.fetchone()[0])
        client = redis_client()
        try:
            client.eval(RECORD_HIGHEST, 1, position_key(), position)
        except OUTAGE_ERRORS as error:
            REDIS_BREAKER.failed("replica change record", error)
            raise
    except Exception:
        logger.exception("Could not record the change for the read replica; pages may read it stale")


def latest_change():
    """Return the newest recorded change position (0 if none); raise when Redis cannot say."""
    value = REDIS_BREAKER.call("replica change read", redis_client().get, position_key())
    return int(value or 0)


def replay_position(connection):
    """Ask the replica how far it replayed; None when it is not a standby."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        (lsn,) = cursor.fetchone()
    return None if lsn is None else lsn_position(lsn)


def replica_is_current():
    """Return whether this request may read the replica: it replayed every recorded change, and answers."""
    if not REPLICA_STATE.reachable():
        return False
    try:
        latest = latest_change()
    except Exception as error:  # Redis cannot say which changes exist: the primary knows them all
        logger.debug("Change position unavailable, reading the primary: %s", error)
        return False
    connection = connections[REPLICA]
    try:
        if latest <= REPLICA_STATE.replayed:
            # Caught up as far as anyone knows: no question to ask; make sure it answers, as the
            # first read would (a pooled connection is checked once per request either way).
            connection.ensure_connection()
            return True
        replayed = replay_position(connection)
    except Exception as error:
        REPLICA_STATE.unreachable()
        logger.warning("Read replica unavailable; reading the primary: %s", error)
        return False
    if replayed is None:  # not in recovery: not a copy this process can reason about
        return False
    REPLICA_STATE.saw_replayed(replayed)
    return replayed >= latest


changing.connect(lambda **kwargs: note_primary_change(), weak=False, dispatch_uid="replica_lag_note_change")
