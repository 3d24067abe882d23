"""Previews: staff see unpublished articles as readers will; signed, expiring links for anyone."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.previews import preview_path

from .factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return make_article(status=Article.Status.DRAFT, published_at=None, headline="Draf rahasia redaksi")


def assert_is_preview(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert "PRATINJAU" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_staff_preview_of_a_draft_shows_the_banner_noindex_and_is_never_cached(client, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(make_user(group="Editor"))
    assert_is_preview(client.get(draft.get_absolute_url()))


def test_shared_preview_link_works_without_an_account(client, draft):
    response = client.get(preview_path(draft))
    assert_is_preview(response)
    assert "Draf rahasia redaksi" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


def test_tampered_preview_link_404s(client, draft):
    path = preview_path(draft)
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("articles:preview", kwargs={"token": tampered})).status_code == 404
    assert client.get(reverse("articles:preview", kwargs={"token": "not-a-token"})).status_code == 404


def test_preview_link_expires_after_48_hours(client, draft):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = preview_path(draft)
        traveller.shift(timedelta(hours=47))
        assert client.get(path).status_code == 200
        traveller.shift(timedelta(hours=2))
        assert client.get(path).status_code == 404


def test_revoking_kills_every_link_given_out(client, draft):
    path = preview_path(draft)
    assert client.get(path).status_code == 200
    editor = make_user(group="Editor")
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_preview_revoke", args=[draft.pk]))
    assert response.status_code == 302
    client.logout()
    assert client.get(path).status_code == 404
    draft.refresh_from_db()
    assert client.get(preview_path(draft)).status_code == 200


def test_writer_cannot_revoke_links_of_someone_elses_article(client, draft):
    path = preview_path(draft)
    client.force_login(make_user(group="Penulis"))
    assert client.post(reverse("admin:articles_article_preview_revoke", args=[draft.pk])).status_code == 404
    client.logout()
    assert client.get(path).status_code == 200


def test_preview_link_of_a_published_article_sends_readers_to_it(client):
    article = make_article()
    response = client.get(preview_path(article))
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()


def test_preview_link_of_a_withdrawn_article_404s(client):
    article = make_article(status=Article.Status.WITHDRAWN, withdrawn_reason="Salah.")
    assert client.get(preview_path(article)).status_code == 404


def test_change_form_offers_a_copyable_share_link(client, draft):
    client.force_login(make_user(group="Editor"))
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert 'id="preview-share-link"' in html and "/pratinjau/" in html and "data-copy-target" in html
