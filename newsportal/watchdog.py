"""A watchdog for database waits a hung server would never end (statement_timeout is the server's own)."""

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class HungQueryWatchdog:
    """Cut the database connection of a request that waited DB_HUNG_SECONDS for one answer.

    statement_timeout is enforced by the server, so a server that hangs (stopped,
    swapping, its network gone) never enforces it, and psycopg waits for ever. One
    thread per process looks at the requests in flight; a connection busy with the
    same statement for too long has its socket shut down, which psycopg reports
    as a lost connection: a 503, and Django connects afresh on the next request.
    """

    INTERVAL = 0.2

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = None
        self.watched = {}  # id -> [wrappers of the request's thread, {alias: (statements, since)}]
        self.statements = {}  # id(wrapper) -> statements started, so a new one restarts the clock

    def ensure_started(self):
        if self.pid != os.getpid():  # first request in this (forked) process
            with self.lock:
                if self.pid != os.getpid():
                    self.pid, self.watched, self.statements = os.getpid(), {}, {}
                    threading.Thread(target=self.run, name="hung-query-watchdog", daemon=True).start()

    def watching(self):
        return _Watching(self)

    @contextmanager
    def watching_connection(self, raw):
        """Watch one psycopg connection outside any request's wrappers (a pool's health check)."""
        if settings.DB_HUNG_SECONDS <= 0:
            yield
            return
        self.ensure_started()
        watched = SimpleNamespace(connection=raw, alias="pool-check")
        with self.lock:
            self.watched[id(watched)] = ([watched], {})
        try:
            yield
        finally:
            with self.lock:
                self.watched.pop(id(watched), None)

    def count(self, execute, sql, params, many, context):
        key = id(context["connection"])
        self.statements[key] = self.statements.get(key, 0) + 1
        return execute(sql, params, many, context)

    def run(self):
        while True:
            time.sleep(self.INTERVAL)
            with self.lock:
                for wrappers, seen in list(self.watched.values()):
                    for wrapper in wrappers:
                        self.inspect(wrapper, seen)

    def inspect(self, wrapper, seen):
        raw = wrapper.connection
        pgconn = getattr(raw, "pgconn", None)
        if pgconn is None or raw.closed:
            seen.pop(wrapper.alias, None)
            return
        from psycopg.pq import TransactionStatus

        if pgconn.transaction_status != TransactionStatus.ACTIVE:  # not waiting for the server
            seen.pop(wrapper.alias, None)
            return
        statements = self.statements.get(id(wrapper), 0)
        previous = seen.get(wrapper.alias)
        now = time.monotonic()
        if previous is None or previous[0] != statements:
            seen[wrapper.alias] = (statements, now)
        elif now - previous[1] > settings.DB_HUNG_SECONDS:
            logger.warning(
                "Database gave no answer for %ss; cutting the connection", settings.DB_HUNG_SECONDS
            )
            seen.pop(wrapper.alias, None)
            try:
                # A duplicate of psycopg's socket: shutting it down wakes psycopg's wait with EOF.
                sock = socket.socket(fileno=os.dup(pgconn.socket))
            except Exception:  # closed meanwhile: nothing left to cut
                return
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                sock.close()


class _Watching:
    def __init__(self, watchdog):
        self.watchdog = watchdog

    def __enter__(self):
        if settings.DB_HUNG_SECONDS <= 0:
            self.wrappers = []
            return self
        self.watchdog.ensure_started()
        self.wrappers = [connections[alias] for alias in connections if _is_postgresql(alias)]
        self.stack = [wrapper.execute_wrapper(self.watchdog.count) for wrapper in self.wrappers]
        for wrapper_context in self.stack:
            wrapper_context.__enter__()
        with self.watchdog.lock:
            self.watchdog.watched[id(self)] = (self.wrappers, {})
        return self

    def __exit__(self, *exc):
        if not self.wrappers:
            return
        with self.watchdog.lock:  # after this, the watchdog no longer touches these connections
            self.watchdog.watched.pop(id(self), None)
        for wrapper_context in reversed(self.stack):
            wrapper_context.__exit__(*exc)


def _is_postgresql(alias):
    return connections.settings[alias]["ENGINE"] == "django.db.backends.postgresql"


HUNG_QUERY_WATCHDOG = HungQueryWatchdog()
