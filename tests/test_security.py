"""Security headers and the production configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .factories import make_article

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("cached", [False, True])
def test_public_pages_send_the_security_headers(client, settings, cached):
    settings.PAGE_CACHE_SECONDS = 60 if cached else 0
    article = make_article()
    client.get(article.get_absolute_url())
    response = client.get(article.get_absolute_url())
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_public_pages_have_no_inline_scripts(client):
    import re

    article = make_article()
    for url in ["/", article.get_absolute_url()]:
        html = client.get(url).content.decode()
        for attributes in re.findall(r"<script\b([^>]*)>", html):
            assert "src=" in attributes or 'type="application/ld+json"' in attributes, attributes
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        # A fresh clone has no var/ yet; checks that open the database get their own.
        "VAR_DIR": str(tmp_path),
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "SECRET_KEY": "a-real-looking-secret-key-" + "x7Q!z" * 12,
        "ALLOWED_HOSTS": "news.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
        "HSTS_PRELOAD": "1",
        # Production has no .env: a developer's (HTTPS=0) would fail every HTTPS check.
        "NEWSPORTAL_ENV_FILE": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
