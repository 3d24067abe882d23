"""The cache-poisoning probes against a real gunicorn as `make serve` runs it (HTTPS=0), PostgreSQL, Redis.

Every client here connects from 127.0.0.1, which gunicorn's forwarded_allow_ips
trusts: exactly the set-up in which X-Forwarded-Ssl used to reach every reader.
"""

import gzip
import re
import urllib.request

import pytest
import redis

from .servers import (
    NEEDS_POSTGRES_AND_REDIS,
    LiveSite,
    load_demo_site,
)

pytestmark = NEEDS_POSTGRES_AND_REDIS

POISON = [
    {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"},
    {"X-Forwarded-Proto": "https"},
    {"X-Forwarded-Ssl": "on"},
    {"X-Forwarded-Protocol": "ssl"},
]
WORKERS = 2


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, headers=None):
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers or {}), timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def stack():
    with LiveSite("newsportal-keys-") as site:
        load_demo_site(site.environment(WEB_CONCURRENCY=WORKERS))
        site.serve()
        yield {"url": f"http://127.0.0.1:{site.env['PORT']}", "redis": redis.Redis(port=site.redis_port)}


def page_paths(url):
    """One address of each of the 16 page types, found on the demo site."""
    _, _, home = request(url + "/")
    home = home.decode()

    def first(pattern, page=home):
        match = re.search(pattern, page)
        assert match, pattern
        return match.group(1)

    article = first(r'href="(/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/)"')
    _, _, article_page = request(url + article)
    article_page = article_page.decode()
    return [
        "/",
        first(r'href="(/(?!tag/|penulis/|halaman/|cari/|indeks/|feed/|en/|static/|media/)[\w-]+/)"'),
        article,
        first(r'href="(/tag/[\w-]+/)"', article_page),
        first(r'href="(/penulis/[\w-]+/)"', article_page),
        "/indeks/",
        "/cari/?q=harga",
        "/feed/",
        "/feed/atom/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-news.xml",
        "/robots.txt",
        first(r'href="(/halaman/[\w-]+/)"'),
        "/en/",
    ]


def test_forwarded_scheme_headers_from_a_reader_change_nothing_for_other_readers(stack):
    url = stack["url"]
    paths = page_paths(url)
    assert len(set(paths)) == 16
    for path in paths:
        # Enough requests that every worker (each with its own in-memory copies) answers some.
        for headers in POISON * 4:
            status, _, body = request(url + path, headers)
            assert status == 200, (path, headers, status)
            assert b"https://127.0.0.1" not in body, (path, headers)
        for _ in range(4 * WORKERS):
            status, _, body = request(url + path)
            assert status == 200, path
            assert b"https://127.0.0.1" not in body, path
            assert b"http://127.0.0.1" in body, path


def page_keys(client):
    return [key for key in client.scan_iter(match="*:page:*", count=1000)]


def test_two_thousand_junk_query_strings_add_one_page_at_most(stack):
    url, client = stack["url"], stack["redis"]
    path = page_paths(url)[2]
    request(url + path)
    before = len(page_keys(client))
    statuses = set()
    for n in range(1000):
        statuses.add(request(f"{url}{path}?utm_source=n{n}")[0])
        status, headers, _ = request(f"{url}{path}?junk{n}=1")
        statuses.add(status)
        assert headers["Location"] == path
    assert statuses == {200, 301}
    assert len(page_keys(client)) - before <= 1


def test_refusing_gzip_or_forging_cookies_never_changes_what_readers_get(stack):
    url = stack["url"]
    path = page_paths(url)[2] + "?utm_campaign=x"
    for refusal in ("xgzip", "gzip;q=0"):
        for _ in range(2 * WORKERS):
            _, headers, _ = request(url + path, {"Accept-Encoding": refusal})
            assert headers.get("Content-Encoding") is None
    for _ in range(2 * WORKERS):
        _, headers, body = request(url + path, {"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"
        assert b"</html>" in gzip.decompress(body)
    for cookie in ("sessionid=forged0000000000000000000000000000", "csrftoken=bogus", "sessionid=x"):
        status, headers, _ = request(url + path, {"Cookie": cookie})
        assert status == 200 and headers["X-Cache"] == "HIT", cookie
        assert headers.get("Set-Cookie") is None
