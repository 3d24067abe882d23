"""The live desk in the admin: the compact form, who may publish, editing and removing, history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import InlineImage, LiveUpdate

from .factories import make_article, make_author, make_png, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage():
    return services.live_coverage_start(article=make_article(headline="Hitung Cepat Pilkada"), by=None)


def desk(article):
    return reverse("admin:articles_article_live", args=[article.pk])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_publishes_from_the_compact_form(editor_client, coverage):
    page = editor_client.get(desk(coverage))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_publish"' in html and 'name="body"' in html and "prose" not in html.lower()
    response = editor_client.post(
        desk(coverage),
        {"title": "TPS 12", "body": "Suara masuk 40 persen.\n\nDua paragraf.", "_publish": "1"},
    )
    assert response.status_code == 302
    update = LiveUpdate.objects.get(article=coverage)
    assert update.status == LiveUpdate.Status.PUBLISHED
    assert update.body == "<p>Suara masuk 40 persen.</p><p>Dua paragraf.</p>"


def test_the_form_answers_a_script_with_one_row_and_errors_as_json(editor_client, coverage):
    sent = editor_client.post(
        desk(coverage),
        {"body": "Update lewat skrip.", "_publish": "1"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert sent.status_code == 200
    payload = sent.json()
    assert payload["ok"] and "Update lewat skrip." in payload["row"] and "data-row-id" in payload["row"]
    empty = editor_client.post(
        desk(coverage), {"body": "  ", "_publish": "1"}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert empty.status_code == 400 and "body" in empty.json()["errors"]
    assert LiveUpdate.objects.filter(article=coverage).count() == 1


def test_a_photo_from_the_phone_leads_the_update(editor_client, coverage, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("tps.png", make_png(320, 200), content_type="image/png")
    response = editor_client.post(
        desk(coverage),
        {
            "body": "Antrean di TPS.",
            "photo": photo,
            "photo_alt": "Warga antre",
            "photo_caption": "TPS 3",
            "_publish": "1",
        },
    )
    assert response.status_code == 302
    update = LiveUpdate.objects.get(article=coverage)
    image = InlineImage.objects.get()
    assert (
        update.body.startswith("<figure><img")
        and image.image.url in update.body
        and 'alt="Warga antre"' in update.body
    )
    missing_alt = editor_client.post(
        desk(coverage),
        {
            "body": "Tanpa alt.",
            "photo": SimpleUploadedFile("x.png", make_png(), content_type="image/png"),
            "_publish": "1",
        },
    )
    assert missing_alt.status_code == 400 and LiveUpdate.objects.count() == 1


def test_a_writer_only_drafts_unless_the_coverage_allows_it(coverage):
    writer = make_user(group="Penulis")
    coverage.credits.create(author=make_author(user=writer))
    client = logged_in(writer)
    html = client.get(desk(coverage)).content.decode()
    assert 'name="_publish"' not in html and 'name="_draft"' in html
    refused = client.post(desk(coverage), {"body": "Coba terbit.", "_publish": "1"})
    assert refused.status_code == 400 and not LiveUpdate.objects.exists()
    client.post(desk(coverage), {"body": "Draf dari lapangan.", "_draft": "1"})
    assert LiveUpdate.objects.get().status == LiveUpdate.Status.DRAFT
    coverage.live_writers_publish = True
    services.article_save(article=coverage, by=None)
    client.post(desk(coverage), {"body": "Kini boleh terbit.", "_publish": "1"})
    assert LiveUpdate.objects.filter(status=LiveUpdate.Status.PUBLISHED).count() == 1


def test_writers_not_on_the_coverage_get_no_desk(coverage):
    client = logged_in(make_user(group="Penulis"))
    assert client.get(desk(coverage)).status_code in (403, 404)
    assert client.post(desk(coverage), {"body": "Menyusup.", "_draft": "1"}).status_code in (403, 404)
    assert not LiveUpdate.objects.exists()


def test_editing_publishing_a_draft_and_removing_with_history(editor_client, editor, coverage):
    draft = services.live_update_add(article=coverage, by=None, body="<p>Draf awal.</p>")
    edit_url = reverse("admin:articles_article_live_update", args=[coverage.pk, draft.pk])
    assert editor_client.post(edit_url, {"_publish_draft": "1"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == LiveUpdate.Status.PUBLISHED
    response = editor_client.post(edit_url, {"title": "", "body": "<p>Sudah dikoreksi.</p>", "_save": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_edited and draft.edited_by == editor and draft.body == "<p>Sudah dikoreksi.</p>"
    history = editor_client.get(edit_url).content.decode()
    assert editor.get_username() in history and "Riwayat" in history
    assert editor_client.post(edit_url, {"_remove": "1"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == LiveUpdate.Status.REMOVED
    assert editor_client.get(edit_url).status_code == 404


def test_the_desk_opens_from_the_article_and_from_the_list(editor_client, coverage):
    change = editor_client.get(reverse("admin:articles_article_change", args=[coverage.pk])).content.decode()
    assert desk(coverage) in change
    listing = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert desk(coverage) in listing
    running = editor_client.get(reverse("admin:articles_article_changelist"), {"live": "running"})
    assert coverage.headline in running.content.decode()


def test_editors_start_and_end_the_coverage_from_the_desk(editor_client):
    article = make_article()
    url = reverse("admin:articles_article_live_coverage", args=[article.pk])
    assert editor_client.get(url).status_code == 405
    editor_client.post(url, {"_start": "1"})
    article.refresh_from_db()
    assert article.is_live()
    editor_client.post(url, {"_end": "1"})
    article.refresh_from_db()
    assert not article.is_live() and article.live_ended_at is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "x" * 161, "body": "Judul terlalu panjang."},
        {"author": "999999", "body": "Penulis tak dikenal."},
        {"author": "bukan-angka", "body": "Penulis bukan id."},
        {"body": "<p></p><p> </p>"},
    ],
    ids=["long-title", "unknown-author", "odd-author", "empty-html"],
)
def test_bad_input_is_a_form_error_and_saves_nothing(editor_client, coverage, fields):
    response = editor_client.post(desk(coverage), {**fields, "_publish": "1"})
    assert response.status_code == 400 and b"errorlist" in response.content
    assert not LiveUpdate.objects.exists()


def test_hostile_text_is_sanitized_on_the_way_in(editor_client, coverage):
    editor_client.post(
        desk(coverage),
        {
            "title": "<script>alert(1)</script>",
            "body": '<img src=x onerror="alert(2)"><p>Isi.</p>',
            "_publish": "1",
        },
    )
    update = LiveUpdate.objects.get()
    assert "onerror" not in update.body and "<script" not in update.body_html
    assert update.title == "<script>alert(1)</script>"  # text, escaped wherever it is shown
    page = Client().get(coverage.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db(transaction=True)
def test_reporters_publishing_at_once_each_get_their_own_position():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers itself")
    article = services.live_coverage_start(article=make_article(), by=None)

    def publish(n):
        try:
            return services.live_update_add(
                article=article, by=None, body=f"<p>Kabar {n}.</p>", publish=True
            ).sequence
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        sequences = sorted(pool.map(publish, range(24)))
    assert sequences == list(range(1, 25))
    article.refresh_from_db()
    assert article.live_sequence == 24
