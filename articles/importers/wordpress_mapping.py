"""How a WordPress export's records map onto the portal's: pure rules, no database (issue 14).

articles.services.wordpress_import applies them; the README's migration
table states them for editors. Kept apart so each rule is one small function
with its own tests.
"""

import html
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from django.utils.text import slugify

from ..html import plain_text

# WordPress status -> portal status; None: not imported (trash, auto-drafts, revisions).
# private and password-protected posts become drafts: never public here.
STATUS_MAP = {
    "publish": "published",
    "future": "published",  # with its future date: scheduled
    "draft": "draft",
    "pending": "review",
    "private": "draft",
}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}

PERMALINK_TOKENS = (
    "%year%",
    "%monthnum%",
    "%day%",
    "%hour%",
    "%minute%",
    "%second%",
    "%post_id%",
    "%postname%",
    "%category%",
    "%author%",
)
PERMALINK_TOKEN_RE = re.compile(r"%[a-z_]+%")

# Yoast's %%var%% and Rank Math's %var% replacement variables in SEO titles.
YOAST_VAR_RE = re.compile(r"%%([a-z_]+)%%")
RANK_MATH_VAR_RE = re.compile(r"%([a-z_]+)%")
SPACES_RE = re.compile(r"\s+")


def post_status(item):
    """Return (portal status, None) or (None, why it is not imported) for a post or page."""
    status = item.status or "draft"
    if status in SKIPPED_STATUSES:
        return None, f"status “{status}” is not imported"
    if item.password:
        return "draft", None  # a password-protected post was never public: it must not become so
    mapped = STATUS_MAP.get(status)
    if mapped is None:
        return "draft", None  # an unknown (plugin) status stays with the editors
    return mapped, None


def local_offset(samples):
    """Return the export's UTC offset, the commonest difference between post_date and post_date_gmt.

    samples are (post_date, post_date_gmt) strings; None when none has both.
    """
    offsets = Counter()
    for local, gmt in samples:
        if local and gmt:
            try:
                difference = parse_wp_date(local) - parse_wp_date(gmt)
            except ValueError:
                continue
            offsets[round(difference.total_seconds() / 900) * 900] += 1  # quarter hours, as zones are
    if not offsets:
        return None
    return timedelta(seconds=offsets.most_common(1)[0][0])


RSS_YEAR_RE = re.compile(r"\s[0-9]{4}\s")


def rss_date_gmt(value):
    """Return an item's RSS pubDate as WordPress's GMT "2024-03-01 01:00:00", or None.

    Where an export has no post_date_gmt (one written by hand, or by another
    tool), pubDate still tells the site's offset. Drafts carry a made-up one
    (1970, or "-0001"): dates before 1971 are no evidence.
    """
    if not RSS_YEAR_RE.search(value or ""):  # "-0001", which the parser would read as 2000
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None or moment.year < 1971:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_wp_date(value):
    """Return a naive datetime for WordPress's "2024-03-01 08:15:00"; ValueError otherwise."""
    return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")


def moment(gmt, local, offset):
    """Return an aware UTC datetime: the _gmt value is the truth, else local in the export's offset.

    None when neither is usable.
    """
    for value, shift in ((gmt, timedelta(0)), (local, offset)):
        if value and shift is not None:
            try:
                return (parse_wp_date(value) - shift).replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def local_time(value, offset):
    """Return value (aware) in the export's own offset, for the dates in its permalinks."""
    return value.astimezone(timezone(offset or timedelta(0)))


def wp_slug(value):
    """Return WordPress's post_name as a portal slug ("" if nothing of it survives).

    WordPress stores non-Latin slugs percent-encoded; slugify keeps what a URL may hold.
    """
    return slugify(unquote(value or "")).strip("-")


def plain(value):
    """Return text with its HTML removed and entities decoded, on one line."""
    return SPACES_RE.sub(" ", html.unescape(plain_text(value or ""))).strip()


def seo_fields(item, *, site_title, title):
    """Return (SEO title, SEO description) from Yoast's or Rank Math's post meta, "" where absent.

    Replacement variables are filled in (title, sitename, sep) or dropped.
    """
    values = {"title": title, "sitename": site_title, "sep": "-", "page": "", "primary_category": ""}

    def fill(text, pattern):
        return SPACES_RE.sub(" ", pattern.sub(lambda match: values.get(match.group(1), ""), text)).strip(
            " -|"
        )

    seo_title = item.meta("_yoast_wpseo_title")
    seo_title = (
        fill(seo_title, YOAST_VAR_RE) if seo_title else fill(item.meta("rank_math_title"), RANK_MATH_VAR_RE)
    )
    description = item.meta("_yoast_wpseo_metadesc")
    if description:
        description = fill(description, YOAST_VAR_RE)
    else:
        description = fill(item.meta("rank_math_description"), RANK_MATH_VAR_RE)
    seo_title, description = plain(seo_title), plain(description)
    return ("" if seo_title == title else seo_title), description


def primary_category(item, categories):
    """Return the slug of the item's primary category, or "" if it has none.

    Yoast's (or Rank Math's) primary category when present among its
    categories; else the most specific: a child over its parent, then the first
    in the export. categories maps slug -> WPTerm (for term ids and parents).
    """
    slugs = [nicename for domain, nicename, _name in item.categories if domain == "category" and nicename]
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return ""
    for key in ("_yoast_wpseo_primary_category", "rank_math_primary_category"):
        term_id = item.meta(key).strip()
        if term_id.isdigit():
            for slug in slugs:
                term = categories.get(slug)
                if term is not None and term.term_id == int(term_id):
                    return slug
    depth = {slug: len(category_path(slug, categories)) for slug in slugs}
    deepest = max(depth.values())
    return next(slug for slug in slugs if depth[slug] == deepest)


def category_path(slug, categories):
    """Return the slugs from the top category down to slug (WordPress's /category/a/b/ path)."""
    path, seen = [], set()
    while slug and slug not in seen:
        seen.add(slug)
        path.append(slug)
        term = categories.get(slug)
        slug = term.parent if term is not None else ""
    return list(reversed(path))


def permalink_path(structure, *, post_id, slug, published, category, author):
    """Return the path WordPress's permalink structure gives a post, e.g. "/2024/03/01/judul/".

    published is the post's date in the site's own time; category the
    primary category's path ("berita/politik"); author the author's nicename.
    """
    values = {
        "%year%": f"{published:%Y}",
        "%monthnum%": f"{published:%m}",
        "%day%": f"{published:%d}",
        "%hour%": f"{published:%H}",
        "%minute%": f"{published:%M}",
        "%second%": f"{published:%S}",
        "%post_id%": str(post_id),
        "%postname%": slug,
        "%category%": category or "uncategorized",
        "%author%": author,
    }
    return PERMALINK_TOKEN_RE.sub(lambda match: values.get(match.group(0), match.group(0)), structure)


def check_permalink_structure(structure):
    """Return structure, or raise ValueError naming what is wrong with it."""
    if not structure.startswith("/"):
        raise ValueError(
            f"the permalink structure “{structure}” must start with “/”, as in WordPress's settings"
        )
    unknown = set(PERMALINK_TOKEN_RE.findall(structure)) - set(PERMALINK_TOKENS)
    if unknown:
        raise ValueError(
            f"the permalink structure has unknown tags: {', '.join(sorted(unknown))}; "
            f"known are {', '.join(PERMALINK_TOKENS)}"
        )
    if "%postname%" not in structure and "%post_id%" not in structure:
        raise ValueError("the permalink structure must contain %postname% or %post_id%")
    return structure


def old_slug_paths(link, *, slug, old_slugs):
    """Return the exported permalink's path with each old slug in place of the current one."""
    path = urlsplit(link).path if link else ""
    if not slug or f"/{slug}" not in path:
        return []
    return [path.replace(f"/{slug}", f"/{old}", 1) for old in old_slugs if old and old != slug]


def author_nicename(login):
    """Return the nicename WordPress derives from a login (its /author/<nicename>/ address)."""
    return slugify(login or "")


def guest_author_login(term):
    """Return the login of a Co-Authors Plus author term (its slug is "cap-<login>")."""
    return term.slug.removeprefix("cap-") if term.slug.startswith("cap-") else term.slug or term.name
