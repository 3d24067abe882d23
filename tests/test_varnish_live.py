"""Varnish (newsportal/varnish.vcl) in front of two gunicorn servers, PostgreSQL and Redis.

Every public page type is cached by Varnish; an editor publishes, edits,
unpublishes, publishes again and withdraws an article through the real admin
(through Varnish too, as editors do), and after each step every page it
touches shows the change through Varnish within a bound, because the app
purges Varnish by cache tag (pagecache.cdn, PAGE_CACHE_PURGE_URLS). Also:
PURGE only from the ACL, unknown methods refused, tags kept from readers, and
a session cookie never answered from Varnish's cache.
"""

import http.client
import json
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from statistics import median
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tools.stack import Browser, parse_form

from .servers import (
    NEEDS_POSTGRES_AND_REDIS,
    LiveSite,
    free_port,
    load_demo_site,
    manage,
    wait_until,
)
from .varnish import VARNISHD, Varnish

pytestmark = [
    *NEEDS_POSTGRES_AND_REDIS,
    pytest.mark.skipif(VARNISHD is None, reason="needs varnishd (Debian's varnish package)"),
]

# After the admin answered the save: no request sent later gets an old copy (purged), and each
# touched page's new copy has been rendered and answered (cold, all at once, on a shared machine).
VISIBLE_WITHIN = 1.0
ANSWERED_WITHIN = 3.0
HEADLINE = "Uji Varnish Bendungan Katulampa Siaga Satu"
EDITED = "Uji Varnish Bendungan Katulampa Kembali Normal"
WITHDRAWN_REASON = "Data tinggi muka air keliru."
# The seed article's section, first author and first tag: their pages list the new article.
DEMO_CONTEXT = """
import json
from django.conf import settings
from articles.models import Article
seed = Article.objects.published().filter(slug__startswith="qatar").get()
author = seed.credits.order_by("position", "pk").first().author
tag = seed.tags.order_by("pk").first()
print(json.dumps({
    "section": seed.section_id, "section_path": seed.section.get_absolute_url(),
    "author": author.pk, "author_path": author.get_absolute_url(),
    "tag": tag.pk, "tag_path": f"/tag/{tag.slug}/",
    "seed_path": seed.get_absolute_url(), "time_zone": settings.TIME_ZONE,
}))
"""


@pytest.fixture(scope="module")
def stack():
    with LiveSite("newsportal-varnish-") as site:
        ports = [free_port(), free_port()]
        varnish = Varnish(ports)
        env = site.environment(WEB_CONCURRENCY=2, PAGE_CACHE_PURGE_URLS=varnish.url)
        load_demo_site(env)
        demo = json.loads(manage(env, "shell", "-v", "0", "-c", DEMO_CONTEXT).stdout.strip().splitlines()[-1])
        # Two app servers behind one Varnish (a round-robin director), as in production.
        for port in ports:
            site.serve(PORT=port)
        varnish.start()
        site.stop_later(varnish.stop)
        yield SimpleNamespace(url=varnish.url, varnish=varnish, demo=demo, env=env)


def fetch(url, method="GET", headers=None, source=None):
    """Return (status, headers, body) of one request; source binds the client's address."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=15, source_address=(source, 0) if source else None
    )
    try:
        connection.request(
            method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {}
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def from_cache(headers):
    """Varnish answered from its cache: X-Varnish names this request and the one that stored the copy."""
    return len(headers.get("X-Varnish", "").split()) == 2


def stored_at(headers):
    """When the copy served was stored (a request with X-Show-Cache-Tags, from the acl)."""
    return time.time() - float(headers["X-Cache-Age"])


def page_paths(stack):
    demo = stack.demo
    return {
        "home": "/",
        "article": demo["seed_path"],
        "section": demo["section_path"],
        "tag": demo["tag_path"],
        "author": demo["author_path"],
        "day index": "/indeks/",
        "rss feed": "/feed/",
        "sitemap index": "/sitemap.xml",
        "news sitemap": "/sitemap-news.xml",
        "static page": "/halaman/tentang-kami/",
    }


def test_every_public_page_type_is_cached_by_varnish(stack):
    for name, path in page_paths(stack).items():
        status, _, _ = fetch(stack.url + path)
        assert status == 200, (name, path, status)
        # A second request is a hit (Varnish may still be storing the first: poll briefly).
        status, headers, _ = wait_until(
            lambda path=path: (response := fetch(stack.url + path)) and from_cache(response[1]) and response,
            seconds=3,
            message=f"{name} from Varnish's cache",
        )
        assert status == 200
        assert "max-age=0" in headers["Cache-Control"], name  # browsers still revalidate
        for tag_header in ("xkey", "Surrogate-Key", "Cache-Tag"):
            assert tag_header not in headers, (name, tag_header)  # tags are not for readers
        _, debug, _ = fetch(stack.url + path, headers={"X-Show-Cache-Tags": "1"})
        assert "all" in debug["xkey"].split() and "all" in debug["Surrogate-Key"].split(), name


def admin_login(stack):
    editor = Browser(SimpleNamespace(base=stack.url))
    login = parse_form(editor.get("/admin/login/"))
    status, _ = editor.post(
        "/admin/login/", {**login, "username": "editor", "password": "newsportal-demo", "next": "/admin/"}
    )
    assert status == 302 and "sessionid" in editor.cookie_header()
    return editor


def save(editor, path, form):
    """Submit an admin form; return (wall time before it was sent, monotonic time its answer came)."""
    changed_at = time.time()
    status, page = editor.post(path, form)
    assert status == 302, re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)[:3]
    return changed_at, time.monotonic()


def expectations(stack, article_path, state):
    """{page: (path, shows(status, headers, body, changed_at))} for every page a step touches."""
    demo, shown = stack.demo, {"published": HEADLINE, "edited": EDITED}.get(state)
    old_headlines = [headline for headline in (HEADLINE, EDITED) if headline != shown]

    def listing(status, headers, body, changed_at):
        return (
            status == 200
            and (shown is None or shown in body)
            and all(headline not in body for headline in old_headlines)
        )

    def article(status, headers, body, changed_at):
        if state == "unpublished":
            return status == 404 and all(headline not in body for headline in old_headlines)
        if state == "withdrawn":  # the address explains why, under the headline
            return status == 410 and WITHDRAWN_REASON in body
        return status == 200 and shown in body

    def news_sitemap(status, headers, body, changed_at):
        return status == 200 and (article_path in body) == (shown is not None)

    def fetched_after(status, headers, body, changed_at):
        # Its lastmod changes with every step: the copy must postdate the change.
        return status == 200 and stored_at(headers) > changed_at

    return {
        "home": ("/", listing),
        "section": (demo["section_path"], listing),
        "tag": (demo["tag_path"], listing),
        "author": (demo["author_path"], listing),
        "day index": ("/indeks/", listing),
        "rss feed": ("/feed/", listing),
        "news sitemap": ("/sitemap-news.xml", news_sitemap),
        "sitemap index": ("/sitemap.xml", fetched_after),
        "article": (article_path, article),
    }


def seconds_until_every_page_shows(stack, article_path, state, changed_at, saved_at):
    """Poll every touched page through Varnish, each on its own; return {page: seconds after the save}."""

    def watch(page):
        path, shows = pages[page]
        last = []

        def shown():
            sent = time.monotonic()
            status, headers, body = fetch(stack.url + path, headers={"X-Show-Cache-Tags": "1"})
            last[:] = [status, headers.get("X-Varnish"), headers.get("X-Cache-Age")]
            return shows(status, headers, body, changed_at) and (sent - saved_at, time.monotonic() - saved_at)

        try:
            return wait_until(shown, seconds=10, message=f"{page} ({path}) to show the article {state}")
        except AssertionError as error:
            raise AssertionError(f"{error}: status, X-Varnish, age {last}") from None

    pages = expectations(stack, article_path, state)
    with ThreadPoolExecutor(max_workers=len(pages)) as pool:
        return dict(zip(pages, pool.map(watch, pages), strict=True))


def warm(stack, paths):
    """Have Varnish cache each path (or learn that it cannot: a 404 is never cached)."""
    for path in paths:
        fetch(stack.url + path)
        wait_until(
            lambda path=path: (
                (response := fetch(stack.url + path)) and (from_cache(response[1]) or response[0] == 404)
            ),
            seconds=3,
            message=f"{path} in Varnish's cache",
        )


def test_publish_edit_unpublish_republish_withdraw_through_the_admin_show_through_varnish(stack):
    demo = stack.demo
    editor = admin_login(stack)
    warm(stack, [path for path, _ in expectations(stack, demo["seed_path"], "published").values()])

    form = parse_form(editor.get("/admin/articles/article/add/"))
    form.update(
        {
            "headline": HEADLINE,
            "slug": "uji-varnish-bendungan-katulampa",
            "dek": "Ringkasan uji Varnish.",
            "body": "<h2>Situasi</h2><p>Tinggi muka air naik sejak pagi.</p>",
            "section": str(demo["section"]),
            "tags": str(demo["tag"]),
            "credits-0-author": str(demo["author"]),
            "_publish": "Terbitkan",
        }
    )
    changed_at, saved_at = save(editor, "/admin/articles/article/add/", form)
    # Its address: its section's slug (as the seed's), the day of publication where the newsroom is, its slug.
    day = datetime.fromtimestamp(changed_at, ZoneInfo(demo["time_zone"]))
    article_path = f"/{demo['seed_path'].split('/')[1]}/{day:%Y/%m/%d}/{form['slug']}/"
    timings = {
        "publish": seconds_until_every_page_shows(stack, article_path, "published", changed_at, saved_at)
    }

    steps = [
        ("edit headline", {"headline": EDITED, "_save": "Simpan"}, "edited"),
        ("unpublish", {"_unpublish": "Tarik"}, "unpublished"),
        ("publish again", {"_publish": "Terbitkan"}, "edited"),
        ("withdraw", {"_withdraw": "Cabut", "withdrawn_reason": WITHDRAWN_REASON}, "withdrawn"),
    ]
    listing = editor.get("/admin/articles/article/?q=katulampa")
    change = re.search(r'href="(/admin/articles/article/\d+/change/)[^"]*"', listing).group(1)
    for step, changes, state in steps:
        warm(stack, [path for path, _ in expectations(stack, article_path, state).values()])
        form = parse_form(editor.get(change))
        form.update(changes)
        changed_at, saved_at = save(editor, change, form)
        timings[step] = seconds_until_every_page_shows(stack, article_path, state, changed_at, saved_at)

    print("\nafter the admin answered the save, through Varnish, the slowest of the touched pages:")
    for step, pages in timings.items():
        stale = max(sent for sent, _ in pages.values())
        slowest = max(pages, key=lambda page: pages[page][1])
        answered = median(answered for _, answered in pages.values())
        print(
            f"  {step:14s} requests sent from +{stale:.3f} s get the change; answered by"
            f" +{pages[slowest][1]:.3f} s ({slowest}; median page +{answered:.3f} s)"
        )
    for step, pages in timings.items():
        for page, (sent, answered) in pages.items():
            assert sent < VISIBLE_WITHIN, f"{step}: {page} served its old copy {sent:.3f} s after the save"
            assert answered < ANSWERED_WITHIN, f"{step}: {page} showed the change after {answered:.3f} s"


def test_a_session_cookie_is_never_answered_from_varnishs_cache(stack):
    editor = admin_login(stack)
    path = stack.demo["seed_path"]
    warm(stack, [path])
    for cookie in (
        editor.cookie_header(),
        "sessionid=forged0000000000000000000000000000",
        "a=1; sessionid=x",
    ):
        for _ in range(3):
            status, headers, _ = fetch(stack.url + path, headers={"Cookie": cookie})
            assert status == 200 and not from_cache(headers), cookie
    # Any other cookie is dropped on public pages, so those readers share the cached copy.
    _, headers, _ = fetch(stack.url + path, headers={"Cookie": "csrftoken=abc; _ga=GA1.2.3"})
    assert from_cache(headers)
    # A tracking parameter or another order of parameters is the same copy.
    warm(stack, ["/indeks/?date=2020-01-01&section=internasional"])
    _, headers, _ = fetch(stack.url + "/indeks/?utm_source=x&section=internasional&date=2020-01-01&fbclid=1")
    assert from_cache(headers)


def test_purge_is_only_for_the_acl_and_unknown_methods_are_refused(stack):
    url = stack.url + "/"
    warm(stack, ["/"])
    # From another address (the loopback 127.0.0.2 is not in the acl), a forwarded-for header notwithstanding.
    for headers in ({"xkey-purge": "all"}, {"xkey-purge": "all", "X-Forwarded-For": "127.0.0.1"}):
        status, _, _ = fetch(url, "PURGE", headers=headers, source="127.0.0.2")
        assert status == 403
    assert from_cache(fetch(url)[1])  # nothing purged
    # The debug header shows tags to purgers only.
    assert "xkey" not in fetch(url, headers={"X-Show-Cache-Tags": "1"}, source="127.0.0.2")[1]
    for method in ("BAN", "PURGEALL", "CONNECT", "TRACE"):
        assert fetch(url, method)[0] == 405, method
    assert fetch(url, "PURGE")[0] == 400  # no tags: nothing to do
    status, headers, _ = fetch(url, "PURGE", headers={"xkey-softpurge": "no-such-tag"})
    assert status == 200 and headers["X-Purged"] == "0"
    assert from_cache(fetch(url)[1])
    status, headers, _ = fetch(url, "PURGE", headers={"xkey-purge": "all"})
    assert status == 200 and int(headers["X-Purged"]) >= 1
    assert not from_cache(fetch(url)[1])
