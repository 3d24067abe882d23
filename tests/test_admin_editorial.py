"""The newsroom admin: the list view, the WYSIWYG body, stable heading anchors, the importer upload form."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article

from .factories import admin_form_data, make_article, make_author, make_section, make_user

pytestmark = pytest.mark.django_db

SEED = """Qatar Percepat Perjanjian Pertahanan dengan AS

Daftar isi

Doha ingin perjanjian pertahanan strategis dengan Washington segera rampung setelah serangan Israel.

Latar Belakang Serangan

Serangan itu menewaskan beberapa orang dan memicu kecaman luas dari negara-negara Teluk di kawasan.

Join channel telegram websitekami.com agar tidak ketinggalan berita

Penulis: Siti Rahma
Editor: Budi Santoso
"""


def changelist(client, **params):
    return client.get(reverse("admin:articles_article_changelist"), params)


def test_changelist_shows_status_badges_with_derived_scheduled_and_last_editor(editor_client, editor):
    scheduled = make_article(headline="Akan terbit", published_at=timezone.now() + timedelta(hours=3))
    services.article_save(article=scheduled, by=editor)
    html = changelist(editor_client).content.decode()
    assert 'status-badge--scheduled">Scheduled' in html or "status-badge--scheduled" in html
    assert "redaktur" in html


def test_changelist_filters_by_visibility_tag_author_and_searches_authors(editor_client):
    author = make_author(name="Rina Wartawan")
    live = make_article(headline="Sudah tayang", tags=["Banjir"], authors=[author])
    later = make_article(headline="Belum tayang", published_at=timezone.now() + timedelta(hours=3))
    scheduled = changelist(editor_client, visibility="scheduled").content.decode()
    assert later.headline in scheduled and live.headline not in scheduled
    tagged = changelist(editor_client, tag="banjir").content.decode()
    assert live.headline in tagged and later.headline not in tagged
    by_author = changelist(editor_client, author=author.pk).content.decode()
    assert live.headline in by_author and later.headline not in by_author
    searched = changelist(editor_client, q="Rina").content.decode()
    assert live.headline in searched and later.headline not in searched


@pytest.mark.parametrize("count", [1, 20])
def test_changelist_query_count_does_not_grow_with_articles(
    editor_client, editor, count, django_assert_max_num_queries
):
    section = make_section()
    for n in range(count):
        article = make_article(section=section, authors=[make_author()], tags=[f"tag-{n}"])
        services.article_save(article=article, by=editor)
    with django_assert_max_num_queries(20):
        assert changelist(editor_client).status_code == 200


def test_buttons_follow_the_role(client):
    writer = make_user(group="Penulis")
    draft = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    client.force_login(writer)
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert 'name="_submit_review"' in html
    assert not re.search(r'name="_(publish|schedule|unpublish|withdraw)"', html)


def test_body_uses_the_prose_editor_with_assets_from_our_own_static_files(editor_client):
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "data-django-prose-editor-configurable" in html
    assert "django_prose_editor/editor.js" in html and "articles/admin/heading-id.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # no CDN


def test_body_saved_from_the_admin_is_sanitized_and_feeds_toc_and_reading_time(editor_client):
    article = make_article(body="<p>Pendek.</p>")
    url = reverse("admin:articles_article_change", args=[article.pk])
    body = (
        '<h2 class="x" onclick="evil()">Satu</h2><p>' + "kata " * 450 + "</p><script>alert(1)</script>"
        '<h2>Dua</h2><p><a href="javascript:alert(1)">tautan</a> <a href="https://example.com">ok</a></p>'
    )
    editor_client.post(url, admin_form_data(editor_client.get(url), body=body))
    article = Article.objects.get(pk=article.pk)
    assert (
        "<script" not in article.body and "onclick" not in article.body and "javascript:" not in article.body
    )
    assert [text for _level, _id, text in article.outline] == ["Satu", "Dua"]
    assert article.reading_minutes == 3


def test_reworded_headings_keep_their_anchor_through_the_admin_form(editor_client, editor):
    article = make_article(body="<h2>Latar belakang</h2><p>Satu.</p><h2>Dampak</h2><p>Dua.</p>")
    assert [anchor for _l, anchor, _t in article.outline] == ["latar-belakang", "dampak"]
    url = reverse("admin:articles_article_change", args=[article.pk])
    # The editor dropped the ids; one heading is reworded, one is new, one kept.
    body = (
        "<h2>Latar belakang konflik</h2><p>Satu.</p><h2>Reaksi dunia</h2><p>Baru.</p>"
        "<h2>Dampak</h2><p>Dua.</p>"
    )
    editor_client.post(url, admin_form_data(editor_client.get(url), body=body))
    article = Article.objects.get(pk=article.pk)
    assert [(anchor, text) for _l, anchor, text in article.outline] == [
        ("latar-belakang", "Latar belakang konflik"),
        ("reaksi-dunia", "Reaksi dunia"),
        ("dampak", "Dampak"),
    ]
    # Reworded again, in place and without ids: still the first anchor.
    body = (
        "<h2>Akar konflik</h2><p>Satu.</p><h2>Reaksi dunia</h2><p>Baru.</p><h2>Dampak ekonomi</h2><p>Dua.</p>"
    )
    editor_client.post(url, admin_form_data(editor_client.get(url), body=body))
    article = Article.objects.get(pk=article.pk)
    assert [anchor for _l, anchor, _t in article.outline] == ["latar-belakang", "reaksi-dunia", "dampak"]


def test_importer_upload_previews_then_imports_all_in_one_go(editor_client):
    section = make_section(slug="timur-tengah")
    url = reverse("admin:articles_article_import")
    assert editor_client.get(url).status_code == 200
    upload = SimpleUploadedFile("qatar.txt", SEED.encode())
    response = editor_client.post(
        url, {"files": [upload], "section": section.pk, "tags": "Qatar, AS", "status": "published"}
    )
    html = response.content.decode()
    assert "Qatar Percepat Perjanjian Pertahanan dengan AS" in html and "Latar Belakang Serangan" in html
    assert "Siti Rahma" in html and "Join channel telegram" in html  # shown as stripped
    assert not Article.objects.exists()  # a preview writes nothing
    payload = response.context["payload"]
    done = editor_client.post(url, {"payload": payload})
    assert done.status_code == 200
    article = Article.objects.get()
    assert article.is_published() and article.section == section
    assert sorted(article.tags.names()) == ["AS", "Qatar"]
    assert article.last_edited_by.username == "redaktur"


def test_importer_upload_with_a_bad_file_imports_nothing(editor_client):
    section = make_section()
    good = SimpleUploadedFile("baik.txt", SEED.encode())
    bad = SimpleUploadedFile("rusak.txt", b"\x00\x01\x02binary")
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {"files": [good, bad], "section": section.pk, "status": "draft"},
    )
    assert response.context["has_errors"] and "payload" not in response.context
    assert "rusak.txt" in response.content.decode()
    assert not Article.objects.exists()


def test_importer_upload_offers_writers_no_publishing_and_refuses_a_tampered_payload(client, editor_client):
    writer = make_user(group="Penulis")
    client.force_login(writer)
    section = make_section()
    form = client.get(reverse("admin:articles_article_import")).context["form"]
    assert [value for value, _label in form.fields["status"].choices] == ["draft", "review"]
    response = client.post(
        reverse("admin:articles_article_import"),
        {"files": [SimpleUploadedFile("a.txt", SEED.encode())], "section": section.pk, "status": "published"},
    )
    assert "status" in response.context["form"].errors
    refused = client.post(reverse("admin:articles_article_import"), {"payload": "tampered:payload"})
    assert refused.status_code == 302 and not Article.objects.exists()
