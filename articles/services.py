"""Actions with side effects on articles. Admin, commands and the importer call these."""

from django.db import transaction
from django.utils import timezone

from .models import Article


def article_record_publication(*, article: Article) -> Article:
    """Stamp first publication once; later publications keep the first date."""
    if article.status == Article.Status.PUBLISHED:
        if article.published_at is None:
            article.published_at = timezone.now()
        if article.first_published_at is None:
            article.first_published_at = article.published_at
    return article


@transaction.atomic
def article_save(*, article: Article) -> Article:
    article_record_publication(article=article)
    article.save()
    return article
