"""The health check the per-worker connection pool runs on each connection it hands out.

psycopg_pool's own check waits as long as the server does; a server that hangs
(stopped, its network gone) would hold the request for ever before any query
of Django's, out of reach of the request's watchdog. This one is watched too.
"""


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
    """Check conn answers, under the watchdog (the replica's pool check: opens no breaker)."""
    from .watchdog import HUNG_QUERY_WATCHDOG

    with HUNG_QUERY_WATCHDOG.watching_connection(conn):
        if conn.autocommit:
            conn.execute("")
        else:
            conn.autocommit = True
            try:
                conn.execute("")
            finally:
                conn.autocommit = False
