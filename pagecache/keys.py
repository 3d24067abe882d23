"""What a cached page is kept under, and bringing a request to that form before the cache is asked.

A page's copy is shared by every reader, so nothing one reader sends may choose
it unless it is in the key: the method, the scheme Django decided, the host,
whether gzip is accepted (parsed by token and quality, then handed to
GZipMiddleware in that form), the path, and only the query parameters the view
reads. Each view declares those with @query_parameters; tracking parameters are
dropped, anything else is answered with a 301 to the address without it.
"""

import functools
from importlib import import_module

from django.conf import settings
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation

# Added by newsletters, ads and social networks; no page reads them.
TRACKING_PARAMETERS = frozenset(
    {
        "_ga",
        "_gl",
        "dclid",
        "fbclid",
        "gbraid",
        "gclid",
        "gclsrc",
        "igshid",
        "mc_cid",
        "mc_eid",
        "msclkid",
        "ref_src",
        "ttclid",
        "twclid",
        "wbraid",
        "yclid",
    }
)
TRACKING_PREFIXES = ("utm_",)


def query_parameters(*names):
    """Declare the query parameters a cached view reads; the page cache keeps no others.

    A class (a class-based view, a Feed) gets the attribute; a function is
    wrapped, so that declaring it for a view from elsewhere (Django's sitemap
    view) leaves the original alone.
    """

    def declare(view):
        if not isinstance(view, type):
            original = view

            @functools.wraps(original)
            def view(*args, **kwargs):
                return original(*args, **kwargs)

        view.page_cache_query_parameters = frozenset(names)
        return view

    return declare


def resolved_view(request):
    """Return the view (its class, for a class-based one) at the request's path, or None if none is there."""
    # Before LocaleMiddleware: resolve /en/... in the language its prefix names (i18n_patterns).
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return getattr(match.func, "view_class", match.func)


def view_query_parameters(request):
    """Return the query parameters the view at the request's path reads, or None if no view is there."""
    view = resolved_view(request)
    if view is None:
        return None
    declared = getattr(view, "page_cache_query_parameters", frozenset())
    return declared | frozenset(getattr(settings, "PAGE_CACHE_KEY_PARAMETERS", ()))


def is_tracking(name):
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def split_query(query_string, allowed):
    """Return (the query string with only allowed parameters, whether another non-tracking one was there)."""
    kept = QueryDict(mutable=True)
    unknown = False
    for name, values in QueryDict(query_string).lists():
        if name in allowed:
            kept.setlist(name, values)
        elif not is_tracking(name):
            unknown = True
    return kept.urlencode(), unknown


def set_query(request, query_string):
    """Make the view see only query_string (its links and pagination then carry nothing else)."""
    request.META["QUERY_STRING"] = query_string
    request.GET = QueryDict(query_string)


def canonical_query(request):
    """Return the query string of the key: parameters sorted by name, each one's values in order."""
    query = QueryDict(request.META.get("QUERY_STRING", ""))
    canonical = QueryDict(mutable=True)
    for name in sorted(query):
        canonical.setlist(name, query.getlist(name))
    return canonical.urlencode()


def accepts_gzip(header):
    """Return True if an Accept-Encoding value accepts gzip: named (or *) with a quality above 0."""
    named = star = None
    for item in header.split(","):
        coding, *parameters = item.split(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0  # unreadable: not a clear yes
        if coding in ("gzip", "x-gzip"):
            named = quality if named is None else max(named, quality)
        elif coding == "*":
            star = quality
    quality = named if named is not None else star
    return quality is not None and quality > 0


def has_session(request):
    """Return True if the request carries a session cookie the session engine would look up.

    The engine validates the key first (newsportal.sessions: signed keys), so a
    made-up cookie costs neither a database query nor an uncached page.
    """
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if key is None:
        return False
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).session_key is not None


def forget_reader_cookies(request):
    """Drop cookies an anonymous page never uses, so what it sends back can be cached for everyone.

    A bad CSRF cookie or a session cookie that names no session would
    otherwise make the page answer with a Set-Cookie (a new token, a deleted
    session), and such an answer is never stored. No cached page uses either:
    forms that post (the admin) are never cached.
    """
    request.COOKIES.pop(settings.CSRF_COOKIE_NAME, None)
    request.COOKIES.pop(settings.SESSION_COOKIE_NAME, None)
