"""Project smoke tests: migrations, settings that fail fast, the production server config."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def run_settings(env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "newsportal.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.CACHES['default']['BACKEND'])"],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
    )  # fmt: skip


def test_production_settings_require_a_secret_key():
    result = run_settings({"ALLOWED_HOSTS": "news.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_require_allowed_hosts():
    result = run_settings({"SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_debug_is_off_unless_asked_and_redis_is_used_when_configured():
    result = run_settings(
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.example", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"
    assert "RedisCache" in result.stdout


def test_debug_mode_works_without_configuration():
    result = run_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True")


def test_gunicorn_config_reads_port_and_uses_the_wsgi_app():
    namespace = {}
    env = os.environ.copy()
    os.environ["PORT"] = "8123"
    try:
        exec((ROOT / "newsportal" / "gunicorn.conf.py").read_text(), namespace)
    finally:
        os.environ.clear()
        os.environ.update(env)
    assert namespace["bind"] == "127.0.0.1:8123"
    assert namespace["wsgi_app"] == "newsportal.wsgi:application"
