"""Reads, for "Terpopuler" (SPEC 4): hourly counters in the shared database.

A reader is counted once per article and clock hour, recognised by a keyed hash
of address and user agent kept an hour in the shared cache: no cookie, and no
address or user agent stored anywhere.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
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


def reader_digest(*parts: object) -> str:
    """Return a keyed hash of parts: the same reader maps to the same key, but the key reveals nothing."""
    message = "\n".join(str(part) for part in parts).encode("utf-8", "surrogatepass")
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def article_count_first_read(*, article_id: int, address: str, user_agent: str) -> bool:
    """Count a read unless this reader was counted for the article this hour; return whether it counted.

    cache.add is atomic in Redis, so across app servers only the first beacon wins.
    While the cache is unreachable nothing is counted: counts are lost, never inflated.
    """
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    key = "reads:reader:" + reader_digest("read", address, user_agent, article_id, hour.isoformat())
    if not cache.add(key, 1, timeout=3600):
        return False
    article_count_read(article_id=article_id, at=hour)
    return True


def reader_over_rate_limit(*, address: str) -> bool:
    """Record one beacon from address; return True once it has sent more than the limit this minute."""
    minute = timezone.now().replace(second=0, microsecond=0)
    key = "reads:rate:" + reader_digest("rate", address, minute.isoformat())
    cache.add(key, 0, timeout=60)
    try:
        sent = cache.incr(key)
    except ValueError:  # Expired between add and incr: this is the minute's first.
        cache.add(key, 1, timeout=60)
        sent = 1
    return sent > settings.READ_BEACON_PER_MINUTE


def read_counts_prune(*, older_than: timedelta) -> int:
    """Delete hourly read counters older than older_than; return how many rows went."""
    deleted, _by_model = ArticleReadCount.objects.filter(hour_at__lt=timezone.now() - older_than).delete()
    return deleted
