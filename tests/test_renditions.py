"""Focal points and crops: 16:9, 4:3 and 1:1 cut around the point the editor set, made once, after commit."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from PIL import Image, ImageDraw, features

from articles.images import CROP_RATIOS, crop_box, renditions_create, widest
from articles.models import InlineImage
from articles.services import article_save, inline_image_save
from articles.tasks import lead_image_renditions, library_image_renditions

from .factories import make_article

pytestmark = pytest.mark.django_db

MARK = (255, 0, 0)


def marked_picture(width, height, point):
    """A grey JPEG with a red disc (the subject) at point, given as fractions of width and height."""
    image = Image.new("RGB", (width, height), (128, 128, 128))
    x, y = point[0] * width, point[1] * height
    ImageDraw.Draw(image).ellipse((x - 25, y - 25, x + 25, y + 25), fill=MARK)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=95)
    return default_storage.save("library/test/marked.jpg", ContentFile(output.getvalue()))


def subject_at(name):
    """Return the centre of the red disc in a stored rendition as fractions, or None if it is not in frame."""
    with default_storage.open(name) as file:
        image = Image.open(file).convert("RGB")
    width, height = image.size
    found = [
        (x, y)
        for y in range(0, height, 2)
        for x in range(0, width, 2)
        if (pixel := image.getpixel((x, y)))[0] > 200 and pixel[1] < 80 and pixel[2] < 80
    ]
    if not found:
        return None
    return sum(x for x, _ in found) / len(found) / width, sum(y for _, y in found) / len(found) / height


@pytest.mark.parametrize(
    ("size", "ratio", "focal", "box"),
    [
        ((1600, 900), (16, 9), (0.9, 0.1), (0, 0, 1600, 900)),  # already 16:9: the whole picture
        ((1600, 900), (1, 1), (0.5, 0.5), (350, 0, 1250, 900)),  # centred square
        ((1600, 900), (1, 1), (0.95, 0.5), (700, 0, 1600, 900)),  # pushed right, stays inside
        ((1600, 900), (1, 1), (0.0, 0.5), (0, 0, 900, 900)),
        ((900, 1600), (16, 9), (0.5, 0.2), (0, 67, 900, 573)),  # a portrait: a band around the face
        ((900, 1600), (4, 3), (0.5, 1.0), (0, 925, 900, 1600)),
    ],
)
def test_the_crop_is_the_largest_box_of_its_ratio_around_the_focal_point(size, ratio, focal, box):
    assert crop_box(*size, ratio, focal) == box
    left, top, right, bottom = box
    assert left <= focal[0] * size[0] <= right and top <= focal[1] * size[1] <= bottom


def test_the_subject_stays_in_frame_in_every_crop():
    name = marked_picture(2400, 1000, (0.88, 0.3))
    centred = renditions_create(name)
    focused = renditions_create(name, focal=(0.88, 0.3))
    # Cut around the centre, the square loses the subject at the right edge: the test can fail.
    assert subject_at(widest(centred["crops"]["1:1"]["fallback"])[2]) is None
    for label, (ratio_w, ratio_h) in CROP_RATIOS.items():
        for kind in ("fallback", "webp"):
            width, height, crop = widest(focused["crops"][label][kind])
            assert abs(width / height - ratio_w / ratio_h) < 0.01, (label, width, height)
            assert subject_at(crop) is not None, (label, kind)
    # The original shape keeps the whole picture.
    x, y = subject_at(widest(focused["fallback"])[2])
    assert abs(x - 0.88) < 0.02 and abs(y - 0.3) < 0.03
    assert focused["focal"] == [0.88, 0.3]


def test_a_wide_picture_gets_its_crops_at_1200_px_in_modern_formats():
    renditions = renditions_create(marked_picture(2000, 1500, (0.5, 0.5)))
    for label in CROP_RATIOS:
        assert [w for w, _h, _n in renditions["crops"][label]["fallback"]] == [480, 800, 1200]
        if features.check("avif"):
            assert [w for w, _h, _n in renditions["crops"][label]["avif"]] == [480, 800, 1200]
    names = [n for crop in renditions["crops"].values() for entries in crop.values() for _w, _h, n in entries]
    assert len(names) == len(set(names)) and all(default_storage.exists(n) for n in names)


def test_renditions_wait_for_the_commit_and_are_made_once(django_capture_on_commit_callbacks):
    name = marked_picture(1600, 1000, (0.3, 0.3))
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        image = inline_image_save(image=InlineImage(image=name, alt_text="Tanda merah"))
        # Inside the transaction (and any row lock it holds) nothing has been encoded.
        assert InlineImage.objects.get(pk=image.pk).renditions == {}
    assert len(callbacks) == 1
    callbacks[0]()
    image.refresh_from_db()
    made = image.renditions
    assert made["crops"] and (image.width, image.height) == (1600, 1000)
    files = [n for entries in (made["fallback"], made["crops"]["1:1"]["fallback"]) for _w, _h, n in entries]
    stamps = {n: default_storage.get_modified_time(n) for n in files}

    assert library_image_renditions.call(image.pk) is False  # nothing to do: they are current

    # A new focal point: new crops, the original shape's files are reused as they are.
    image.focal_x = 0.8
    with django_capture_on_commit_callbacks(execute=True):
        inline_image_save(image=image)
    image.refresh_from_db()
    assert image.renditions["fallback"] == made["fallback"]
    assert all(default_storage.get_modified_time(n) == stamps[n] for _w, _h, n in made["fallback"])
    assert image.renditions["crops"]["1:1"] != made["crops"]["1:1"]
    assert image.renditions["focal"] == [0.8, 0.5]


def test_the_lead_image_is_cut_around_its_focal_point_after_the_article_commits(
    django_capture_on_commit_callbacks,
):
    article = make_article()
    article.lead_image = marked_picture(2400, 1000, (0.9, 0.5))
    article.lead_image_alt, article.lead_image_focal_x = "Tanda merah", 0.9
    with django_capture_on_commit_callbacks(execute=True):
        article_save(article=article)
    article.refresh_from_db()
    square = widest(article.lead_image_renditions["crops"]["1:1"]["fallback"])[2]
    assert subject_at(square) is not None
    assert lead_image_renditions.call(article.pk) is False


def test_make_renditions_cuts_the_crops_of_images_made_before_crops_existed():
    article = make_article()
    name = marked_picture(1600, 900, (0.5, 0.5))
    old = {key: value for key, value in renditions_create(name).items() if key not in ("crops", "focal")}
    article.__class__.objects.filter(pk=article.pk).update(
        lead_image=name, lead_image_alt="Tanda", lead_image_renditions=old
    )
    library = InlineImage.objects.create(image=name, alt_text="Tanda", renditions=old)
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "1 lead images and 1 library images" in out.getvalue()
    article.refresh_from_db()
    library.refresh_from_db()
    assert set(article.lead_image_renditions["crops"]) == set(library.renditions["crops"]) == set(CROP_RATIOS)
    call_command("make_renditions", stdout=out)
    assert "0 lead images and 0 library images" in out.getvalue()
