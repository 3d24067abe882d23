import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.utils.http import escape_leading_slashes

from .paths import ID_PARAMETERS, normalize_path
from .services import redirect_target

logger = logging.getLogger(__name__)

# Long enough to spare the server, short enough for a later import run to change the answer.
CACHE_CONTROL = "public, max-age=3600"


def requested_address(request):
    """Return the request's path and query, never read as "//host/...": "//judul/" is the path /judul/."""
    return "/" + request.get_full_path().lstrip("/")


class OldAddressMiddleware:
    """Answer an imported site's old addresses with a 301 straight to what they became here.

    Only where the portal has nothing: after a view's 404, or before the home
    page for WordPress's "/?p=123", which the home page would answer with 200.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.path == "/" and request.GET:
            if normalize_path(requested_address(request)) != "/":
                return self.answer(request) or self.without_ids(request)
            if request.GET.get("feed"):  # WordPress's plain feed address, "/?feed=rss2"
                return self.answer(request) or self.get_response(request)
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        return self.answer(request) or response

    @staticmethod
    def answer(request):
        """Return the 301 to where request's path leads, or None if it leads nowhere."""
        try:
            url = redirect_target(requested_address(request))
        except (OperationalError, InterfaceError) as error:
            # The database's guard above answers for it (DatabaseUnavailableMiddleware: 503).
            logger.warning("Old addresses unavailable", exc_info=True)
            response = HttpResponse(status=503)
            response.database_error = error
            return response
        except DatabaseError:  # the table missing (not migrated yet), say: the 404 stands
            logger.warning("Old addresses unavailable", exc_info=True)
            return None
        if url is None:
            return None
        response = HttpResponsePermanentRedirect(url)
        response["Cache-Control"] = CACHE_CONTROL
        return response

    @staticmethod
    def without_ids(request):
        """Return a 301 to the home page without an id no imported item has ("/?p=999").

        What the page cache answers for a parameter the home page does not read,
        so the home page is never kept once per made-up id.
        """
        query = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            if name.strip().lower() not in ID_PARAMETERS:  # as normalize_path reads them: no loop
                query.setlist(name, values)
        query = query.urlencode()
        response = HttpResponsePermanentRedirect(
            escape_leading_slashes(request.path) + (f"?{query}" if query else "")
        )
        response["Cache-Control"] = CACHE_CONTROL
        return response
