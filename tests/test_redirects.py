"""Stable URLs: a published article's old slugs and sections answer 301 to the current address, no chains."""

import pytest
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article, ArticleOldSlug

from .factories import admin_form_data, make_article, make_section, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_user(group="Editor")


def rename(article, slug, editor):
    article.slug = slug
    services.article_save(article=article, by=editor)


def test_slug_changed_twice_both_old_urls_301_straight_to_the_newest(client, editor):
    article = make_article(slug="judul-awal", first_published_at=None)
    services.article_save(article=article, by=editor)  # stamps first publication
    first_url = article.get_absolute_url()
    rename(article, "judul-kedua", editor)
    second_url = article.get_absolute_url()
    rename(article, "judul-ketiga", editor)
    final_url = article.get_absolute_url()
    for old in (first_url, second_url):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == final_url
    assert client.get(final_url).status_code == 200


def test_renamed_through_the_admin_form(client, editor):
    article = make_article(slug="lama")
    services.article_save(article=article, by=editor)
    old_url = article.get_absolute_url()
    staff = Client()
    staff.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    staff.post(url, admin_form_data(staff.get(url), slug="baru", section=make_section(slug="ekonomi").pk))
    article.refresh_from_db()
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == article.get_absolute_url()
    assert response["Location"].startswith("/ekonomi/")


def test_moving_a_published_article_to_another_section_keeps_the_old_url(client, editor):
    article = make_article(section=make_section(slug="nasional"))
    old_url = article.get_absolute_url()
    article.section = make_section(slug="daerah")
    services.article_save(article=article, by=editor)
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == article.get_absolute_url()


def test_a_drafts_rename_leaves_no_redirect(editor):
    article = make_article(status=Article.Status.DRAFT, published_at=None, slug="draf-lama")
    rename(article, "draf-baru", editor)
    assert not ArticleOldSlug.objects.exists()


def test_an_old_slug_of_an_unpublished_article_404s(client, editor):
    article = make_article(slug="awal")
    services.article_save(article=article, by=editor)
    old_url = article.get_absolute_url()
    rename(article, "akhir", editor)
    services.article_unpublish(article=article, by=editor)
    assert client.get(old_url).status_code == 404


def test_a_new_article_taking_an_old_slug_wins(client, editor):
    article = make_article(slug="rebutan")
    services.article_save(article=article, by=editor)
    rename(article, "sudah-pindah", editor)
    newcomer = make_article(slug="rebutan", section=article.section)
    services.article_save(article=newcomer, by=editor)
    assert not ArticleOldSlug.objects.filter(slug="rebutan").exists()
    assert client.get(newcomer.get_absolute_url()).status_code == 200
