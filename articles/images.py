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
import re
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


# The shapes a news site cuts: 16:9 for the lead, cards and Google Discover, 4:3 and 1:1 because
# Google's Article structured data asks for all three; the body keeps the original's shape.
CROP_RATIOS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1)}
# Modern formats first; a browser takes the first <source> it supports, the fallback last.
MODERN_FORMATS = (("avif", "AVIF"), ("webp", "WEBP"))
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
# Fast settings: every picture is made in 12 sizes and three formats, and an archive brings
# thousands. Measured at 1200 px here: WebP method 2 takes a third of the default's time for
# 4 % more bytes; AVIF speed 10 a sixth of the default's for 8 % more, still 15 % under WebP.
ENCODER_OPTIONS = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "WEBP": {"quality": 80, "method": 2},
    "AVIF": {"quality": 55, "speed": 10},
}
# The random part image_upload_path() adds to a stored name; renditions are named by content.
UPLOAD_TOKEN_RE = re.compile(r"-[0-9a-f]{8}$")


def crop_box(width, height, ratio, focal=(0.5, 0.5)):
    """Return (left, top, right, bottom): the largest box of ratio (w, h) in the picture, centred on focal.

    focal is (x, y) from 0 to 1; the box is moved as little as needed to stay
    inside the picture, so the focal point is always inside it.
    """
    ratio_w, ratio_h = ratio
    if width * ratio_h > height * ratio_w:  # wider than the ratio: full height
        box_w, box_h = max(1, round(height * ratio_w / ratio_h)), height
    else:
        box_w, box_h = width, max(1, round(width * ratio_h / ratio_w))
    focal_x, focal_y = (min(1.0, max(0.0, float(value))) for value in focal)
    left = min(max(0, round(focal_x * width - box_w / 2)), width - box_w)
    top = min(max(0, round(focal_y * height - box_h / 2)), height - box_h)
    return left, top, left + box_w, top + box_h


def renditions_create(name, *, focal=(0.5, 0.5), storage=None):
    """Make (once) the responsive renditions of a stored image and return their description.

    Returns {"source", "bytes" (the original's size), "width", "height",
    "focal": [x, y], "fallback_type", then for the original's shape
    "avif", "webp" and "fallback": [[w, h, name], ...], and "crops":
    {"16:9" | "4:3" | "1:1": {"avif", "webp", "fallback"}} cut around the
    focal point}; {} when the file cannot be read. A file already made (same
    source, shape, focal point and width) is reused, not made again, and a new
    focal point gives new names, so no cache keeps serving the old crop.
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
    formats = [(kind, image_format) for kind, image_format in MODERN_FORMATS if features.check(kind)]
    formats.append(("fallback", fallback))
    width, height = image.size
    focal = [round(min(1.0, max(0.0, float(value))), 3) for value in focal]
    # Named by content: the same picture uploaded (or imported) twice is encoded once.
    key = hashlib.sha1(data).hexdigest()[:16]
    stem = UPLOAD_TOKEN_RE.sub("", PurePosixPath(name).stem)[:40]
    prefix = f"{RENDITIONS_DIR}/{key[:2]}/{stem}-{key}"
    description = {
        "source": name,
        "bytes": len(data),
        "width": width,
        "height": height,
        "focal": focal,
        "fallback_type": f"image/{fallback.lower()}",
        **_rendition_set(storage, image, prefix, formats),
        "crops": {},
    }
    focal_tag = f"f{round(focal[0] * 1000)}x{round(focal[1] * 1000)}"
    for label, ratio in CROP_RATIOS.items():
        cropped = image.crop(crop_box(width, height, ratio, focal))
        crop_prefix = f"{prefix}-{ratio[0]}x{ratio[1]}-{focal_tag}"
        description["crops"][label] = _rendition_set(storage, cropped, crop_prefix, formats)
    return description


def _rendition_set(storage, image, prefix, formats):
    """Return {kind: [[w, h, name], ...]} for image at each rendition width, making missing files only."""
    width, height = image.size
    entries = {kind: [] for kind, _format in formats}
    # Largest first, each size made from the one before it: a fraction of the work of resizing
    # the full picture every time, and no visible difference with Lanczos.
    source = image
    for target_width in sorted(rendition_widths(width), reverse=True):
        target_height = max(1, round(height * target_width / width))
        resized = None
        for kind, image_format in formats:
            rendition_name = f"{prefix}-{target_width}.{EXTENSIONS[image_format]}"
            if not storage.exists(rendition_name):
                if resized is None:
                    resized = source.resize(
                        (target_width, target_height), Image.Resampling.LANCZOS, reducing_gap=2.0
                    )
                storage.save(rendition_name, ContentFile(_encode(resized, image_format)))
            entries[kind].insert(0, [target_width, target_height, rendition_name])
        if resized is not None:
            source = resized
    return entries


def crop_renditions(renditions, ratio):
    """Return {"avif", "webp", "fallback"} of the crop of this ratio ("16:9"), or the original's shape."""
    crops = (renditions or {}).get("crops") or {}
    return crops.get(ratio) or renditions or {}


def widest(entries):
    """Return the [w, h, name] of the widest rendition in entries, or None."""
    return max(entries, key=lambda entry: entry[0]) if entries else None


def _encode(image, image_format):
    """Return image encoded as image_format, without metadata (no EXIF or GPS reaches readers)."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image_format == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    elif image_format in ("WEBP", "AVIF") and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode or image.mode == "P" else "RGB")
    output = io.BytesIO()
    image.save(output, format=image_format, **ENCODER_OPTIONS.get(image_format, {"optimize": True}))
    return output.getvalue()


def srcset(entries):
    """Return a srcset attribute value for [[width, height, name], ...]."""
    return ", ".join(f"{default_storage.url(name)} {width}w" for width, _height, name in entries)
