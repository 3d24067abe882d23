import os
import shutil

import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _clear_cache():
    # The cache may be a shared Redis (REDIS_URL in CI): no test sees another's pages.
    cache.clear()
    yield
    cache.clear()


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
