"""Uploaded images: checked with Pillow before they are stored, and responsive renditions.

Every upload (lead image, image library) passes check_image_upload(): a size
limit before Pillow reads a byte, a pixel limit read from the header (so a
decompression bomb is refused before it is decoded), then a full verify().
Renditions are made once per stored image, with deterministic names under
renditions/, and described in a small dict kept on the row, so pages never
ask the storage (possibly S3) whether a file exists.
"""

import hashlib
import io
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, features

# Pillow format -> file extension; everything else is refused.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
FALLBACK_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "JPEG", "GIF": "PNG"}
RENDITIONS_DIR = "renditions"


def image_limits():
    """Return the upload limits from settings for messages: {"size": "10 MB", "megapixels": "40"}."""

    def number(value):
        return number_format(value, decimal_pos=0 if value == int(value) else 1)

    return {
        "size": f"{number(settings.ARTICLES_IMAGE_MAX_BYTES / 1024**2)} MB",
        "megapixels": number(settings.ARTICLES_IMAGE_MAX_PIXELS / 1_000_000),
    }


def check_image_upload(file):
    """Return the Pillow format of an uploaded image, or raise ValidationError saying what is wrong."""
    max_bytes = settings.ARTICLES_IMAGE_MAX_BYTES
    if file.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; images may be at most %(max)s."),
            code="file_too_large",
            params={"size": filesizeformat(file.size), "max": filesizeformat(max_bytes)},
        )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit, raises) on huge pictures; our own limit decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                image_format = image.format
                if width * height > settings.ARTICLES_IMAGE_MAX_PIXELS:
                    raise ValidationError(
                        _(
                            "The picture is %(width)s × %(height)s pixels; at most %(max)s megapixels "
                            "are allowed. Scale it down and upload it again."
                        ),
                        code="too_many_pixels",
                        params={
                            "width": width,
                            "height": height,
                            "max": image_limits()["megapixels"],
                        },
                    )
                image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise ValidationError(
            _("The picture has far too many pixels to be processed safely."), code="too_many_pixels"
        ) from error
    except Exception as error:  # Pillow raises many kinds for broken or non-image data.
        raise ValidationError(
            _("Upload a real image (JPEG, PNG, WebP or GIF). This file is not one, or it is damaged."),
            code="invalid_image",
        ) from error
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted; upload JPEG, PNG, WebP or GIF."),
            code="invalid_format",
            params={"format": image_format},
        )
    return image_format


def image_name_for_format(name, image_format):
    """Return name with the extension that matches the image's real format."""
    path = PurePosixPath((name or "gambar").replace("\\", "/"))
    return f"{path.stem or 'gambar'}.{ALLOWED_FORMATS[image_format]}"


def rendition_widths(width):
    """Return the rendition widths for a picture this wide: no upscaling, the full width last."""
    widths = [w for w in settings.ARTICLES_RENDITION_WIDTHS if w < width]
    largest = min(width, max(settings.ARTICLES_RENDITION_WIDTHS))
    if largest not in widths:
        widths.append(largest)
    return widths


def renditions_create(name, *, storage=None):
    """Make (once) the responsive renditions of a stored image and return their description.

    Returns {"source", "bytes" (the original's size), "width", "height",
    "webp": [[w, h, name], ...], "fallback": [[w, h, name], ...],
    "fallback_type"}; {} when the file cannot be read. Existing rendition files are reused, not made again.
    """
    storage = storage or default_storage
    if not name:
        return {}
    try:
        with storage.open(name, "rb") as source, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Read once: the byte count is kept for feed enclosures, which must not ask the storage.
            data = source.read()
            image = Image.open(io.BytesIO(data))
            image = ImageOps.exif_transpose(image)  # Phones store portraits sideways.
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return {}
    source_format = (Image.registered_extensions().get(PurePosixPath(name).suffix.lower()) or "JPEG").upper()
    fallback = FALLBACK_FORMATS.get(source_format, "JPEG")
    width, height = image.size
    key = hashlib.sha1(name.encode()).hexdigest()[:12]
    stem = PurePosixPath(name).stem[:40]
    description = {
        "source": name,
        "bytes": len(data),
        "width": width,
        "height": height,
        "webp": [],
        "fallback": [],
        "fallback_type": f"image/{fallback.lower()}",
    }
    formats = [("fallback", fallback)]
    if features.check("webp"):
        formats.insert(0, ("webp", "WEBP"))
    for target_width in rendition_widths(width):
        target_height = max(1, round(height * target_width / width))
        resized = None
        for kind, image_format in formats:
            extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image_format]
            rendition_name = f"{RENDITIONS_DIR}/{key[:2]}/{stem}-{key}-{target_width}.{extension}"
            if not storage.exists(rendition_name):
                if resized is None:
                    resized = image.resize((target_width, target_height), Image.Resampling.LANCZOS)
                storage.save(rendition_name, ContentFile(_encode(resized, image_format)))
            description[kind].append([target_width, target_height, rendition_name])
    return description


def _encode(image, image_format):
    """Return image encoded as image_format, without metadata (no EXIF or GPS reaches readers)."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image_format == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    elif image_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode or image.mode == "P" else "RGB")
    output = io.BytesIO()
    options = {"JPEG": {"quality": 82, "optimize": True, "progressive": True}, "WEBP": {"quality": 80}}
    image.save(output, format=image_format, **options.get(image_format, {"optimize": True}))
    return output.getvalue()


def srcset(entries):
    """Return a srcset attribute value for [[width, height, name], ...]."""
    return ", ".join(f"{default_storage.url(name)} {width}w" for width, _height, name in entries)
