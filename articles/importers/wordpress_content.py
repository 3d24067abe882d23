"""A WordPress post's content (content:encoded) turned into the portal's body HTML.

Pure functions, no database, no network (issue 14): convert_content() takes the
content exactly as the export holds it (Gutenberg block comments, classic-editor
text with newlines, shortcodes) and returns HTML for articles.html.sanitize_body(),
which the importer still runs afterwards: this is a translation, not a sanitizer.

- Gutenberg posts (block comments present): the comments go, their HTML stays;
  images, galleries, embeds and separators become the portal's forms; unknown
  blocks keep their inner HTML, with a warning.
- Classic posts: a subset of WordPress's wpautop() makes the paragraphs.
- Shortcodes in both: caption, gallery, embed, video and audio are translated;
  any other is removed (its enclosed content kept) with a warning; [[foo]] is
  the literal text [foo].
- Clean-up: script, style, noscript and iframes go (an iframe of a supported
  embed provider becomes the embed), as do event handlers, class and style
  attributes and tracking pixels; resized image addresses (foto-300x200.jpg)
  point at the original; links go through link_map.

An embed is the portal's: a paragraph holding only a link to the address
(articles.embeds).
"""

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Attachment:
    """A media item of the export (an item of post_type "attachment"), as the importer supplies it."""

    id: int
    url: str
    alt: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Converted:
    html: str
    warnings: list[str] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)  # in order, each once
    image_urls: list[str] = field(default_factory=list)  # every <img src> left, each once
    gallery_ids: list[list[int]] = field(default_factory=list)


def _no_attachment(attachment_id):
    return None


def _no_link(url):
    return None


def convert_content(
    content: str,
    *,
    attachment: Callable[[int], Attachment | None] = _no_attachment,
    link_map: Callable[[str], str | None] = _no_link,
    attached_ids: Sequence[int] = (),
) -> Converted:
    """Return the body HTML of a WordPress post's content, with what was found on the way.

    attached_ids: the post's own attachments in WordPress's gallery order
    (menu_order, then id), which a [gallery] without ids shows.
    """
    state = _State(attachment=attachment, link_map=link_map, attached_ids=tuple(attached_ids))
    # The private-use characters the conversion uses as markers cannot come from the content.
    text = MARKER_CHARS_RE.sub("", (content or "").replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        return Converted(html="")
    if BLOCK_COMMENT_RE.search(text):
        text = _render_blocks(_parse_blocks(text), state)
        text = _shortcodes(text, state)
    else:
        text = _shortcodes(text, state)
        text = _bare_urls_on_lines(text, state)
        text = wpautop(text)
    text = _unwrap_markers(text, state)
    cleaner = _Cleaner(state)
    cleaner.feed(text)
    cleaner.close()
    body = cleaner.result()
    body = _bare_url_paragraphs(body, state)
    body = _tidy_newlines(EMPTY_P_RE.sub("", body))
    body = body.replace(ESCAPED_OPEN, "[").replace(ESCAPED_CLOSE, "]")
    return Converted(
        html=body.strip(),
        warnings=state.warnings,
        attachment_ids=list(dict.fromkeys(state.attachment_ids)),
        image_urls=list(dict.fromkeys(state.image_urls)),
        gallery_ids=state.gallery_ids,
    )


@dataclass
class _State:
    attachment: Callable
    link_map: Callable
    attached_ids: tuple = ()
    warnings: list = field(default_factory=list)
    attachment_ids: list = field(default_factory=list)
    image_urls: list = field(default_factory=list)
    gallery_ids: list = field(default_factory=list)
    blocks: list = field(default_factory=list)  # block-level HTML put back by _unwrap_markers

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def block(self, markup):
        """Return a marker for block-level markup: alone in a paragraph, it replaces the paragraph."""
        self.blocks.append(markup)
        return f"\n\n{MARK_OPEN}{len(self.blocks) - 1}{MARK_CLOSE}\n\n"

    def find_attachment(self, attachment_id):
        try:
            return self.attachment(attachment_id)
        except LookupError:
            return None


# Private-use characters: never in real content, and plain text to html.parser.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
ESCAPED_OPEN, ESCAPED_CLOSE = "\ue002", "\ue003"
MARKER_CHARS_RE = re.compile("[\ue000-\ue003]")
MARKER_RE = re.compile(f"\\n*{MARK_OPEN}(\\d+){MARK_CLOSE}\\n*")
MARKER_PARAGRAPH_RE = re.compile(f"<p>\\s*{MARK_OPEN}(\\d+){MARK_CLOSE}\\s*</p>")
EMPTY_P_RE = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>")


def _tidy_newlines(body):
    """Return body with runs of blank lines made one newline, except inside <pre>."""
    pieces, last = [], 0
    for match in PRE_RE.finditer(body):
        pieces.append(BLANK_LINES_RE.sub("\n", body[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(BLANK_LINES_RE.sub("\n", body[last:]))
    return "".join(pieces)


BLANK_LINES_RE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def _lone_link(url):
    escaped = html.escape(url)
    return f'<p><a href="{escaped}">{escaped}</a></p>'


def _embed_url(url):
    """Return the canonical address of a supported embed provider's url, or None."""
    from ..embeds import embed_ref  # articles.embeds needs the app registry; imported when used

    ref = embed_ref(url)
    return ref.url if ref is not None else None


def _attribute(attrs, name):
    for key, value in attrs:
        if key == name:
            return value or ""
    return ""


# --- Gutenberg ------------------------------------------------------------------------------

BLOCK_COMMENT_RE = re.compile(
    r"<!--\s+(?P<close>/)?wp:(?P<name>[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)"
    r"\s+(?:(?P<attrs>\{.*?\})\s+)?(?P<void>/)?-->",
    re.DOTALL,
)


@dataclass
class _Block:
    name: str
    attrs: dict
    children: list = field(default_factory=list)  # str (HTML) and _Block, in order


def _parse_blocks(text):
    root = _Block("", {})
    stack = [root]
    last = 0
    for match in BLOCK_COMMENT_RE.finditer(text):
        stack[-1].children.append(text[last : match.start()])
        last = match.end()
        name = match["name"]
        if "/" not in name:
            name = f"core/{name}"
        if match["close"]:
            # Close the innermost open block of that name; a stray closer is ignored.
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].name == name:
                    del stack[depth:]
                    break
            continue
        try:
            attrs = json.loads(match["attrs"]) if match["attrs"] else {}
        except ValueError:
            attrs = {}
        block = _Block(name, attrs if isinstance(attrs, dict) else {})
        stack[-1].children.append(block)
        if not match["void"]:
            stack.append(block)
    stack[-1].children.append(text[last:])
    return root


# Blocks whose HTML is already what the portal wants (after the clean-up).
PASS_THROUGH_BLOCKS = frozenset(
    {
        "core/paragraph",
        "core/heading",
        "core/list",
        "core/list-item",
        "core/quote",
        "core/pullquote",
        "core/table",
        "core/preformatted",
        "core/code",
        "core/verse",
        "core/html",
        "core/image",
        "core/group",
        "core/columns",
        "core/column",
        "core/shortcode",
        "core/cover",
        "core/media-text",
        "core/file",
        "core/details",
    }
)
# Blocks with nothing for a reader of the portal.
DROPPED_BLOCKS = frozenset({"core/spacer", "core/more", "core/nextpage", "core/buttons", "core/button"})
# Blocks WordPress renders on each request from its own database (lists of its posts, its
# menus, comments, the theme's parts): nothing of them is in the export, nothing to keep.
DYNAMIC_BLOCK_RE = re.compile(
    r"core/(?:archives|avatar|calendar|categories|latest-comments|latest-posts|loginout|navigation\S*"
    r"|page-list\S*|post-\S+|query\S*|read-more|rss|search|site-\S+|tag-cloud|term-description"
    r"|comment\S*|home-link|template-part|pattern|block|footnotes)"
)


def _inner(block, state):
    return "".join(
        child if isinstance(child, str) else _render_block(child, state) for child in block.children
    )


def _render_blocks(root, state):
    return _inner(root, state)


def _render_block(block, state):
    name = block.name
    if name in PASS_THROUGH_BLOCKS:
        return _inner(block, state)
    if name == "core/freeform":  # a "Classic" block inside a block post
        return wpautop(_inner(block, state))
    if name == "core/separator":
        return "\n<hr>\n"
    if name in DROPPED_BLOCKS:
        return ""
    if name in ("core/video", "core/audio"):
        return _media_block(block, state)
    if name == "core/gallery":
        return _gallery_block(block, state)
    if name == "core/embed" or name.startswith("core-embed/"):
        return _embed_block(block, state)
    if DYNAMIC_BLOCK_RE.fullmatch(name):
        state.warn(
            f"Block {name} lists the old site's own pages (WordPress draws it on each request): dropped."
        )
        return ""
    state.warn(f"Unknown block {name}: its HTML was kept.")
    return _inner(block, state)


def _embed_block(block, state):
    url = str(block.attrs.get("url") or "").strip()
    if not url:
        # Older exports keep the address only in the wrapper's text.
        found = re.search(r"https?://[^\s<\"]+", _inner(block, state))
        url = html.unescape(found.group(0)) if found else ""
    if not url:
        state.warn(f"Embed block {block.name} without an address was dropped.")
        return ""
    canonical = _embed_url(url)
    if canonical is None:
        state.warn(f"Embed of an unsupported provider kept as a link: {url}")
    return state.block(_lone_link(canonical or url))


MEDIA_SRC_RE = re.compile(r"<(?:video|audio|source)\b[^>]*?\ssrc=\"([^\"]+)\"", re.IGNORECASE)


def _media_block(block, state):
    """A video or audio block: a link to the file (the portal has no player for them yet), and its caption."""
    inner = _inner(block, state)
    found = MEDIA_SRC_RE.search(inner)
    if found is None:
        state.warn(f"Block {block.name} without a file was dropped.")
        return ""
    caption = FIGCAPTION_RE.search(inner)
    text = f"<p>{caption.group(1).strip()}</p>" if caption and caption.group(1).strip() else ""
    return state.block(_lone_link(html.unescape(found.group(1))) + text)


FIGURE_RE = re.compile(r"<figure\b[^>]*>((?:(?!<figure\b).)*?)</figure>", re.DOTALL | re.IGNORECASE)
IMG_TAG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
FIGCAPTION_RE = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.DOTALL | re.IGNORECASE)
WP_IMAGE_RE = re.compile(r"\bwp-image-(\d+)\b")
DATA_ID_RE = re.compile(r"\bdata-id=\"(\d+)\"")


def _gallery_block(block, state):
    inner = _inner(block, state)
    figures = []
    ids = []
    for match in FIGURE_RE.finditer(inner):
        image = IMG_TAG_RE.search(match.group(1))
        if image is None:
            continue
        caption = FIGCAPTION_RE.search(match.group(1))
        figures.append(_figure(image.group(0), caption.group(1) if caption else ""))
        found = WP_IMAGE_RE.search(image.group(0)) or DATA_ID_RE.search(image.group(0))
        if found:
            ids.append(int(found.group(1)))
    if not ids:
        ids = [int(value) for value in block.attrs.get("ids") or [] if str(value).isdigit()]
    if not figures:
        state.warn("A gallery block without images was dropped.")
        return ""
    state.gallery_ids.append(ids)
    return state.block("".join(figures))


def _figure(image, caption):
    caption = caption.strip()
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{image}{figcaption}</figure>"


# --- Shortcodes -----------------------------------------------------------------------------

# WordPress's get_shortcode_regex() for any tag name: [[escaped]], [self-closing /],
# [enclosing]...[/enclosing] and [single].
SHORTCODE_RE = re.compile(
    r"\[(?P<escape_open>\[?)"
    r"(?P<name>[A-Za-z][\w-]*)(?![\w-])"
    r"(?P<attrs>[^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(?P<self_close>/)\]|\](?:(?P<content>[^\[]*+(?:\[(?!/(?P=name)\])[^\[]*+)*+)\[/(?P=name)\])?)"
    r"(?P<escape_close>\]?)"
)
STRAY_CLOSE_RE = re.compile(r"\[/(?P<name>[A-Za-z][\w-]*)\]")
# WordPress's shortcode_parse_atts().
ATTR_PAIR_RE = re.compile(
    r"([\w-]+)\s*=\s*\"([^\"]*)\"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)|([\w-]+)\s*=\s*([^\s'\"]+)(?:\s|$)"
    r"|\"([^\"]*)\"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"
)
# Bracketed words editors write in prose, not shortcodes.
NOT_SHORTCODES = frozenset({"sic"})
MEDIA_EXTENSIONS = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "wav", "m4a", "wma")


def parse_shortcode_attrs(text):
    attrs = {}
    positional = []
    text = text.replace("\u00a0", " ")
    for match in ATTR_PAIR_RE.finditer(text):
        if match.group(1):
            attrs[match.group(1).lower()] = match.group(2)
        elif match.group(3):
            attrs[match.group(3).lower()] = match.group(4)
        elif match.group(5):
            attrs[match.group(5).lower()] = match.group(6)
        else:
            positional.append(match.group(7) or match.group(8) or match.group(9) or "")
    return attrs, positional


def _shortcodes(text, state):
    def replace(match):
        name = match["name"]
        if match["escape_open"] and match["escape_close"]:
            return ESCAPED_OPEN + match.group(0)[2:-2] + ESCAPED_CLOSE
        if name.lower() in NOT_SHORTCODES:
            return match.group(0)
        attrs, _positional = parse_shortcode_attrs(html.unescape(match["attrs"] or ""))
        content = match["content"]
        output = _shortcode(name.lower(), attrs, content, state)
        return match["escape_open"] + output + match["escape_close"]

    text = SHORTCODE_RE.sub(replace, text)

    def stray(match):
        state.warn(f"Unknown shortcode [{match['name']}] was removed.")
        return ""

    return STRAY_CLOSE_RE.sub(stray, text)


def _shortcode(name, attrs, content, state):
    if name == "caption" or name == "wp_caption":
        return _caption(attrs, content or "", state)
    if name == "gallery":
        return _gallery(attrs, state)
    if name == "embed":
        url = html.unescape((content or "").strip())
        if not re.fullmatch(r"https?://\S+", url):
            state.warn("An [embed] without an address was removed.")
            return _shortcodes(content, state) if content else ""
        return state.block(_lone_link(_embed_url(url) or url))
    if name in ("video", "audio"):
        url = next((attrs[key] for key in MEDIA_EXTENSIONS if attrs.get(key)), "")
        if not url:
            state.warn(f"[{name}] without a file was removed.")
            return ""
        return state.block(_lone_link(url))
    state.warn(f"Unknown shortcode [{name}] was removed.")
    return _shortcodes(content, state) if content else ""


CAPTION_IMAGE_RE = re.compile(
    r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE
)


def _caption(attrs, content, state):
    content = _shortcodes(content, state)
    found = CAPTION_IMAGE_RE.match(content)
    if found is None:
        state.warn("A [caption] without an image was kept as text.")
        return content
    image, caption = found.group(1), found.group(2).strip() or attrs.get("caption", "")
    identifier = re.fullmatch(r"attachment_(\d+)", attrs.get("id", ""))
    if identifier and not WP_IMAGE_RE.search(image):
        # The id names the attachment; give the img the class the clean-up reads it from.
        image = re.sub(
            r"<img\b", f'<img class="wp-image-{identifier.group(1)}"', image, count=1, flags=re.IGNORECASE
        )
    return state.block(_figure(image, caption))


def _gallery(attrs, state):
    raw = attrs.get("ids") or attrs.get("include") or ""
    ids = [int(value) for value in re.findall(r"\d+", raw)]
    if not ids:
        # WordPress then shows the images attached to the post, less those excluded.
        excluded = {int(value) for value in re.findall(r"\d+", attrs.get("exclude", ""))}
        ids = [attachment_id for attachment_id in state.attached_ids if attachment_id not in excluded]
        if not ids:
            state.warn("A [gallery] of the post's attached images, but none is in the export, was removed.")
            return ""
    figures, found = [], []
    for attachment_id in ids:
        item = state.find_attachment(attachment_id)
        if item is None:
            state.warn(f"Gallery attachment {attachment_id} is not in the export.")
            continue
        found.append(attachment_id)
        source, alt = html.escape(item.url), html.escape(item.alt)
        image = f'<img class="wp-image-{attachment_id}" src="{source}" alt="{alt}">'
        figures.append(_figure(image, html.escape(item.caption)))
    if not figures:
        return ""
    state.gallery_ids.append(found)
    return state.block("".join(figures))


def _unwrap_markers(text, state):
    text = MARKER_PARAGRAPH_RE.sub(lambda match: state.blocks[int(match.group(1))], text)
    # Nested markers (a caption inside a gallery's content...) resolve in turn.
    while MARKER_RE.search(text):
        text = MARKER_RE.sub(lambda match: "\n" + state.blocks[int(match.group(1))] + "\n", text)
    return text


# --- Bare addresses -------------------------------------------------------------------------

BARE_LINE_RE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.MULTILINE)
BARE_PARAGRAPH_RE = re.compile(r"<p>\s*(https?://[^\s<>\"]+)\s*</p>")


def _bare_urls_on_lines(text, state):
    def replace(match):
        canonical = _embed_url(html.unescape(match.group(1)))
        return state.block(_lone_link(canonical)) if canonical else match.group(0)

    return BARE_LINE_RE.sub(replace, text)


def _bare_url_paragraphs(body, state):
    def replace(match):
        canonical = _embed_url(html.unescape(match.group(1)))
        return _lone_link(canonical) if canonical else match.group(0)

    return BARE_PARAGRAPH_RE.sub(replace, body)


# --- wpautop --------------------------------------------------------------------------------

ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area"
    r"|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header"
    r"|footer|nav|figure|figcaption|details|menu|summary)"
)
PRE_RE = re.compile(r"<pre\b.*?</pre>", re.DOTALL | re.IGNORECASE)
TAG_WITH_NEWLINE_RE = re.compile(r"<[^>]*\n[^>]*>")


def wpautop(text, br=True):
    """Return text with paragraphs: a faithful subset of WordPress's wpautop() (formatting.php)."""
    if not text.strip():
        return ""
    pee = text.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    # <pre> is left exactly as it is.
    pre_tags = {}
    if "<pre" in pee.lower():

        def keep_pre(match):
            key = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
            pre_tags[key] = match.group(0)
            return key

        pee = PRE_RE.sub(keep_pre, pee)
    pee = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", pee, flags=re.IGNORECASE)
    # Newlines inside a tag are not line breaks.
    pee = TAG_WITH_NEWLINE_RE.sub(lambda match: match.group(0).replace("\n", " "), pee)
    pee = re.sub(rf"(<{ALL_BLOCKS}[\s/>])", r"\n\n\1", pee, flags=re.IGNORECASE)
    pee = re.sub(rf"(</{ALL_BLOCKS}>)", r"\1\n\n", pee, flags=re.IGNORECASE)
    pee = re.sub(r"<hr\s*?/?>", "<hr>\n\n", pee, flags=re.IGNORECASE)
    pee = re.sub(r"\n\n+", "\n\n", pee)
    pieces = re.split(r"\n\s*\n", pee)
    pee = "".join(f"<p>{piece.strip(chr(10))}</p>\n" for piece in pieces if piece.strip())
    pee = re.sub(r"<p>\s*</p>", "", pee)
    pee = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", pee)
    pee = re.sub(rf"<p>\s*(</?{ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", pee, flags=re.IGNORECASE)
    pee = re.sub(r"<p>(<li.+?)</p>", r"\1", pee, flags=re.IGNORECASE)
    pee = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", pee, flags=re.IGNORECASE)
    pee = re.sub(r"</blockquote></p>", "</p></blockquote>", pee, flags=re.IGNORECASE)
    pee = re.sub(rf"<p>\s*(</?{ALL_BLOCKS}[^>]*>)", r"\1", pee, flags=re.IGNORECASE)
    pee = re.sub(rf"(</?{ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", pee, flags=re.IGNORECASE)
    if br:
        pee = re.sub(r"<br\s*/?>\s*\n", "<br>\n", pee, flags=re.IGNORECASE)
        pee = re.sub(r"(?<!<br>)\s*\n", "<br>\n", pee)
    pee = re.sub(rf"(</?{ALL_BLOCKS}[^>]*>)\s*<br>", r"\1", pee, flags=re.IGNORECASE)
    pee = re.sub(r"<br>(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", pee, flags=re.IGNORECASE)
    pee = re.sub(r"\n</p>$", "</p>", pee)
    for key, original in pre_tags.items():
        pee = pee.replace(key, original)
    return pee


# --- Clean-up -------------------------------------------------------------------------------

VOID_TAGS = frozenset({"br", "hr", "img", "col", "area", "source", "wbr", "input", "embed", "param"})
MEDIA_TAGS = frozenset({"video", "audio"})
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "noscript", "iframe", "object", "template", "svg", "video", "audio"}
)
HEADING_LEVELS = {"h1": "h2", "h5": "h4", "h6": "h4"}
DROPPED_ATTRIBUTES = frozenset({"style", "class", "srcset", "sizes", "loading", "decoding"})
TRACKER_HOSTS = (
    "feeds.feedburner.com",
    "feedproxy.google.com",
    "stats.wp.com",
    "pixel.wp.com",
    "google-analytics.com",
    "www.google-analytics.com",
    "doubleclick.net",
    "facebook.com",
)
RESIZED_RE = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]{2,5}$)")


def is_tracking_pixel(src, width, height):
    if width.strip() in ("0", "1") or height.strip() in ("0", "1"):
        return True
    host = (urlsplit(src).hostname or "").lower()
    if not host:
        return False
    return "pixel" in host or any(host == known or host.endswith("." + known) for known in TRACKER_HOSTS)


def original_image_url(url):
    """Return the address of the full-size original of a WordPress resized image (foto-300x200.jpg)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = RESIZED_RE.sub("", parts.path)
    return urlunsplit(parts._replace(path=path)) if path != parts.path else url


class _Cleaner(HTMLParser):
    def __init__(self, state):
        super().__init__(convert_charrefs=True)
        self.state = state
        self.out = []
        self.skipping = []  # the dropped elements open around the current position
        self.open_paragraphs = 0
        self.dropped_links = []  # for each open <a>: whether it was dropped
        self.media_pending = False  # in a <video>/<audio> whose file is not linked yet

    def result(self):
        return "".join(self.out)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag, attrs, *, closed):
        if self.skipping:
            if tag == "source" and self.media_pending and self.skipping[-1] in MEDIA_TAGS:
                self._media(_attribute(attrs, "src"))
            if tag in DROPPED_WITH_CONTENT and not closed:
                self.skipping.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            if tag == "iframe":
                self._iframe(attrs)
            elif tag in MEDIA_TAGS:
                self.media_pending = True
                self._media(_attribute(attrs, "src"))
            if not closed:
                self.skipping.append(tag)
            return
        tag = HEADING_LEVELS.get(tag, tag)
        if tag == "img":
            self._img(attrs)
            return
        if tag == "a" and not closed:
            href = _attribute(attrs, "href")
            unsafe = bool(href) and not _is_safe_href(href)
            self.dropped_links.append(unsafe)
            if unsafe:
                return  # the link goes, its text stays
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name in DROPPED_ATTRIBUTES or name.startswith("data-"):
                continue
            value = value or ""
            if tag == "a" and name == "href":
                value = self.state.link_map(value) or value
            kept.append((name, value))
        if tag == "p":
            self.open_paragraphs += 1
        self.out.append(f"<{tag}{_attributes(kept)}>")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in DROPPED_WITH_CONTENT or tag in VOID_TAGS:
            return
        if tag == "a" and self.dropped_links and self.dropped_links.pop():
            return
        if tag == "p":
            if not self.open_paragraphs:
                return
            self.open_paragraphs -= 1
        self.out.append(f"</{HEADING_LEVELS.get(tag, tag)}>")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data):
        pass  # <!--more-->, leftovers of the editor

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def _iframe(self, attrs):
        src = html.unescape(_attribute(attrs, "src"))
        if src.startswith("//"):
            src = "https:" + src
        canonical = _embed_url(src) if src else None
        if canonical is None:
            if src:
                self.state.warn(f"An iframe was removed: {src}")
            return
        self._block_link(canonical)

    def _media(self, src):
        """Link a <video> or <audio> file: the portal has no player for them yet."""
        src = html.unescape(src or "").strip()
        if src:
            self.media_pending = False
            self._block_link(src)

    def _block_link(self, url):
        link = _lone_link(url)
        if self.open_paragraphs:
            # A lone link is a paragraph of its own: close the one it sits in, and open it again.
            link = "</p>" + link + "<p>"
        self.out.append(link)

    def _img(self, attrs):
        values = dict(attrs)
        src = html.unescape(values.get("src") or "").strip()
        if not src:
            return
        if is_tracking_pixel(src, values.get("width") or "", values.get("height") or ""):
            return
        found = WP_IMAGE_RE.search(values.get("class") or "")
        alt = values.get("alt")
        width, height = values.get("width"), values.get("height")
        if found:
            attachment_id = int(found.group(1))
            self.state.attachment_ids.append(attachment_id)
            item = self.state.find_attachment(attachment_id)
            if item is not None and not (alt or "").strip():
                alt = item.alt
        original = original_image_url(src)
        if original != src:
            # The size WordPress made for a layout: the original's dimensions are not known here.
            width = height = None
        self.state.image_urls.append(original)
        kept = [("src", original), ("alt", alt or "")]
        kept += [(name, value) for name, value in (("width", width), ("height", height)) if value]
        if values.get("title"):
            kept.append(("title", values["title"]))
        self.out.append(f"<img{_attributes(kept)}>")


SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _is_safe_href(href):
    """Return False for an address with a scheme other than http(s), mailto or tel (javascript:...)."""
    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(href)).lower()
    found = SCHEME_RE.match(squeezed)
    return found is None or found.group(1) in SAFE_SCHEMES


def _attributes(pairs):
    return "".join(f' {name}="{html.escape(value)}"' for name, value in pairs)
