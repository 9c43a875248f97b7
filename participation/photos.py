"""An idea's photo: checked, decoded with bounds, re-encoded without its metadata.

What comes in is hostile until proven otherwise:

* at most `MAX_BYTES` bytes, and a JPEG or PNG by its first bytes *and* by what
  Pillow finds (nothing else is even opened: ``formats=`` limits the decoders);
* the dimensions are read from the header and refused above `MAX_PIXELS` or
  `MAX_SIDE` **before** any pixel is decoded (a decompression bomb, a small file
  claiming 100,000 × 100,000 pixels, never reaches memory); Pillow's own
  ``DecompressionBombWarning`` is turned into a refusal too;
* the image is decoded in full (a truncated or corrupt file is refused), turned
  upright by its EXIF orientation, shrunk to at most `OUTPUT_SIDE` pixels a side,
  and encoded anew — JPEG stays JPEG (quality 85), PNG stays PNG — with no EXIF
  (GPS position, camera serial), no XMP, no ICC profile, no text chunks, and
  without whatever trailed the image's end in the file. Only the first frame of
  an animated PNG is kept.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from participation.errors import PhotoRefused

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel camera
MAX_SIDE = 12_000
OUTPUT_SIDE = 2_048
_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
_MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True, slots=True)
class Photo:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _declared_format(data: bytes) -> str:
    for magic, name in _MAGIC.items():
        if data.startswith(magic):
            return name
    raise PhotoRefused("wrong-type", "a JPEG or PNG photo")


def clean_photo(data: bytes) -> Photo:
    """The photo re-encoded (see the module docstring); raises `PhotoRefused`."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused("too-large", f"at most {MAX_BYTES // (1024 * 1024)} MiB")
    declared = _declared_format(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[declared]) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise PhotoRefused("too-wide", f"at most {MAX_SIDE} pixels a side")
                if width * height > MAX_PIXELS:
                    raise PhotoRefused("too-many-pixels", f"at most {MAX_PIXELS:,} pixels")
                if image.format != declared:
                    raise PhotoRefused("wrong-type", "its content is not what it claims")
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encode(upright, declared)
        except PhotoRefused:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise PhotoRefused("too-many-pixels", str(exc)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PhotoRefused("not-an-image", type(exc).__name__) from exc


def _encode(image: Image.Image, fmt: str) -> Photo:
    image.thumbnail((OUTPUT_SIDE, OUTPUT_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        clean = Image.new(rgb.mode, rgb.size)
        clean.paste(rgb)  # a fresh image: nothing of the original's info dict comes along
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
        converted = image if image.mode == mode else image.convert(mode)
        clean = Image.new(mode, converted.size)
        clean.paste(converted)
        clean.save(out, "PNG", optimize=True)
    return Photo(out.getvalue(), _MEDIA_TYPES[fmt], clean.width, clean.height)
