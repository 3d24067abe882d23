"""The health check the per-worker connection pool runs on each connection it hands out.

psycopg_pool's own check waits as long as the server does; a server that hangs
(stopped, its network gone) would hold the request for ever before any query
of Django's, out of reach of the request's watchdog. This one is watched too.
"""

import time
from select import POLLIN

import psycopg
from gevent.monkey import get_original

# Not gevent's: that one would switch greenlets for a zero wait.
original_poll = get_original("select", "poll")


def check_pooled_connection(conn):
    """Check conn answers (as ConnectionPool.check_connection does), giving up after DB_HUNG_SECONDS.

    A failed check is the first sign of a lost database when every connection comes from
    the pool: it opens the database breaker, so other readers get the 503 page at once.
    """
    # Settings import this module: Django's database layer is imported only when a check runs.
    from .middleware import DATABASE_BREAKER

    try:
        check_connection_answers(conn)
    except Exception as error:
        DATABASE_BREAKER.failed("a pooled connection's check", error)
        raise


def check_connection_answers(conn):
    """Check conn answers, under the watchdog (the replica's pool check: opens no breaker).

    A connection that answered a check less than ANSWERED_RECENTLY_SECONDS ago, with
    nothing unread on its socket (a server that shut down has said so there), is handed
    out without the round trip: on a busy site the check cost a tenth of an archive page
    served from the database, and the request's own queries are watched as closely.
    """
    from .watchdog import HUNG_QUERY_WATCHDOG

    if answered_recently(conn):
        return
    with HUNG_QUERY_WATCHDOG.watching_connection(conn):
        if conn.autocommit:
            conn.execute("")
        else:
            conn.autocommit = True
            try:
                conn.execute("")
            finally:
                conn.autocommit = False
    conn.newsportal_answered_at = time.monotonic()


ANSWERED_RECENTLY_SECONDS = 1.0


def answered_recently(conn):
    answered_at = getattr(conn, "newsportal_answered_at", None)
    if answered_at is None or time.monotonic() - answered_at >= ANSWERED_RECENTLY_SECONDS:
        return False
    try:
        waiting = original_poll()
        waiting.register(conn.pgconn.socket, POLLIN)
        return not waiting.poll(0)
    except (OSError, ValueError, psycopg.Error):  # closed: the full check says so
        return False
