"""Images: uploads checked with Pillow, size and pixel limits, safe names, renditions reused."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from articles.admin.forms import ArticleAdminForm
from articles.images import check_image_upload, renditions_create
from articles.models import InlineImage

from .factories import admin_form_data, make_article, make_png, make_user

pytestmark = pytest.mark.django_db


def png_header_only(width, height):
    """Return a PNG claiming width x height pixels but holding almost nothing: a decompression bomb."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(make_user(group="Editor"))
    return client


def post_lead_image(client, article, upload, **overrides):
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(
        client.get(url), **{"lead_image": upload, "lead_image_alt": "Warga mengungsi", **overrides}
    )
    return client.post(url, data)


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("foto.jpg", b"this is not an image at all", content_type="image/jpeg"),
        SimpleUploadedFile("foto.png", make_png()[:40], content_type="image/png"),  # truncated
        SimpleUploadedFile("bom.png", png_header_only(100_000, 100_000), content_type="image/png"),
        SimpleUploadedFile("besar.png", png_header_only(9_000, 9_000), content_type="image/png"),
    ],
    ids=["not-an-image", "damaged", "decompression-bomb", "over-the-pixel-limit"],
)
def test_bad_uploads_are_refused_with_a_form_error_not_a_500(editor_client, upload):
    article = make_article()
    response = post_lead_image(editor_client, article, upload)
    assert response.status_code == 200
    assert "lead_image" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert not article.lead_image


def test_a_file_over_the_size_limit_is_refused(editor_client, settings):
    settings.ARTICLES_IMAGE_MAX_BYTES = 1024
    article = make_article()
    upload = SimpleUploadedFile("foto.png", make_png(400, 400) + b"\0" * 2048, content_type="image/png")
    response = post_lead_image(editor_client, article, upload)
    errors = response.context["adminform"].form.errors["lead_image"]
    assert "at most" in errors[0] or "paling" in errors[0]


def test_lead_image_help_text_follows_the_limits_in_settings(editor_client, settings):
    settings.ARTICLES_IMAGE_MAX_BYTES = 25 * 1024 * 1024
    settings.ARTICLES_IMAGE_MAX_PIXELS = 12_000_000
    with translation.override("en"):
        assert str(ArticleAdminForm.base_fields["lead_image"].help_text) == (
            "JPEG, PNG, WebP or GIF, at most 25 MB and 12 megapixels. Sizes for phones are made once."
        )
        settings.ARTICLES_IMAGE_MAX_BYTES = 2_621_440  # 2.5 MB
        assert "at most 2.5 MB and 12 megapixels" in str(ArticleAdminForm().fields["lead_image"].help_text)
    page = editor_client.get(reverse("admin:articles_article_change", args=[make_article().pk]))
    assert "25 MB" not in page.content.decode() and "10 MB" not in page.content.decode()
    assert "2,5 MB" in page.content.decode() or "2.5 MB" in page.content.decode()


def test_pixel_limit_message_follows_the_settings(settings):
    settings.ARTICLES_IMAGE_MAX_PIXELS = 1_500_000
    upload = SimpleUploadedFile("besar.png", png_header_only(2_000, 1_000), content_type="image/png")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        check_image_upload(upload)
    assert "at most 1.5 megapixels" in error.value.messages[0]


def test_lead_image_needs_alt_text(editor_client):
    article = make_article()
    upload = SimpleUploadedFile("foto.png", make_png(), content_type="image/png")
    response = post_lead_image(editor_client, article, upload, lead_image_alt="")
    assert "lead_image_alt" in response.context["adminform"].form.errors


def test_a_good_upload_gets_a_safe_unique_name_and_renditions_used_on_the_page(
    editor_client, client, django_capture_on_commit_callbacks
):
    article = make_article()
    upload = SimpleUploadedFile("../../Foto Banjir!! Desa.PNG", make_png(1600, 900), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_lead_image(editor_client, article, upload, lead_image_caption="Banjir")
    assert response.status_code == 302
    article.refresh_from_db()
    name = article.lead_image.name
    assert name.startswith("articles/") and "/foto-banjir-desa-" in name and name.endswith(".png")
    assert ".." not in name and " " not in name
    renditions = article.lead_image_renditions
    assert [w for w, _h, _n in renditions["webp"]] == [480, 800, 1200]
    assert all(default_storage.exists(n) for _w, _h, n in renditions["webp"] + renditions["fallback"])
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<source type="image/webp" srcset="' in html and " 1200w" in html
    # The lead is its 16:9 crop, described by its widest rendition.
    assert 'width="1200" height="675"' in html


def test_renditions_are_made_once_and_reused(editor_client):
    name = default_storage.save(
        "articles/test/foto.jpg", SimpleUploadedFile("f.jpg", make_png(900, 600, image_format="JPEG"))
    )
    first = renditions_create(name)
    stamps = {n: default_storage.get_modified_time(n) for _w, _h, n in first["webp"]}
    again = renditions_create(name)
    assert again == first
    assert stamps == {n: default_storage.get_modified_time(n) for _w, _h, n in again["webp"]}
    # No upscaling: an 900 px picture gets 480, 800 and its own 900.
    assert [w for w, _h, _n in first["fallback"]] == [480, 800, 900]


def test_image_library_picker_uploads_and_hands_the_image_to_the_editor(
    client, django_capture_on_commit_callbacks
):
    client.force_login(make_user(group="Penulis"))
    url = reverse("admin:articles_inlineimage_picker") + "?CKEditorFuncNum=-1"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"image": SimpleUploadedFile("x.png", b"nope"), "alt_text": "Peta"})
    assert refused.status_code == 200 and refused.context["form"].errors["image"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "image": SimpleUploadedFile("peta.png", make_png(1000, 500)),
                "alt_text": "Peta banjir",
                "caption": "Peta",
            },
        )
    image = InlineImage.objects.get()
    assert image.width == 1000 and image.renditions["fallback"]
    assert f'data-autoselect="image-{image.pk}"' in response.content.decode()


def test_library_images_in_the_body_get_srcset_and_dimensions(client, django_capture_on_commit_callbacks):
    writer = make_user(group="Editor")
    staff = Client()
    staff.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:articles_inlineimage_picker"),
            {"image": SimpleUploadedFile("grafik.png", make_png(1300, 650)), "alt_text": "Grafik harga"},
        )
    image = InlineImage.objects.get()
    article = make_article(
        body=(
            f'<p>Teks.</p><figure><img src="{image.image.url}" alt="Grafik harga">'
            "<figcaption>Grafik</figcaption></figure>"
        )
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'srcset="' in html and 'width="1300" height="650"' in html and 'loading="lazy"' in html


def test_people_without_library_rights_cannot_open_the_picker(client):
    client.force_login(make_user())
    assert client.get(reverse("admin:articles_inlineimage_picker")).status_code == 403
