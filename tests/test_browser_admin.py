"""The newsroom in a real Chromium: a writer writes in the WYSIWYG editor and submits; an editor previews
and publishes; a reader sees the article with its table of contents."""

import os

import pytest

from articles.models import Article, Author

from .conftest import CHROMIUM
from .factories import ensure_newsroom_groups, make_section, make_user

PASSWORD = "newsportal-demo"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _newsroom_groups():
    # The groups come from a data migration; another transactional test's flush removes them.
    ensure_newsroom_groups()


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return context, page, errors


def test_writer_writes_and_submits_editor_previews_and_publishes_reader_sees_toc(browser, live_server):
    make_section(name="Nasional", slug="nasional")
    writer = make_user(username="penulis", group="Penulis", password=PASSWORD)
    Author.objects.create(name="Siti Rahma", slug="siti-rahma", user=writer)
    make_user(username="editor", group="Editor", password=PASSWORD)

    # The writer writes in the WYSIWYG editor: two H2s (markdown-style "## "), a paragraph, a link.
    context, page, errors = log_in(browser, live_server, "penulis")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Banjir Rendam Tiga Desa di Wanaraya")
    page.fill("#id_dek", "Warga mengungsi ke balai desa.")
    page.click(".field-section .select2-selection")
    page.fill(".select2-search__field", "Nas")
    page.click(".select2-results__option:has-text('Nasional')")
    editor = page.locator(".prose-editor .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("## Kronologi banjir")
    page.keyboard.press("Enter")
    page.keyboard.type("Air mulai naik pada Selasa malam.")
    page.keyboard.press("Enter")
    page.keyboard.type("## Bantuan untuk pengungsi")
    page.keyboard.press("Enter")
    page.keyboard.type("Dapur umum dibuka, menurut BPBD setempat.")
    # The link goes on the last words typed: select them, then the editor's link button.
    for _ in range(len("BPBD setempat.")):
        page.keyboard.press("Shift+ArrowLeft")
    page.click("button[title='insert link']")
    dialog = page.locator("dialog[open]")
    dialog.locator("input[name=href]").fill("https://bpbd.example.org/laporan")
    dialog.locator("button[type=submit]").click()
    assert editor.locator("h2").count() == 2 and editor.locator("a[href]").count() == 1
    page.click("input[name=_submit_review]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get(headline="Banjir Rendam Tiga Desa di Wanaraya")
    assert article.status == Article.Status.REVIEW
    assert article.body.count("<h2 id=") == 2 and 'href="https://bpbd.example.org/laporan"' in article.body
    assert not errors, errors
    context.close()

    # The editor opens it, previews it, publishes it.
    context, page, errors = log_in(browser, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.click("text=Banjir Rendam Tiga Desa di Wanaraya")
    page.wait_for_selector("input[name=_publish]")
    preview_href = page.get_attribute("a.viewsitelink >> nth=0", "href")
    preview = context.new_page()
    preview.goto(live_server.url + preview_href)
    assert "PRATINJAU" in preview.content()
    assert preview.locator("meta[name=robots]").get_attribute("content").startswith("noindex")
    share_link = page.input_value("#preview-share-link")
    preview.close()
    page.click("input[name=_publish]")
    page.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.is_published()
    assert not errors, errors
    context.close()

    # A reader, without an account, sees the article with its table of contents.
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    response = page.goto(live_server.url + article.get_absolute_url())
    assert response.status == 200
    toc = page.locator("nav.toc")
    assert toc.get_by_role("link", name="Kronologi banjir").count() == 1
    assert toc.get_by_role("link", name="Bantuan untuk pengungsi").count() == 1
    assert page.locator(".article-body a[href='https://bpbd.example.org/laporan']").count() == 1
    assert "PRATINJAU" not in page.content()
    # The shared preview link of a now-public article leads readers to it.
    page.goto(share_link)
    assert page.url == live_server.url + article.get_absolute_url()
    context.close()


def test_editor_sees_the_other_editors_save_instead_of_overwriting_it(browser, live_server):
    from .factories import make_article

    make_user(username="editor", group="Editor", password=PASSWORD)
    make_user(username="editor2", group="Editor", password=PASSWORD)
    article = make_article(headline="Judul awal")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    first_context, first, _errors = log_in(browser, live_server, "editor")
    second_context, second, _errors = log_in(browser, live_server, "editor2")
    first.goto(url)
    second.goto(url)
    first.fill("#id_headline", "Judul editor satu")
    first.click("input[name=_continue]")
    first.wait_for_selector(".messagelist .success")
    second.fill("#id_headline", "Judul editor dua")
    second.click("input[name=_continue]")
    second.wait_for_selector(".errornote")
    assert "Lihat yang berubah" in second.content()
    article.refresh_from_db()
    assert article.headline == "Judul editor satu"
    first_context.close()
    second_context.close()
