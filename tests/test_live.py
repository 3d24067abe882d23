"""Live coverage: who may publish updates, their history, the page, the endpoint readers poll, the feed,
the JSON-LD and the sitemaps, and cache invalidation limited to the coverage."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.utils import timezone
from reversion.models import Version

from articles import cachetags, services
from articles.models import Article, LiveUpdate
from articles.services import WorkflowError
from pagecache.generation import FakeStore, using_store
from pagecache.middleware import ASSEMBLED

from .factories import make_article, make_author, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    ASSEMBLED.clear()
    with using_store(FakeStore()) as store:
        yield store


def committed():
    """Run what a change does once its transaction commits (invalidations), as in production."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def coverage():
    article = make_article(headline="Gempa Magnitudo 6,1 Guncang Wanaraya", slug="gempa-wanaraya")
    return services.live_coverage_start(article=article, by=None)


def publish(coverage, body, *, by=None, **fields):
    with committed():
        return services.live_update_add(article=coverage, by=by, body=body, publish=True, **fields)


def endpoint(article):
    return article.get_absolute_url() + "pembaruan/"


def poll(client, article, since=0, **headers):
    return client.get(endpoint(article), {"sejak": since}, **headers)


# --- Services: who may do what, history, ending --------------------------------------------


def test_a_writer_drafts_and_an_editor_publishes(coverage, editor):
    writer = make_user(group="Penulis")
    author = make_author(user=writer)
    coverage.credits.create(author=author)
    draft = services.live_update_add(article=coverage, by=writer, body="<p>Warga mengungsi ke lapangan.</p>")
    assert draft.status == LiveUpdate.Status.DRAFT and draft.author == author
    with pytest.raises(PermissionDenied):
        services.live_update_publish(update=draft, by=writer)
    with pytest.raises(PermissionDenied):
        services.live_update_add(article=coverage, by=writer, body="<p>Langsung terbit?</p>", publish=True)
    published = services.live_update_publish(update=draft, by=editor)
    assert published.status == LiveUpdate.Status.PUBLISHED and published.published_at is not None
    coverage.refresh_from_db()
    assert coverage.live_sequence == published.sequence == 1


def test_a_coverage_may_let_its_credited_writers_publish(coverage):
    writer, outsider = make_user(group="Penulis"), make_user(group="Penulis")
    coverage.credits.create(author=make_author(user=writer))
    coverage.live_writers_publish = True
    coverage = services.article_save(article=coverage, by=None)
    update = publish(coverage, "<p>Jalan provinsi retak.</p>", by=writer)
    assert update.status == LiveUpdate.Status.PUBLISHED
    with pytest.raises(PermissionDenied):  # not credited on this coverage
        services.live_update_add(article=coverage, by=outsider, body="<p>Tidak.</p>")


def test_edits_and_removals_after_publication_are_recorded(coverage, editor):
    update = publish(coverage, "<p>Korban 3 orang.</p>", title="Korban")
    services.live_update_edit(update=update, by=editor, changes={"body": "<p>Korban 4 orang.</p>"})
    update.refresh_from_db()
    assert update.is_edited and update.edited_by == editor and update.sequence == 2
    services.live_update_remove(update=update, by=editor)
    update.refresh_from_db()
    assert update.status == LiveUpdate.Status.REMOVED and update.sequence == 3
    versions = Version.objects.get_for_object(update)
    assert len(versions) == 3  # published, edited, removed: each with who and when
    assert versions[1].field_dict["body"] == "<p>Korban 4 orang.</p>"
    assert versions[2].field_dict["body"] == "<p>Korban 3 orang.</p>"
    assert versions[0].revision.user == editor
    with pytest.raises(WorkflowError):
        services.live_update_edit(update=update, by=editor, changes={"title": "Lagi"})


def test_a_draft_update_is_deleted_outright(coverage):
    draft = services.live_update_add(article=coverage, by=None, body="<p>Salah ketik.</p>")
    assert services.live_update_remove(update=draft, by=None) is None
    assert not LiveUpdate.objects.filter(pk=draft.pk).exists()
    coverage.refresh_from_db()
    assert coverage.live_sequence == 0  # readers never saw it


def test_ending_the_coverage_keeps_the_page_and_drops_the_badge(client, coverage, editor):
    publish(coverage, "<p>Gempa susulan terakhir.</p>")
    assert b"label--live" in client.get(coverage.get_absolute_url()).content
    ended = services.live_coverage_end(article=coverage, by=editor)
    assert ended.live_ended_at is not None and not ended.is_live()
    page = client.get(coverage.get_absolute_url())
    assert page.status_code == 200 and b"label--live" not in page.content
    assert b"Gempa susulan terakhir." in page.content and b"js/live" not in page.content
    with pytest.raises(WorkflowError):
        services.live_coverage_end(article=ended, by=editor)
    writer = make_user(group="Penulis")
    with pytest.raises(PermissionDenied):
        services.live_coverage_start(article=ended, by=writer)


def test_updates_need_a_coverage(editor):
    article = make_article()
    with pytest.raises(WorkflowError):
        services.live_update_add(article=article, by=editor, body="<p>Bukan liputan langsung.</p>")


def test_an_article_save_never_rolls_the_coverage_back(coverage):
    stale = Article.objects.get(pk=coverage.pk)  # an editor's form, opened before the update
    publish(coverage, "<p>Baru.</p>")
    stale.dek = "Ringkasan baru."
    services.article_save(article=stale, by=None)
    stale.refresh_from_db()
    assert stale.live_sequence == 1 and stale.live_updated_at is not None


# --- The page and the endpoint --------------------------------------------------------------


def test_the_page_shows_badge_summary_and_updates_newest_first(client, coverage):
    first = publish(coverage, "<p>Guncangan terasa 20 detik.</p>", title="Guncangan", is_key=True)
    second = publish(coverage, "<p>BPBD membuka posko.</p>", title="Posko dibuka")
    body = client.get(coverage.get_absolute_url()).content.decode()
    assert 'class="label label--live"' in body and "data-live-running" in body
    assert body.index(f'id="{second.anchor}"') < body.index(f'id="{first.anchor}"')
    summary = body[body.index("data-live-summary-box") : body.index("data-live-announcer")]
    assert f'href="#{first.anchor}"' in summary and second.anchor not in summary
    assert 'aria-live="polite"' in body and 'data-live-sequence="2"' in body
    assert "Diperbarui" in body


def test_oldest_first_for_a_match(client, coverage):
    coverage.live_oldest_first = True
    coverage = services.article_save(article=coverage, by=None)
    first = publish(coverage, "<p>Kick-off.</p>")
    second = publish(coverage, "<p>Gol!</p>")
    body = client.get(coverage.get_absolute_url()).content.decode()
    assert body.index(f'id="{first.anchor}"') < body.index(f'id="{second.anchor}"')


def test_the_endpoint_sends_only_what_changed_and_never_drafts(client, coverage):
    old = publish(coverage, "<p>Lama.</p>")
    services.live_update_add(article=coverage, by=None, body="<p>DRAF RAHASIA</p>")
    new = publish(coverage, "<p>Baru.</p>", is_key=True, title="Penting sekali")
    data = poll(client, coverage, since=old.sequence).json()
    assert [update["id"] for update in data["updates"]] == [new.pk]
    assert data["sequence"] == new.sequence and data["live"] is True
    assert data["updated_html"].startswith("Diperbarui <time")
    assert new.anchor in data["updates"][0]["html"] and "Penting sekali" in data["updates"][0]["summary_html"]
    everything = poll(client, coverage).content.decode()
    assert "DRAF RAHASIA" not in everything and "Lama." in everything
    services.live_update_remove(update=old, by=None)
    data = poll(client, coverage, since=new.sequence).json()
    assert data["updates"] == [] and data["removed"] == [old.pk]


def test_the_endpoint_answers_304_when_nothing_changed(client, coverage, page_cache):
    publish(coverage, "<p>Satu.</p>")
    first = poll(client, coverage, since=1)
    assert first.status_code == 200 and first["ETag"]
    assert "s-maxage=2" in first["Cache-Control"]
    again = poll(client, coverage, since=1, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    publish(coverage, "<p>Dua.</p>")
    changed = poll(client, coverage, since=1, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and "Dua." in changed.content.decode()


def test_the_next_poll_after_news_is_a_304_too(client, coverage, page_cache):
    publish(coverage, "<p>Satu.</p>")
    first = poll(client, coverage, since=0, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and first["ETag"].startswith('W/"live-')
    # The page applied everything up to position 1 and asks from there, with the ETag it holds.
    again = poll(client, coverage, since=1, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    publish(coverage, "<p>Dua.</p>")
    news = poll(client, coverage, since=1, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert news.status_code == 200 and news["ETag"] != first["ETag"]


@pytest.mark.parametrize("since", ["-1", "abc", "99", "1e3", "٣", "0x1", "9" * 20])
def test_the_endpoint_refuses_positions_it_never_gave(client, coverage, since):
    publish(coverage, "<p>Satu.</p>")
    assert poll(client, coverage, since=since).status_code == 400


def test_no_endpoint_or_feed_for_drafts_or_plain_articles(client, coverage):
    plain = make_article()
    assert client.get(endpoint(plain)).status_code == 404
    assert client.get(plain.get_absolute_url() + "feed/").status_code == 404
    draft = make_article(status="draft", slug="draf-liputan")
    draft.live_started_at = timezone.now()
    draft = services.article_save(article=draft, by=None)
    publish(draft, "<p>Belum untuk pembaca.</p>")
    assert client.get(endpoint(draft)).status_code == 404
    assert client.get(draft.get_absolute_url() + "feed/").status_code == 404


def test_publishing_an_update_invalidates_only_the_coverage(client, coverage, page_cache):
    other = make_article(headline="Berita Lain Sekali")
    for path in (coverage.get_absolute_url(), "/", other.get_absolute_url(), endpoint(coverage)):
        client.get(path)
    publish(coverage, "<p>Pembaruan terbaru masuk.</p>")
    assert client.get("/")["X-Cache"] == "HIT"
    assert client.get(other.get_absolute_url())["X-Cache"] == "HIT"
    page = client.get(coverage.get_absolute_url())
    assert page["X-Cache"] == "MISS" and b"Pembaruan terbaru masuk." in page.content
    assert b"Pembaruan terbaru masuk." in client.get(endpoint(coverage)).content


def test_an_update_warms_the_page_and_the_poll_its_readers_send_next(coverage):
    publish(coverage, "<p>Satu.</p>")
    publish(coverage, "<p>Dua.</p>")
    paths = cachetags.warm_paths({cachetags.live_tag(coverage.pk), cachetags.LIVE_TIMES})
    assert paths == [coverage.get_absolute_url(), endpoint(coverage) + "?sejak=1"]


def test_a_removed_update_is_never_served_again(client, coverage, page_cache):
    update = publish(coverage, "<p>Kabar keliru.</p>")
    assert b"Kabar keliru." in client.get(coverage.get_absolute_url()).content
    with committed():
        services.live_update_remove(update=update, by=None)
    assert b"Kabar keliru." not in client.get(coverage.get_absolute_url()).content
    assert b"Kabar keliru." not in poll(client, coverage).content


def test_an_edited_update_says_so(client, coverage, editor):
    update = publish(coverage, "<p>Versi awal.</p>")
    services.live_update_edit(update=update, by=editor, changes={"body": "<p>Versi koreksi.</p>"})
    body = client.get(coverage.get_absolute_url()).content.decode()
    assert "Versi koreksi." in body and "Versi awal." not in body and "Diedit" in body


def test_listings_mark_live_stories(client, coverage):
    home = client.get("/").content.decode()
    card = home[home.index(coverage.headline) - 1500 : home.index(coverage.headline)]
    assert "label--live" in card


def test_update_bodies_are_sanitized(client, coverage):
    publish(coverage, '<p onclick="alert(1)">Aman<script>alert(2)</script></p>', title="<b>judul</b>")
    body = client.get(coverage.get_absolute_url()).content.decode()
    assert "alert(2)" not in body and "onclick" not in body and "&lt;b&gt;judul&lt;/b&gt;" in body


# --- Standards: JSON-LD, feeds, sitemaps ----------------------------------------------------


def jsonld(response):
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return [json.loads(script) for script in scripts]


def test_jsonld_is_a_live_blog_posting(client, coverage):
    update = publish(coverage, "<p>Gempa susulan M 4,2.</p>", title="Gempa susulan")
    graph = jsonld(client.get(coverage.get_absolute_url()))[0]["@graph"]
    posting = next(node for node in graph if node["@type"] == "LiveBlogPosting")
    assert posting["coverageStartTime"] and posting["coverageEndTime"]
    assert posting["headline"] == coverage.headline and posting["publication"]["isLiveBroadcast"] is True
    [entry] = posting["liveBlogUpdate"]
    assert entry["@type"] == "BlogPosting" and entry["headline"] == "Gempa susulan"
    assert entry["url"].endswith(f"#{update.anchor}") and entry["datePublished"]
    services.live_coverage_end(article=coverage, by=None)
    graph = jsonld(client.get(coverage.get_absolute_url()))[0]["@graph"]
    posting = next(node for node in graph if node["@type"] == "LiveBlogPosting")
    assert "publication" not in posting
    assert posting["coverageEndTime"].startswith(
        timezone.localtime(Article.objects.get(pk=coverage.pk).live_ended_at).strftime("%Y-%m-%dT%H:%M")
    )


def test_the_coverage_feed_carries_the_updates(client, coverage):
    publish(coverage, "<p>Pertama.</p>", title="Satu")
    publish(coverage, "<p>Kedua.</p>", title="Dua", is_correction=True)
    services.live_update_add(article=coverage, by=None, body="<p>draf</p>", title="Draf")
    feed = feedparser.parse(client.get(coverage.get_absolute_url() + "feed/").content)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Ralat: Dua", "Satu"]
    assert all("#pembaruan-" in entry.link for entry in feed.entries)
    page = client.get(coverage.get_absolute_url()).content.decode()
    assert f'href="{coverage.get_absolute_url()}feed/"' in page


def test_sitemaps_follow_the_latest_update(client, coverage):
    coverage.published_at = coverage.first_published_at = timezone.now() - timedelta(days=5)
    Article.objects.filter(pk=coverage.pk).update(
        published_at=coverage.published_at, modified_at=coverage.published_at
    )
    assert coverage.slug not in client.get("/sitemap-news.xml").content.decode()
    update = publish(coverage, "<p>Masih berlangsung.</p>")
    news = client.get("/sitemap-news.xml").content.decode()
    entry = news[news.index(coverage.slug) :]
    lastmod = re.search(r"<lastmod>([^<]+)</lastmod>", entry).group(1)
    assert lastmod.startswith(timezone.localtime(update.published_at).strftime("%Y-%m-%dT%H:%M"))
    articles = client.get("/sitemap-articles.xml").content.decode()
    entry = articles[articles.index(coverage.slug) :]
    assert re.search(r"<lastmod>([^<]+)</lastmod>", entry).group(1) == f"{timezone.localdate():%Y-%m-%d}"


def test_a_running_coverage_lets_in_any_embed_an_update_may_bring(client, coverage):
    page = client.get(coverage.get_absolute_url())
    assert "frame-src" in page["Content-Security-Policy"] and "youtube" in page["Content-Security-Policy"]
    assert b"js/embeds.js" in page.content
    services.live_coverage_end(article=coverage, by=None)
    assert "youtube" not in client.get(coverage.get_absolute_url())["Content-Security-Policy"]


def test_a_coverage_set_to_start_later_starts_by_itself(client, page_cache):
    article = make_article(headline="Debat Kandidat Malam Ini")
    later = timezone.now() + timedelta(hours=2)
    article = services.live_coverage_start(article=article, by=None, at=later)
    assert article.is_live_coverage and not article.is_live()
    assert cachetags.next_change() == later
    page = client.get(article.get_absolute_url()).content.decode()
    assert "label--live" not in page and "js/live" not in page and "dimulai" in page
    # When the moment passes, what the start changes (the badge, its cards) goes stale then.
    tags = cachetags.due_tags(later.timestamp() - 1, later.timestamp() + 1)
    assert {cachetags.article_tag(article.pk), cachetags.live_tag(article.pk)} <= tags


def test_every_update_state_is_reached_and_left_only_through_the_table():
    from articles.workflow import LIVE_STEPS

    targets = {step.target for step in LIVE_STEPS.values()}
    sources = {source for step in LIVE_STEPS.values() for source in step.sources}
    assert set(LiveUpdate.Status.values) <= targets | {None}
    assert LiveUpdate.Status.REMOVED not in sources  # removal is final: the record stays
    assert all(step.hard == (step.target == LiveUpdate.Status.REMOVED) for step in LIVE_STEPS.values())
