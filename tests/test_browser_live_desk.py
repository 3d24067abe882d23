"""The live desk on a phone in a real Chromium: an editor publishes from the compact form at 360 px and a
reader's open page shows the update within seconds, without a reload; a writer's draft stays off it."""

import os
from pathlib import Path

import pytest

from articles import services
from articles.models import LiveUpdate

from .conftest import CHROMIUM
from .factories import ensure_newsroom_groups, make_article, make_author, make_user

PASSWORD = "newsportal-demo"
PHONE = {"width": 360, "height": 740}
# The closing note of issue 15 wants pictures of the desk and the reader's page.
SHOTS = Path(os.environ.get("LIVE_SHOTS_DIR", "/work/scratch/shots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _newsroom_groups():
    ensure_newsroom_groups()


@pytest.fixture
def coverage():
    article = make_article(headline="Laporan Langsung: Hitung Cepat Pilkada Wanaraya", slug="hitung-cepat")
    article = services.live_coverage_start(article=article, by=None)
    services.live_update_add(
        article=article,
        by=None,
        body="<p>TPS mulai menghitung suara.</p>",
        title="Penghitungan dimulai",
        publish=True,
    )
    return article


def phone_login(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page, errors


def shot(page, name):
    if SHOTS.parent.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_an_editor_publishes_from_the_phone_and_an_open_page_shows_it(browser, live_server, coverage):
    make_user(username="redaktur-langsung", group="Editor")
    reader = browser.new_context(viewport=PHONE).new_page()
    reader.goto(live_server.url + coverage.get_absolute_url())
    reader.wait_for_selector("[data-live-updates] .live-update")

    desk, errors = phone_login(browser, live_server, "redaktur-langsung")
    desk.goto(f"{live_server.url}/admin/articles/article/{coverage.pk}/live/")
    # The whole form fits a phone: no sideways scrolling, a big enough button.
    assert desk.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    publish = desk.locator("input[name=_publish]")
    box = publish.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    desk.fill("#id_title", "Hasil sementara")
    desk.fill("#id_body", "Pasangan nomor 2 unggul 52 persen.\n\nData masuk 61 persen.")
    desk.check("#id_is_key")
    shot(desk, "live-desk-360.png")
    address = desk.url
    publish.click()
    # Sent without a reload: the row comes back into the list, the page stays.
    desk.wait_for_selector(".live-desk__row--fresh", timeout=10_000)
    assert desk.url == address and desk.input_value("#id_body") == ""
    assert "terbit" in desk.inner_text("[data-live-desk-status]").lower()
    assert not errors

    # The reader's page, never reloaded, shows it (polling every few seconds).
    reader.wait_for_selector("text=Hasil sementara", timeout=15_000)
    assert reader.locator("[data-live-summary] li").count() == 1  # the key update, in the summary
    assert "pembaruan baru" in reader.inner_text("[data-live-announcer]").lower()
    shot(reader, "live-reader-360.png")
    update = LiveUpdate.objects.get(title="Hasil sementara")
    assert update.status == LiveUpdate.Status.PUBLISHED and update.is_key
    assert update.body == "<p>Pasangan nomor 2 unggul 52 persen.</p><p>Data masuk 61 persen.</p>"


def test_a_writers_draft_never_reaches_the_open_page(browser, live_server, coverage):
    writer = make_user(username="reporter-lapangan", group="Penulis")
    coverage.credits.create(author=make_author(user=writer, name="Reporter Lapangan"))
    reader = browser.new_context(viewport=PHONE).new_page()
    reader.goto(live_server.url + coverage.get_absolute_url())
    desk, errors = phone_login(browser, live_server, "reporter-lapangan")
    desk.goto(f"{live_server.url}/admin/articles/article/{coverage.pk}/live/")
    assert desk.locator("input[name=_publish]").count() == 0
    desk.fill("#id_body", "DRAF: suara di TPS 9 belum dihitung.")
    desk.click("input[name=_draft]")
    desk.wait_for_selector(".live-desk__row--fresh")
    assert not errors
    # An editor's update after the draft reaches the reader; the draft does not.
    services.live_update_add(article=coverage, by=None, body="<p>TPS 10 selesai.</p>", publish=True)
    reader.wait_for_selector("text=TPS 10 selesai.", timeout=15_000)
    assert "DRAF" not in reader.content()
