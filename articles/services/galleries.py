"""Photo galleries: photos added one upload at a time, described, ordered and removed; the cover is the lead.

Caption, credit, alt text and focal point are the library image's own
(InlineImage). The cover's are copied into the article's lead image fields
through the editorial write path (article_save), so that change is a version
in the history like any other edit, and its pages and cards are invalidated.
Edits that leave the lead image as it was invalidate the gallery's own pages
only. Renditions are never made here: inline_image_save and article_save
enqueue them for after the commit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

import pagecache

from ..cachetags import PICTURES, article_tag
from ..images import check_image_upload, image_name_for_format
from ..models import Article, GalleryPhoto, InlineImage
from ..tasks import renditions_current
from .editorial import article_save
from .images import inline_image_save

# The lead image fields a gallery's cover decides.
COVER_FIELDS = (
    "lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit",
    "lead_image_focal_x", "lead_image_focal_y",
)  # fmt: skip


@dataclass(frozen=True)
class PhotoEdit:
    """What the editor typed for one gallery photo: its library image's description and focal point."""

    photo_id: int
    alt_text: str
    caption: str
    credit: str
    focal_x: float
    focal_y: float


def _require_gallery(article):
    if article.kind != Article.Kind.GALLERY:
        raise ValidationError(_("Hanya galeri foto yang dapat diberi foto galeri."), code="not_gallery")


def _lock(article):
    # One writer per gallery at a time: parallel uploads get distinct places and a single cover.
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk", flat=True))


def _gallery_changed(article_pk):
    """The pages showing this gallery (and the feeds and sitemaps listing its photos) show its
    photos as they are now, once the transaction commits."""
    pagecache.pages_changed({article_tag(article_pk), PICTURES})


def gallery_photo_add(*, article: Article, upload, by: AbstractBaseUser | None = None) -> GalleryPhoto:
    """Check upload and add it at the end of the gallery; the first photo becomes the cover.

    Raises ValidationError (nothing stored) for a bad file. The photo's library
    image has no alt text yet: the gallery cannot be published until it has one.
    """
    _require_gallery(article)
    image_format = check_image_upload(upload)
    upload.name = image_name_for_format(upload.name, image_format)
    with transaction.atomic():
        # The file is written before the lock is taken: parallel uploads wait only for each other's rows.
        image = inline_image_save(image=InlineImage(image=upload, alt_text=""), by=by)
        _lock(article)
        photos = GalleryPhoto.objects.filter(article=article)
        last = photos.aggregate(last=Max("position"))["last"]
        photo = GalleryPhoto.objects.create(
            article=article,
            image=image,
            position=0 if last is None else last + 1,
            is_cover=not photos.filter(is_cover=True).exists(),
        )
        if not (photo.is_cover and _cover_apply(article, by=by)):
            _gallery_changed(article.pk)
    return photo


def gallery_save(
    *,
    article: Article,
    edits: Sequence[PhotoEdit] = (),
    order: Sequence[int] | None = None,
    cover: int | None = None,
    remove: Iterable[int] = (),
    by: AbstractBaseUser | None = None,
) -> list[GalleryPhoto]:
    """Save the gallery manager's whole list in one transaction and return the photos in their new order.

    edits describe photos (only changed library images are written; a new
    focal point gets new crops after commit), order lists photo ids first to
    last (photos left out keep their relative order after them), cover is a
    photo id (a removed or missing cover passes to the first photo), remove
    lists photo ids to take out of the gallery (their library images stay).
    Raises ValidationError for a photo id of another gallery.
    """
    _require_gallery(article)
    remove = set(remove)
    with transaction.atomic():
        _lock(article)
        photos = list(GalleryPhoto.objects.filter(article=article).select_related("image"))
        by_id = {photo.pk: photo for photo in photos}
        named = {edit.photo_id for edit in edits} | remove | set(order or ()) | ({cover} - {None})
        if named - by_id.keys():
            raise ValidationError(_("Foto itu bukan bagian dari galeri ini; muat ulang halaman."))
        described = [
            by_id[edit.photo_id].image.pk
            for edit in edits
            if edit.photo_id not in remove and _describe(by_id[edit.photo_id].image, edit, by=by)
        ]
        if remove:
            GalleryPhoto.objects.filter(article=article, pk__in=remove).delete()
        kept = [photo for photo in photos if photo.pk not in remove]
        if order is not None:
            place = {pk: index for index, pk in enumerate(order)}
            kept.sort(key=lambda photo: (place.get(photo.pk, len(place)), photo.position, photo.pk))
        _store_places(article, kept, cover)
        if not _cover_apply(article, by=by):
            _gallery_changed(article.pk)
        if described:
            # Other galleries showing these library images show their new description too.
            others = set(
                GalleryPhoto.objects.filter(image_id__in=described)
                .exclude(article=article)
                .values_list("article_id", flat=True)
            )
            if others:
                pagecache.pages_changed({article_tag(pk) for pk in others})
    return kept


def gallery_photos_order(
    *,
    article: Article,
    photo_ids: Sequence[int],
    cover: int | None = None,
    by: AbstractBaseUser | None = None,
) -> list[GalleryPhoto]:
    """Put the gallery's photos in the order of photo_ids and, with cover, make that photo the cover."""
    return gallery_save(article=article, order=photo_ids, cover=cover, by=by)


def gallery_cover_apply(*, article: Article, by: AbstractBaseUser | None = None) -> Article:
    """Copy the cover's file name, description, focal point and renditions into the lead image fields.

    The lead image is the library's file itself (no copy). Written through
    article_save, as a new version, only when something differs; a gallery
    without photos keeps its lead image as it was.
    """
    with transaction.atomic():
        _cover_apply(article, by=by)
    return article


def gallery_image_changed(*, image: InlineImage, by: AbstractBaseUser | None = None) -> None:
    """After a library image was described anew outside the gallery manager (the library admin):
    the galleries showing it show the new text, and the ones whose cover it is copy it to their lead."""
    uses = GalleryPhoto.objects.filter(image=image).select_related("article")
    with transaction.atomic():
        for photo in uses:
            if not (photo.is_cover and _cover_apply(photo.article, by=by)):
                _gallery_changed(photo.article_id)


def _cover_apply(article, *, by):
    """gallery_cover_apply(); return True if the lead image changed (article_save invalidated its pages)."""
    cover = GalleryPhoto.objects.filter(article=article, is_cover=True).select_related("image").first()
    if cover is None:
        return False
    image = cover.image
    values = {
        "lead_image": image.image.name,
        "lead_image_alt": image.alt_text,
        "lead_image_caption": image.caption,
        "lead_image_credit": image.credit,
        "lead_image_focal_x": image.focal_x,
        "lead_image_focal_y": image.focal_y,
    }
    current = Article.objects.filter(pk=article.pk).values(*COVER_FIELDS).first()
    if current == values:
        return False
    fresh = Article.objects.get(pk=article.pk)
    for name, value in values.items():
        setattr(fresh, name, value)
    if renditions_current(image.renditions, image.image.name, (image.focal_x, image.focal_y)):
        fresh.lead_image_renditions = image.renditions
    elif fresh.lead_image_renditions.get("source") != image.image.name:
        # Not made yet: library_image_renditions copies them here when they are.
        fresh.lead_image_renditions = {}
    article_save(article=fresh, by=by, comment=_("Foto sampul galeri diganti."))
    for name in (*COVER_FIELDS, "lead_image_renditions", "version", "modified_at", "last_edited_by_id"):
        setattr(article, name, getattr(fresh, name))
    return True


def _describe(image, edit, *, by):
    """Write the library image's description and focal point if they changed; return True if they did."""
    values = {
        "alt_text": edit.alt_text.strip(),
        "caption": edit.caption.strip(),
        "credit": edit.credit.strip(),
        "focal_x": round(min(1.0, max(0.0, float(edit.focal_x))), 3),
        "focal_y": round(min(1.0, max(0.0, float(edit.focal_y))), 3),
    }
    if all(getattr(image, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(image, name, value)
    inline_image_save(image=image, by=by)  # enqueues new crops on commit when the focal point moved
    return True


def _store_places(article, photos, cover):
    """Number photos 0.. in order and mark one cover (the one asked for, the current one, or the first)."""
    ids = [photo.pk for photo in photos]
    if cover not in ids:
        current = next((photo.pk for photo in photos if photo.is_cover), None)
        cover = current if current is not None else (ids[0] if ids else None)
    changed = []
    for position, photo in enumerate(photos):
        if photo.position != position:
            photo.position = position
            changed.append(photo)
    if changed:
        GalleryPhoto.objects.bulk_update(changed, ["position"])
    # Two statements: the old cover is unmarked before the new one is marked (one cover per gallery).
    GalleryPhoto.objects.filter(article=article, is_cover=True).exclude(pk=cover).update(is_cover=False)
    if cover is not None:
        GalleryPhoto.objects.filter(pk=cover, is_cover=False).update(is_cover=True)
    for photo in photos:
        photo.is_cover = photo.pk == cover
