"""Click-to-load embeds in a real Chromium: no request leaves the site until the reader clicks."""

import io
import os
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.images import renditions_create
from articles.models import Embed

from .conftest import CHROMIUM
from .factories import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
PLAYER = "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"
POST = "https://x.com/kominfo/status/1234567890"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def article(settings):
    # Nothing may be fetched from the internet while the article is saved.
    settings.ARTICLES_OEMBED_ENDPOINTS = {"youtube": "http://oembed.invalid/", "x": "http://oembed.invalid/"}
    output = io.BytesIO()
    Image.new("RGB", (640, 360), "#1d3557").save(output, format="PNG")
    embed = Embed(url=VIDEO, provider="youtube", title="Big Buck Bunny", width=1280, height=720)
    embed.fetched_at = timezone.now()
    embed.thumbnail.save("thumb.png", ContentFile(output.getvalue()), save=False)
    embed.thumbnail_renditions = renditions_create(embed.thumbnail.name)
    embed.save()
    body = (
        "<p>Pembuka berita.</p>"
        f'<p><a href="{VIDEO}">{VIDEO}</a></p>'
        "<p>Tanggapan warganet:</p>"
        f"<p>{POST}</p>"
        "<p>Penutup berita.</p>"
    )
    return make_article(headline="Festival dengan Video", body=body)


def open_recorded(browser, url):
    """Open url in a fresh page; return (page, every request's address). Third parties get a stand-in."""
    page = browser.new_page(viewport={"width": 800, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    def stand_in(route):
        host = urlsplit(route.request.url).hostname
        if host in LOCAL_HOSTS:
            route.continue_()
        else:  # offline: the player is a local page saying what it stands for
            route.fulfill(
                status=200,
                content_type="text/html",
                body=f"<body style='background:#222;color:#fff;font:20px sans-serif'>Stand-in: {host}</body>",
            )

    page.route("**/*", stand_in)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, requests


def hosts(addresses):
    return {urlsplit(address).hostname for address in addresses}


def test_no_third_party_request_before_the_click_and_the_player_after_it(browser, live_server, article):
    page, requests = open_recorded(browser, live_server.url + article.get_absolute_url())
    button = page.get_by_role("button", name="Putar video YouTube: Big Buck Bunny")
    button.scroll_into_view_if_needed()
    # Polled predicates are eval()ed in the page, which its CSP forbids: wait on the load event instead.
    page.locator("img.embed__thumb").evaluate(
        "image => image.complete || new Promise(done => image.addEventListener('load', done, {once: true}))"
    )
    assert hosts(requests) <= LOCAL_HOSTS, [
        url for url in requests if urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert any("/static/js/embeds.js" in url for url in requests)
    assert any("/media/renditions/" in url for url in requests)  # the thumbnail, from our media
    assert page.locator("iframe").count() == 0

    before = len(requests)
    # The page's CSP lets the player's frame through: its request goes out.
    with page.expect_request(PLAYER):
        button.click()
    frame = page.locator(f'iframe[src="{PLAYER}"]')
    frame.wait_for()
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"  # focus moves in the click handler
    assert frame.get_attribute("title") == "Video YouTube: Big Buck Bunny"
    assert frame.get_attribute("referrerpolicy") == "strict-origin-when-cross-origin"
    assert PLAYER in requests[before:]
    # The other embed is still waiting for its own click.
    assert not any("twitter.com" in url for url in requests)
    assert page.get_by_role("button", name="Tampilkan unggahan X").is_visible()
    page.close()


def test_the_keyboard_loads_an_embed_and_the_player_gets_the_focus(browser, live_server, article):
    page, requests = open_recorded(browser, live_server.url + article.get_absolute_url())
    page.get_by_role("button", name="Tampilkan unggahan X").focus()
    page.keyboard.press("Enter")
    page.locator('iframe[src="https://platform.twitter.com/embed/Tweet.html?id=1234567890"]').wait_for()
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"  # focus moves in the click handler
    assert not any("youtube" in urlsplit(url).hostname for url in requests)
    page.close()


def test_a_frame_the_csp_does_not_list_is_blocked(browser, live_server, article):
    """The policy is real: only the page's own providers' frames may load."""
    page, requests = open_recorded(browser, live_server.url + article.get_absolute_url())
    with page.expect_console_message(lambda message: "frame-src" in message.text) as message:
        page.evaluate(
            """() => {
                const frame = document.createElement('iframe');
                frame.src = 'https://www.instagram.com/p/C1a2b3c4d5/embed';
                document.body.append(frame);
            }"""
        )
    assert "frame-src" in message.value.text
    assert not any("instagram" in url for url in requests)
    page.close()
