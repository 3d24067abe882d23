"""The gallery manager: uploads (one bad file does not lose the others), order, cover, removal,
focal points with crops made once, who may use it, and the pre-publish warning and block."""

import struct
import zlib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from articles import services
from articles.models import Article, Author, GalleryPhoto, InlineImage
from articles.services import galleries
from articles.tasks import library_image_renditions

from . import factories
from .factories import admin_form_data, make_article, make_png, make_user

pytestmark = pytest.mark.django_db

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def make_gallery(**overrides):
    return make_article(kind=Article.Kind.GALLERY, status=Article.Status.DRAFT, **overrides)


def photo_file(name, width=640, height=480, color=(40, 90, 160)):
    return SimpleUploadedFile(name, make_png(width, height, color=color), content_type="image/png")


def bomb_file(name):
    """A PNG claiming 100,000 × 100,000 pixels: refused from its header."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def not_an_image(name):
    return SimpleUploadedFile(name, b"this is a text file, not a photo", content_type="image/jpeg")


def gallery_url(article):
    return reverse("admin:articles_article_gallery", args=[article.pk])


def upload_url(article):
    return reverse("admin:articles_article_gallery_upload", args=[article.pk])


def add_photos(article, count, *, by=None, width=640):
    return [
        services.gallery_photo_add(article=article, upload=photo_file(f"foto-{n}.png", width=width), by=by)
        for n in range(1, count + 1)
    ]


def list_data(photos, *, cover=None, rows=None):
    """The gallery manager's POST: every photo's fields as shown, changed by rows={pk: {field: value}}."""
    data = {}
    for position, photo in enumerate(photos, start=1):
        image = photo.image
        fields = {
            "alt_text": image.alt_text,
            "caption": image.caption,
            "credit": image.credit,
            "focal_x": image.focal_x,
            "focal_y": image.focal_y,
            "position": position,
            **(rows or {}).get(photo.pk, {}),
        }
        for name, value in fields.items():
            if name == "remove":
                if value:
                    data[f"photo-{photo.pk}-remove"] = "on"
                continue
            data[f"photo-{photo.pk}-{name}"] = value
    cover = cover if cover is not None else next((p.pk for p in photos if p.is_cover), None)
    if cover is not None:
        data["cover"] = cover
    return data


def stored_photos(article):
    return list(GalleryPhoto.objects.filter(article=article).select_related("image").order_by("position"))


# --- Uploads ---------------------------------------------------------------------------------


def test_xhr_uploads_store_good_files_in_order_and_refuse_bad_ones_by_name(
    editor_client, django_capture_on_commit_callbacks
):
    gallery = make_gallery()
    files = [
        photo_file("foto-1.png"),
        not_an_image("catatan.jpg"),
        photo_file("foto-2.png", color=(10, 200, 10)),
        bomb_file("bom.png"),
        photo_file("foto-3.png", color=(200, 200, 10)),
    ]
    answers = []
    for upload in files:
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(editor_client.post(upload_url(gallery), {"photos": upload}, **XHR))

    assert [answer.status_code for answer in answers] == [200, 400, 200, 400, 200]
    refused = [answer.json() for answer in answers if answer.status_code == 400]
    assert [body["ok"] for body in refused] == [False, False]
    assert refused[0]["error"].startswith("catatan.jpg: ") and refused[1]["error"].startswith("bom.png: ")
    stored = [answer.json() for answer in answers if answer.status_code == 200]
    assert stored[0]["message"] == "foto-1.png: diunggah"
    assert all(f'data-photo-id="{body["photo_id"]}"' in body["row_html"] for body in stored)

    photos = stored_photos(gallery)
    assert [photo.pk for photo in photos] == [body["photo_id"] for body in stored]
    assert [photo.position for photo in photos] == [0, 1, 2]
    assert [photo.image.image.name.split("/")[-1].split("-")[0] for photo in photos] == ["foto"] * 3
    assert [photo.is_cover for photo in photos] == [True, False, False]
    assert InlineImage.objects.count() == 3  # nothing of the refused files was stored
    assert all(photo.image.alt_text == "" and photo.image.renditions["crops"] for photo in photos)
    # The first photo is the cover: the lead image is that library file, with its renditions.
    gallery.refresh_from_db()
    cover = photos[0].image
    assert gallery.lead_image.name == cover.image.name
    assert gallery.lead_image_renditions == cover.renditions


def test_the_plain_form_posts_all_files_at_once_with_one_message_per_file(
    editor_client, django_capture_on_commit_callbacks
):
    gallery = make_gallery()
    files = [photo_file("pantai.png"), not_an_image("rusak.jpg"), photo_file("gunung.png")]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(upload_url(gallery), {"photos": files})
    assert response.status_code == 302 and response["Location"] == gallery_url(gallery)
    shown = [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]
    assert ("success", "pantai.png: diunggah") in shown and ("success", "gunung.png: diunggah") in shown
    errors = [text for level, text in shown if level == "error"]
    assert len(errors) == 1 and errors[0].startswith("rusak.jpg: ")
    assert len(stored_photos(gallery)) == 2
    page = editor_client.get(gallery_url(gallery)).content.decode()
    assert page.count("data-photo-id=") == 2 and 'multiple accept="image/*"' in page


def test_the_service_refuses_a_bad_file_and_a_story_that_is_not_a_gallery(editor):
    with pytest.raises(ValidationError):
        services.gallery_photo_add(article=make_gallery(), upload=not_an_image("x.jpg"), by=editor)
    with pytest.raises(ValidationError):
        services.gallery_photo_add(article=make_article(), upload=photo_file("x.png"), by=editor)
    assert not InlineImage.objects.exists()


def test_renditions_are_made_once_per_upload(editor, django_capture_on_commit_callbacks):
    gallery = make_gallery()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        photo = services.gallery_photo_add(article=gallery, upload=photo_file("foto.png"), by=editor)
    photo.image.refresh_from_db()
    names = [name for _w, _h, name in photo.image.renditions["webp"]]
    stamps = {name: default_storage.get_modified_time(name) for name in names}
    # Enqueued on commit (not made inside the transaction), and a second run has nothing to do.
    assert len(callbacks) >= 1
    assert library_image_renditions.call(photo.image.pk) is False
    assert stamps == {name: default_storage.get_modified_time(name) for name in names}


# --- The list: order, cover, description, removal --------------------------------------------


def test_saving_the_list_orders_the_photos_and_the_cover_becomes_the_lead_image(
    editor_client, editor, django_capture_on_commit_callbacks
):
    gallery = make_gallery()
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = add_photos(gallery, 3, by=editor)
    version = Article.objects.get(pk=gallery.pk).version
    data = list_data(
        stored_photos(gallery),
        cover=third.pk,
        rows={
            first.pk: {"position": 3, "alt_text": "Perahu nelayan"},
            second.pk: {"position": 2, "alt_text": "Pasar ikan"},
            third.pk: {
                "position": 1,
                "alt_text": "Matahari terbit di pantai",
                "caption": "Pagi di Pantai Losari",
                "credit": "Foto: Rina",
                "focal_x": 0.25,
                "focal_y": 0.75,
            },
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(gallery_url(gallery), data)
    assert response.status_code == 302
    photos = stored_photos(gallery)
    assert [photo.pk for photo in photos] == [third.pk, second.pk, first.pk]
    assert [photo.is_cover for photo in photos] == [True, False, False]
    gallery.refresh_from_db()
    cover = photos[0].image
    assert (gallery.lead_image.name, gallery.lead_image_alt) == (
        cover.image.name,
        "Matahari terbit di pantai",
    )
    assert (gallery.lead_image_caption, gallery.lead_image_credit) == ("Pagi di Pantai Losari", "Foto: Rina")
    assert (gallery.lead_image_focal_x, gallery.lead_image_focal_y) == (0.25, 0.75)
    assert gallery.lead_image_renditions["focal"] == [0.25, 0.75]
    assert gallery.lead_image_renditions == cover.renditions
    # Through the editorial write path: a new version in the history, who and why.
    assert gallery.version == version + 1 and gallery.last_edited_by == editor
    latest = Version.objects.get_for_object(gallery).first()
    assert latest.field_dict["lead_image"] == cover.image.name


def test_an_edit_that_leaves_the_cover_alone_invalidates_the_gallery_pages_once(
    editor_client, editor, monkeypatch, django_capture_on_commit_callbacks
):
    gallery = make_gallery()
    cover, other = add_photos(gallery, 2, by=editor)
    version = Article.objects.get(pk=gallery.pk).version
    invalidated = []
    monkeypatch.setattr(
        galleries.pagecache, "pages_changed", lambda tags, **kw: invalidated.append(set(tags))
    )
    data = list_data(stored_photos(gallery), rows={other.pk: {"caption": "Keterangan baru"}})
    editor_client.post(gallery_url(gallery), data)
    assert invalidated == [{f"article:{gallery.pk}", "list:pictures"}]
    assert Article.objects.get(pk=gallery.pk).version == version  # the lead image did not change
    assert InlineImage.objects.get(pk=other.image_id).caption == "Keterangan baru"


def test_removing_photos_keeps_their_library_images_and_passes_the_cover_on(editor_client, editor):
    gallery = make_gallery()
    first, second, third = add_photos(gallery, 3, by=editor)
    data = list_data(stored_photos(gallery), rows={first.pk: {"remove": True}, third.pk: {"remove": True}})
    response = editor_client.post(gallery_url(gallery), data)
    assert response.status_code == 302
    photos = stored_photos(gallery)
    assert [(photo.pk, photo.position, photo.is_cover) for photo in photos] == [(second.pk, 0, True)]
    assert InlineImage.objects.filter(pk__in=[first.image_id, third.image_id]).count() == 2
    gallery.refresh_from_db()
    assert gallery.lead_image.name == second.image.image.name


def test_a_photo_of_another_gallery_is_refused(editor):
    gallery, other = make_gallery(), make_gallery()
    stranger = add_photos(other, 1, by=editor)[0]
    with pytest.raises(ValidationError):
        services.gallery_photos_order(article=gallery, photo_ids=[stranger.pk], by=editor)


def test_invalid_rows_show_errors_and_keep_what_was_typed(editor_client, editor):
    gallery = make_gallery()
    photo = add_photos(gallery, 1, by=editor)[0]
    data = list_data(stored_photos(gallery), rows={photo.pk: {"position": "x", "caption": "Belum tersimpan"}})
    response = editor_client.post(gallery_url(gallery), data)
    assert response.status_code == 200
    assert 'value="Belum tersimpan"' in response.content.decode()
    assert InlineImage.objects.get(pk=photo.image_id).caption == ""


# --- Focal points: new crops, original-shape files reused -------------------------------------


def test_a_new_focal_point_makes_new_crops_and_reuses_the_original_shape_files(
    editor_client, editor, django_capture_on_commit_callbacks
):
    gallery = make_gallery()
    with django_capture_on_commit_callbacks(execute=True):
        photo = add_photos(gallery, 1, by=editor, width=1600)[0]
    photo.image.refresh_from_db()
    before = photo.image.renditions
    shape_names = [name for _w, _h, name in before["fallback"] + before["webp"]]
    stamps = {name: default_storage.get_modified_time(name) for name in shape_names}
    old_crops = [name for _w, _h, name in before["crops"]["16:9"]["fallback"]]

    data = list_data(stored_photos(gallery), rows={photo.pk: {"focal_x": 0.2, "focal_y": 0.8}})
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(gallery_url(gallery), data)

    image = InlineImage.objects.get(pk=photo.image_id)
    after = image.renditions
    assert (image.focal_x, image.focal_y) == (0.2, 0.8) and after["focal"] == [0.2, 0.8]
    assert [name for _w, _h, name in after["fallback"] + after["webp"]] == shape_names
    assert stamps == {name: default_storage.get_modified_time(name) for name in shape_names}
    new_crops = [name for _w, _h, name in after["crops"]["16:9"]["fallback"]]
    assert new_crops != old_crops and all("f200x800" in name for name in new_crops)
    assert all(default_storage.exists(name) for name in new_crops)
    # The gallery's lead image is the cover: it has the new crops too.
    assert Article.objects.get(pk=gallery.pk).lead_image_renditions == after


def test_the_library_image_form_sets_the_focal_point_on_the_image(
    editor_client, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = services.inline_image_save(
            image=InlineImage(image=photo_file("peta.png", 900, 600), alt_text="Peta"), by=editor
        )
    url = reverse("admin:articles_inlineimage_change", args=[image.pk])
    page = editor_client.get(url).content.decode()
    assert "data-focal-point" in page and 'name="focal_y"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url, {"alt_text": "Peta", "caption": "", "credit": "", "focal_x": "0.700", "focal_y": "0.300"}
        )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.renditions["focal"] == [0.7, 0.3]


def test_the_lead_image_focal_point_is_set_in_the_article_form(
    editor_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:articles_article_change", args=[make_article().pk])
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            url,
            admin_form_data(
                editor_client.get(url),
                lead_image=photo_file("utama.png", 1600, 900),
                lead_image_alt="Banjir di Wanaraya",
            ),
        )
    page = editor_client.get(url)
    assert "data-focal-point" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, admin_form_data(page, lead_image_focal_x="0.100", lead_image_focal_y="0.900"))
    article = Article.objects.get(pk=page.context["original"].pk)
    assert (article.lead_image_focal_x, article.lead_image_focal_y) == (0.1, 0.9)
    assert article.lead_image_renditions["focal"] == [0.1, 0.9]


# --- Who may use it ---------------------------------------------------------------------------


def test_writers_manage_only_their_own_draft_galleries(editor):
    writer = make_user(group="Penulis")
    Author.objects.create(name="Siti Rahma", slug="siti-rahma", user=writer)
    client = Client()
    client.force_login(writer)
    someone_elses = make_gallery()
    assert client.get(gallery_url(someone_elses)).status_code == 404
    response = client.post(upload_url(someone_elses), {"photos": photo_file("a.png")}, **XHR)
    assert response.status_code == 404 and not InlineImage.objects.exists()

    own = make_gallery(by=writer)
    assert client.get(gallery_url(own)).status_code == 200
    services.article_submit(article=own, by=writer)  # in review: the editors' now
    assert client.get(gallery_url(own)).status_code == 403
    assert client.post(upload_url(own), {"photos": photo_file("a.png")}, **XHR).status_code == 403


def test_the_article_form_links_to_the_manager_with_the_photo_count(editor_client, editor):
    gallery = make_gallery()
    add_photos(gallery, 2, by=editor)
    page = editor_client.get(reverse("admin:articles_article_change", args=[gallery.pk])).content.decode()
    assert f'href="{gallery_url(gallery)}"' in page and "Kelola foto galeri (2)" in page
    plain = editor_client.get(reverse("admin:articles_article_change", args=[make_article().pk]))
    assert "Kelola foto galeri" not in plain.content.decode()
    add = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "setelah galeri disimpan pertama kali" in add


def test_the_manager_lists_30_photos_in_as_many_queries_as_3(editor_client, editor):
    small, large = make_gallery(), make_gallery()
    add_photos(small, 3, by=editor)
    add_photos(large, 30, by=editor)
    editor_client.get(gallery_url(small))  # sessions, permissions: warmed
    counts = []
    for gallery in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(gallery_url(gallery)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Before publishing ------------------------------------------------------------------------


def test_a_gallery_without_photos_or_alt_text_cannot_be_published_and_the_form_keeps_the_input(
    editor_client, editor
):
    gallery = make_gallery()
    url = reverse("admin:articles_article_change", args=[gallery.pk])
    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), headline="Judul baru", _publish="1")
    )
    assert response.status_code == 200
    assert "belum punya foto" in " ".join(response.context["adminform"].form.non_field_errors())

    add_photos(gallery, 2, by=editor)
    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), headline="Judul baru", _publish="1")
    )
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "2 foto galeri belum punya teks alternatif" in errors
    assert response.context["adminform"].form["headline"].value() == "Judul baru"
    gallery.refresh_from_db()
    assert gallery.status == Article.Status.DRAFT and gallery.headline != "Judul baru"
    with pytest.raises(services.WorkflowError):
        services.article_publish(article=gallery, by=editor)
    page = editor_client.get(url).content.decode()
    assert "Belum bisa terbit" in page

    InlineImage.objects.update(alt_text="Warga di pengungsian")
    services.gallery_cover_apply(article=gallery, by=editor)
    response = editor_client.post(url, admin_form_data(editor_client.get(url), _publish="1"))
    assert response.status_code == 302
    gallery.refresh_from_db()
    assert gallery.is_published() and gallery.lead_image_alt == "Warga di pengungsian"


def test_a_lead_image_narrower_than_1200_px_is_warned_about_after_saving_and_on_the_form(
    editor_client, django_capture_on_commit_callbacks
):
    article = make_article(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[article.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url,
            admin_form_data(
                editor_client.get(url),
                lead_image=photo_file("kecil.png", 800, 450),
                lead_image_alt="Rapat",
                _continue="1",
            ),
            follow=True,
        )
    warning = "Gambar utama hanya 800 px lebarnya; Google Discover memerlukan minimal 1200 px."
    shown = [(message.level_tag, message.message) for message in response.context["messages"]]
    assert ("warning", warning) in shown
    assert "Periksa sebelum terbit" in response.content.decode() and warning in response.content.decode()

    # A warning, not a block: the editor may publish anyway, and is told again.
    response = editor_client.post(url, admin_form_data(editor_client.get(url), _publish="1"), follow=True)
    assert ("warning", warning) in [(m.level_tag, m.message) for m in response.context["messages"]]
    article.refresh_from_db()
    assert article.is_published()


def test_a_wide_lead_image_gets_no_warning(editor_client, django_capture_on_commit_callbacks):
    article = make_article(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[article.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url,
            admin_form_data(
                editor_client.get(url), lead_image=photo_file("lebar.png", 1600, 900), lead_image_alt="Rapat"
            ),
            follow=True,
        )
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_describing_a_cover_in_the_library_gives_its_gallery_the_new_lead_text(
    editor_client, django_capture_on_commit_callbacks
):
    gallery = factories.make_gallery(2)
    cover = gallery.photos.get(is_cover=True).image
    url = reverse("admin:articles_inlineimage_change", args=[cover.pk])
    data = {"alt_text": "Perahu nelayan", "caption": "Perahu di Sambiran.", "credit": "Foto: Antara"}
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {**data, "focal_x": "0.500", "focal_y": "0.500"})
    assert response.status_code == 302
    gallery.refresh_from_db()
    assert (gallery.lead_image_alt, gallery.lead_image_caption, gallery.lead_image_credit) == tuple(
        data.values()
    )
