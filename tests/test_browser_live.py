"""A live coverage in a real Chromium at 360 px: new updates arrive without a reload, where the reader is."""

import os
from pathlib import Path

import pytest

from articles import services

from .conftest import CHROMIUM
from .factories import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

PHONE = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("LIVE_SHOTS_DIR", "/work/scratch/shots"))
# Polls come every second (±20%): an update is on the page within about one, so this is generous.
ARRIVAL_MS = 10_000
LONG_BODY = "".join(f"<p>Laporan nomor {n}: warga bertahan di tenda pengungsian.</p>" for n in range(8))


@pytest.fixture
def coverage(monkeypatch):
    monkeypatch.setattr("articles.live.POLL_SECONDS", 1)
    article = make_article(headline="Gempa Magnitudo 6,1 Guncang Wanaraya", slug="gempa-wanaraya")
    return services.live_coverage_start(article=article, by=None)


def publish(coverage, body, **fields):
    return services.live_update_add(article=coverage, by=None, body=body, publish=True, **fields)


def open_coverage(browser, live_server, coverage, **context):
    page = browser.new_context(viewport=PHONE, **context).new_page()
    response = page.goto(live_server.url + coverage.get_absolute_url())
    assert response.status == 200
    return page


def is_poll(response):
    return "/pembaruan/?sejak=" in response.url


def update_ids(page):
    return page.locator("[data-live-updates] > [data-update-id]").evaluate_all(
        "items => items.map(item => Number(item.dataset.updateId))"
    )


def scroll_into_updates(page):
    """Scroll the page so the reader is 300 px into the updates (their top above the viewport)."""
    page.evaluate(
        "window.scrollTo(0, document.querySelector('[data-live-updates]').getBoundingClientRect().top"
        " + window.scrollY + 300)"
    )
    assert page.locator("[data-live-updates]").evaluate("list => list.getBoundingClientRect().top < 0")


def summary_ids(page):
    return page.locator("[data-live-summary] > li").evaluate_all(
        "items => items.map(item => Number(item.dataset.summaryId))"
    )


def wait_for_announcement(page, text):
    page.wait_for_function(
        "text => document.querySelector('[data-live-announcer]').textContent === text",
        arg=text,
        timeout=ARRIVAL_MS,
    )


def test_a_published_update_appears_on_an_open_page_and_is_announced(browser, live_server, coverage):
    first = publish(coverage, "<p>Tim SAR tiba di lokasi.</p>", title="Tim SAR tiba", is_key=True)
    page = open_coverage(browser, live_server, coverage)
    assert page.locator("[data-live-updates]").evaluate("list => list.getBoundingClientRect().top >= 0")
    new = publish(coverage, "<p>Listrik padam di tiga kecamatan.</p>", title="Listrik padam", is_key=True)
    page.wait_for_selector(f"#{new.anchor}", timeout=ARRIVAL_MS)
    wait_for_announcement(page, "Ada 1 pembaruan baru.")
    assert update_ids(page) == [new.pk, first.pk]  # newest first
    assert summary_ids(page) == [new.pk, first.pk]
    assert page.locator("[data-live-notice]").is_hidden()
    assert page.evaluate("document.activeElement === document.body")
    assert page.locator("[data-live]").get_attribute("data-live-sequence") == str(new.sequence)
    for width in (360, 320):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the coverage scrolls sideways by {overflow}px at {width}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".article__header").screenshot(path=str(SHOTS / "live-320-header.png"))
    page.locator("[data-live]").screenshot(path=str(SHOTS / "live-320.png"))
    page.context.close()


def test_a_reader_down_the_list_gets_a_notice_instead_of_a_jump(browser, live_server, coverage):
    for n in range(4):
        publish(coverage, LONG_BODY, title=f"Laporan {n}")
    page = open_coverage(browser, live_server, coverage)
    scroll_into_updates(page)
    scrolled = page.evaluate("window.scrollY")
    before = update_ids(page)
    new = publish(coverage, "<p>Jembatan Sungai Wana putus.</p>", title="Jembatan putus")
    button = page.locator("[data-live-show]")
    button.wait_for(state="visible", timeout=ARRIVAL_MS)
    assert button.inner_text() == "1 pembaruan baru"
    wait_for_announcement(page, "Ada 1 pembaruan baru.")
    assert update_ids(page) == before and page.locator(f"#{new.anchor}").count() == 0
    assert page.evaluate("window.scrollY") == scrolled
    # Sticky: the reader sees the notice where they are, and can press it comfortably.
    box = button.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]
    assert box["width"] >= 44 and box["height"] >= 24
    assert page.evaluate("document.activeElement === document.body")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-360-notice.png"))
    page.get_by_role("button", name="1 pembaruan baru").click()
    assert update_ids(page) == [new.pk, *before]
    assert page.evaluate("document.activeElement.id") == new.anchor
    assert page.locator(f"#{new.anchor}").get_attribute("tabindex") == "-1"
    assert page.locator(f"#{new.anchor}").evaluate("el => el.getBoundingClientRect().top >= 0")
    assert page.locator("[data-live-notice]").is_hidden()
    page.context.close()


def test_an_oldest_first_coverage_adds_at_the_end_wherever_the_reader_is(browser, live_server, coverage):
    coverage.live_oldest_first = True
    coverage = services.article_save(article=coverage, by=None)
    before = [publish(coverage, LONG_BODY, title=f"Babak {n}").pk for n in range(3)]
    page = open_coverage(browser, live_server, coverage)
    scroll_into_updates(page)
    new = publish(coverage, "<p>Gol!</p>", title="Gol")
    page.wait_for_selector(f"#{new.anchor}", timeout=ARRIVAL_MS)
    assert update_ids(page) == [*before, new.pk]
    assert page.locator("[data-live-notice]").is_hidden()
    wait_for_announcement(page, "Ada 1 pembaruan baru.")
    assert page.evaluate("document.activeElement === document.body")
    page.context.close()


def test_an_edit_replaces_the_update_in_place_and_a_removal_takes_it_off(browser, live_server, coverage):
    oldest = publish(coverage, "<p>Korban 3 orang.</p>", title="Korban", is_key=True)
    middle = publish(coverage, "<p>Posko dibuka di balai desa.</p>", title="Posko", is_key=True)
    newest = publish(coverage, "<p>Hujan turun sejak siang.</p>")
    page = open_coverage(browser, live_server, coverage)
    assert update_ids(page) == [newest.pk, middle.pk, oldest.pk]
    page.evaluate(f"window.shown = document.getElementById('{oldest.anchor}')")
    services.live_update_edit(update=oldest, by=None, changes={"body": "<p>Korban 4 orang.</p>"})
    services.live_update_remove(update=middle, by=None)
    page.wait_for_function(
        f"() => document.querySelector('#{oldest.anchor}').textContent.includes('Korban 4 orang')"
        f" && !document.getElementById('{middle.anchor}')",
        timeout=ARRIVAL_MS,
    )
    assert page.evaluate("!document.contains(window.shown)")  # a new element, in the old one's place
    assert update_ids(page) == [newest.pk, oldest.pk]
    assert page.locator(f"#{oldest.anchor} .live-update__edited").count() == 1
    assert summary_ids(page) == [oldest.pk]
    # Nothing new arrived: no notice, nothing announced, focus where it was.
    assert page.locator("[data-live-notice]").is_hidden()
    assert page.locator("[data-live-announcer]").text_content() == ""
    assert page.evaluate("document.activeElement === document.body")
    page.context.close()


def test_a_poll_that_finds_nothing_is_a_304(browser, live_server, coverage):
    publish(coverage, "<p>Satu.</p>")
    page = browser.new_context(viewport=PHONE).new_page()
    polls = []
    page.on("response", lambda response: polls.append(response) if is_poll(response) else None)
    page.goto(live_server.url + coverage.get_absolute_url())
    unchanged = page.wait_for_event(
        "response", predicate=lambda r: is_poll(r) and r.status == 304, timeout=ARRIVAL_MS
    )
    assert polls[0].status == 200  # the page had no ETag yet
    headers = unchanged.request.all_headers()
    assert headers["if-none-match"] == polls[0].headers["etag"]
    assert "cookie" not in headers  # credentials: "omit"
    assert unchanged.request.sizes()["responseBodySize"] == 0
    page.context.close()


def test_a_failing_endpoint_is_polled_less_and_less_often(browser, live_server, coverage):
    publish(coverage, "<p>Satu.</p>")
    page = browser.new_context(viewport=PHONE).new_page()
    page.route("**/pembaruan/?sejak=*", lambda route: route.fulfill(status=503, body="down"))
    page.goto(live_server.url + coverage.get_absolute_url())
    times = []
    for _ in range(3):
        page.wait_for_event("request", predicate=is_poll, timeout=ARRIVAL_MS)
        times.append(page.evaluate("performance.now()"))
    # After a failure 2 s (1.6-2.4 with the jitter), after two 4 s (3.2-4.8), instead of 1 s (0.8-1.2).
    first, second = times[1] - times[0], times[2] - times[1]
    assert first > 1200
    assert second > 1.3 * first
    page.context.close()


def test_the_end_of_the_coverage_stops_the_polling_and_drops_the_badge(browser, live_server, coverage):
    publish(coverage, "<p>Satu.</p>")
    page = open_coverage(browser, live_server, coverage)
    assert page.locator(".article__header .label--live").count() == 1
    services.live_coverage_end(article=coverage, by=None)
    page.wait_for_function(
        "() => document.querySelector('[data-live-status]').textContent"
        " === 'Liputan langsung ini telah berakhir.'",
        timeout=ARRIVAL_MS,
    )
    assert page.locator(".article__header .label--live").count() == 0
    page.context.close()


def test_without_javascript_every_update_shows_and_a_reload_brings_new_ones(browser, live_server, coverage):
    key = publish(coverage, "<p>Status tanggap darurat ditetapkan.</p>", title="Tanggap darurat", is_key=True)
    plain = publish(coverage, "<p>Bantuan logistik dikirim.</p>")
    page = open_coverage(browser, live_server, coverage, java_script_enabled=False)
    assert update_ids(page) == [plain.pk, key.pk]
    assert page.locator("[data-live-summary-box]").is_visible()
    assert page.locator("[data-live-summary] > li").count() == 1
    assert page.locator(f"[data-live-summary] a[href='#{key.anchor}']").is_visible()
    assert page.locator("[data-live-notice]").is_hidden()
    new = publish(coverage, "<p>Sekolah diliburkan.</p>")
    page.reload()
    assert update_ids(page) == [new.pk, plain.pk, key.pk]
    page.context.close()
