"""What readers see of a live coverage: its published updates, as its page, endpoint and feed show them.

A coverage's updates are loaded once per change (a cached fragment tagged
`live:<pk>`, cachetags.live_tag), whichever of the three asks first. The page
renders them all; the endpoint answers "what changed after position N"
(Article.live_sequence) with the updates published or edited since, as
rendered HTML, and the ids of those removed since: a reader's page polls it
(static/js/live.js) and the page cache answers, never a render per reader.
"""

import copy
from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from pagecache import cached_fragment

from . import cachetags
from .embeds import PROVIDERS
from .embeds import embed_providers as providers_in
from .models import Article, LiveUpdate

# How often a reader's open page asks for news while it is shown (static/js/live.js backs off
# when hidden), and how long a CDN may keep the page and the endpoint while the coverage runs:
# together the most a published update takes to reach a reader behind a CDN that is not purged.
POLL_SECONDS = 3
CDN_SECONDS = 2


@dataclass
class Coverage:
    """A coverage's public updates and position, as loaded for every reader at once."""

    article_id: int
    sequence: int
    updated_at: datetime | None
    oldest_first: bool
    updates: list = field(default_factory=list)  # published, in reading order
    removed: list = field(default_factory=list)  # [(pk, sequence)] of updates taken off after publication

    @property
    def newest_first(self):
        """The updates newest first, whatever the coverage's reading order (feed, JSON-LD, summary)."""
        return self.updates[::-1] if self.oldest_first else self.updates

    @property
    def key_updates(self):
        """The key updates, newest first, for the summary box."""
        return [update for update in self.newest_first if update.is_key]

    def changed_since(self, sequence):
        """Return (updates published or edited after position sequence, ids removed after it)."""
        return (
            [update for update in self.updates if update.sequence > sequence],
            [pk for pk, moved in self.removed if moved > sequence],
        )


def load_coverage(article: Article) -> Coverage:
    """Read a coverage's public updates and position from the database (two queries)."""
    position = Article.objects.filter(pk=article.pk).values_list(
        "live_sequence", "live_updated_at"
    ).first() or (0, None)
    updates = LiveUpdate.objects.filter(article_id=article.pk).select_related("author")
    published = list(updates.filter(status=LiveUpdate.Status.PUBLISHED).order_by("-published_at", "-pk"))
    if article.live_oldest_first:
        published.reverse()
    removed = list(updates.filter(status=LiveUpdate.Status.REMOVED).values_list("pk", "sequence"))
    return Coverage(
        article_id=article.pk,
        sequence=position[0],
        updated_at=position[1],
        oldest_first=article.live_oldest_first,
        updates=published,
        removed=removed,
    )


def coverage_for(request, article: Article) -> Coverage:
    """Return the coverage of a published article, kept until one of its updates changes."""
    return cached_fragment(
        request,
        f"live:{article.pk}:{article.version}",
        lambda: load_coverage(article),
        tags=[cachetags.live_tag(article.pk)],
    )


def with_coverage(article: Article, coverage: Coverage) -> Article:
    """Return a copy of a (shared, cached) article whose "Diperbarui" time includes its newest update."""
    article = copy.copy(article)
    article.live_sequence, article.live_updated_at = coverage.sequence, coverage.updated_at
    return article


def embed_providers(article: Article, coverage: Coverage):
    """Return the keys of the embed providers whose frames the coverage's page allows.

    While it runs, every provider's: an update that arrives on an open page may embed any.
    """
    if article.is_live():
        return list(PROVIDERS)
    return list(dict.fromkeys(key for update in coverage.updates for key in providers_in(update.body_html)))


def update_html(update: LiveUpdate, article_url: str) -> str:
    return render_to_string("includes/live_update.html", {"update": update, "article_url": article_url})


def summary_html(update: LiveUpdate) -> str:
    return render_to_string("includes/live_summary_item.html", {"update": update})


def state_etag(article: Article, coverage: Coverage) -> str:
    """An ETag for the coverage as it stands: its position, the article's version, whether it runs."""
    return f'"live-{article.pk}-{article.version}-{coverage.sequence}-{int(article.is_live())}"'


def changes_since(request, article: Article, coverage: Coverage, sequence: int) -> dict:
    """The endpoint's answer: what changed after position sequence, ready to insert into the page."""
    changed, removed = coverage.changed_since(sequence)
    article_url = request.build_absolute_uri(article.get_absolute_url())
    return {
        "sequence": coverage.sequence,
        "live": article.is_live(),
        "updated": timezone.localtime(coverage.updated_at).isoformat() if coverage.updated_at else None,
        # The header's "Diperbarui" line as the page shows it, for pages already open.
        "updated_html": render_to_string(
            "includes/updated_time.html", {"time": article.last_updated_at}
        ).strip()
        if article.last_updated_at
        else "",
        "updates": [
            {
                "id": update.pk,
                "anchor": update.anchor,
                "published": timezone.localtime(update.published_at).isoformat(),
                "key": update.is_key,
                "html": update_html(update, article_url),
                "summary_html": summary_html(update) if update.is_key else "",
            }
            for update in changed
        ],
        "removed": removed,
    }
