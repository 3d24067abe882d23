"""Two languages: Indonesian at /, English under /en/, every string translated, a switch that stays put."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from .factories import make_article, make_section

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"


def po_entries(language):
    """Return [(msgid, msgstr or plural msgstrs)] of a committed .po file (a small reader, no dependency)."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields, current = {}, None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            entries.append(
                (fields["msgid"], [value for key, value in fields.items() if key.startswith("msgstr")])
            )
    return entries


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_message_is_translated(language):
    entries = po_entries(language)
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstrs in entries if not all(msgstrs)]
    assert untranslated == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_compiled_catalogs_are_committed_and_current(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists()
    if shutil.which("msgfmt"):
        fresh = subprocess.run(
            ["msgfmt", "--check-format", "-o", "-", str(po)], capture_output=True, check=True
        )
        assert fresh.stdout == mo.read_bytes(), f"{mo} is stale: run make messages"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_template_and_code_string_is_in_the_catalog(tmp_path, settings):
    """makemessages finds no msgid that the committed catalogs lack."""
    from django.core.management import call_command

    target = tmp_path / "project"
    for folder in ["articles", "newsportal", "operations", "pagecache", "templates"]:
        shutil.copytree(Path(settings.BASE_DIR) / folder, target / folder)
    (target / "locale").mkdir()
    import os

    cwd = os.getcwd()
    os.chdir(target)
    try:
        call_command("makemessages", locale=["en"], verbosity=0, no_location=True)
    finally:
        os.chdir(cwd)
    fresh = {msgid for msgid, _ in _read(target / "locale")}
    committed = {msgid for msgid, _ in po_entries("en")}
    assert fresh - committed == set()


def _read(locale_dir):
    global LOCALE
    saved, LOCALE = LOCALE, locale_dir
    try:
        return po_entries("en")
    finally:
        LOCALE = saved


def test_indonesian_is_the_default_and_english_lives_under_en(client):
    make_article(headline="Banjir Wanaraya")
    make_article(headline="Harga cabai naik")
    indonesian = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert '<html lang="id">' in indonesian and "Terkini" in indonesian
    assert '<html lang="en">' in english and "Latest" in english and "Terkini" not in english


def test_accept_language_never_changes_the_page(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()


def test_dates_are_written_in_the_readers_language(client):
    from datetime import datetime

    from django.utils import timezone

    path = make_article(published_at=timezone.make_aware(datetime(2026, 11, 25, 17, 48))).get_absolute_url()
    indonesian = client.get(path).content.decode()
    english = client.get("/en" + path).content.decode()
    assert "Rabu, 25 November 2026 17:48 WIB" in indonesian
    assert "Wednesday, 25 November 2026 17:48 WIB" in english


def test_language_switch_keeps_the_reader_on_the_same_page(client):
    section = make_section(slug="nasional")
    article_path = make_article(section=section).get_absolute_url()
    for path in ["/", "/nasional/", article_path, "/indeks/"]:
        content = client.get(path).content.decode()
        assert f'<a class="language-switch" href="/en{path}" hreflang="en">' in content, path
        back = client.get(f"/en{path}").content.decode()
        assert f'<a class="language-switch" href="{path}" hreflang="id">' in back, path


def test_language_switch_keeps_the_query(client):
    content = client.get("/cari/", {"q": "banjir", "page": "1"}).content.decode()
    assert 'href="/en/cari/?q=banjir&amp;page=1"' in content


def test_admin_model_names_are_indonesian():
    from articles.models import Article

    with translation.override("id"):
        assert str(Article._meta.verbose_name_plural) == "artikel"
        assert str(Article._meta.get_field("published_at").verbose_name) == "waktu terbit"
