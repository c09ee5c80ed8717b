"""Listing photos: checked by decoding them (not by their name), resized and re-encoded.

Re-encoding to JPEG drops whatever the upload carried besides pixels (EXIF with GPS positions,
comments, trailing data), so only what Pillow decoded is ever served.
"""

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.config import ROOT
from app.core.errors import DomainError
from app.i18n import _l

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
FULL_SIZE = 1200
THUMB_SIZE = 400
JPEG_QUALITY = 85
# Above this the upload is refused before decoding (a small file can unpack to gigabytes).
MAX_PIXELS = 40_000_000


class PhotoRejected(DomainError):
    status = 422
    message = _l("%(name)s is not a photo we can use.")


class PhotoTooLarge(PhotoRejected):
    message = _l("%(name)s is larger than %(limit)s MB.")


class PhotoNotAnImage(PhotoRejected):
    message = _l("%(name)s is not a JPEG, PNG or WebP image.")


class PhotoTooManyPixels(PhotoRejected):
    message = _l("%(name)s has too many pixels: at most %(limit)s megapixels.")


@dataclass
class PreparedPhoto:
    """A checked photo, resized and re-encoded in memory, not stored yet."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent parts become white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, size: int) -> tuple[bytes, tuple[int, int]]:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), copy.size


def prepare(stream: BinaryIO, filename: str, max_bytes: int) -> PreparedPhoto:
    """Read at most max_bytes, decode with Pillow and make the full-size and thumbnail JPEGs."""
    name = Path(filename or "").name or "?"
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoTooLarge(name=name, limit=f"{max_bytes / 1024 / 1024:g}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ALLOWED_FORMATS:
                    raise PhotoNotAnImage(name=name)
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoTooManyPixels(name=name, limit=MAX_PIXELS // 1_000_000)
                image.load()
                upright = _flatten(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise PhotoTooManyPixels(name=name, limit=MAX_PIXELS // 1_000_000) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoNotAnImage(name=name) from error
    full, (width, height) = _jpeg(upright, FULL_SIZE)
    thumb, _size = _jpeg(upright, THUMB_SIZE)
    return PreparedPhoto(full=full, thumb=thumb, width=width, height=height)


def upload_dir() -> Path:
    """MARKET_UPLOAD_DIR; a relative path is taken from the project folder, as instance/ is."""
    folder = Path(current_app.config["MARKET_UPLOAD_DIR"])
    return folder if folder.is_absolute() else ROOT / folder


def store(photo: PreparedPhoto) -> str:
    """Write both files under a new random name and return the name."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    (folder / f"{name}.jpg").write_bytes(photo.full)
    (folder / f"{name}-thumb.jpg").write_bytes(photo.thumb)
    return name


def discard(names: list[str]) -> None:
    """Remove stored files, once the rows that named them are gone for good."""
    folder = upload_dir()
    for name in names:
        for filename in (f"{name}.jpg", f"{name}-thumb.jpg"):
            (folder / filename).unlink(missing_ok=True)
