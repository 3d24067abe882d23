"""The project's settings as production runs them (DEBUG off), with test-only speed-ups."""

import os
import tempfile
from pathlib import Path

# A developer's .env (DEBUG, DATABASE_URL, REDIS_URL...) never reaches the tests or the
# servers they start; tests/test_project.py tests reading it.
os.environ["NEWSPORTAL_ENV_FILE"] = ""

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("CACHE_KEY_PREFIX", "newsportal-tests")
# Templates use {% static %}; tests don't run collectstatic first.
os.environ.setdefault("STATIC_NO_MANIFEST", "1")

from newsportal.settings import *  # noqa: F403

# Most tests look at rendering; tests/test_caching.py turns the page cache on.
PAGE_CACHE_SECONDS = 0
# The in-process page tier outlives a test; the live two-server tests run it in gunicorn.
PAGE_CACHE_LOCAL_ENTRIES = 0
# Warming renders pages in a background thread, outside a test's transaction; tests that
# look at it turn it on.
PAGE_CACHE_WARM = False

# Without REDIS_URL the generation is a file; each run its own, never the checkout's var/.
PAGE_CACHE_GENERATION_FILE = Path(tempfile.mkdtemp(prefix="newsportal-test-generation-")) / "generation"
MEDIA_ROOT = tempfile.mkdtemp(prefix="newsportal-test-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = tempfile.mkdtemp(prefix="newsportal-test-static-")

# SQLite's test database in a file, not in memory: threads of the site (the pub/sub watcher,
# a live server's) then wait for each other's locks, where a shared in-memory database
# answers "table is locked" at once and fails whichever test was writing.
_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["TEST"] = {"NAME": str(Path(tempfile.mkdtemp(prefix="newsportal-test-db-")) / "test.sqlite3")}
