"""Library images: stored once, with their renditions made once."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ..images import renditions_create
from ..models import InlineImage


@transaction.atomic
def inline_image_save(*, image: InlineImage, by: AbstractBaseUser | None = None) -> InlineImage:
    """Store a library image (its upload already checked) and make its renditions once."""
    if image.uploaded_by_id is None and by is not None:
        image.uploaded_by = by
    image.save()
    if image.renditions.get("source") != image.image.name:
        image.renditions = renditions_create(image.image.name)
        image.width = image.renditions.get("width", 0)
        image.height = image.renditions.get("height", 0)
        image.save(update_fields=["renditions", "width", "height"])
    return image
