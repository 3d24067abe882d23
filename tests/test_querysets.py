"""The one public rule: Article.objects.published() and Article.is_published() agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article

from .factories import make_article, make_article_raw, make_section

pytestmark = pytest.mark.django_db

OFFSETS = {"past": timedelta(hours=-1), "now": timedelta(0), "future": timedelta(hours=1)}
VISIBLE = {(Article.Status.PUBLISHED, "past"), (Article.Status.PUBLISHED, "now")}


@pytest.mark.parametrize("status", Article.Status.values)
@pytest.mark.parametrize("when", OFFSETS)
def test_published_rule_grid(status, when):
    now = timezone.now()
    article = make_article_raw(status=status, published_at=now + OFFSETS[when])
    # "now" articles become visible the instant their time is reached.
    expected = (status, when) in VISIBLE
    assert Article.objects.published().filter(pk=article.pk).exists() is expected
    assert article.is_published() is expected


def test_published_requires_a_publish_time_in_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_article_raw(status=Article.Status.PUBLISHED, published_at=None)


def test_scheduled_article_is_published_once_its_time_passes():
    article = make_article(published_at=timezone.now() + timedelta(seconds=5))
    assert article.is_scheduled()
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    article.refresh_from_db()
    assert article.is_published() and not article.is_scheduled()


def test_in_section_includes_child_sections():
    parent = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=parent)
    other = make_section()
    in_child = make_article(section=child)
    in_parent = make_article(section=parent)
    make_article(section=other)
    assert set(Article.objects.in_section(parent)) == {in_child, in_parent}
    assert list(Article.objects.in_section(child)) == [in_child]
