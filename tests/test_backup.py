"""Backup and restore: a dump gives back every row and every uploaded image."""

import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from articles.models import Article

from .factories import ensure_newsroom_groups

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    images = sorted(Article.objects.exclude(lead_image="").values_list("lead_image", flat=True))
    return counts, images


def test_restore_gives_back_every_row_and_image(tmp_path, settings, client):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore round trip: run with DATABASE_URL=postgres://... (CI does)")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # An earlier transactional test's flush may have taken the migrations' newsroom groups.
    ensure_newsroom_groups()
    call_command("load_demo", force=True, verbosity=0)
    before = snapshot()
    assert before[1], "the demo has lead images"
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()

    Article.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    assert snapshot() != before
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")
    assert client.get("/")["X-Cache"] == "HIT"  # the empty home page, cached

    call_command("restore", str(backup), yes=True)
    assert snapshot() == before
    home = client.get("/")
    assert home["X-Cache"] == "MISS" and "Qatar" in home.text
    for name in before[1]:
        assert (Path(settings.MEDIA_ROOT) / name).is_file(), name


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), yes=True)
