"""Project-wide middleware."""

import logging

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After (not 500) while the database cannot be reached.

    Pages already in the page cache keep being served by the cache middleware,
    which sits outside this one; Django reconnects on its own when the
    database returns (CONN_HEALTH_CHECKS), so no restart is needed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_connection_error(exception):
            return None
        logger.warning("Database unavailable: %s", exception)
        # Rendered without a request: no context processors, which would query the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


CONNECTION_PHRASES = (
    "connection",
    "could not connect",
    "server closed",
    "terminating",
    "unable to open database",
)


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
