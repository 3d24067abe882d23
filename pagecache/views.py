"""The chrome parts at their own addresses, for a CDN assembling pages with ESI (pagecache/chrome.py)."""

import re

from django.http import Http404, HttpResponse

from .chrome import render_part
from .expiry import FRAGMENT_SECONDS
from .keys import query_parameters

ARGUMENT = re.compile(r"[\w.:-]*")


@query_parameters()
def chrome_part(request, name, argument=""):
    if not ARGUMENT.fullmatch(argument):
        raise Http404("No such chrome part.")
    html = render_part(request, name, argument)
    if html is None:
        raise Http404("No such chrome part.")
    response = HttpResponse(html)
    # Cached like a page, tagged with what it shows; Terpopuler moves with reads, so briefly.
    response.page_cache_seconds = FRAGMENT_SECONDS
    response["X-Robots-Tag"] = "noindex"
    return response
