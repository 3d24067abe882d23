from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from pagecache import cached_fragment, chrome_placeholder, tag_page

from .. import chrome as chrome_module
from .. import precomputed, selectors, seo
from ..cachetags import article_tag
from ..html import plain_text as html_plain_text
from ..images import crop_renditions, widest
from ..images import srcset as rendition_srcset
from ..models import Credit
from ..models import tag_url as tag_address

register = template.Library()

# "Rabu, 25 November 2026 17:48 WIB": weekday, date, time and zone, as Indonesian portals print it.
READER_DATETIME_FORMAT = "l, j F Y H:i T"
# "25 Nov 2026 17:48 WIB": for cards and lists, where the weekday is noise.
SHORT_DATETIME_FORMAT = "j M Y H:i T"
TIME_FORMATS = {"full": READER_DATETIME_FORMAT, "short": SHORT_DATETIME_FORMAT, "time": "H:i T"}


@register.simple_tag
def show_time(value, css_class="", style="full"):
    """Render a datetime as <time> in the site's zone and the reader's language."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}"{}>{}</time>',
        local.isoformat(timespec="minutes"),
        format_html(' class="{}"', css_class) if css_class else "",
        format_date(local, TIME_FORMATS.get(style, READER_DATETIME_FORMAT)),
    )


@register.simple_tag(takes_context=True)
def absolute_url(context, location):
    """Return location as an absolute URL for this request, or "" without a request."""
    request = context.get("request")
    if request is None or not location:
        return ""
    return request.build_absolute_uri(location)


def canonical_query(context):
    """Return the query string that belongs to this page's canonical address ("" for none).

    A view may set canonical_query in the context (the news index does);
    otherwise it is page=N beyond the first page of a list.
    """
    if context.get("canonical_query") is not None:
        return context["canonical_query"]
    page_obj = context.get("page_obj")
    if page_obj is not None and page_obj.number > 1:
        return f"page={page_obj.number}"
    return ""


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """Return this page's canonical URL: its path, plus the canonical query (e.g. ?page=N)."""
    request = context.get("request")
    if request is None:
        return ""
    query = canonical_query(context)
    return request.build_absolute_uri(f"{request.path}?{query}" if query else request.path)


@register.simple_tag
def chrome(name, argument=""):
    """Return the placeholder of a chrome part (articles/chrome.py), filled in when the page is served."""
    return mark_safe(chrome_placeholder(name, argument))


@register.simple_tag(takes_context=True)
def chrome_navigation(context):
    """Return the section menu's placeholder, marking the page's top-level section."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    section = context.get("section")
    is_page = section is not None  # a section's own page; an article is only "within" its section
    if section is None:
        section = getattr(context.get("article"), "section", None)
    argument = chrome_module.navigation_argument(
        get_language(), section, is_home=match is not None and match.url_name == "home", is_page=is_page
    )
    return mark_safe(chrome_placeholder("nav", argument))


@register.simple_tag(takes_context=True)
def current_root_section(context):
    """Return the top-level section the page belongs to (to mark it in the menu), or None."""
    section = context.get("section")
    if section is None:
        article = context.get("article")
        section = getattr(article, "section", None)
    while section is not None and section.parent_id:
        section = section.parent
    return section


@register.simple_tag
def credit_groups(article):
    """Return [(role, [authors])] in byline order, writers first; the template labels each role.

    Uses the prefetched credits, so a byline costs no query on listed articles.
    """
    groups = {}
    for credit in article.credits.all():
        groups.setdefault(credit.role, []).append(credit.author)
    return [(role, groups[role]) for role in Credit.Role.values if role in groups]


@register.filter
def tag_url(tag):
    """A tag's address, as {% url 'articles:tag' %} gives it, without a reverse() per chip."""
    return tag_address(tag)


@register.filter
def nest_outline(outline):
    """Turn [(level, id, text)] into [(id, text, [(id, text)])]: h3s nested under their h2."""
    tree = []
    for level, anchor, text in outline:
        if level > 2 and tree:
            tree[-1][2].append((anchor, text))
        else:
            tree.append((anchor, text, []))
    return tree


@register.simple_tag
def image_size(image):
    """Return {"width", "height"} of an image file, or None when it cannot be read.

    A missing or broken file must not take the page down with it.
    """
    if not image:
        return None
    try:
        return {"width": image.width, "height": image.height}
    except (OSError, ValueError):
        return None


@register.filter
def plain_text(value):
    """Return HTML as plain text (tags dropped, entities decoded), for meta descriptions."""
    return html_plain_text(value)


@register.simple_tag
def site_identity(part="name"):
    """Return the site's name or tagline from settings, for templates rendered without context (500)."""
    return settings.SITE_TAGLINE if part == "tagline" else settings.SITE_NAME


@register.filter
def total_minutes(value):
    """Return a timedelta as whole minutes (at least 1), for messages such as the login lock-out."""
    return max(1, round(value.total_seconds() / 60)) if value else 0


@register.simple_tag(takes_context=True)
def article_card(context, article, variant="", level=3, eager=False):
    """Render includes/article_card.html; each card is rendered once per content generation and process.

    A card appears on many pages (home, sections, tags, authors, search), and
    rendering forty of them was most of an uncached listing's time.
    """

    def render():
        card = {"article": article, "variant": variant, "level": level, "eager": eager}
        return render_to_string("includes/article_card.html", card)

    name = f"card:{article.pk}:{variant}:{level}:{int(bool(eager))}:{get_language()}"
    return mark_safe(
        cached_fragment(
            context.get("request"),
            name,
            render,
            tags=[article_tag(article.pk), f"section:{article.section_id}"],
            shared=False,
        )
    )


def picture_context(
    renditions, *, alt, original=None, ratio="16:9", sizes="100vw", eager=False, css_class=""
):
    """Return the context of includes/picture.html for an image's renditions (see images.renditions_create).

    ratio: "16:9", "4:3", "1:1" for a crop around the focal point, None for the
    original's shape; renditions made before crops existed give their
    original shape. Reads no storage and no database; an image without
    renditions yet falls back to the original file (original, a FieldFile).
    """
    renditions = renditions or {}
    chosen = crop_renditions(renditions, ratio) if ratio else renditions
    fallback = chosen.get("fallback") or []
    context = {
        "alt": alt,
        "sizes": sizes,
        "eager": eager,
        "css_class": css_class,
        "has_renditions": bool(fallback),
    }
    if fallback:
        middle = fallback[min(1, len(fallback) - 1)]
        largest = widest(fallback)
        context.update(
            src=default_storage.url(middle[2]),
            srcset=rendition_srcset(fallback),
            avif_srcset=rendition_srcset(chosen.get("avif") or []),
            webp_srcset=rendition_srcset(chosen.get("webp") or []),
            fallback_type=renditions.get("fallback_type", ""),
            width=largest[0],
            height=largest[1],
        )
    elif original:
        size = image_size(original) or {}
        context.update(src=original.url, width=size.get("width"), height=size.get("height"))
    return context


@register.inclusion_tag("includes/picture.html")
def picture(article, sizes="100vw", eager=False, css_class="", ratio="16:9"):
    """Render the lead image as <picture>, cut to ratio ("16:9"; None: its own shape) around its focal point.

    AVIF, WebP and fallback srcsets, width and height against layout shift.
    """
    return picture_context(
        article.lead_image_renditions,
        alt=article.lead_image_alt,
        original=article.lead_image,
        ratio=ratio,
        sizes=sizes,
        eager=eager,
        css_class=css_class,
    )


@register.inclusion_tag("includes/picture.html")
def library_picture(image, sizes="100vw", eager=False, css_class="", ratio=None, alt=None):
    """Render a library image (InlineImage) as <picture>, in its own shape unless ratio is given."""
    return picture_context(
        image.renditions,
        alt=image.alt_text if alt is None else alt,
        original=image.image,
        ratio=ratio,
        sizes=sizes,
        eager=eager,
        css_class=css_class,
    )


@register.simple_tag
def article_body(article):
    """Return the sanitized body, with srcset, sizes, width and height on images from the library.

    Stored when the article was saved (articles/precomputed.py); made here,
    with one query for the library images it uses, for one saved before that.
    The body was sanitized on save; only attributes made from our own
    rendition data are added.
    """
    html = article.body_html if article.body_html is not None else precomputed.served_body(article.body)
    return mark_safe(html)  # sanitized on save


# --- Metadata: JSON-LD, language versions ------------------------------------------------


@register.simple_tag(takes_context=True)
def home_jsonld(context):
    """Organization and WebSite (with its SearchAction) for the home page."""
    return seo.jsonld_script(seo.home_graph(context["request"]))


@register.simple_tag(takes_context=True)
def section_jsonld(context, section, crumbs):
    return seo.jsonld_script(seo.section_graph(context["request"], section, crumbs))


@register.simple_tag(takes_context=True)
def article_jsonld(context, article, crumbs):
    """NewsArticle (LiveBlogPosting for a live coverage) and its BreadcrumbList."""
    return seo.jsonld_script(
        seo.news_article(context["request"], article, crumbs, coverage=context.get("coverage"))
    )


@register.simple_tag(takes_context=True)
def breadcrumbs_jsonld(context, current_name, crumbs=()):
    request = context["request"]
    return seo.jsonld_script(
        {"@context": "https://schema.org", **seo.breadcrumb_list(request, crumbs or [], current_name)}
    )


@register.simple_tag(takes_context=True)
def language_versions(context):
    """Return [(code, name, absolute URL)] of this page in each site language (hreflang, language switch)."""
    request = context.get("request")
    if request is None:
        return []
    return seo.language_versions(request, query=canonical_query(context))


@register.simple_tag(takes_context=True)
def switch_language_url(context, code):
    """Return this page's address in another language, query string kept, so the reader stays put."""
    request = context.get("request")
    if request is None:
        return ""
    url = translate_url(request.path, code)
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


# --- Widgets that query: related, most read, previous/next ---------------------------------


@register.inclusion_tag("includes/related_articles.html", takes_context=True)
def related_articles(context, article):
    """Return "Baca juga": other published articles sharing tags, then the section."""
    related, _older, _newer = page_links(context, article)
    return {"articles": related}


@register.inclusion_tag("includes/most_read.html")
def most_read(heading_level=2):
    """Terpopuler: most read in the last 24 hours and 7 days, counted by the read beacon."""
    lists = selectors.most_read_articles()
    return {"day": lists["day"], "week": lists["week"], "level": heading_level, "sublevel": heading_level + 1}


@register.inclusion_tag("includes/article_neighbours.html", takes_context=True)
def section_neighbours(context, article):
    """Previous (older) and next (newer) published article in the same section."""
    if not article.published_at:
        return {}
    _related, older, newer = page_links(context, article)
    return {"older": older, "newer": newer, "section": article.section}


def page_links(context, article):
    """Return (related, older, newer) of the article page being rendered, loaded once for both tags.

    The page shows them: it goes stale when one of them changes.
    """
    if not hasattr(article, "_page_links"):
        request = context.get("request")
        article._page_links = precomputed.article_links(article, request)
        related, older, newer = article._page_links
        tag_page(request, *(article_tag(other.pk) for other in (*related, older, newer) if other is not None))
    return article._page_links


@register.simple_tag
def query_with_page(query_string, number):
    """Return query_string with page set to number (dropped for page 1, which has the bare address)."""
    params = QueryDict(query_string, mutable=True)
    params.pop("page", None)
    if int(number) > 1:
        params["page"] = number
    return params.urlencode()
