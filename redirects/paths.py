"""An old address's key, and the variants WordPress serves under one address.

A key is the path alone, percent-decoded, lower case, single slashes, no
trailing slash (the root is "/"), plus the one WordPress id parameter it may
carry ("/?p=123"). The variants (/amp/, /feed/, /page/N/, /embed/, resized
uploads) are not stored: lookup_candidates() lists the keys a request may be
known under, most specific first, so one indexed query finds them all.
"""

import re
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_KEY_LENGTH = 700
# Longer input is no address anyone links to; refused before any work on it.
MAX_INPUT_LENGTH = 8 * MAX_KEY_LENGTH

# WordPress's plain permalinks, in the order WordPress's own query gives them precedence.
ID_PARAMETERS = ("p", "page_id", "attachment_id", "cat", "tag", "author")
NUMERIC_PARAMETERS = frozenset({"p", "page_id", "attachment_id", "cat", "author"})

UPLOADS_PREFIX = "/wp-content/uploads/"
# WordPress's resized copies ("foto-300x200.jpg") and, since 5.3, its scaled or rotated
# stand-ins for a large original ("foto-scaled.jpg"): all of them are the one upload here.
RESIZED_RE = re.compile(r"-\d+x\d+(?=\.[a-z0-9]+$)")
STAND_IN_RE = re.compile(r"-(?:scaled|rotated)(?=\.[a-z0-9]+$)")
EXTENSION_RE = re.compile(r"(?=\.[a-z0-9]+$)")

# Control characters never appear in an address (PostgreSQL refuses NUL in text outright).
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
SLASHES_RE = re.compile(r"/{2,}")

# The suffixes WordPress answers after any address, and what each becomes here.
SAME = "same"  # the target itself
FEED = "feed"  # the target's feed
PAGE = "page"  # the target's page N
EMBED = "embed"  # a post's embeddable card: the post
SUFFIXES = (
    (re.compile(r"^(?P<base>.*)/amp$"), SAME),
    (re.compile(r"^(?P<base>.*?)(?:/comments)?/feed(?:/(?:rss2|rss|atom|rdf))?$"), FEED),
    (re.compile(r"^(?P<base>.*)/page/(?P<number>[0-9]{1,6})$"), PAGE),
    (re.compile(r"^(?P<base>.*)/embed$"), EMBED),
)


class Candidate(NamedTuple):
    key: str
    kind: str = SAME
    number: int | None = None  # the page, for PAGE


def normalize_path(path_or_url: str) -> str:
    """Return the key of an address ("https://old.example/2024/03/01/judul/?utm=x" -> "/2024/03/01/judul").

    Return "" for what is no usable address: empty, another scheme
    (javascript:, mailto:), a relative path, control characters, not UTF-8,
    or longer than MAX_KEY_LENGTH.
    """
    parts = _split(path_or_url)
    if parts is None:
        return ""
    path, query = parts
    key = path + _id_query(query)
    return key if len(key) <= MAX_KEY_LENGTH else ""


def lookup_candidates(path_or_url: str) -> list[Candidate]:
    """Return the keys an address may be recorded under, most specific first ([] if it is none).

    The exact key, then the address without a suffix WordPress adds (/amp,
    /feed/rss2, /page/2, /embed, ?feed=, ?paged=), then, for an upload, its
    original's path. The root is a candidate ("/") only as the base of a
    suffix: its answers are the portal's own home page and feed.
    """
    parts = _split(path_or_url)
    if parts is None:
        return []
    path, query = parts
    id_query = _id_query(query)
    exact = path + id_query
    if len(exact) > MAX_KEY_LENGTH:
        return []
    candidates = [Candidate(exact)]
    if id_query:
        extra = dict(_parameters(query))
        if extra.get("feed"):
            candidates.append(Candidate(exact, FEED))
        if (paged := extra.get("paged", "")).isdigit() and len(paged) <= 6:
            candidates.append(Candidate(exact, PAGE, int(paged)))
        if path != "/":  # "/judul/?p=123": either half may be what was recorded
            candidates += [Candidate(path), Candidate(f"/{id_query}")]
        return candidates
    for pattern, kind in SUFFIXES:
        if match := pattern.match(path):
            number = int(match["number"]) if kind == PAGE else None
            candidates.append(Candidate(match["base"] or "/", kind, number))
            break
    if path == "/":
        extra = dict(_parameters(query))
        if extra.get("feed"):
            candidates.append(Candidate("/", FEED))
        if (paged := extra.get("paged", "")).isdigit() and len(paged) <= 6:
            candidates.append(Candidate("/", PAGE, int(paged)))
    if path.startswith(UPLOADS_PREFIX):
        directory, _, name = path.rpartition("/")
        original = STAND_IN_RE.sub("", RESIZED_RE.sub("", name))
        for variant in (original, EXTENSION_RE.sub("-scaled", original, count=1)):
            if variant != name:
                candidates.append(Candidate(f"{directory}/{variant}"))
    return candidates


def _split(path_or_url):
    """Return (the key's path, the raw query) of an address, or None if it is no usable one."""
    if not isinstance(path_or_url, str):
        return None
    value = path_or_url.strip()
    if not value or len(value) > MAX_INPUT_LENGTH:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed host ("http://[x/"), say
        return None
    if parts.scheme.lower() not in ("", "http", "https"):
        return None
    path = parts.path
    if not parts.netloc:
        if parts.scheme or not path.startswith("/"):
            return None  # "https:judul", "judul/": relative to nothing we know
    try:
        path = unquote(path or "/", errors="strict")
    except UnicodeDecodeError:
        return None
    if CONTROL_RE.search(path) or not _is_utf8(path):
        return None
    path = SLASHES_RE.sub("/", path.lower())
    # WordPress without pretty permalinks answers at /index.php too ("/index.php?p=123").
    if path in ("/index.php", "/index.php/"):
        path = "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path, parts.query


def _id_query(query):
    """Return "?name=value" for the first WordPress id parameter of a query string, or ""."""
    if not query:
        return ""
    found = {}
    for name, value in _parameters(query):
        if name in ID_PARAMETERS and name not in found:
            found[name] = value
    for name in ID_PARAMETERS:
        value = found.get(name, "")
        if name in NUMERIC_PARAMETERS:
            value = value.lstrip("0") or ("0" if value else "")
            if not (value.isascii() and value.isdigit()):
                continue
        if value and not CONTROL_RE.search(value) and _is_utf8(value) and "&" not in value:
            return f"?{name}={value}"
    return ""


def _parameters(query):
    """Return a query string's (name, value) pairs, lower case and stripped, empty ones left out."""
    try:
        pairs = parse_qsl(query, errors="strict", max_num_fields=100)
    except (UnicodeDecodeError, ValueError):  # not UTF-8, or a flood of fields
        return []
    return [(name.strip().lower(), value.strip().lower()) for name, value in pairs if value.strip()]


def _is_utf8(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True
