"""The one public rule on every public surface: status x publish time x first publication.

Each case is checked against the rule's definition (models.published_q and
gone_q) and against an independent expectation, on the article page (200,
410 or 404), the home page, section, tag and author pages, feeds, sitemaps,
search, the related-articles fragment of a neighbour, and the old-slug
redirect; once with the page cache off and once with it on, where the
article was public (and cached) before it moved to its state.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, ArticleOldSlug
from pagecache import public_pages_changed

from .factories import make_article, make_author, make_section
from .test_sitemaps import all_locations

# The whole grid over every surface (about 20 s): make test runs it, make test-fast leaves it to
# the status x time grid of test_querysets and the draft-404 tests of test_views.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OFFSETS = {"past": -timedelta(hours=1), "now": timedelta(0), "future": timedelta(hours=1)}
NEVER = None

# (status, publish time, first publication); first publication matters for the 410 rule only.
CASES = [
    *((status, when, when) for status in Article.Status.values if status != "withdrawn" for when in OFFSETS),
    *(("withdrawn", when, first) for when in OFFSETS for first in (NEVER, "past", "future")),
]

HEADLINE = "Rahasia Kisi Redaksi"


def case_id(case):
    status, when, first = case
    return f"{status}-{when}-first_{first or 'never'}"


@pytest.fixture(params=[0, 60], ids=["uncached", "cached"])
def page_cache(request, settings):
    settings.PAGE_CACHE_SECONDS = request.param
    # "fresh" makes a new cache key (unknown parameters are otherwise redirected away).
    settings.PAGE_CACHE_KEY_PARAMETERS = ["fresh"]
    return request.param


def fetch_surfaces(client, article, neighbour, *, query=""):
    """Return {surface: response text} for every public surface that could show article."""
    pages = {
        "home": "/",
        "section": article.section.get_absolute_url(),
        "tag": "/tag/kisi-rahasia/",
        "author": "/penulis/penulis-kisi/",
        "search": "/cari/?q=Kisi",
        "feed": "/feed/",
        "section-feed": f"/{article.section.slug}/feed/",
        "tag-feed": "/tag/kisi-rahasia/feed/",
        "related": neighbour.get_absolute_url(),
    }
    seen = {}
    for name, url in pages.items():
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}{query}" if query else url)
        assert response.status_code == 200, (name, response.status_code)
        seen[name] = response.content.decode()
    seen["sitemaps"] = " ".join(all_locations(client))
    return seen


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_public_surface_follows_the_one_rule(
    client, page_cache, case, django_capture_on_commit_callbacks
):
    status, when, first = case
    now = timezone.now()
    section = make_section(slug="kisi")
    author = make_author(slug="penulis-kisi", name="Penulis Kisi")
    article = make_article(
        headline=HEADLINE,
        slug="rahasia-kisi",
        section=section,
        tags=["Kisi Rahasia"],
        authors=[author],
        is_featured=True,
        is_breaking=True,
        published_at=now - timedelta(hours=2),
        first_published_at=now - timedelta(hours=2),
    )
    neighbour = make_article(section=section, tags=["Kisi Rahasia"], published_at=now - timedelta(hours=3))
    ArticleOldSlug.objects.create(article=article, slug="kisi-lama")
    if page_cache:
        # Readers saw it while it was public: pages and fragments are cached with it.
        assert HEADLINE in fetch_surfaces(client, article, neighbour)["related"]
        assert client.get(article.get_absolute_url()).status_code == 200

    published_at = now + OFFSETS[when]
    first_published_at = None if first is NEVER else now + OFFSETS[first]
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=article.pk).update(
            status=status,
            published_at=published_at,
            first_published_at=first_published_at,
            withdrawn_reason="Alasan rahasia pencabutan" if status == "withdrawn" else "",
        )
        public_pages_changed()
    article.refresh_from_db()

    visible = status == "published" and when in ("past", "now")
    gone = status == "withdrawn" and first == "past"
    for query in ("", "fresh=1"):  # a cached address, and a new one rebuilt from cached fragments
        seen = fetch_surfaces(client, article, neighbour, query=query)
        for surface, text in seen.items():
            assert (HEADLINE in text or article.slug in text) is visible, (surface, query)

        url = article.get_absolute_url() + (f"?{query}" if query else "")
        page = client.get(url)
        assert page.status_code == (200 if visible else 410 if gone else 404)
        assert (HEADLINE in page.content.decode()) is (visible or gone)
        assert ("Alasan rahasia pencabutan" in page.content.decode()) is gone

        old = client.get(url.replace("rahasia-kisi", "kisi-lama"))
        if visible or gone:
            assert old.status_code == 301 and old["Location"] == article.get_absolute_url()
        else:
            assert old.status_code == 404

    # The rule's one definition agrees with the expectation, for querysets and for one object.
    assert Article.objects.published().filter(pk=article.pk).exists() is visible
    assert article.is_published() is visible
    assert Article.objects.gone().filter(pk=article.pk).exists() is gone
    assert article.is_gone() is gone
