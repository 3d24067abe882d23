"""Work that follows an editor's change, run after the transaction commits: never inside a
database lock, never in a reader's request.

Renditions are the slow part of an upload (AVIF, WebP and a fallback in
three widths, for the original shape and three crops). They are enqueued on
commit through Django's tasks framework: with its default ImmediateBackend
the task runs at once, at the end of the editor's request; with a queued
backend in TASKS, a worker runs it. Until then pages show the original file.
"""

from django.db import transaction
from django.tasks import task

import pagecache

from .cachetags import PICTURES, article_tag
from .images import renditions_create
from .models import Article, GalleryPhoto, InlineImage


def renditions_current(renditions, name, focal):
    """Return True if renditions describe the file name, cut around focal ((x, y)), crops included."""
    renditions = renditions or {}
    return (
        renditions.get("source") == name
        and "crops" in renditions
        and renditions.get("focal") == [round(float(value), 3) for value in focal]
    )


def enqueue_on_commit(renditions_task, pk):
    """Enqueue renditions_task for pk once the current transaction (if any) commits."""
    transaction.on_commit(lambda: renditions_task.enqueue(pk))


@task
def library_image_renditions(image_pk: int) -> bool:
    """Make the renditions of library image image_pk; return True if they were made.

    The galleries whose cover it is take the new renditions as their lead
    image's, and their pages are rendered again.
    """
    image = InlineImage.objects.filter(pk=image_pk).first()
    if image is None or not image.image:
        return False
    name, focal = image.image.name, (image.focal_x, image.focal_y)
    if renditions_current(image.renditions, name, focal):
        return False
    renditions = renditions_create(name, focal=focal)
    # Only if the row still holds that file and focal point: a later change enqueued its own task.
    made = InlineImage.objects.filter(pk=image_pk, image=name, focal_x=focal[0], focal_y=focal[1]).update(
        renditions=renditions, width=renditions.get("width", 0), height=renditions.get("height", 0)
    )
    if made:
        articles = list(
            GalleryPhoto.objects.filter(image_id=image_pk, is_cover=True).values_list("article_id", flat=True)
        )
        Article.objects.filter(pk__in=articles, lead_image=name).update(
            lead_image_focal_x=focal[0], lead_image_focal_y=focal[1], lead_image_renditions=renditions
        )
        pages_show_image({*articles, *images_galleries(image_pk)})
    return bool(made)


@task
def lead_image_renditions(article_pk: int) -> bool:
    """Make the renditions of article article_pk's lead image; return True if they were made."""
    row = (
        Article.objects.filter(pk=article_pk)
        .values("lead_image", "lead_image_focal_x", "lead_image_focal_y", "lead_image_renditions")
        .first()
    )
    if row is None or not row["lead_image"]:
        return False
    name, focal = row["lead_image"], (row["lead_image_focal_x"], row["lead_image_focal_y"])
    if renditions_current(row["lead_image_renditions"], name, focal):
        return False
    renditions = renditions_create(name, focal=focal)
    made = Article.objects.filter(
        pk=article_pk, lead_image=name, lead_image_focal_x=focal[0], lead_image_focal_y=focal[1]
    ).update(lead_image_renditions=renditions)
    if made:
        pages_show_image({article_pk})
    return bool(made)


def images_galleries(image_pk):
    return set(GalleryPhoto.objects.filter(image_id=image_pk).values_list("article_id", flat=True))


def pages_show_image(article_pks):
    """The pages showing these articles (their own, their cards, feeds, sitemaps) show new renditions now."""
    if article_pks:
        pagecache.pages_changed({article_tag(pk) for pk in article_pks} | {PICTURES})
