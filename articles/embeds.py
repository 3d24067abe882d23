"""Embeds that respect readers: a pasted YouTube, X, Instagram, TikTok, Facebook, Spotify or Maps address.

An editor pastes the address on a line of its own (the body editor makes it a
paragraph holding only a link; the importers, a paragraph holding the bare
address). When the body is rendered for readers, on save (precomputed.served_body),
that paragraph becomes a placeholder: a button with the title, the provider's
name and a thumbnail kept on our own media, and a plain link to the original.
The page asks no third party for anything: only a click (static/js/embeds.js)
puts the provider's player in an <iframe>, and the article page's
Content-Security-Policy allows exactly those providers' frames (frame_origins).
Players are the privacy-friendly ones (youtube-nocookie.com, Twitter's
Tweet.html...), iframes all: no provider's script ever runs in our page.

Title and thumbnail come from the provider's oEmbed endpoint (where it needs
no access token), fetched once when an article using the address is saved
(embeds_prepare, before the write's transaction), with timeouts, a time budget
per save, size limits, and only to the provider's hosts (never a private
address, unless settings.ARTICLES_OEMBED_ENDPOINTS names that host). Without
an answer the article is saved all the same, with the address alone.
"""

import html
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, quote_plus, unquote_plus, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.middleware.csp import get_nonce
from django.utils import timezone, translation
from django.utils.csp import CSP, build_policy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import safe_http
from .html import text_of
from .images import check_image_upload, image_name_for_format, renditions_create, srcset
from .models import Article, Embed

logger = logging.getLogger(__name__)

# Seconds for connecting and for each read; all fetches of one save share the budget.
TIMEOUT = 3.0
BUDGET = 8.0
# An oEmbed answer is a few hundred bytes; the thumbnail obeys ARTICLES_IMAGE_MAX_BYTES.
JSON_MAX_BYTES = 256 * 1024
MAX_REDIRECTS = 3
# A failed fetch is tried again by a later save, at most this often.
RETRY_AFTER = timedelta(hours=1)
USER_AGENT = "newsportal-embeds/1.0 (+oEmbed)"


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    kind: str  # video, post, audio, map: the label, and the default shape
    patterns: tuple
    frame_origins: tuple
    # The hosts (and their subdomains) an oEmbed answer, a thumbnail or a redirect may come from.
    hosts: tuple
    oembed: str = ""  # "": none without an access token; the address alone is kept


@dataclass(frozen=True)
class EmbedRef:
    """A recognised address: its provider, the canonical address (Embed.url) and the player's address."""

    provider: Provider
    url: str
    player: str


def _youtube(match):
    video = match["id"]
    return (
        f"https://www.youtube.com/watch?v={video}",
        f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1",
    )


def _x(match):
    post = match["id"]
    return (
        f"https://x.com/{match['user']}/status/{post}",
        f"https://platform.twitter.com/embed/Tweet.html?id={post}",
    )


def _instagram(match):
    kind = "reel" if match["kind"] == "reel" else "p"
    code = match["id"]
    return f"https://www.instagram.com/{kind}/{code}/", f"https://www.instagram.com/{kind}/{code}/embed"


def _tiktok(match):
    video = match["id"]
    return (
        f"https://www.tiktok.com/@{match['user']}/video/{video}",
        f"https://www.tiktok.com/embed/v2/{video}",
    )


def _facebook(match):
    video = match["id"]
    if match["path"]:
        url = f"https://www.facebook.com/{match['path']}/videos/{video}/"
    else:
        url = f"https://www.facebook.com/watch/?v={video}"
    player = "https://www.facebook.com/plugins/video.php?" + urlencode({"href": url, "show_text": "false"})
    return url, player


def _spotify(match):
    kind, item = match["kind"], match["id"]
    return f"https://open.spotify.com/{kind}/{item}", f"https://open.spotify.com/embed/{kind}/{item}"


def _maps(match):
    parts = urlsplit(match.group(0))
    if parts.path.startswith("/maps/embed"):
        query = parse_qs(parts.query)
        if "pb" not in query:
            return None
        url = "https://www.google.com/maps/embed?" + urlencode({"pb": query["pb"][0]}, safe="!*:,.")
        return url, url
    if match["lat"]:
        # /maps/@-6.2,106.8,15z: a point and a zoom.
        point = f"{match['lat']},{match['lng']}"
        zoom = (match["zoom"] or "15").split(".")[0]
        url = f"https://www.google.com/maps/@{point},{zoom}z"
        return url, "https://www.google.com/maps?" + urlencode({"q": point, "z": zoom, "output": "embed"})
    if match["place"]:
        place = unquote_plus(match["place"])
        url = "https://www.google.com/maps/place/" + quote_plus(place, safe=",")
        return url, "https://www.google.com/maps?" + urlencode({"q": place, "output": "embed"})
    query = parse_qs(parts.query).get("q")
    if not query:
        return None
    url = "https://www.google.com/maps?" + urlencode({"q": query[0]})
    return url, "https://www.google.com/maps?" + urlencode({"q": query[0], "output": "embed"})


P = re.compile
PROVIDERS = {
    provider.key: provider
    for provider in [
        Provider(
            "youtube",
            "YouTube",
            "video",
            (
                (
                    P(r"https?://(?:www\.|m\.|music\.)?youtube\.com/watch/?\?(?:[^#]*&)?v=(?P<id>[\w-]{11})"),
                    _youtube,
                ),
                (P(r"https?://youtu\.be/(?P<id>[\w-]{11})"), _youtube),
                (
                    P(r"https?://(?:www\.|m\.)?youtube\.com/(?:shorts|embed|live|v)/(?P<id>[\w-]{11})"),
                    _youtube,
                ),
            ),
            ("https://www.youtube-nocookie.com",),
            ("youtube.com", "ytimg.com", "ggpht.com", "youtu.be"),
            "https://www.youtube.com/oembed",
        ),
        Provider(
            "x",
            "X",
            "post",
            (
                (
                    P(
                        r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<user>\w{1,15})/status(?:es)?/(?P<id>\d{1,20})"
                    ),
                    _x,
                ),
            ),
            ("https://platform.twitter.com",),
            ("twitter.com", "x.com", "twimg.com"),
            "https://publish.twitter.com/oembed",
        ),
        Provider(
            "instagram",
            "Instagram",
            "post",
            (
                (
                    P(
                        r"https?://(?:www\.)?instagram\.com/(?:[\w.]+/)?(?P<kind>p|reel|tv)/(?P<id>[\w-]{5,40})"
                    ),
                    _instagram,
                ),
            ),
            ("https://www.instagram.com",),
            ("instagram.com", "cdninstagram.com"),
        ),
        Provider(
            "tiktok",
            "TikTok",
            "video",
            (
                (
                    P(r"https?://(?:www\.|m\.)?tiktok\.com/@(?P<user>[\w.-]{1,40})/video/(?P<id>\d{1,25})"),
                    _tiktok,
                ),
            ),
            ("https://www.tiktok.com",),
            ("tiktok.com", "tiktokcdn.com", "tiktokcdn-us.com"),
            "https://www.tiktok.com/oembed",
        ),
        Provider(
            "facebook",
            "Facebook",
            "video",
            (
                (
                    P(
                        r"https?://(?:www\.|m\.|web\.)?facebook\.com/(?:(?P<path>[\w.-]{1,80})/videos/(?:[\w.-]+/)?"
                        r"|watch/?\?(?:[^#]*&)?v=|reel/)(?P<id>\d{1,25})"
                    ),
                    _facebook,
                ),
            ),
            ("https://www.facebook.com",),
            ("facebook.com", "fbcdn.net"),
        ),
        Provider(
            "spotify",
            "Spotify",
            "audio",
            (
                (
                    P(
                        r"https?://open\.spotify\.com/(?:intl-[\w-]+/)?"
                        r"(?P<kind>track|album|playlist|episode|show|artist)/(?P<id>[A-Za-z0-9]{10,40})"
                    ),
                    _spotify,
                ),
            ),
            ("https://open.spotify.com",),
            ("spotify.com", "scdn.co", "spotifycdn.com"),
            "https://open.spotify.com/oembed",
        ),
        Provider(
            "maps",
            "Google Maps",
            "map",
            (
                (
                    P(
                        r"https?://(?:www\.|maps\.)?google\.(?:com|co\.id)/maps"
                        r"(?:/embed\?\S+"
                        r"|/@(?P<lat>-?\d{1,3}(?:\.\d+)?),(?P<lng>-?\d{1,3}(?:\.\d+)?)(?:,(?P<zoom>\d{1,2}(?:\.\d+)?)z)?"
                        r"|/place/(?P<place>[^/?#]{1,200})"
                        r"|/?\?(?:[^#]*&)?q=[^&#]+)"
                    ),
                    _maps,
                ),
            ),
            ("https://www.google.com",),
            ("google.com",),
        ),
    ]
}

# The shapes a placeholder (and the player after it) may take: CSS classes, since the
# page's CSP allows no inline style. (width, height) -> class suffix.
RATIOS = {(16, 9): "16x9", (4, 3): "4x3", (1, 1): "1x1", (4, 5): "4x5", (9, 16): "9x16", (2, 1): "2x1"}
DEFAULT_RATIOS = {"video": (16, 9), "post": (4, 5), "audio": (2, 1), "map": (4, 3)}

# A paragraph (or a figure, as WordPress writes embeds) holding nothing but one address:
# a link whose text is an address, or the bare address.
BLOCK_RE = re.compile(
    r"<(?P<tag>p|figure)>\s*(?:<a\s[^>]*?href=\"(?P<href>[^\"]*)\"[^>]*>(?P<text>[^<]*)</a>|(?P<bare>https?://[^\s<]+))\s*</(?P=tag)>",
    re.IGNORECASE,
)
PLACEHOLDER_RE = re.compile(r'<figure class="embed embed--(?P<provider>[a-z]+)\b')


def embed_ref(url):
    """Return the EmbedRef of an address of a supported provider, or None."""
    url = html.unescape(url or "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 500:
        return None
    for provider in PROVIDERS.values():
        for pattern, build in provider.patterns:
            match = pattern.match(url)
            if match:
                built = build(match)
                if built is not None:
                    return EmbedRef(provider, *built)
    return None


def _blocks(body):
    """Yield (match, address) for each block of body that holds only an address."""
    for match in BLOCK_RE.finditer(body or ""):
        if match["bare"]:
            yield match, html.unescape(match["bare"])
            continue
        href, text = html.unescape(match["href"]), html.unescape(match["text"]).strip()
        # A link with words ("Tonton videonya") is a link; a pasted address is an embed.
        if text == href or text.lower().startswith(("http://", "https://", "www.")):
            yield match, href


def embed_refs(body):
    """Return the EmbedRefs of the embeds in a sanitized body, in order, each address once."""
    refs = {}
    for _match, address in _blocks(body):
        ref = embed_ref(address)
        if ref is not None:
            refs.setdefault(ref.url, ref)
    return list(refs.values())


def render_embeds(body):
    """Return a sanitized body with each embed as its placeholder (one query); other lone addresses, links."""
    if not body or "http" not in body:
        return body or ""
    blocks = list(_blocks(body))
    refs = {address: embed_ref(address) for _match, address in blocks}
    urls = {ref.url for ref in refs.values() if ref is not None}
    known = {embed.url: embed for embed in Embed.objects.filter(url__in=urls)} if urls else {}
    pieces, last = [], 0
    # Stored once for every reader: in the site's language, not the editor's.
    with translation.override(settings.LANGUAGE_CODE):
        for match, address in blocks:
            ref = refs[address]
            if ref is not None:
                replacement = placeholder_html(ref, known.get(ref.url))
            elif match["bare"]:
                replacement = format_html(
                    '<{tag}><a href="{href}" rel="noopener noreferrer">{href}</a></{tag}>',
                    tag=match["tag"],
                    href=address,
                )
            else:
                continue
            pieces += [body[last : match.start()], replacement]
            last = match.end()
    pieces.append(body[last:])
    return "".join(pieces)


def ratio_class(provider, embed):
    """Return the RATIOS suffix nearest to the player's shape as reported (without one: the kind's)."""
    width, height = (
        (embed.width, embed.height) if embed is not None and embed.width and embed.height else (0, 0)
    )
    if not (width and height):
        return RATIOS[DEFAULT_RATIOS[provider.kind]]
    shape = width / height
    return RATIOS[min(RATIOS, key=lambda ratio: abs(ratio[0] / ratio[1] - shape))]


# Per kind of embed: the button's verb and the frame's noun, without and with the title.
LABELS = {
    "video": (
        gettext_lazy("Putar video %(provider)s"),
        gettext_lazy("Putar video %(provider)s: %(title)s"),
        gettext_lazy("Video %(provider)s"),
        gettext_lazy("Video %(provider)s: %(title)s"),
    ),
    "audio": (
        gettext_lazy("Putar audio %(provider)s"),
        gettext_lazy("Putar audio %(provider)s: %(title)s"),
        gettext_lazy("Audio %(provider)s"),
        gettext_lazy("Audio %(provider)s: %(title)s"),
    ),
    "map": (
        gettext_lazy("Tampilkan peta %(provider)s"),
        gettext_lazy("Tampilkan peta %(provider)s: %(title)s"),
        gettext_lazy("Peta %(provider)s"),
        gettext_lazy("Peta %(provider)s: %(title)s"),
    ),
    "post": (
        gettext_lazy("Tampilkan unggahan %(provider)s"),
        gettext_lazy("Tampilkan unggahan %(provider)s: %(title)s"),
        gettext_lazy("Unggahan %(provider)s"),
        gettext_lazy("Unggahan %(provider)s: %(title)s"),
    ),
}


def embed_labels(provider, title):
    """Return (the button's label, the iframe's title) in the active language."""
    action, titled_action, frame, titled_frame = LABELS.get(provider.kind, LABELS["post"])
    values = {"provider": provider.name, "title": title}
    if title:
        return str(titled_action) % values, str(titled_frame) % values
    return str(action) % values, str(frame) % values


def thumbnail_html(embed):
    """Return the thumbnail kept on our media as <picture> (its renditions) or <img>; "" without one."""
    if embed is None or not embed.thumbnail:
        return ""
    renditions = embed.thumbnail_renditions or {}
    fallback = renditions.get("fallback") or []
    sizes = "(min-width: 1100px) 720px, 100vw"
    if not fallback:
        return format_html(
            '<img class="embed__thumb" src="{}" alt="" loading="lazy" decoding="async">', embed.thumbnail.url
        )
    largest = max(fallback, key=lambda entry: entry[0])
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (kind_type, srcset(renditions[kind]), sizes)
            for kind, kind_type in (("avif", "image/avif"), ("webp", "image/webp"))
            if renditions.get(kind)
        ),
    )
    return format_html(
        '<picture>{}<source type="{}" srcset="{}" sizes="{}">'
        '<img class="embed__thumb" src="{}" alt="" width="{}" height="{}" loading="lazy" decoding="async">'
        "</picture>",
        sources,
        renditions.get("fallback_type", "image/jpeg"),
        srcset(fallback),
        sizes,
        embed.thumbnail.storage.url(fallback[min(1, len(fallback) - 1)][2]),
        largest[0],
        largest[1],
    )


def placeholder_html(ref, embed=None):
    """Return the placeholder of an embed: nothing in it makes the browser ask a third party for anything.

    The provider's address is only in the plain link to the original and in
    the button's data-embed-src, which embeds.js turns into an <iframe> on a click.
    """
    provider = ref.provider
    title = (embed.title if embed is not None else "").strip()
    # The button's name is its visible text after a hidden verb ("Putar video YouTube"): a name that
    # holds what sighted readers see is what voice control users can say (WCAG 2.5.3).
    action, _frame_title = embed_labels(provider, "")
    _label, frame_title = embed_labels(provider, title)
    thumbnail = thumbnail_html(embed) or format_html(
        '<span class="embed__blank" aria-hidden="true">{}</span>', provider.name
    )
    return format_html(
        '<figure class="embed embed--{key} embed--{kind} embed--r{ratio}">'
        '<div class="embed__frame">'
        '<button type="button" class="embed__play" data-embed-src="{player}" data-embed-title="{frame_title}"'
        ">"
        "{thumbnail}"
        '<span class="visually-hidden">{action}: </span>'
        '<span class="embed__text">{title}<span class="embed__provider">{provider}</span>'
        '<span class="embed__notice">{notice}</span></span>'
        '<span class="embed__icon" aria-hidden="true"></span>'
        "</button></div>"
        '<figcaption class="embed__caption"><a href="{url}" rel="noopener noreferrer">{open}</a></figcaption>'
        "</figure>",
        key=provider.key,
        kind=provider.kind,
        ratio=ratio_class(provider, embed),
        player=ref.player,
        frame_title=frame_title,
        action=action,
        thumbnail=thumbnail,
        title=format_html('<span class="embed__title">{}</span>', title) if title else "",
        provider=provider.name,
        notice=_("Dimuat dari %(provider)s hanya setelah Anda mengekliknya.") % {"provider": provider.name},
        url=ref.url,
        open=_("Buka di %(provider)s") % {"provider": provider.name},
    )


def embed_providers(body_html):
    """Return the keys of the providers whose placeholders are in a body as served (a cheap scan)."""
    if not body_html or 'class="embed ' not in body_html:
        return []
    return list(
        dict.fromkeys(
            match["provider"]
            for match in PLACEHOLDER_RE.finditer(body_html)
            if match["provider"] in PROVIDERS
        )
    )


def frame_origins(providers):
    """Return the frame origins of providers (keys), for the page's CSP frame-src."""
    return sorted({origin for key in providers for origin in PROVIDERS[key].frame_origins})


def article_embed_providers(article):
    """Return the keys of the providers embedded in an article's body (stored as served, or not yet)."""
    if article.body_html is not None:
        return embed_providers(article.body_html)
    return list(dict.fromkeys(ref.provider.key for ref in embed_refs(article.body)))


def allow_embed_frames(request, response, providers):
    """Make a page's Content-Security-Policy allow the frames of providers (keys), and no others.

    The header itself is set, after the page renders (the nonce is in it only
    if the page used it): the copy the database keeps (pagecache/stored.py)
    is made inside the CSP middleware, which would give a replayed copy the
    default policy, without frame-src.
    """
    if not settings.SECURE_CSP or not providers:
        return response
    config = {**settings.SECURE_CSP, "frame-src": frame_origins(providers)}
    response._csp_config = config

    def set_header(rendered):
        rendered.headers[str(CSP.HEADER_ENFORCE)] = build_policy(config, get_nonce(request))

    if hasattr(response, "add_post_render_callback"):
        response.add_post_render_callback(set_header)
    else:
        set_header(response)
    return response


# --- Fetching metadata: at save time, never per reader -------------------------------------


class FetchError(Exception):
    """The provider's answer could not be had or used; the message is kept on the Embed."""


def embeds_prepare(body, *, article=None):
    """Fetch (once) the title and thumbnail of the embeds in body: call before the write's transaction.

    Already inside a transaction (the admin's change form holds one), nothing
    waits on the network while it is open: the fetch runs once it commits, and
    the article's body as served is rendered again if anything was fetched.
    """
    from .html import sanitize_body

    refs = embed_refs(sanitize_body(body))
    if not refs:
        return
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _prepare_committed(refs, article), robust=True)
        return
    embeds_fetch(refs)


def _prepare_committed(refs, article):
    if embeds_fetch(refs) and article is not None and article.pk:
        articles_render_again(Article.objects.filter(pk=article.pk))


def articles_render_again(articles):
    """Store the served body of articles again (their embeds changed) and mark their pages stale."""
    from pagecache import pages_changed

    from . import cachetags
    from .precomputed import served_body

    changed = []
    for pk, body in articles.values_list("pk", "body"):
        Article.objects.filter(pk=pk).update(body_html=served_body(body))
        changed.append(pk)
    if changed:
        pages_changed([cachetags.article_tag(pk) for pk in changed])
    return changed


def is_due(embed, now=None):
    """Return True if an Embed's metadata should be fetched: never tried, or failed over RETRY_AFTER ago."""
    if embed.fetched_at is None:
        return True
    return bool(embed.fetch_error) and embed.fetched_at <= (now or timezone.now()) - RETRY_AFTER


def embeds_fetch(refs, *, force=False):
    """Make the Embed of each EmbedRef and fetch its metadata if due (force: anyway); return those fetched.

    All of them share one time budget (ARTICLES_EMBED_FETCH_BUDGET seconds);
    one not reached in time is left for the next save.
    """
    deadline = time.monotonic() + float(getattr(settings, "ARTICLES_EMBED_FETCH_BUDGET", BUDGET))
    fetched = []
    for ref in refs:
        embed, _created = Embed.objects.get_or_create(url=ref.url, defaults={"provider": ref.provider.key})
        if not (force or is_due(embed)):
            continue
        if time.monotonic() >= deadline:
            break
        embed_fetch(embed, ref=ref, deadline=deadline)
        fetched.append(embed)
    return fetched


def embed_fetch(embed, *, ref=None, deadline=None):
    """Fetch an Embed's title, size and thumbnail from its provider's oEmbed endpoint and save them.

    A failure is kept in fetch_error (with fetched_at, for the retry); what
    was had before stays. A provider without a usable endpoint is saved with
    the address alone.
    """
    ref = ref or embed_ref(embed.url)
    if deadline is None:
        deadline = time.monotonic() + float(getattr(settings, "ARTICLES_EMBED_FETCH_BUDGET", BUDGET))
    embed.fetch_error = ""
    try:
        if ref is None:
            raise FetchError(_("The address is not one of a supported provider."))
        endpoint = oembed_endpoint(ref.provider)
        if endpoint:
            fetch_metadata(embed, ref, endpoint, deadline)
    except FetchError as error:
        embed.fetch_error = str(error)[:300]
        logger.info("Embed %s: %s", embed.url, error)
    embed.fetched_at = timezone.now()
    embed.save()
    return embed


def oembed_endpoint(provider):
    overrides = getattr(settings, "ARTICLES_OEMBED_ENDPOINTS", {}) or {}
    return overrides.get(provider.key, provider.oembed)


def trusted_hosts():
    """The hosts settings.ARTICLES_OEMBED_ENDPOINTS names: asked even at a private address."""
    overrides = getattr(settings, "ARTICLES_OEMBED_ENDPOINTS", {}) or {}
    return {(urlsplit(url).hostname or "").lower() for url in overrides.values() if url}


def fetch_metadata(embed, ref, endpoint, deadline):
    provider = ref.provider
    separator = "&" if "?" in endpoint else "?"
    query = {"url": ref.url, "format": "json"}
    if provider.key == "x":
        query.update(omit_script="1", dnt="true")
    body, _type = http_get(
        endpoint + separator + urlencode(query), provider, deadline, max_bytes=JSON_MAX_BYTES
    )
    try:
        data = json.loads(body)
    except ValueError as error:
        raise FetchError(_("The provider's answer is not JSON.")) from error
    if not isinstance(data, dict):
        raise FetchError(_("The provider's answer is not JSON."))
    title = str(data.get("title") or "").strip()
    if not title and data.get("html"):
        # X answers with the post itself and no title: its first paragraph says what it is.
        paragraph = re.search(r"<p\b[^>]*>(.*?)</p>", str(data["html"]), re.DOTALL)
        title = text_of(paragraph.group(1)) if paragraph else ""
    embed.title = " ".join(title.split())[: Embed._meta.get_field("title").max_length]
    embed.author_name = " ".join(str(data.get("author_name") or "").split())[:200]
    embed.width, embed.height = _dimension(data.get("width")), _dimension(data.get("height"))
    thumbnail_url = str(data.get("thumbnail_url") or "")
    if thumbnail_url and not embed.thumbnail:
        store_thumbnail(embed, thumbnail_url, provider, deadline)


def _dimension(value):
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= 10_000 else 0


def store_thumbnail(embed, url, provider, deadline):
    data, _type = http_get(url, provider, deadline, max_bytes=settings.ARTICLES_IMAGE_MAX_BYTES)
    upload = ContentFile(data, name="thumbnail")
    try:
        image_format = check_image_upload(upload)
    except ValidationError as error:
        raise FetchError(
            _("The thumbnail is not a usable image: %(error)s") % {"error": " ".join(error.messages)}
        ) from error
    name = image_name_for_format(f"{embed.provider}-thumbnail", image_format)
    embed.thumbnail.save(name, upload, save=False)
    embed.thumbnail_renditions = renditions_create(embed.thumbnail.name)


def allowed_host(host, provider):
    host = (host or "").lower().rstrip(".")
    return host in trusted_hosts() or any(
        host == allowed or host.endswith("." + allowed) for allowed in provider.hosts
    )


def public_address(host, port):
    """Return an address host resolves to that is public (not loopback, private, link-local...), or raise."""
    try:
        return safe_http.public_address(host, port, allow_private=host.lower() in trusted_hosts())
    except safe_http.NotPublic as error:
        raise FetchError(_("%(host)s is not a public address.") % {"host": host}) from error
    except safe_http.Unreachable as error:
        raise FetchError(
            _("Cannot reach %(host)s: %(error)s") % {"host": host, "error": error.detail}
        ) from error


def http_get(url, provider, deadline, *, max_bytes):
    """Return (body, content type) of a GET to a host of provider (few redirects), or raise FetchError.

    Each connect and read waits ARTICLES_EMBED_TIMEOUT at most, and the whole
    by deadline (time.monotonic()); a body over max_bytes is refused.
    """

    def address_for(scheme, host, port):
        if not allowed_host(host, provider):
            raise FetchError(
                _("%(host)s is not a host of %(provider)s.") % {"host": host, "provider": provider.name}
            )
        return public_address(host, port)

    try:
        with safe_http.get(
            url,
            address_for=address_for,
            timeout=float(getattr(settings, "ARTICLES_EMBED_TIMEOUT", TIMEOUT)),
            deadline=deadline,
            user_agent=USER_AGENT,
            accept="application/json, image/*",
            max_redirects=MAX_REDIRECTS,
        ) as response:
            if response.status != 200:
                raise FetchError(
                    _("%(host)s answered %(status)s.") % {"host": response.host, "status": response.status}
                )
            return response.read(max_bytes), response.header("Content-Type")
    except safe_http.BadScheme as error:
        raise FetchError(_("Only http and https addresses are fetched.")) from error
    except safe_http.OutOfTime as error:
        raise FetchError(_("Out of time for fetching embeds.")) from error
    except safe_http.TimedOut as error:
        raise FetchError(_("%(host)s did not answer in time.") % {"host": error.host}) from error
    except safe_http.TooLarge as error:
        raise FetchError(_("The answer is larger than %(max)s bytes.") % {"max": max_bytes}) from error
    except safe_http.TooManyRedirects as error:
        raise FetchError(_("Too many redirects.")) from error
    except safe_http.HTTPFailure as error:
        raise FetchError(
            _("Cannot fetch from %(host)s: %(error)s") % {"host": error.host, "error": error.detail}
        ) from error


def provider_label(key):
    provider = PROVIDERS.get(key)
    return provider.name if provider else key
