"""Library images: stored once; their renditions are made after the transaction commits."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ..models import InlineImage
from ..tasks import enqueue_on_commit, library_image_renditions, renditions_current


@transaction.atomic
def inline_image_save(*, image: InlineImage, by: AbstractBaseUser | None = None) -> InlineImage:
    """Store a library image (its upload already checked); its renditions follow on commit, once."""
    if image.uploaded_by_id is None and by is not None:
        image.uploaded_by = by
    if image.renditions.get("source") != image.image.name:
        image.renditions = {}  # another file: the old renditions do not describe it
        # Its size is read now (from the header): the editor inserts it with width and height.
        image.width, image.height = image.image.width, image.image.height
    image.save()
    if not renditions_current(image.renditions, image.image.name, (image.focal_x, image.focal_y)):
        enqueue_on_commit(library_image_renditions, image.pk)
    return image
