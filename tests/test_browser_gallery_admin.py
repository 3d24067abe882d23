"""The gallery manager in a real Chromium: an editor uploads five files at once (one refused), orders
them by keyboard and by drag and drop, picks the cover and a focal point, and saves."""

import os
from pathlib import Path

import pytest

from articles.models import Article, GalleryPhoto

from .conftest import CHROMIUM
from .factories import ensure_newsroom_groups, make_article, make_png, make_user
from .test_browser_admin import PASSWORD, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

SHOTS = Path(os.environ.get("GALLERY_SHOTS_DIR", "/work/scratch/shots"))


@pytest.fixture(autouse=True)
def _newsroom_groups():
    ensure_newsroom_groups()


def row_ids(page):
    return [
        int(pk)
        for pk in page.eval_on_selector_all(".gallery-row", "rows => rows.map(r => r.dataset.photoId)")
    ]


def test_editor_uploads_orders_picks_cover_and_focal_point(browser, live_server):
    make_user(username="editor", group="Editor", password=PASSWORD)
    gallery = make_article(
        kind=Article.Kind.GALLERY, status=Article.Status.DRAFT, headline="Sehari di Pasar Terapung"
    )
    context, page, errors = log_in(browser, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{gallery.pk}/change/")
    page.click("text=Kelola foto galeri (0)")
    page.wait_for_selector(".gallery-manager[data-ready]")

    colours = [(200, 40, 40), (40, 160, 60), (40, 80, 200), (220, 180, 30)]
    files = [
        {"name": f"foto-{n}.png", "mimeType": "image/png", "buffer": make_png(800, 500, color=colour)}
        for n, colour in enumerate(colours, start=1)
    ]
    files.insert(2, {"name": "rusak.jpg", "mimeType": "image/jpeg", "buffer": b"bukan gambar sama sekali"})
    page.set_input_files("#gallery-files", files)
    page.wait_for_function(
        "() => document.querySelectorAll('.gallery-uploads__item--ok, .gallery-uploads__item--error')"
        ".length === 5"
    )
    ok = page.locator(".gallery-uploads__item--ok .gallery-uploads__status").all_inner_texts()
    refused = page.locator(".gallery-uploads__item--error .gallery-uploads__status").all_inner_texts()
    assert sorted(ok) == [f"foto-{n}.png: diunggah" for n in range(1, 5)]
    assert len(refused) == 1 and refused[0].startswith("rusak.jpg: ")
    assert page.locator(".gallery-row").count() == 4 and page.inner_text("[data-photo-count]") == "4"
    assert page.eval_on_selector_all("progress", "bars => bars.map(b => b.value)") == [100] * 5
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.focal-point__image'))"
        ".every(i => i.complete && i.naturalWidth)"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "gallery-upload.png"), full_page=True)

    uploaded = row_ids(page)
    assert uploaded == list(
        GalleryPhoto.objects.filter(article=gallery).order_by("position").values_list("pk", flat=True)
    )
    first, second, third, fourth = uploaded

    # Keyboard: Alt+ArrowDown on the focused first row moves it one down, and says so.
    page.focus(f".gallery-row[data-photo-id='{first}']")
    page.keyboard.press("Alt+ArrowDown")
    assert row_ids(page) == [second, first, third, fourth]
    assert page.inner_text("[data-order-announcer]") == "Foto dipindah ke urutan 2 dari 4."
    # "Naik" on the last row.
    page.click(f".gallery-row[data-photo-id='{fourth}'] [data-move='-1']")
    assert row_ids(page) == [second, first, fourth, third]
    # Drag and drop by the handle: the last row onto the top half of the one above it.
    page.locator(f".gallery-row[data-photo-id='{fourth}']").scroll_into_view_if_needed()
    page.locator(f".gallery-row[data-photo-id='{third}'] .gallery-row__handle").drag_to(
        page.locator(f".gallery-row[data-photo-id='{fourth}']"), target_position={"x": 20, "y": 5}
    )
    assert row_ids(page) == [second, first, third, fourth]
    positions = page.eval_on_selector_all(
        ".gallery-row__position-input", "inputs => inputs.map(i => i.value)"
    )
    assert positions == ["1", "2", "3", "4"]

    # The cover, and a focal point clicked at a quarter across and three quarters down.
    page.check(f".gallery-row[data-photo-id='{first}'] input[name=cover]")
    picture = page.locator(f".gallery-row[data-photo-id='{first}'] .focal-point__image")
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    x = float(page.input_value(f"#id_photo-{first}-focal_x"))
    y = float(page.input_value(f"#id_photo-{first}-focal_y"))
    assert abs(x - 0.25) < 0.01 and abs(y - 0.75) < 0.01
    # The arrow keys move it too, on the focused picture.
    page.keyboard.press("ArrowRight")
    assert float(page.input_value(f"#id_photo-{first}-focal_x")) == pytest.approx(x + 0.01, abs=0.0015)
    x = float(page.input_value(f"#id_photo-{first}-focal_x"))
    page.fill(f"#id_photo-{first}-alt_text", "Pedagang sayur di atas perahu")
    page.locator(f".gallery-row[data-photo-id='{first}']").scroll_into_view_if_needed()
    page.locator(f".gallery-row[data-photo-id='{first}']").screenshot(path=str(SHOTS / "focal-point.png"))

    page.click(".gallery-list-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    stored = list(GalleryPhoto.objects.filter(article=gallery).select_related("image").order_by("position"))
    assert [photo.pk for photo in stored] == [second, first, third, fourth]
    assert [photo.is_cover for photo in stored] == [False, True, False, False]
    cover = stored[1].image
    assert (cover.focal_x, cover.focal_y) == (round(x, 3), round(y, 3))
    assert cover.alt_text == "Pedagang sayur di atas perahu"
    gallery.refresh_from_db()
    assert gallery.lead_image.name == cover.image.name and gallery.lead_image_focal_x == cover.focal_x
    # The page after saving shows the stored order.
    assert row_ids(page) == [second, first, third, fourth]
    assert not errors, errors
    context.close()
