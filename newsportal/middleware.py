"""Project-wide middleware."""

import logging
import re
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.utils.http import parse_http_date_safe

from pagecache.breaker import CircuitBreaker

from .watchdog import HUNG_QUERY_WATCHDOG

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Requests that never touch the database, and must answer while it is down.
NO_DATABASE_PATHS = ("/healthz",)

# After a request found the database unavailable, the process answers 503 (or the page
# cache's stale copy) at once for this long instead of making every reader wait for a
# timeout; then one request tries again.
DATABASE_BREAKER = CircuitBreaker(
    lambda: settings.DB_COOL_DOWN_SECONDS, name="Database", consequence="answering 503"
)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After (not 500) while the database cannot be reached.

    Pages already in the page cache keep being served by the cache middleware,
    which sits outside this one; Django reconnects on its own when the
    database returns (CONN_HEALTH_CHECKS), so no restart is needed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(NO_DATABASE_PATHS):
            return self.get_response(request)
        if not DATABASE_BREAKER.allow():
            return self.unavailable()
        with HUNG_QUERY_WATCHDOG.watching():
            response = self.get_response(request)
        error = getattr(response, "database_error", None)
        if error is not None:  # a middleware below could not ask the database (pagecache/stored.py)
            return self.process_exception(request, error) or self.unavailable()
        if not getattr(response, "database_unavailable", False):
            DATABASE_BREAKER.succeeded()
        return response

    def process_exception(self, request, exception):
        if not is_connection_error(exception):
            return None
        # Every pooled connection busy is load, not an outage, while the database answers the
        # others; during an outage (the breaker open, this request its half-open trial) it is not.
        if DATABASE_BREAKER.is_open or not is_pool_exhausted(exception):
            DATABASE_BREAKER.failed(request.path, exception)
        return self.unavailable()

    @staticmethod
    def unavailable():
        # Rendered without a request: no context processors, which would query the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        # The page cache outside may answer with the copy it still holds instead.
        response.database_unavailable = True
        return response


# 57014 query_canceled: statement_timeout ran out (or an operator cancelled it). A database
# too slow to answer is unavailable to readers.
CANCELLED_SQLSTATES = {"57014"}

CONNECTION_PHRASES = (
    "connection",
    "could not connect",
    "server closed",
    "terminating",
    "unable to open database",
)


def is_pool_exhausted(exception: Exception) -> bool:
    """Tell "every pooled connection stayed busy for DB_POOL_TIMEOUT" apart from a lost database."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # no pool installed: nothing to exhaust
        return False
    return isinstance(exception.__cause__, PoolTimeout)


def is_connection_error(exception: Exception) -> bool:
    """Tell a lost or refused connection apart from a bad query, which stays a 500."""
    if not isinstance(exception, (OperationalError, InterfaceError)):
        return False
    if isinstance(exception, InterfaceError):
        return True
    cause = exception.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or ""
    # SQLSTATE class 08 is "connection exception"; 57P0x is "server shutting down".
    if sqlstate.startswith(("08", "57P")):
        return True
    if sqlstate in CANCELLED_SQLSTATES:
        return True
    message = str(exception).lower()
    return any(phrase in message for phrase in CONNECTION_PHRASES)


class QueryCountHeaderMiddleware:
    """Report the SQL queries a request ran in X-Query-Count (benchmarks only: QUERY_COUNT_HEADER=1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response


ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
HOST_PATTERN = re.compile(r"(?P<name>[a-z0-9.-]+|\[[a-f0-9:.]+\])(?::(?P<port>\d{1,5}))?")


class RequestSanityMiddleware:
    """Turn away what no page of this site answers, before anything reflects or caches it (issue 11).

    - methods other than GET, HEAD, POST and OPTIONS (TRACE would echo the request): 405;
    - a Host that is malformed or has a port outside 1-65535: 400; one spelt in capitals or
      with the root's trailing dot (``LOCALHOST``, ``localhost.``) is spelt canonically first,
      so links, feeds, robots.txt and cache keys only ever see one spelling
      (ALLOWED_HOSTS still decides which names are served);
    - an If-Modified-Since in the future is ignored (RFC 9110, 13.1.3), not answered with 304.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            response = HttpResponseNotAllowed(ALLOWED_METHODS)
            response["Cache-Control"] = "no-store"
            return response
        host = request.META.get("HTTP_HOST")
        if host is not None:
            canonical = canonical_host(host)
            if canonical is None:
                return HttpResponseBadRequest("Bad Request: invalid Host header.", content_type="text/plain")
            request.META["HTTP_HOST"] = canonical
        since = request.META.get("HTTP_IF_MODIFIED_SINCE")
        if since is not None:
            moment = parse_http_date_safe(since)
            if moment is None or moment > time.time():
                del request.META["HTTP_IF_MODIFIED_SINCE"]
        return self.get_response(request)


def canonical_host(value: str) -> str | None:
    """Return the Host header as lower case without a trailing dot, or None if it is malformed."""
    match = HOST_PATTERN.fullmatch(value.strip().lower())
    if match is None:
        return None
    name, port = match["name"], match["port"]
    if not name.startswith("["):
        name = name.removesuffix(".")
    if not name or (port is not None and not 0 < int(port) < 65536):
        return None
    return f"{name}:{port}" if port is not None else name
