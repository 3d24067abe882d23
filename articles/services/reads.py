"""Reads, for "Terpopuler" (SPEC 4): hourly counters in the shared database."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import ArticleReadCount


def article_count_read(*, article_id: int, at: datetime | None = None) -> None:
    """Add one read to the article's counter for the current clock hour.

    An atomic UPDATE ... SET count = count + 1 in the shared database: no count
    is lost between concurrent readers or app servers. The first read of an
    hour creates the row; when two readers race to create it, the unique
    constraint stops the second, which then increments the row the first made.
    """
    hour = (at or timezone.now()).replace(minute=0, second=0, microsecond=0)
    counters = ArticleReadCount.objects.filter(article_id=article_id, hour_at=hour)
    if counters.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ArticleReadCount.objects.create(article_id=article_id, hour_at=hour, count=1)
    except IntegrityError:
        counters.update(count=F("count") + 1)


def read_counts_prune(*, older_than: timedelta) -> int:
    """Delete hourly read counters older than older_than; return how many rows went."""
    deleted, _by_model = ArticleReadCount.objects.filter(hour_at__lt=timezone.now() - older_than).delete()
    return deleted
