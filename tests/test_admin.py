"""The editors' side as an editor uses it today: lists, filters, search, forms, autocomplete."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Credit

from .factories import make_article, make_author, make_section, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_user(username="editor", group="Editor"))
    return client


def test_article_changelist_lists_filters_and_searches(editor_client):
    section = make_section(name="Ekonomi", slug="ekonomi")
    author = make_author(name="Siti Rahma")
    make_article(headline="Harga Cabai Naik", section=section, authors=[author])
    make_article(headline="Tim Nasional Menang", status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_changelist")
    response = editor_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harga Cabai Naik" in html and "Tim Nasional Menang" in html
    assert "Siti Rahma" in html
    searched = editor_client.get(url, {"q": "cabai"}).content.decode()
    assert "Harga Cabai Naik" in searched and "Tim Nasional Menang" not in searched
    filtered = editor_client.get(url, {"status__exact": "draft"}).content.decode()
    assert "Tim Nasional Menang" in filtered and "Harga Cabai Naik" not in filtered
    by_section = editor_client.get(url, {"section__id__exact": section.pk}).content.decode()
    assert "Harga Cabai Naik" in by_section and "Tim Nasional Menang" not in by_section


def test_admin_speaks_indonesian(editor_client):
    html = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Cari" in html or "Saring" in html


def test_editor_creates_an_article_with_credits_and_tags(editor_client):
    section = make_section(slug="nasional")
    writer = make_author(name="Siti Rahma")
    make_article(tags=["Qatar"])
    qatar = Tag.objects.get(name="Qatar")
    data = {
        "kicker": "Politik",
        "headline": "Rapat Paripurna Dimulai",
        "slug": "rapat-paripurna-dimulai",
        "dek": "Ringkasan.",
        "body": "<h2>Agenda</h2><p>Isi <script>x()</script>berita.</p>",
        "section": section.pk,
        "tags": [qatar.pk],
        "new_tags": "DPR, Anggaran",
        "_publish": "1",  # status is read-only: the workflow's button publishes
        "published_at_0": "2026-11-25",
        "published_at_1": "10:00:00",
        "show_toc": "on",
        "credits-TOTAL_FORMS": "1",
        "credits-INITIAL_FORMS": "0",
        "credits-0-author": writer.pk,
        "credits-0-role": "writer",
        "credits-0-position": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    article = Article.objects.get(slug="rapat-paripurna-dimulai")
    assert "<script>" not in article.body and 'id="agenda"' in article.body
    assert sorted(article.tags.names()) == ["Anggaran", "DPR", "Qatar"]
    assert [(c.author, c.role) for c in article.credits.all()] == [(writer, Credit.Role.WRITER)]
    assert article.first_published_at == article.published_at


def test_withdrawal_needs_a_reason_and_a_crafted_status_changes_nothing(editor_client):
    article = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    data = {
        "headline": article.headline, "slug": article.slug, "section": article.section_id,
        "status": "withdrawn", "withdrawn_reason": "", "published_at_0": "2026-11-25",
        "published_at_1": "10:00:00", "credits-TOTAL_FORMS": "0", "credits-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0",
    }  # fmt: skip
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = editor_client.post(url, {**data, "_withdraw": "1"})
    assert response.status_code == 200
    assert "withdrawn_reason" in response.context["adminform"].form.errors
    # Without the button, "status" in the POST is ignored: it is not a field of the form.
    assert editor_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_tag_autocomplete_answers_for_the_article_form(editor_client):
    make_article(tags=["Timur Tengah", "Qatar"])
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "tim", "app_label": "articles", "model_name": "article", "field_name": "tags"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Timur Tengah"]


@pytest.mark.parametrize("name", ["articles_article", "articles_section", "articles_author", "articles_page"])
def test_admin_add_and_list_pages_load(editor_client, name):
    assert editor_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_section_cannot_take_a_reserved_slug_or_nest_three_deep(editor_client):
    top = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=top)
    response = editor_client.post(
        reverse("admin:articles_section_add"),
        {"name": "Tag", "slug": "tag", "position": 0, "parent": child.pk, "is_in_navigation": "on"},
    )
    errors = response.context["adminform"].form.errors
    assert "slug" in errors and "parent" in errors


def test_writer_can_open_the_admin_article_form(client):
    client.force_login(make_user(username="penulis", group="Penulis"))
    assert client.get(reverse("admin:articles_article_add")).status_code == 200
