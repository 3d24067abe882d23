"""The WordPress import in a real Chromium (issue 14): an editor uploads an export, sees the preview and
imports it; a reader following an old WordPress link lands on the article."""

import os
from pathlib import Path

import pytest

from articles.models import Article

from .conftest import CHROMIUM
from .factories import ensure_newsroom_groups, make_user
from .test_browser_admin import PASSWORD, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

EXPORT = Path(__file__).parent / "fixtures" / "wordpress" / "kabarkota.xml"
HEADLINE = "Banjir rendam Jakarta Timur & Bekasi"


@pytest.fixture(autouse=True)
def _newsroom_groups(settings, tmp_path):
    ensure_newsroom_groups()
    settings.VAR_DIR = tmp_path / "var"  # the uploads wait under VAR_DIR/imports


def test_editor_imports_an_export_and_old_links_lead_readers_to_the_articles(browser, live_server):
    from playwright.sync_api import expect

    make_user(username="editor", group="Editor", password=PASSWORD)
    context, page, errors = log_in(browser, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.click("text=Impor dari WordPress")
    page.wait_for_url(f"{live_server.url}/admin/articles/article/import/wordpress/")

    page.set_input_files("#id_export", str(EXPORT))
    page.click("input[value='Tampilkan pratinjau']")
    report = page.locator(".wordpress-report")
    expect(report.locator("h2")).to_have_text("Pratinjau impor (belum ada yang disimpan)")
    expect(report.locator("tbody tr th", has_text="post")).to_have_count(1)
    expect(page.locator(".wordpress-import__confirm")).to_contain_text("kabarkota.xml")
    assert not Article.objects.exists()

    page.click("input[value='Impor sekarang']")
    expect(page.locator(".messagelist .success")).to_have_text("Ekspor WordPress sudah diimpor.")
    expect(page.locator(".wordpress-report h2")).to_have_text("Hasil impor")
    article = Article.objects.get(headline=HEADLINE)
    assert not errors, errors
    context.close()

    # A reader follows the old WordPress address and lands, after the 301, on the article.
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    response = page.goto(f"{live_server.url}/2024/03/01/banjir-jakarta-timur/")
    page.wait_for_url(live_server.url + article.get_absolute_url())
    assert response.status == 200
    assert response.request.redirected_from.response().status == 301
    expect(page.locator("h1")).to_have_text(HEADLINE)
    context.close()
