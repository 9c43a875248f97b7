"""An idea's photo: checked, decoded with bounds, re-encoded without its metadata.

What comes in is hostile until proven otherwise:

* at most `MAX_BYTES` bytes, and a JPEG or PNG by its first bytes *and* by what
  Pillow finds (nothing else is even opened: ``formats=`` limits the decoders);
* the dimensions are read from the header and refused above `MAX_PIXELS` or
  `MAX_SIDE` **before** any pixel is decoded (a decompression bomb, a small file
  claiming 100,000 × 100,000 pixels, never reaches memory); Pillow's own
  ``DecompressionBombWarning`` is turned into a refusal too;
* from the header too, before decoding: only 8-bit modes (1, L, P, LA, RGB, RGBA;
  JPEG L, RGB, CMYK) are opened, never 16-bit or floating-point PNG (I;16, I, F, or
  RGB(A)/LA stored 16 bits a channel, which Pillow decodes slowly and converts at
  length); and a file whose pixels would take more than `MAX_RATIO` times its own
  size in memory (and more than `RATIO_FROM`) is refused (a photo compresses 5 to
  50 times; a 160 KB PNG of zeros claiming 24 megapixels would take 96 MB, 600
  times its size);
* a JPEG is decoded already reduced (``Image.draft``: by 2, 4 or 8, to no less than
  `OUTPUT_SIDE` a side), and at most `DECODERS` photos are decoded at a time in the
  process (the others wait): memory stays bounded under many uploads at once;
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
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from participation.errors import PhotoRefused

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 24_000_000  # a 24-megapixel camera; phones take 12
MAX_SIDE = 12_000
MAX_RATIO = 250  # decoded bytes (as Pillow holds them) per byte of the file, at most…
RATIO_FROM = 16 * 1024 * 1024  # …once decoding takes this much (a flat 3 MP drawing may)
OUTPUT_SIDE = 2_048
DECODERS = 2  # photos decoded at the same time in one process
_DECODING = threading.BoundedSemaphore(DECODERS)
_MODES = {
    "JPEG": frozenset({"L", "RGB", "CMYK"}),
    "PNG": frozenset({"1", "L", "P", "LA", "RGB", "RGBA"}),
}
_ONE_BYTE = frozenset({"1", "L", "P"})  # Pillow holds every other mode in 4 bytes a pixel
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
                _plausible(image, len(data))
                with _DECODING:
                    if declared == "JPEG":  # decoded by 1/2, 1/4 or 1/8 where still large enough
                        image.draft(image.mode, _at_least(width, height))
                    image.seek(0)
                    image.load()
                    ImageOps.exif_transpose(image, in_place=True)  # no copy of the pixels
                    return _encode(image, declared)
        except PhotoRefused:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise PhotoRefused("too-many-pixels", str(exc)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PhotoRefused("not-an-image", type(exc).__name__) from exc


def _at_least(width: int, height: int) -> tuple[int, int]:
    """The smallest size the output can be made from: `OUTPUT_SIDE` on the long side."""
    longest = max(width, height)
    return max(1, width * OUTPUT_SIDE // longest), max(1, height * OUTPUT_SIDE // longest)


def _plausible(image: ImageFile.ImageFile, file_bytes: int) -> None:
    """Refuse, from the header alone, a mode we do not decode and a size no photo has."""
    raw = image.tile[0][3] if image.tile else None  # PNG: "RGBA;16B" for 16 bits a channel
    if image.mode not in _MODES[str(image.format)] or (isinstance(raw, str) and ";16" in raw):
        raise PhotoRefused("not-an-image", f"8 bits a channel only, not {raw or image.mode}")
    decoded = image.width * image.height * (1 if image.mode in _ONE_BYTE else 4)
    if decoded > max(MAX_RATIO * file_bytes, RATIO_FROM):
        raise PhotoRefused("too-many-pixels", f"{decoded:,} bytes from a {file_bytes:,}-byte file")


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
