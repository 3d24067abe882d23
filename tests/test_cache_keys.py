"""What a cached page is kept under: nothing a reader sends may change what other readers get.

The scheme, the encoding, the query string and cookies each once let one
request decide (or bypass) the copy served to everyone (issue 11, items 10, 11).
"""

import gzip

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from .factories import make_article, make_author, make_page, make_section, make_user
from .servers import ROOT, settings_value

pytestmark = pytest.mark.django_db

FORWARDED_HTTPS = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_SSL": "on"}
LONG_BODY = "<p>" + "Kalimat panjang yang bisa dimampatkan. " * 200 + "</p>"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def site():
    section = make_section(name="Politik", slug="politik")
    author = make_author(name="Rina Wulandari", slug="rina-wulandari")
    article = make_article(
        headline="Pemilu Serentak Digelar", section=section, authors=[author], tags=["Pemilu"], body=LONG_BODY
    )
    make_page(title="Tentang Kami", slug="tentang-kami")
    return article


def page_urls(article):
    """One address of every cached page type."""
    return [
        "/",
        "/politik/",
        article.get_absolute_url(),
        "/tag/pemilu/",
        "/penulis/rina-wulandari/",
        "/indeks/",
        "/cari/?q=pemilu",
        "/feed/",
        "/feed/atom/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
        "/sitemap-pages.xml",
        "/sitemap-news.xml",
        "/robots.txt",
        "/halaman/tentang-kami/",
        "/en/",
    ]


# --- The scheme (item 10) -------------------------------------------------------------------


def test_a_forwarded_https_claim_never_reaches_other_readers(site):
    """With HTTPS off (make serve), X-Forwarded-Proto/-Ssl from a reader is not trusted at all."""
    # A Host header, as every browser sends: else Django names port 80 for https and keys differ by luck.
    client = Client(HTTP_HOST="testserver")
    for url in page_urls(site):
        attacker = client.get(url, **FORWARDED_HTTPS)
        assert attacker.status_code == 200, url
        reader = client.get(url)
        assert reader.status_code == 200, url
        body = reader.content.decode()
        assert "https://testserver" not in body, url
        assert "http://testserver" in body, url


def test_pages_for_https_and_http_are_cached_apart(site, settings):
    """Behind a TLS proxy (HTTPS on), the scheme is part of the key all the same."""
    client = Client(HTTP_HOST="testserver")
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    url = site.get_absolute_url()
    secure = client.get(url, HTTP_X_FORWARDED_PROTO="https")
    assert f"https://testserver{url}" in secure.content.decode()
    plain = client.get(url)
    assert plain["X-Cache"] == "MISS"
    assert f"https://testserver{url}" not in plain.content.decode()
    assert client.get(url, HTTP_X_FORWARDED_PROTO="https")["X-Cache"] == "HIT"


def test_the_forwarded_proto_header_is_trusted_only_with_https_on():
    assert settings_value({"HTTPS": "0"}, "settings.SECURE_PROXY_SSL_HEADER") == "None"
    assert settings_value({"HTTPS": "1"}, "settings.SECURE_PROXY_SSL_HEADER") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_gunicorn_leaves_the_scheme_to_django():
    namespace = {}
    exec((ROOT / "newsportal" / "gunicorn.conf.py").read_text(), namespace)
    # gunicorn's default also trusts X-Forwarded-Ssl and -Protocol from 127.0.0.1: every `make serve` client.
    assert namespace["secure_scheme_headers"] == {}


# --- The encoding (item 11) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("x-gzip", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("xgzip", False),
        ("gzipx", False),
        ("br, deflate", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=nonsense", False),
        ("*;q=0.5, gzip;q=0", False),
        ("*, gzip;q=0", False),
        ("*;q=0", False),
    ],
)
def test_accept_encoding_is_parsed_by_token_and_quality(header, expected):
    from pagecache.keys import accepts_gzip

    assert accepts_gzip(header) is expected


@pytest.mark.parametrize("refusal", ["xgzip", "gzip;q=0", "identity", "br"])
def test_a_client_refusing_gzip_never_decides_what_gzip_readers_get(client, site, refusal):
    url = site.get_absolute_url()
    refused = client.get(url, HTTP_ACCEPT_ENCODING=refusal)
    assert "Content-Encoding" not in refused
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert compressed["Content-Encoding"] == "gzip"
    assert b"Pemilu Serentak Digelar" in gzip.decompress(compressed.content)
    # ... and the other way round: a gzip reader never fills the copy for one who refuses it.
    assert "Content-Encoding" not in client.get(url, HTTP_ACCEPT_ENCODING=refusal)
    assert client.get(url, HTTP_ACCEPT_ENCODING=refusal)["X-Cache"] == "HIT"


# --- The query string (item 11) --------------------------------------------------------------


def count_renders(monkeypatch):
    """Return a list that gets one entry per page rendered (a page cache miss that reached a view)."""
    from pagecache import middleware

    renders = []
    original = middleware.PublicPageCacheMiddleware.is_cacheable_response

    def counting(response):
        renders.append(response.status_code)
        return original(response)

    monkeypatch.setattr(middleware.PublicPageCacheMiddleware, "is_cacheable_response", staticmethod(counting))
    return renders


def stored_keys(monkeypatch):
    from pagecache import middleware

    keys = set()
    original = middleware.cache.set

    def recording(key, *args, **kwargs):
        keys.add(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(middleware.cache, "set", recording)
    return keys


def test_two_thousand_tracking_parameters_cost_one_render_and_one_key(client, site, monkeypatch):
    renders, keys = count_renders(monkeypatch), stored_keys(monkeypatch)
    url = site.get_absolute_url()
    bodies = set()
    for n in range(2000):
        tracking = ["utm_source", "utm_campaign", "fbclid", "gclid", "utm_medium"][n % 5]
        response = client.get(f"{url}?{tracking}=n{n}")
        assert response.status_code == 200
        bodies.add(response.content)
    assert len(renders) == 1
    assert len([key for key in keys if key.startswith("page:")]) == 1
    assert len(bodies) == 1
    assert b"utm_source" not in bodies.pop()


def test_two_thousand_unknown_parameters_redirect_to_the_canonical_page_without_rendering(
    client, site, monkeypatch
):
    renders, keys = count_renders(monkeypatch), stored_keys(monkeypatch)
    for n in range(2000):
        response = client.get(f"/politik/?junk{n}=1&page=1")
        assert response.status_code == 301
        assert response["Location"] == "/politik/?page=1"
    assert renders == [] and not [key for key in keys if key.startswith("page:")]
    assert client.get("/politik/?page=1").status_code == 200
    assert len(renders) == 1


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/?page=2", "/"),
        ("/?utm_source=x&s=pemilu", "/"),
        ("/politik/?page=2&sort=old", "/politik/?page=2"),
        ("/cari/?q=pemilu&section=politik&from=2024-01-01&to=2030-01-01&page=1&x=1", None),
        ("/cari/?q=pemilu&x=1&utm_source=y", "/cari/?q=pemilu"),
        ("/indeks/?date=2024-01-01&section=politik&format=json", "/indeks/?date=2024-01-01&section=politik"),
        ("/feed/?page=2", "/feed/"),
        ("/sitemap-articles.xml?p=1&q=2", "/sitemap-articles.xml?p=1"),
        ("/robots.txt?x", "/robots.txt"),
        ("/en/cari/?q=pemilu&x=1", "/en/cari/?q=pemilu"),
    ],
)
def test_each_page_keeps_only_the_parameters_it_reads(client, site, url, location):
    response = client.get(url)
    if location is None:
        assert response.status_code == 301
        assert "x=1" not in response["Location"] and "page=1" in response["Location"]
    else:
        assert response.status_code == 301, url
        assert response["Location"] == location


def test_parameter_order_and_tracking_parameters_share_one_copy(client, site):
    first = client.get("/cari/?q=pemilu&section=politik")
    assert first["X-Cache"] == "MISS"
    assert client.get("/cari/?section=politik&q=pemilu")["X-Cache"] == "HIT"
    assert client.get("/cari/?section=politik&utm_source=x&q=pemilu")["X-Cache"] == "HIT"


def test_the_views_declare_the_parameters_their_forms_read(site):
    from articles.forms import ArticleIndexForm, SearchForm

    def names(form_class):
        form = form_class(sections={})
        return {form.add_prefix(name) for name in form.fields}

    assert view_query_parameters_for("/cari/") == names(SearchForm) | {"page"}
    assert view_query_parameters_for("/indeks/") == names(ArticleIndexForm) | {"page"}
    assert view_query_parameters_for("/politik/") == {"page"}
    assert view_query_parameters_for(site.get_absolute_url()) == set()


def view_query_parameters_for(path):
    from django.test import RequestFactory

    from pagecache.keys import view_query_parameters

    return view_query_parameters(RequestFactory().get(path))


def test_query_parameters_wraps_functions_and_marks_classes():
    from pagecache import query_parameters

    def view(request):
        return "answer"

    declared = query_parameters("p")(view)
    assert declared is not view and declared(None) == "answer"
    assert not hasattr(view, "page_cache_query_parameters")
    assert resolve("/sitemap-articles.xml").func.page_cache_query_parameters == {"p"}


def test_a_path_that_leads_to_no_view_is_never_stored_whatever_its_query(client, monkeypatch):
    keys = stored_keys(monkeypatch)
    for n in range(50):
        assert client.get(f"/cari?q={n}").status_code == 301  # APPEND_SLASH
    assert not [key for key in keys if key.startswith("page:")]


# --- Cookies (item 11) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cookies",
    [
        {"sessionid": "forged0000000000000000000000000000"},
        {"sessionid": "x"},
        {"csrftoken": "bogus"},
        {"csrftoken": "\x00" * 64},
        {"sessionid": "abcdefghijklmnopqrstuvwxyz012345", "csrftoken": "bogus"},
    ],
)
def test_forged_cookies_get_the_cached_page_without_a_query(site, cookies):
    url = site.get_absolute_url()
    Client().get(url)  # a reader fills the cache
    forger = Client()
    for name, value in cookies.items():
        forger.cookies[name] = value
    with CaptureQueriesContext(connection) as queries:
        response = forger.get(url)
    assert response["X-Cache"] == "HIT"
    assert len(queries.captured_queries) == 0


@pytest.mark.parametrize(
    "cookies", [{"sessionid": "forged0000000000000000000000000000"}, {"csrftoken": "bogus"}]
)
def test_a_forged_cookie_on_a_cold_page_fills_the_cache_for_everyone(site, cookies):
    forger = Client()
    for name, value in cookies.items():
        forger.cookies[name] = value
    first = forger.get(site.get_absolute_url())
    assert first["X-Cache"] == "MISS" and not first.cookies
    assert Client().get(site.get_absolute_url())["X-Cache"] == "HIT"


def test_a_real_staff_session_still_bypasses_the_cache(site):
    Client().get("/")
    staff = Client()
    staff.force_login(make_user(group="Editor"))
    response = staff.get("/")
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_session_keys_are_signed_so_a_forgery_costs_no_lookup(site):
    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    store.create()
    assert engine.SessionStore(session_key=store.session_key).session_key == store.session_key
    assert engine.SessionStore(session_key=store.session_key).exists(store.session_key)
    tampered = store.session_key[:-1] + ("0" if store.session_key[-1] != "0" else "1")
    with CaptureQueriesContext(connection) as queries:
        forged = engine.SessionStore(session_key=tampered)
        assert forged.session_key is None
        assert forged.get("_auth_user_id") is None
    assert len(queries.captured_queries) == 0


def test_a_configured_key_parameter_is_kept_on_every_page(client, site, settings):
    """make bench's cold runs: a parameter set to a new value each time must miss the cache."""
    settings.PAGE_CACHE_KEY_PARAMETERS = ["_bench"]
    url = site.get_absolute_url()
    assert client.get(f"{url}?_bench=1")["X-Cache"] == "MISS"
    assert client.get(f"{url}?_bench=2")["X-Cache"] == "MISS"
    assert client.get(f"{url}?_bench=2")["X-Cache"] == "HIT"
