"""Tags in the admin: renaming or deleting one is a change readers see on cached pages."""

import pytest
from django.test import Client
from taggit.models import Tag

from .factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(make_user(is_superuser=True))
    return client


def test_renaming_a_tag_in_the_admin_refreshes_cached_article_pages(
    superuser_client, django_capture_on_commit_callbacks
):
    article = make_article(headline="Berita Bertag")
    article.tags.set(["Gempa Lama"])
    url = article.get_absolute_url()
    reader = Client()
    assert "Gempa Lama" in reader.get(url).content.decode()
    tag = Tag.objects.get(name="Gempa Lama")
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Gempa Baru", "slug": "gempa-baru"}
        )
    assert response.status_code == 302
    page = reader.get(url)
    assert page["X-Cache"] == "MISS"
    assert "Gempa Baru" in page.content.decode()
    assert "Gempa Lama" not in page.content.decode()


def test_deleting_a_tag_in_the_admin_refreshes_cached_pages(
    superuser_client, django_capture_on_commit_callbacks
):
    article = make_article(headline="Berita Bertag")
    article.tags.set(["Hilang"])
    reader = Client()
    assert "Hilang" in reader.get(article.get_absolute_url()).content.decode()
    tag = Tag.objects.get(name="Hilang")
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(f"/admin/taggit/tag/{tag.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert "Hilang" not in reader.get(article.get_absolute_url()).content.decode()
