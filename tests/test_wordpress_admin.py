"""The admin's WordPress import (issue 14): upload, a dry-run preview, then the import, for editors only."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.admin.wordpress import PAYLOAD_MAX_AGE, PAYLOAD_SALT
from articles.models import Article, Section
from redirects.models import Redirect

from .factories import make_section, make_user

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "fixtures" / "wordpress" / "kabarkota.xml"
URL = reverse("admin:articles_article_import_wordpress")
STRUCTURE = "/%year%/%monthnum%/%day%/%postname%/"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def imports_dir(settings):
    return Path(settings.VAR_DIR) / "imports"


def upload(content=None, name="kabarkota.xml"):
    content = EXPORT.read_bytes() if content is None else content
    return SimpleUploadedFile(name, content, content_type="text/xml")


def preview(client, **options):
    data = {"permalink_structure": STRUCTURE, "export": upload(), **options}
    return client.post(URL, data)


def stored_files(imports_dir):
    return sorted(imports_dir.glob("*.xml")) if imports_dir.exists() else []


def error_messages(response):
    return [message.message for message in get_messages(response.wsgi_request) if message.level == ERROR]


def test_upload_shows_a_preview_and_writes_nothing(editor_client, imports_dir):
    response = preview(editor_client)
    assert response.status_code == 200
    assert response.context["preview"].dry_run
    assert response.context["file_name"] == "kabarkota.xml"
    content = response.content.decode()
    assert "Pratinjau" in content and 'name="payload"' in content
    assert "<table>" in content and "tidak berubah" in content
    assert re.search(r"Alamat lama \(301\)</dt><dd>\d+ created", content)
    posts = dict(response.context["preview"].table())["post"]
    assert posts["created"] > 0
    assert not Article.objects.exists() and not Section.objects.exists() and not Redirect.objects.exists()
    assert len(stored_files(imports_dir)) == 1  # waiting for the confirmation


def test_confirming_the_preview_imports_and_removes_the_upload(editor_client, imports_dir):
    shown = preview(editor_client).context
    payload = shown["payload"]
    expected = {kind: dict(numbers) for kind, numbers in shown["preview"].table()}

    response = editor_client.post(URL, {"payload": payload})
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.dry_run
    assert {kind: dict(numbers) for kind, numbers in result.table()} == expected
    assert "Hasil impor" in response.content.decode()
    assert [m.message for m in get_messages(response.wsgi_request) if m.level == SUCCESS] == [
        "Ekspor WordPress sudah diimpor."
    ]
    story = Article.objects.get(headline="Banjir rendam Jakarta Timur & Bekasi")
    assert editor_client.get("/2024/03/01/banjir-jakarta-timur/")["Location"] == story.get_absolute_url()
    assert stored_files(imports_dir) == []

    # The payload is spent: sent again, it imports nothing.
    response = editor_client.post(URL, {"payload": payload})
    assert response.status_code == 302 and response["Location"] == URL


def test_the_options_of_the_preview_are_the_ones_imported(editor_client):
    make_section(name="Nasional", slug="nasional")
    response = preview(editor_client, section_map="berita = nasional")
    assert response.status_code == 200 and "payload" in response.context
    editor_client.post(URL, {"payload": response.context["payload"]})
    assert Article.objects.get(headline="Banjir rendam Jakarta Timur & Bekasi").section.slug == "nasional"


def test_a_writer_cannot_open_or_post_the_import(client):
    client.force_login(make_user(group="Penulis"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"export": upload()}).status_code == 403
    assert not Article.objects.exists()


def test_the_changelist_links_to_the_import_for_editors_only(editor_client, client):
    assert URL in editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    client.force_login(make_user(group="Penulis"))
    assert URL not in client.get(reverse("admin:articles_article_changelist")).content.decode()


@pytest.mark.parametrize("tamper", ["garbled", "expired", "bad token"])
def test_a_tampered_or_expired_payload_redirects_with_an_error(editor_client, tamper):
    payload = preview(editor_client).context["payload"]
    later = timezone.now()
    if tamper == "garbled":
        payload = payload[:-2] + ("BB" if payload.endswith("AA") else "AA")
    elif tamper == "expired":
        later += timedelta(seconds=PAYLOAD_MAX_AGE + 60)
    else:
        data = signing.loads(payload, salt=PAYLOAD_SALT)
        payload = signing.dumps({**data, "token": "../../etc/passwd"}, salt=PAYLOAD_SALT)

    with time_machine.travel(later, tick=False):
        response = editor_client.post(URL, {"payload": payload})
    assert response.status_code == 302 and response["Location"] == URL
    assert error_messages(response) == ["Pratinjau kedaluwarsa; unggah ekspornya lagi."]
    assert not Article.objects.exists() and not Redirect.objects.exists()


def test_a_payload_from_another_user_is_refused(editor_client, imports_dir):
    payload = preview(editor_client).context["payload"]
    other = Client()
    other.force_login(make_user(group="Editor"))
    assert other.post(URL, {"payload": payload}).status_code == 403
    assert not Article.objects.exists()
    assert len(stored_files(imports_dir)) == 1  # still the owner's to confirm


def test_a_malformed_export_is_a_form_error_with_line_and_column(editor_client, imports_dir):
    broken = EXPORT.read_text(encoding="utf-8").replace(
        "<wp:post_name><![CDATA[persija-menang]]></wp:post_name>", "<wp:post_name>"
    )
    response = editor_client.post(URL, {"export": upload(broken.encode())})
    assert response.status_code == 200
    errors = response.context["form"].errors["export"]
    assert len(errors) == 1 and "line " in errors[0] and "column " in errors[0]
    assert "column " in response.content.decode()
    assert "payload" not in response.context
    assert not Article.objects.exists() and not Section.objects.exists()
    assert stored_files(imports_dir) == []


def test_an_oversized_export_is_a_form_error(editor_client, settings, imports_dir):
    settings.WORDPRESS_ADMIN_IMPORT_MAX_MB = 0
    response = preview(editor_client)
    assert response.status_code == 200
    errors = response.context["form"].errors["export"]
    assert len(errors) == 1 and "baris perintah" in errors[0]
    assert "payload" not in response.context
    assert not Article.objects.exists() and stored_files(imports_dir) == []


@pytest.mark.parametrize(
    ("section_map", "message"),
    [
        ("berita = nasional\nolahraga", "Baris 2 bukan “category-slug = section-slug”."),
        ("berita = tidak-ada", "Tidak ada rubrik dengan slug tidak-ada."),
    ],
)
def test_a_bad_section_map_is_a_form_error_keeping_the_other_input(
    editor_client, imports_dir, section_map, message
):
    make_section(name="Nasional", slug="nasional")
    response = preview(
        editor_client,
        section_map=section_map,
        author_map="rina = Rina Wulandari",
        media_base_url="https://lama.example.id",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"section_map": [message]}
    content = response.content.decode()
    assert "Rina Wulandari" in content and "https://lama.example.id" in content and STRUCTURE in content
    assert "payload" not in response.context
    assert not Article.objects.exists() and stored_files(imports_dir) == []
