"""Signed, expiring preview links that can be shared with someone without an account.

A token signs the article's id and its preview_nonce with the site's
SECRET_KEY (django.core.signing, timestamped). It stops working after
ARTICLES_PREVIEW_LINK_MAX_AGE, when the link is tampered with, or when an
editor revokes the links (a new nonce).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Article

SALT = "articles.preview-link"


def preview_token(article: Article) -> str:
    return signing.dumps({"a": article.pk, "n": article.preview_nonce}, salt=SALT)


def preview_path(article: Article) -> str:
    return reverse("articles:preview", kwargs={"token": preview_token(article)})


def preview_expires_at(issued_at: datetime | None = None) -> datetime:
    return (issued_at or timezone.now()) + timedelta(seconds=settings.ARTICLES_PREVIEW_LINK_MAX_AGE)


def article_for_preview_token(token: str, queryset=None) -> Article | None:
    """Return the article a valid, unexpired, unrevoked token points at, or None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ARTICLES_PREVIEW_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too.
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.filter(pk=data["a"], preview_nonce=str(data.get("n", ""))).first()
