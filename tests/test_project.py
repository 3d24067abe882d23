"""Project smoke tests: migrations, settings that fail fast, the production server config."""

import os
import shutil
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
    # No .env unless the test names one: a developer's own never decides these results.
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "NEWSPORTAL_ENV_FILE": "",
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.CACHES['default']['BACKEND'])"],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
    )  # fmt: skip


def test_production_settings_require_a_secret_key():
    result = run_settings({"ALLOWED_HOSTS": "news.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_local_env_file_fills_in_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# written by make run\n"
        "SECRET_KEY='from-the-file-0123456789-abcdefghijklmnopqrstuvwxyz'\n"
        "ALLOWED_HOSTS=127.0.0.1,localhost  # local only\n"
        'export HTTPS="0"\n'
        "\n"
        "DEBUG=1\n"
    )
    result = run_settings({"NEWSPORTAL_ENV_FILE": str(env_file), "DEBUG": "0"})
    assert result.returncode == 0, result.stderr
    # DEBUG=0 from the environment wins over the file's DEBUG=1.
    assert result.stdout.split(maxsplit=1) == [
        "False",
        "['127.0.0.1', 'localhost'] django.core.cache.backends.locmem.LocMemCache\n",
    ]


def test_env_file_reader_keeps_quoted_values_and_refuses_other_lines(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from newsportal.settings import read_env_file

    env_file = tmp_path / ".env"
    env_file.write_text('A="x # not a comment"\nB=plain # comment\nC=\n')
    assert read_env_file(env_file) == {"A": "x # not a comment", "B": "plain", "C": ""}
    env_file.write_text("SECRET_KEY\n")
    with pytest.raises(ImproperlyConfigured, match="line 1"):
        read_env_file(env_file)


def test_a_named_env_file_that_is_missing_fails_fast(tmp_path):
    result = run_settings({"NEWSPORTAL_ENV_FILE": str(tmp_path / "missing.env"), "DEBUG": "1"})
    assert result.returncode != 0
    assert "missing.env" in result.stderr


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_writes_a_private_env_file_once_and_then_keeps_it(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    make = ["make", "--no-print-directory", f"PYTHON={sys.executable}", ".env"]
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True)
    env_file = tmp_path / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    from newsportal.settings import read_env_file

    values = read_env_file(env_file)
    assert len(values.pop("SECRET_KEY")) >= 50
    assert values == {"ALLOWED_HOSTS": "127.0.0.1,localhost", "HTTPS": "0"}
    env_file.write_text("SECRET_KEY=mine\nDEBUG=1\n")
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True)
    assert env_file.read_text() == "SECRET_KEY=mine\nDEBUG=1\n"


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
