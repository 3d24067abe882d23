"""Page chrome assembled per request: the parts of a page that change with every publication elsewhere.

A cached page keeps a placeholder, `<!--chrome:NAME:ARGUMENT-->`, where such a
part goes (Terkini, Terpopuler, the breaking banner, the navigation); each
time the page is served, the placeholders are replaced by the parts' current
HTML from their own fragment caches: a string substitution, not a render. So
an archive article stays cached for hours while its sidebar is always current.

The content app registers each part (register_chrome) with a function
(request, argument) -> HTML, which caches itself with cached_fragment() and
its tags. Behind a CDN that speaks ESI (`Surrogate-Capability: ...ESI/1.0`),
the placeholders become <esi:include> of /_chrome/NAME/ARGUMENT/ instead, and
the CDN assembles the page from its own cached copies.
"""

import logging
import re

from django.utils.html import escape

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(rb"<!--chrome:([a-z][a-z-]*):([\w.:-]*)-->")
ESI_CAPABILITY = "ESI/1.0"

_parts = {}


def register_chrome(name, render):
    """Register render(request, argument) -> str as the chrome part called name."""
    _parts[name] = render


def placeholder(name, argument=""):
    """Return the placeholder a template puts where the chrome part goes."""
    if name not in _parts:
        raise KeyError(f"no chrome part {name!r} is registered")
    if not re.fullmatch(r"[\w.:-]*", argument):
        raise ValueError(f"chrome argument {argument!r} may hold only letters, digits and . : - _")
    return f"<!--chrome:{name}:{argument}-->"


def render_part(request, name, argument):
    """Return the chrome part's current HTML ("" if it cannot be made now), or None if there is no such part.

    A part that fails (the database away, and its fragment not cached) is left
    out: the page around it is still worth serving.
    """
    render = _parts.get(name)
    if render is None:
        return None
    try:
        return render(request, argument)
    except Exception:
        logger.warning("Could not fill in the chrome part %s:%s", name, argument, exc_info=True)
        return ""


def has_placeholders(body):
    return b"<!--chrome:" in body


def wants_esi(request):
    return ESI_CAPABILITY in request.META.get("HTTP_SURROGATE_CAPABILITY", "")


def parts(request, body):
    """Return ((placeholder, its current HTML), ...) for each distinct placeholder in body."""
    if not has_placeholders(body):
        return ()
    found = {}
    for match in PLACEHOLDER.finditer(body):
        marker = match.group(0)
        if marker not in found:
            html = render_part(request, match.group(1).decode(), match.group(2).decode())
            found[marker] = encoded(html or "")
    return tuple(found.items())


# A part's HTML as bytes, made once per distinct HTML: every served form remembered with it
# (pagecache/middleware.py ASSEMBLED) then shares one copy, and a hit encodes nothing.
_encoded = {}
ENCODED_LIMIT = 256


def encoded(html):
    try:
        return _encoded[html]
    except KeyError:
        if len(_encoded) >= ENCODED_LIMIT:
            _encoded.clear()  # parts change rarely: starting over costs one encode each
        value = _encoded[html] = html.encode()
        return value


def fill(body, filled_parts):
    """Return body with each placeholder replaced by its HTML from parts()."""
    if not filled_parts:
        return body
    by_marker = dict(filled_parts)
    return PLACEHOLDER.sub(lambda match: by_marker.get(match.group(0), match.group(0)), body)


def esi_includes(body):
    """Return body with each placeholder replaced by an <esi:include> of the part's own address."""

    def include(match):
        name, argument = match.group(1).decode(), match.group(2).decode()
        src = escape(f"/_chrome/{name}/{argument}/" if argument else f"/_chrome/{name}/")
        return f'<esi:include src="{src}"/>'.encode()

    return PLACEHOLDER.sub(include, body)
