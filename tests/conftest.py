import os
import runpy
import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client
from django.utils import translation


def clear_caches():
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    # The cache may be a shared Redis (REDIS_URL in CI), and {% cache %} fragments live in
    # each process's memory: no test sees another's pages.
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(autouse=True)
def _closed_breakers():
    # Each process keeps one breaker for Redis and one for the database: an outage a test
    # simulates must not make the next test skip them.
    from newsportal.middleware import DATABASE_BREAKER
    from pagecache.breaker import REDIS_BREAKER

    DATABASE_BREAKER.reset()
    REDIS_BREAKER.reset()
    yield
    DATABASE_BREAKER.reset()
    REDIS_BREAKER.reset()


@pytest.fixture
def editor():
    from .factories import make_user

    return make_user(username="redaktur", group="Editor")


@pytest.fixture
def editor_client(editor):
    client = Client()  # Its own session, so tests can use it next to the `client` fixture.
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _default_language():
    # A request under /en/ leaves English active in the thread; each test starts in Indonesian.
    translation.activate("id")
    yield
    translation.deactivate()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # made by the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def behind_proxies(settings, monkeypatch):
    """Apply the client-address settings newsportal/settings.py derives from PROXY_COUNT."""

    def apply(count):
        monkeypatch.setenv("PROXY_COUNT", str(count))
        derived = runpy.run_path(django_settings.BASE_DIR / "newsportal" / "settings.py")
        names = ["PROXY_COUNT", "IPWARE_STRICT", *(key for key in derived if key.startswith("AXES_IPWARE_"))]
        for name in names:
            if name in derived:
                setattr(settings, name, derived[name])

    return apply
