"""Embeds that respect readers: placeholders with nothing third-party, metadata fetched once at save time."""

import io
import json
import re
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from articles import embeds, services
from articles.html import sanitize_body
from articles.models import Article, Embed
from articles.precomputed import served_body
from pagecache.generation import FakeStore, using_store
from pagecache.local import LOCAL_PAGES
from pagecache.middleware import ASSEMBLED

from .factories import make_article

VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
VIDEO_BODY = f'<p>Pembuka berita.</p><p><a href="{VIDEO}">{VIDEO}</a></p><p>Penutup.</p>'
POST = "https://x.com/kominfo/status/1234567890"
SITE = "http://testserver"


def png_bytes(size=(640, 360), colour="#1d3557"):
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format="PNG")
    return output.getvalue()


class FakeProvider:
    """A real local HTTP server standing in for a provider: routes path -> (status, headers, body)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                provider.requests.append(self.path)
                status, headers, body = provider.routes.get(self.path.split("?")[0], (404, {}, b"no"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and headers.get("X-No-Length") is None:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def oembed(self, **data):
        data.setdefault("thumbnail_url", f"{self.url}/thumb.png")
        self.routes["/oembed"] = (200, {"Content-Type": "application/json"}, json.dumps(data).encode())

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    settings.ARTICLES_OEMBED_ENDPOINTS = {"youtube": f"{fake.url}/oembed", "x": f"{fake.url}/oembed"}
    fake.routes["/thumb.png"] = (200, {"Content-Type": "image/png"}, png_bytes())
    yield fake
    fake.close()


def third_party_urls(page):
    """Every absolute address the page makes a browser load or names, with the attribute naming it."""
    return [
        (attribute, url)
        for attribute, url in re.findall(
            r'\b(src|srcset|href|data-[a-z-]+|action|poster)="(https?://[^"]*)"', page
        )
        if not url.startswith(SITE)
    ]


# --- Recognising addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "provider", "url", "player"),
    [
        (VIDEO + "&t=30s", "youtube", VIDEO, "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
        (
            "https://youtu.be/aqz-KE-bpKQ",
            "youtube",
            VIDEO,
            "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1",
        ),
        (
            "https://twitter.com/kominfo/status/1234567890?s=20",
            "x",
            POST,
            "https://platform.twitter.com/embed/Tweet.html?id=1234567890",
        ),
        (
            "https://www.instagram.com/p/C1a2b3c4d5/",
            "instagram",
            "https://www.instagram.com/p/C1a2b3c4d5/",
            "https://www.instagram.com/p/C1a2b3c4d5/embed",
        ),
        (
            "https://www.tiktok.com/@kominfo/video/7100000000000000000?lang=id",
            "tiktok",
            "https://www.tiktok.com/@kominfo/video/7100000000000000000",
            "https://www.tiktok.com/embed/v2/7100000000000000000",
        ),
        (
            "https://www.facebook.com/watch/?v=1000000000",
            "facebook",
            "https://www.facebook.com/watch/?v=1000000000",
            "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D1000000000"
            "&show_text=false",
        ),
        (
            "https://open.spotify.com/intl-id/episode/4rOoJ6Egrf8K2IrywzwOMk?si=a",
            "spotify",
            "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
            "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk",
        ),
        (
            "https://www.google.com/maps/@-6.1754,106.8272,15z",
            "maps",
            "https://www.google.com/maps/@-6.1754,106.8272,15z",
            "https://www.google.com/maps?q=-6.1754%2C106.8272&z=15&output=embed",
        ),
    ],
)
def test_supported_addresses_are_recognised_normalised_and_given_a_privacy_friendly_player(
    address, provider, url, player
):
    ref = embeds.embed_ref(address)
    assert (ref.provider.key, ref.url, ref.player) == (provider, url, player)


@pytest.mark.parametrize(
    "address",
    [
        "https://example.com/watch?v=aqz-KE-bpKQ",
        "https://www.youtube.com.evil.example/watch?v=aqz-KE-bpKQ",
        "javascript:alert(1)//https://youtu.be/aqz-KE-bpKQ",
        "ftp://youtu.be/aqz-KE-bpKQ",
        "https://maps.app.goo.gl/abc",  # a short link: it would take a request to resolve
    ],
)
def test_other_addresses_are_no_embed(address):
    assert embeds.embed_ref(address) is None


# --- The placeholder --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        f'<p><a href="{VIDEO}">{VIDEO}</a></p>',
        "<p>https://youtu.be/aqz-KE-bpKQ</p>",
        f"<figure>\n{VIDEO}\n</figure>",
    ],
)
def test_a_lone_address_becomes_a_placeholder_with_nothing_third_party_but_the_link(body):
    html = served_body(sanitize_body(body))
    assert html.startswith('<figure class="embed embed--youtube')
    assert '<span class="visually-hidden">Putar video YouTube: </span>' in html
    assert "<iframe" not in html and "<script" not in html
    assert third_party_urls(html) == [
        ("data-embed-src", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
        ("href", VIDEO),
    ]
    assert 'class="embed__blank"' in html  # no thumbnail yet: a neutral box with the name


@pytest.mark.django_db
def test_a_link_with_words_an_unknown_provider_and_running_text_stay_links():
    body = sanitize_body(
        f'<p><a href="{VIDEO}">Tonton videonya</a></p>'
        "<p>https://example.com/laporan?tahun=2025&amp;bulan=1</p>"
        f"<p>Lihat {VIDEO} di sana.</p>"
    )
    html = served_body(body)
    assert "embed" not in html
    assert f'<a href="{VIDEO}" rel="noopener noreferrer">Tonton videonya</a>' in html
    # An unknown provider's bare address becomes a plain link.
    assert (
        '<p><a href="https://example.com/laporan?tahun=2025&amp;bulan=1" rel="noopener noreferrer">'
        "https://example.com/laporan?tahun=2025&amp;bulan=1</a></p>"
    ) in html
    assert f"<p>Lihat {VIDEO} di sana.</p>" in html


@pytest.mark.django_db
def test_the_placeholder_shows_the_stored_title_and_thumbnail_from_our_media_and_escapes_them(
    django_assert_num_queries,
):
    Embed.objects.create(
        url=VIDEO,
        provider="youtube",
        title='Banjir <b>"Cibening"</b>',
        width=480,
        height=360,
        fetched_at=timezone.now(),
    )
    body = sanitize_body(f"<p>{VIDEO}</p><p>https://youtu.be/aqz-KE-bpKQ</p>")
    with django_assert_num_queries(1):  # all the embeds of a body at once
        html = embeds.render_embeds(body)
    assert html.count('<figure class="embed') == 2
    assert "Banjir &lt;b&gt;&quot;Cibening&quot;&lt;/b&gt;" in html and "<b>" not in html
    assert "embed--r4x3" in html  # the reported 480 x 360


# --- Fetching at save time, from a real local server ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_saving_an_article_fetches_title_and_thumbnail_once_and_keeps_them_on_our_media(provider, client):
    provider.oembed(title="Big Buck Bunny", author_name="Blender", width=1280, height=720)
    article = make_article(body=VIDEO_BODY)
    embed = Embed.objects.get(url=VIDEO)
    assert (embed.provider, embed.title, embed.author_name, embed.fetch_error) == (
        "youtube",
        "Big Buck Bunny",
        "Blender",
        "",
    )
    assert embed.thumbnail.name.startswith("embeds/") and embed.thumbnail_renditions["fallback"]
    oembed_calls = [path for path in provider.requests if path.startswith("/oembed")]
    assert (
        len(oembed_calls) == 1
        and "url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3Daqz-KE-bpKQ" in oembed_calls[0]
    )
    assert provider.requests.count("/thumb.png") == 1

    article.refresh_from_db()
    assert (
        'Putar video YouTube: </span><span class="embed__text"><span class="embed__title">Big Buck Bunny'
        in article.body_html
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Big Buck Bunny" in page and "/media/renditions/" in page
    # The only third-party addresses: the player waiting for a click and the plain link to the original.
    body_urls = third_party_urls(page.split('<div class="article-body">')[1].split("</article>")[0])
    assert [url for attribute, url in body_urls if attribute != "href" or "youtube" in url] == [
        "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1",
        VIDEO,
    ]
    assert not re.search(
        r'<(?:iframe|script|img|source|link)\b[^>]*(?:src|srcset|href)="https?://(?!testserver)', page
    )

    # Readers never cause a fetch, and a later save does not fetch again.
    services.article_save(article=Article.objects.get(pk=article.pk))
    assert len([path for path in provider.requests if path.startswith("/oembed")]) == 1


@pytest.mark.django_db
def test_a_save_inside_a_transaction_fetches_after_it_commits_and_renders_the_body_again(
    provider, django_capture_on_commit_callbacks
):
    """As the admin's change form saves: inside its transaction, so nothing waits on the network there."""
    provider.oembed(title="Dari dalam transaksi")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = make_article(body=VIDEO_BODY)
        assert provider.requests == []  # not while the transaction is open
    for callback in callbacks:
        callback()
    assert Embed.objects.get(url=VIDEO).title == "Dari dalam transaksi"
    article.refresh_from_db()
    assert (
        'Putar video YouTube: </span><span class="embed__text">'
        '<span class="embed__title">Dari dalam transaksi' in article.body_html
    )


@pytest.mark.django_db(transaction=True)
def test_x_posts_take_their_text_as_title_without_any_script(provider):
    provider.oembed(
        html='<blockquote class="twitter-tweet"><p lang="in">Jalan <a href="#">ditutup</a> sementara.</p>'
        "</blockquote>",
        author_name="Kominfo",
        thumbnail_url="",
    )
    article = make_article(body=f"<p>{POST}</p>")
    assert Embed.objects.get(url=POST).title == "Jalan ditutup sementara."
    assert "omit_script=1" in provider.requests[0]
    article.refresh_from_db()
    assert (
        "Tampilkan unggahan X: </span>" in article.body_html
        and "Jalan ditutup sementara." in article.body_html
    )
    assert "platform.twitter.com/embed/Tweet.html?id=1234567890" in article.body_html


@pytest.mark.django_db(transaction=True)
def test_a_provider_that_never_answers_costs_the_timeout_and_the_article_saves(settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does), never answers a byte
    try:
        settings.ARTICLES_OEMBED_ENDPOINTS = {"youtube": f"http://127.0.0.1:{silent.getsockname()[1]}/oembed"}
        settings.ARTICLES_EMBED_TIMEOUT = 0.5
        started = time.monotonic()
        article = make_article(body=VIDEO_BODY)
        assert time.monotonic() - started < 3
    finally:
        silent.close()
    embed = Embed.objects.get(url=VIDEO)
    assert "tidak menjawab tepat waktu" in embed.fetch_error and embed.title == "" and embed.fetched_at
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert "Putar video YouTube: </span>" in article.body_html  # the address alone


@pytest.mark.django_db(transaction=True)
def test_the_time_budget_of_a_save_stops_a_trickling_answer(settings):
    def trickle(connection):
        connection.recv(4096)
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{")
        for _ in range(40):
            time.sleep(0.1)
            try:
                connection.sendall(b" ")
            except OSError:
                return

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    thread = threading.Thread(target=lambda: trickle(server.accept()[0]), daemon=True)
    thread.start()
    try:
        settings.ARTICLES_OEMBED_ENDPOINTS = {"youtube": f"http://127.0.0.1:{server.getsockname()[1]}/oembed"}
        settings.ARTICLES_EMBED_FETCH_BUDGET = 1
        started = time.monotonic()
        make_article(body=VIDEO_BODY)
        assert time.monotonic() - started < 2.5
    finally:
        server.close()
    assert "Waktu untuk mengambil sematan sudah habis" in Embed.objects.get(url=VIDEO).fetch_error


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_length", [True, False])
def test_an_oversized_answer_is_refused(provider, with_length):
    huge = json.dumps({"title": "x" * (embeds.JSON_MAX_BYTES + 10)}).encode()
    headers = {"Content-Type": "application/json"} if with_length else {"X-No-Length": "1"}
    provider.routes["/oembed"] = (200, headers, huge)
    make_article(body=VIDEO_BODY)
    embed = Embed.objects.get(url=VIDEO)
    assert "lebih besar dari" in embed.fetch_error and embed.title == ""


@pytest.mark.django_db(transaction=True)
def test_a_broken_thumbnail_keeps_the_title_and_no_picture(provider):
    provider.oembed(title="Judul tetap")
    provider.routes["/thumb.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG not really a picture")
    article = make_article(body=VIDEO_BODY)
    embed = Embed.objects.get(url=VIDEO)
    assert embed.title == "Judul tetap" and not embed.thumbnail
    assert "Gambar mini tidak dapat dipakai" in embed.fetch_error
    article.refresh_from_db()
    assert "Judul tetap" in article.body_html and 'class="embed__blank"' in article.body_html


@pytest.mark.django_db(transaction=True)
def test_a_thumbnail_or_redirect_to_another_host_is_not_followed(provider):
    port = provider.server.server_address[1]
    provider.oembed(title="Judul", thumbnail_url=f"http://localhost:{port}/thumb.png")  # not the named host
    make_article(body=VIDEO_BODY)
    embed = Embed.objects.get(url=VIDEO)
    assert "localhost bukan host milik YouTube" in embed.fetch_error and not embed.thumbnail
    assert "/thumb.png" not in provider.requests

    Embed.objects.all().delete()
    provider.routes["/oembed"] = (302, {"Location": f"http://localhost:{port}/oembed"}, b"")
    make_article(body=VIDEO_BODY)
    assert "localhost bukan host milik YouTube" in Embed.objects.get(url=VIDEO).fetch_error


@pytest.mark.django_db
def test_a_provider_host_at_a_private_address_is_refused():
    with pytest.raises(embeds.FetchError, match="bukan alamat publik"):
        embeds.public_address("localhost", 80)


@pytest.mark.django_db(transaction=True)
def test_without_network_the_article_saves_with_the_address_alone(settings):
    settings.ARTICLES_OEMBED_ENDPOINTS = {"youtube": "http://oembed.invalid/oembed"}
    article = make_article(body=VIDEO_BODY)
    embed = Embed.objects.get(url=VIDEO)
    assert "Tidak dapat menghubungi oembed.invalid" in embed.fetch_error
    article.refresh_from_db()
    assert (
        'data-embed-src="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"' in article.body_html
    )


@pytest.mark.django_db(transaction=True)
def test_a_failed_fetch_is_tried_again_only_after_an_hour(provider):
    provider.routes["/oembed"] = (500, {}, b"down")
    article = make_article(body=VIDEO_BODY)
    services.article_save(article=Article.objects.get(pk=article.pk))
    assert len(provider.requests) == 1
    Embed.objects.filter(url=VIDEO).update(fetched_at=timezone.now() - timedelta(hours=2))
    provider.oembed(title="Sudah pulih")
    services.article_save(article=Article.objects.get(pk=article.pk))
    assert Embed.objects.get(url=VIDEO).title == "Sudah pulih"
    assert "Sudah pulih" in Article.objects.get(pk=article.pk).body_html


@pytest.mark.django_db(transaction=True)
def test_providers_without_a_tokenless_oembed_are_saved_with_the_address_alone(provider):
    make_article(body="<p>https://www.instagram.com/p/C1a2b3c4d5/</p>")
    embed = Embed.objects.get(provider="instagram")
    assert embed.fetched_at and embed.fetch_error == "" and embed.title == ""
    assert provider.requests == []


# --- The page: its script and its Content-Security-Policy ---------------------------


def frame_src(response):
    policy = response["Content-Security-Policy"]
    found = re.search(r"frame-src ([^;]*)", policy)
    return found.group(1).split() if found else None


@pytest.mark.django_db
def test_only_pages_with_embeds_allow_frames_and_only_from_their_providers(client):
    plain = make_article(headline="Tanpa sematan", body="<p>Teks biasa.</p>")
    mixed = make_article(headline="Dua sematan", body=f"<p>{VIDEO}</p><p>{POST}</p>")
    plain_response = client.get(plain.get_absolute_url())
    assert frame_src(plain_response) is None
    assert "default-src 'self'" in plain_response["Content-Security-Policy"]
    assert b"js/embeds.js" not in plain_response.content

    response = client.get(mixed.get_absolute_url())
    assert frame_src(response) == ["https://platform.twitter.com", "https://www.youtube-nocookie.com"]
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert b'src="/static/js/embeds.js" defer' in response.content
    assert frame_src(client.get("/")) is None


@pytest.mark.django_db
def test_cached_and_stored_copies_of_a_page_keep_its_frame_src(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    with using_store(FakeStore()):
        article = make_article(body=f"<p>{VIDEO}</p>")
        path = article.get_absolute_url()
        first = client.get(path)
        assert first["X-Cache"] == "MISS" and frame_src(first) == ["https://www.youtube-nocookie.com"]
        second = client.get(path)
        assert second["X-Cache"] == "HIT" and frame_src(second) == ["https://www.youtube-nocookie.com"]
        # Hours later only the database's copy is left (pagecache/stored.py).
        cache.clear()
        ASSEMBLED.clear()
        LOCAL_PAGES.clear()
        stored = client.get(path)
        assert stored["X-Cache"] == "STORED" and frame_src(stored) == ["https://www.youtube-nocookie.com"]


@pytest.mark.django_db
def test_a_drafts_embed_is_shown_nowhere_public(client, editor_client):
    draft = make_article(headline="Draf dengan video", status=Article.Status.DRAFT, body=VIDEO_BODY)
    assert client.get(draft.get_absolute_url()).status_code == 404
    for path in ["/", "/indeks/", "/feed/", "/cari/?q=video"]:
        page = client.get(path)
        assert VIDEO.encode() not in page.content and b"youtube-nocookie" not in page.content, path
    # The editor previews it as readers will see it.
    preview = editor_client.get(draft.get_absolute_url())
    assert preview.status_code == 200 and frame_src(preview) == ["https://www.youtube-nocookie.com"]
