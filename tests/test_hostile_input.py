"""Hostile input from readers and staff: every answer is a 2xx/3xx/4xx, nothing executes, nothing 500s."""

import logging
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.html import sanitize_body
from articles.importers import ImportFileError, decode_article_file, parse_article

from .factories import make_article, make_author, make_page, make_section

# Slow: hundreds of generated inputs, each one a page render.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NASTY_VALUES = [
    "x" * 5000,
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    "1; DROP TABLE articles_article; --",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "\ud800",
    "😀🇮🇩",
    "%",
    "%%",
    "../../etc/passwd",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e10",
    " ",
    "",
    "AND",
    '"',
    "!:*&|",
    "-",
    "OR",
]
PARAMETERS = ["page", "q", "date", "section", "dari", "sampai", "from", "to", "lang"]


@pytest.fixture
def site(db):
    parent = make_section(name="Internasional", slug="internasional")
    child = make_section(name="Timur Tengah", slug="timur-tengah", parent=parent)
    author = make_author(slug="siti")
    article = make_article(section=child, authors=[author], tags=["Qatar"])
    make_page(slug="tentang-kami")
    return article


def public_paths(article):
    return [
        "/",
        "/internasional/",
        "/internasional/timur-tengah/",
        article.get_absolute_url(),
        "/tag/qatar/",
        "/penulis/siti/",
        "/halaman/tentang-kami/",
        "/cari/",
        "/indeks/",
        "/feed/",
        "/sitemap.xml",
        "/robots.txt",
        "/en/",
    ]


@pytest.fixture
def no_server_errors(caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    yield
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


def assert_safe(response):
    assert response.status_code < 500, response.status_code
    content = response.content.decode("utf-8", "replace") if hasattr(response, "content") else ""
    assert "<script>alert(1)</script>" not in content
    assert "<img src=x onerror" not in content


@pytest.mark.parametrize("value", NASTY_VALUES)
def test_nasty_query_parameters_never_break_a_public_page(client, site, no_server_errors, value):
    for path in public_paths(site):
        for parameter in PARAMETERS:
            # A lone surrogate reaches the server as invalid UTF-8 bytes (%ED%A0%80).
            encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
            assert_safe(client.get(f"{path}?{parameter}={encoded}"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300), page=st.text(max_size=30), date=st.text(max_size=30))
def test_any_search_index_and_page_parameters_give_a_page(client, site, query, page, date):
    for path in ["/cari/", "/indeks/", "/internasional/"]:
        response = client.get(path, {"q": query, "page": page, "date": date})
        assert_safe(response)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_path_is_answered_below_500(client, site, path):
    assert_safe(client.get("/" + quote(path, safe="/")))


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a/" * 400,
        "/" + "x" * 5000 + "/",
        "/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/../newsportal/settings.py",
        "/media/../../newsportal/settings.py",
        "/media/%2e%2e/%2e%2e/newsportal/settings.py",
        "/tag/%00/",
        "/penulis/%E2%80%8B/",
        "/internasional/2026/13/45/x/",
        "/internasional/0000/00/00/x/",
    ],
)
def test_hostile_paths(client, site, no_server_errors, path):
    response = client.get(path)
    assert_safe(response)
    assert b"SECRET_KEY" not in response.content


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE"])
def test_odd_methods_on_public_pages(site, no_server_errors, method):
    client = Client(enforce_csrf_checks=True)
    for path in public_paths(site):
        response = client.generic(method, path)
        assert response.status_code < 500, (method, path, response.status_code)


def test_bogus_host_and_huge_cookies_are_4xx(client, site, no_server_errors):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/", HTTP_HOST="127.0.0.1:8000\r\nX-Injected: 1").status_code == 400
    client.cookies["sessionid"] = "x" * 8000
    client.cookies["csrftoken"] = "\x00" * 100
    assert client.get("/").status_code < 500
    assert client.get(site.get_absolute_url()).status_code < 500


def test_odd_headers_are_harmless(client, site, no_server_errors):
    for headers in [
        {"HTTP_ACCEPT_LANGUAGE": "xx-ZZ;q=abc,,,"},
        {"HTTP_ACCEPT_ENCODING": "gzip;q=0, br;q=abc" * 100},
        {"HTTP_IF_NONE_MATCH": '"' * 500},
        {"HTTP_IF_MODIFIED_SINCE": "not a date"},
        {"HTTP_X_FORWARDED_PROTO": "gopher"},
        {"HTTP_RANGE": "bytes=999999-"},
        {"HTTP_USER_AGENT": "\x00" * 100},
    ]:
        assert client.get("/", **headers).status_code < 500


# --- Staff input ---------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '<p onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '<object data="evil.swf"></object>',
    '<form action="https://evil.example"><input name="x"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<h2 id="konten" onmouseover="alert(1)">Judul</h2>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<!--<script>alert(1)</script>-->",
    "<div><style>*{display:none}</style></div>",
]


FORBIDDEN_IN_BODY = [
    "<script", "onerror", "onclick", "onload", "onmouseover", "javascript:", "<iframe", "<svg",
    "<object", "<form", "<meta", "<base", "<style", "style=", "data:text",
]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_body_payloads_come_out_sanitized(payload):
    clean = sanitize_body(payload).lower()
    for forbidden in FORBIDDEN_IN_BODY:
        assert forbidden not in clean, (payload, clean)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_sanitizer_output_is_stable_and_script_free(text):
    clean = sanitize_body(text)
    assert sanitize_body(clean) == clean
    assert "<script" not in clean.lower()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_importer_decoding_never_crashes_on_bytes(data):
    try:
        text = decode_article_file(data, name="acak.txt")
    except ImportFileError:
        return
    try:
        parsed = parse_article(text, name="acak.txt")
    except ImportFileError:
        return
    assert "<script" not in parsed.body_html.lower()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=30))
def test_importer_parsing_never_crashes_on_text(lines):
    try:
        parsed = parse_article("\n".join(lines), name="acak.txt")
    except ImportFileError:
        return
    assert parsed.headline.strip()


@settings(max_examples=150, deadline=None)
@given(
    header=st.sampled_from(
        [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]
    ),
    data=st.binary(max_size=4000),
)
def test_uploads_of_any_bytes_are_accepted_as_images_or_refused_with_a_form_error(header, data):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.images import check_image_upload

    upload = SimpleUploadedFile("unggahan.jpg", header + data, content_type="image/jpeg")
    try:
        assert check_image_upload(upload)
    except ValidationError:
        pass
