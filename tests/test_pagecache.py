"""The page cache's parts on their own: generation stores, the per-process tier, the watcher."""

import os
import threading
import time

import pytest
from django.core.cache import caches

from pagecache import content_generation, invalidate_public_pages, invalidate_tags, public_pages_changed
from pagecache.generation import (
    WATCHER,
    FakeStore,
    FileStore,
    RedisStore,
    current_reading,
    read_generation,
    subscribe_confirmed,
    unread_announcements,
    using_store,
)
from pagecache.local import LOCAL_PAGES, LocalCopies
from pagecache.tags import Freshness, freshness

from .factories import make_article, make_page
from .servers import wait_until

# --- Stores --------------------------------------------------------------------------------


def test_file_store_is_shared_by_everyone_reading_the_same_file(tmp_path):
    # Two instances on one path stand for two worker processes.
    here, there = FileStore(tmp_path / "gen"), FileStore(tmp_path / "gen")
    first = here.get().generation
    assert there.get().generation == first
    bumped = there.bump()
    assert bumped != first
    assert here.get().generation == bumped


def test_file_store_made_again_after_deletion_starts_somewhere_new(tmp_path):
    store = FileStore(tmp_path / "var" / "gen")
    seen = {store.get()}
    for _ in range(5):
        (tmp_path / "var" / "gen").unlink()
        seen.add(store.get())
    assert len(seen) == 6


def test_file_store_that_cannot_be_read_gives_no_generation(tmp_path):
    (tmp_path / "not-a-directory").write_text("")
    store = FileStore(tmp_path / "not-a-directory" / "gen")
    assert read_generation(store) is None


def test_fake_store_down_gives_no_generation_and_flushed_starts_fresh():
    store = FakeStore()
    before = store.get()
    store.is_down = True
    assert read_generation(store) is None
    store.is_down = False
    store.flush()
    assert store.get() != before


@pytest.fixture
def redis_store(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    store = RedisStore(settings.REDIS_URL, "newsportal-tests:pagecache-store-test")
    store.client.delete(store.key)
    yield store
    store.client.delete(store.key)


def test_redis_store_never_repeats_a_generation_after_losing_its_key(redis_store):
    seen = set()
    for _ in range(5):
        generation = redis_store.get().generation
        assert redis_store.bump() == generation + 1
        seen.add(generation)
        redis_store.client.delete(redis_store.key)  # flushed, or restarted without persistence
    assert len(seen) == 5 and 0 not in seen


def test_redis_subscription_is_confirmed_before_anything_is_read(redis_store):
    with redis_store.pubsub() as pubsub:
        subscribe_confirmed(pubsub, redis_store.channel)
        # The server counts the subscriber now, so a bump from here on is announced to it.
        assert redis_store.client.pubsub_numsub(redis_store.channel) == [(redis_store.channel.encode(), 1)]
        redis_store.bump()
        assert wait_until(lambda: (m := pubsub.get_message(timeout=0.1)) and m["type"] == "message")


# --- The per-process tier -----------------------------------------------------------------


def test_local_copies_keep_what_they_were_made_of_and_drop_expired_ones():
    copies = LocalCopies(lambda: 10)
    copies.put("page", 7, 3, {"article:1"}, time.time() + 60, {"body": "x"})
    copy = copies.lookup("page")
    assert (copy.generation, copy.as_of, copy.tags) == (7, 3, frozenset({"article:1"}))
    assert copy.value() == {"body": "x"}
    copies.put("old", 7, 3, (), time.time() - 1, "expired")
    assert copies.lookup("old") is None  # no stale window configured


def test_local_copies_stay_within_their_memory_budget(settings):
    # A long tail of big pages must not grow a worker however few entries it holds.
    copies = LocalCopies(lambda: 1000, max_bytes=lambda: 250_000)
    expires = time.time() + 60
    for n in range(10):
        copies.put(f"page-{n}", 1, 0, (), expires, "x" * 100_000)
    assert len(copies) == 2 and copies.bytes <= 250_000
    assert copies.lookup("page-9") is not None and copies.lookup("page-0") is None
    copies.put("page-9", 1, 0, (), expires, "small")  # replacing an entry gives its bytes back
    assert copies.bytes < 150_000
    copies.put("huge", 1, 0, (), expires, "y" * 1_000_000)  # alone over budget: kept, nothing else
    assert len(copies) == 1 and copies.lookup("huge") is not None


def test_local_copies_never_keep_anything_for_an_unknown_generation():
    copies = LocalCopies(lambda: 10)
    copies.put("page", None, 0, (), time.time() + 60, "x")
    assert len(copies) == 0 and copies.lookup("page") is None


def test_local_copies_drop_the_least_recently_used_and_hand_out_copies():
    copies = LocalCopies(lambda: 2)
    expires = time.time() + 60
    copies.put("a", 1, 0, (), expires, ["a"])
    copies.put("b", 1, 0, (), expires, ["b"])
    copies.lookup("a").value().append("changed by a reader")
    copies.put("c", 1, 0, (), expires, ["c"])  # "b" is now the least recently used
    assert copies.lookup("b") is None
    assert copies.lookup("a").value() == ["a"] and copies.lookup("c").value() == ["c"]


# --- The watcher --------------------------------------------------------------------------


@pytest.fixture
def local_tier(settings):
    settings.PAGE_CACHE_LOCAL_ENTRIES = 8
    LOCAL_PAGES.clear()
    yield
    LOCAL_PAGES.clear()


class BumpedRightAfterTheFirstRead(FakeStore):
    """Another server bumps between this process's first read and anything after it."""

    def get(self):
        value = super().get()
        if self.reads == 1:
            self.bump()
        return value


def test_watcher_reads_the_generation_only_once_its_subscription_is_confirmed(local_tier):
    # Reading before the confirmation would miss this bump for good (pub/sub has no replay).
    with using_store(BumpedRightAfterTheFirstRead()) as store:
        WATCHER.current()
        assert wait_until(lambda: WATCHER.current() == store.get()), (WATCHER.current(), store.value)


def test_watcher_follows_bumps_from_other_processes(local_tier):
    with using_store(FakeStore()) as store:
        assert wait_until(lambda: WATCHER.current() is not None)
        for _ in range(3):
            store.bump()  # as another app server does
            assert wait_until(lambda: WATCHER.current() == store.get())


def test_watcher_stops_vouching_and_forgets_copies_while_the_store_is_down(local_tier):
    with using_store(FakeStore()) as store:
        assert wait_until(lambda: WATCHER.current() is not None)
        LOCAL_PAGES.put("page", store.value, 0, (), time.time() + 60, "copy")
        store.is_down = True
        assert wait_until(lambda: WATCHER.current() is None)
        assert wait_until(lambda: len(LOCAL_PAGES) == 0)
        assert current_reading() == (None, 0, False)
        store.is_down = False
        store.flush()  # it came back empty, as a restarted Redis does
        assert wait_until(lambda: WATCHER.current() == store.get())


def test_without_announcements_the_store_is_read_on_every_request(local_tier):
    with using_store(FakeStore(announces=False)) as store:
        first = current_reading()
        assert first.generation == store.value and not first.local
        store.bump()
        assert content_generation() == store.value


def test_a_store_that_vouches_by_itself_needs_no_watcher(local_tier):
    with using_store(FakeStore(vouches_locally=True, announces=False)) as store:
        assert current_reading() == (store.value, 0, True)
        assert WATCHER.pid is None


@pytest.fixture
def watcher_held(settings):
    """A way to keep this process's watcher from reading its subscription, as a busy worker does."""
    hold, held = threading.Event(), threading.Event()

    def busy():
        if hold.is_set():
            held.set()
            while hold.is_set():
                held.wait(0.01)

    WATCHER.tick_callbacks.append(busy)
    yield hold, held
    hold.clear()
    WATCHER.tick_callbacks.remove(busy)


@pytest.mark.parametrize("announced", [False, True], ids=["this process", "another process"])
def test_after_the_store_lost_its_value_new_copies_are_not_judged_by_old_tag_versions(local_tier, announced):
    # An operator cleared Redis, then invalidated everything: the clock starts again from zero,
    # and the versions this process heard before belong to the old clock.
    store = FakeStore()
    with using_store(store):
        assert wait_until(lambda: WATCHER.current() == store.get())
        for _ in range(3):
            invalidate_tags(["list:all"])
        assert wait_until(lambda: not WATCHER.behind() and WATCHER.current().clock == 3)
        store.flush()
        if announced:
            store.bump()
        else:
            invalidate_public_pages()
        assert wait_until(lambda: not WATCHER.behind() and WATCHER.current() == store.get())
        reading = current_reading()
        assert reading.local and reading.clock == 0
        assert freshness(reading, reading.generation, reading.clock, {"list:all"}) is Freshness.FRESH


def test_many_threads_may_ask_at_once_whether_an_announcement_is_unread(redis_store):
    # A threaded worker's requests (and the watcher's own ticks) ask at the same moment.
    pubsub = redis_store.pubsub()
    subscribe_confirmed(pubsub, redis_store.channel)
    unread = unread_announcements(pubsub)
    errors = []

    def ask():
        try:
            for _ in range(3000):
                unread()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pubsub.close()
    assert errors == []


@pytest.mark.parametrize("backend", ["redis", "fake"])
def test_an_announcement_not_yet_read_makes_requests_read_the_store(
    backend, local_tier, watcher_held, settings
):
    # A request after another server's change must see it even though this process's
    # watcher (a greenlet behind a busy render) has not read the announcement yet.
    if backend == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    store = (
        RedisStore(settings.REDIS_URL, f"newsportal-tests:behind:{time.time_ns()}")
        if backend == "redis"
        else FakeStore()
    )
    hold, held = watcher_held
    try:
        with using_store(store):
            assert wait_until(lambda: WATCHER.current() == store.get())
            before = current_reading()
            assert before.local
            hold.set()
            assert held.wait(5)  # the watcher is busy elsewhere, its subscription unread
            clock = store.bump_tags(["article:1"], hard=True)  # another app server's change
            assert wait_until(WATCHER.behind)
            reading = current_reading()
            assert reading == (before.generation, clock, False)  # read from the store, not vouched
            assert freshness(reading, before.generation, before.clock, {"article:1"}) is Freshness.GONE
            hold.clear()
            assert wait_until(lambda: not WATCHER.behind() and WATCHER.current() == store.get())
            assert current_reading() == (before.generation, clock, True)
    finally:
        if backend == "redis":
            store.client.delete(store.key)


def test_invalidating_tells_this_process_at_once(local_tier):
    with using_store(FakeStore()) as store:
        assert wait_until(lambda: WATCHER.current() is not None)
        assert invalidate_public_pages() == store.value == current_reading().generation
        store.is_down = True
        assert invalidate_public_pages() is None  # logged, never raised into the editor's save


def test_a_shared_fragment_checked_once_is_then_vouched_for_by_this_process(
    local_tier, settings, monkeypatch
):
    from django.core.cache import cache

    from pagecache import cached_fragment
    from pagecache.local import LOCAL_FRAGMENTS

    settings.PAGE_CACHE_SECONDS = 600
    LOCAL_FRAGMENTS.clear()
    with using_store(FakeStore()) as store:
        store.bump_tags(["x"], hard=False)
        # Stored by another server as of clock 1, before this process subscribed (at clock 2).
        generation = store.get().generation
        cache.set(f"fragment:{generation}:piece", (1, frozenset({"x"}), time.time() + 60, "shared"), 60)
        store.bump_tags(["y"], hard=False)
        assert wait_until(lambda: WATCHER.current() == store.get())
        asked = []
        real = store.tag_versions
        monkeypatch.setattr(store, "tag_versions", lambda tags: asked.append(tags) or real(tags))
        for _ in range(3):
            assert cached_fragment(None, "piece", lambda: "computed", tags=["x"]) == "shared"
        assert asked == [frozenset({"x"})]  # the store is asked once, not at every use
        store.bump_tags(["x"], hard=False)  # and a change to it is still seen
        assert wait_until(
            lambda: cached_fragment(None, "piece", lambda: "computed", tags=["x"]) == "computed"
        )
    LOCAL_FRAGMENTS.clear()
    cache.delete(f"fragment:{generation}:piece")


# --- Through the middleware -----------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.mark.django_db
def test_while_the_generation_cannot_be_read_pages_are_rendered_and_not_stored(client, page_cache):
    make_article(headline="Berita Awal")
    with using_store(FakeStore()) as store:
        client.get("/")
        assert client.get("/")["X-Cache"] == "HIT"
        store.is_down = True
        for _ in range(2):
            response = client.get("/")
            assert response.status_code == 200 and "X-Cache" not in response
        store.is_down = False
        store.flush()  # back, but empty: nothing from before may match
        assert client.get("/")["X-Cache"] == "MISS"


@pytest.mark.django_db
def test_a_generation_lost_twice_never_brings_back_fragments_from_before(client, page_cache, settings):
    # {% cache %} fragments (the footer) live in each process's memory, apart from the shared
    # cache. Losing the shared cache (Redis flushed or restarted) used to make the generation
    # 0 again, so the footer kept from an earlier "0" period came back after a change.
    settings.PAGE_CACHE_LOCAL_ENTRIES = 0
    page = make_page(title="Tentang Kami Lama", is_in_footer=True)
    assert "Tentang Kami Lama" in client.get("/", HTTP_HOST="localhost").text
    caches["default"].clear()
    type(page).objects.filter(pk=page.pk).update(title="Tentang Kami Baru")
    invalidate_public_pages()
    assert "Tentang Kami Baru" in client.get("/", HTTP_HOST="127.0.0.1").text
    caches["default"].clear()
    page_text = client.get("/").text
    assert "Tentang Kami Baru" in page_text and "Tentang Kami Lama" not in page_text


@pytest.mark.django_db
def test_pages_kept_in_process_memory_follow_the_shared_generation(client, page_cache, local_tier, tmp_path):
    article = make_article(headline="Judul Lama")
    with using_store(FileStore(tmp_path / "gen")):
        client.get(article.get_absolute_url())
        caches["default"].clear()  # what is left is this process's own copy
        assert client.get(article.get_absolute_url())["X-Cache"] == "HIT"
        type(article).objects.filter(pk=article.pk).update(headline="Judul Baru")
        FileStore(tmp_path / "gen").bump()  # another worker's change
        response = client.get(article.get_absolute_url())
        assert response["X-Cache"] == "MISS" and "Judul Baru" in response.text


@pytest.mark.django_db
def test_invalidate_public_pages_command_bumps_the_generation(capsys):
    from django.core.management import call_command

    before = content_generation()
    call_command("invalidate_public_pages")
    assert content_generation() not in (None, before)
    assert "invalidated" in capsys.readouterr().out


def test_public_pages_changed_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    before = content_generation()
    with django_capture_on_commit_callbacks() as callbacks:
        public_pages_changed()
    assert content_generation() == before and len(callbacks) == 1


def test_no_module_of_the_cache_imports_the_content_app():
    import pagecache

    root = os.path.dirname(pagecache.__file__)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                source = open(os.path.join(folder, name), encoding="utf-8").read()
                assert "import articles" not in source and "from articles" not in source, name
