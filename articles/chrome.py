"""The chrome parts of public pages (pagecache/chrome.py): filled in each time a page is served.

Each part is cached on its own, with the tags of what it shows, so a cached
archive article keeps a current menu, breaking banner, Terkini and
Terpopuler without being rendered again.

Arguments are in the placeholder: the language first, then for the menu the
top-level section to mark ("5" within it, "5p" on its own page, "h" on the
home page).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

import pagecache

from . import selectors
from .cachetags import CHROME, LIST_ALL, article_tag
from .models import Article, Page
from .sections import section_tree

BREAKING_COUNT = 3
LATEST_COUNT = 6


def language_of(argument):
    code = argument.split(".", 1)[0]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def rendered(request, name, argument, template, context, tags):
    """Return the part's HTML in the argument's language, cached under its name and argument."""

    def render():
        with translation.override(language_of(argument)):
            return render_to_string(template, context())

    return pagecache.cached_fragment(request, f"chrome:{name}:{argument}", render, tags=tags)


def navigation(request, argument):
    _language, _, mark = argument.partition(".")

    def context():
        root = mark.removesuffix("p")
        return {
            "nav_sections": section_tree(request).navigation,
            "is_home": mark == "h",
            "current_root": int(root) if root.isdigit() else None,
            "root_is_page": mark.endswith("p"),
        }

    return rendered(request, "nav", argument, "includes/section_nav.html", context, [CHROME])


def footer(request, argument):
    def context():
        return {
            "site_name": settings.SITE_NAME,
            "site_tagline": settings.SITE_TAGLINE,
            "nav_sections": section_tree(request).navigation,
            "footer_pages": list(Page.objects.filter(is_in_footer=True)),
        }

    return rendered(request, "footer", argument, "includes/site_footer.html", context, [CHROME])


def newest(request, name, argument, articles, count, template):
    """A part listing the count newest of articles() (a function: no queryset is built for a cached part)."""
    found = {}

    def context():
        found["articles"] = list(articles().for_listing().latest_first()[:count])
        return {"articles": found["articles"]}

    def tags(_html):
        return [LIST_ALL, *(article_tag(article.pk) for article in found.get("articles", []))]

    return rendered(request, name, argument, template, context, tags)


def breaking(request, argument):
    def articles():
        return Article.objects.published().filter(is_breaking=True)

    return newest(request, "breaking", argument, articles, BREAKING_COUNT, "includes/breaking.html")


def latest(request, argument):
    return newest(
        request, "latest", argument, Article.objects.published, LATEST_COUNT, "includes/latest_sidebar.html"
    )


def most_read(request, argument):
    found = {}

    def context():
        lists = found["lists"] = selectors.most_read_articles()
        return {"day": lists["day"], "week": lists["week"], "level": 2, "sublevel": 3}

    def tags(_html):
        lists = found.get("lists", {})
        return [article_tag(article.pk) for period in lists.values() for article in period]

    # Moves with reads, not edits: recounted at most every MOST_READ_CACHE_SECONDS.
    return rendered(request, "most-read", argument, "includes/most_read.html", context, tags)


def navigation_argument(language, section=None, *, is_home=False, is_page=False):
    """Return the menu's argument for a page: the language and the top-level section to mark.

    is_page: the page is the section's own; its root is marked as the current page
    when the section is a root itself.
    """
    if is_home:
        return f"{language}.h"
    root = section
    while root is not None and root.parent_id:
        root = root.parent
    if root is None:
        return language
    return f"{language}.{root.pk}{'p' if is_page and section.pk == root.pk else ''}"


def register():
    for name, render in {
        "nav": navigation,
        "footer": footer,
        "breaking": breaking,
        "latest": latest,
        "most-read": most_read,
    }.items():
        pagecache.register_chrome(name, render)
