"""A real Chromium (Debian's, driven by Playwright) reading the site like a reader."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from .conftest import CHROMIUM
from .factories import make_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

LONG_BODY = "".join(
    f"<h2>Subjudul nomor {n}</h2>"
    + "".join(f"<p>{'Kalimat panjang berita contoh. ' * 30}</p>" for _ in range(3))
    for n in range(1, 4)
)


@pytest.fixture
def article():
    parent = make_section(name="Internasional", slug="internasional")
    child = make_section(name="Timur Tengah", slug="timur-tengah", parent=parent)
    for n in range(5):
        make_article(
            section=parent, headline=f"Berita dunia {n}", published_at=timezone.now() - timedelta(hours=n + 2)
        )
    return make_article(
        section=child,
        headline="Qatar Percepat Perjanjian Pertahanan dengan AS",
        body=LONG_BODY,
        tags=["Qatar"],
    )


@pytest.mark.parametrize("width", [320, 360, 1280])
def test_pages_fit_the_screen_without_horizontal_scrolling(browser, live_server, article, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    for path in ["/", "/internasional/", article.get_absolute_url()]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    page.close()


def test_table_of_contents_jumps_to_the_heading(browser, live_server, article):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_role("link", name="Subjudul nomor 3").first.click()
    page.wait_for_function("location.hash === '#subjudul-nomor-3'")
    top = page.evaluate("document.getElementById('subjudul-nomor-3').getBoundingClientRect().top")
    assert 0 <= top < 740
    page.close()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(browser, live_server, article):
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('href')]")
    assert focused == ["A", "#konten"]
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#konten"
    page.close()


def test_section_menu_reaches_a_section_page(browser, live_server, article):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    page.get_by_role("navigation").get_by_role("link", name="Internasional").first.click()
    page.wait_for_url(f"{live_server.url}/internasional/")
    assert "Berita dunia 0" in page.content()
    page.close()


def test_the_read_beacon_from_a_real_page_counts_once(browser, live_server, article):
    from articles.models import ArticleReadCount

    from .servers import wait_until
    from .test_popular import BROWSER

    def reads():
        return sum(ArticleReadCount.objects.filter(article=article).values_list("count", flat=True))

    # A reader's user agent: Chromium's own says "HeadlessChrome", which is not counted.
    page = browser.new_page(user_agent=BROWSER)
    with page.expect_request(lambda request: request.url.endswith("/api/baca/")) as sent:
        page.goto(live_server.url + article.get_absolute_url())
    headers = sent.value.all_headers()
    assert headers.get("origin") == live_server.url  # What the same-origin check relies on.
    wait_until(lambda: reads() == 1, seconds=10, message="the beacon's read")
    page.reload()
    with page.expect_response(lambda response: response.url.endswith("/api/baca/")) as answered:
        page.goto(live_server.url + article.get_absolute_url())
    assert answered.value.status == 204
    assert reads() == 1  # The same reader, the same hour.
    page.close()
