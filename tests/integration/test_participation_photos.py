"""Idea photos: metadata stripped, bombs and impostors refused, stored with the idea."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from typing import Any

import pytest
from PIL import Image, JpegImagePlugin
from sqlalchemy import Engine

from participation import photos
from participation.errors import PhotoRefused
from participation.ideas import get_photo, submit_idea
from tests.integration.participation_world import (
    PROPOSALS,
    draft,
    make_process,
    official,
    resident,
    tx,
)

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Secret Camera App"  # Software
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (50.0, 51.0, 24.0), "E", (2.0, 43.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 0, 0, 128)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims ``width`` × ``height`` grey pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))  # fmt: skip


def test_a_jpeg_comes_out_without_its_gps_position() -> None:
    raw = jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif().get_ifd(GPS_IFD)  # the test photo does carry a position
    clean = photos.clean_photo(raw)
    assert clean.media_type == "image/jpeg"
    with Image.open(io.BytesIO(clean.data)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
        assert not image.getexif()
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
    assert b"Exif" not in clean.data
    assert b"PhoneMaker" not in clean.data


def test_a_png_with_trailing_junk_is_re_encoded_without_it() -> None:
    junk = b"<?php system($_GET['c']); ?>" * 20
    clean = photos.clean_photo(png() + junk)
    assert clean.media_type == "image/png"
    assert b"php" not in clean.data
    assert clean.data.endswith(_chunk(b"IEND", b""))
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (32, 16)
        assert image.getpixel((0, 0)) == (200, 0, 0, 128)


def test_large_photos_are_shrunk() -> None:
    clean = photos.clean_photo(png((3000, 1000)))
    assert (clean.width, clean.height) == (photos.OUTPUT_SIDE, 683)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png_claiming(100_000, 100_000), "too-many-pixels"),  # Pillow's own guard, first
        (png_claiming(20_000, 100), "too-wide"),
        (png_claiming(9_000, 9_000), "too-many-pixels"),  # 81 megapixels in 400 bytes
        (b"GIF89a" + b"\x00" * 100, "wrong-type"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "wrong-type"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "not-an-image"),
        (jpeg_with_gps()[:200], "not-an-image"),  # truncated
        (b"\xff\xd8\xff" + b"\x00" * (photos.MAX_BYTES + 1), "too-large"),
    ],
    ids=[
        "bomb-huge",
        "too-wide",
        "bomb-pixels",
        "gif",
        "pdf",
        "fake-png",
        "truncated-jpeg",
        "oversize",
    ],
)
def test_hostile_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoRefused) as caught:
        photos.clean_photo(data)
    assert caught.value.reason == reason


def test_a_png_claiming_to_be_a_jpeg_is_refused() -> None:
    with pytest.raises(PhotoRefused):
        photos.clean_photo(b"\xff\xd8\xff" + png())


def test_the_idea_keeps_only_the_clean_photo(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    with tx(engine) as s:
        idea = submit_idea(s, pid, resident(engine), draft(), PROPOSALS, photo=jpeg_with_gps())
    with tx(engine) as s:
        stored = get_photo(s, idea.id)
    assert stored is not None
    assert stored.media_type == "image/jpeg"
    assert b"Exif" not in stored.data
    with tx(engine) as s, pytest.raises(PhotoRefused):
        submit_idea(s, pid, resident(engine), draft(), PROPOSALS, photo=b"GIF89a....")


def zero_png(width: int, height: int, bit_depth: int = 8, colour: int = 6) -> bytes:
    """A PNG of ``width`` × ``height`` zero pixels: a zlib bomb (colour 6: RGBA, 0: grey)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = b"\x00" * (1 + width * channels * bit_depth // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))  # fmt: skip


@pytest.mark.parametrize(
    ("width", "height", "bit_depth", "colour", "reason"),
    [
        (12_000, 3_333, 8, 6, "too-many-pixels"),  # 40 MP: 520 MB and seconds before
        (6_000, 4_000, 8, 6, "too-many-pixels"),  # 24 MP, 96 MB from ~100 KB: 250× at most
        (6_000, 4_000, 8, 0, "too-many-pixels"),  # grey: 24 MB from ~24 KB
        (4_000, 3_000, 16, 6, "not-an-image"),  # 16 bits a channel: never decoded
        (4_000, 3_000, 16, 4, "not-an-image"),  # grey and alpha, 16 bits
        (4_000, 3_000, 16, 0, "not-an-image"),  # I;16
    ],
    ids=["40mp", "24mp-rgba", "24mp-grey", "rgba16", "la16", "grey16"],
)
def test_png_bombs_under_the_pixel_bound_are_refused_before_decoding(
    width: int, height: int, bit_depth: int, colour: int, reason: str
) -> None:
    data = zero_png(width, height, bit_depth, colour)
    assert len(data) < 400_000
    start = time.perf_counter()
    with pytest.raises(PhotoRefused) as caught:
        photos.clean_photo(data)
    assert caught.value.reason == reason
    assert time.perf_counter() - start < 0.5  # from the header: nothing decoded


def _photo_like_jpeg(width: int, height: int) -> bytes:
    noise = [Image.effect_noise((width // 4, height // 4), sigma) for sigma in (20, 40, 60)]
    image = Image.merge("RGB", noise).resize((width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_12_megapixel_jpeg_is_decoded_reduced_and_still_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded: list[tuple[int, int]] = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> Any:
        decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    clean = photos.clean_photo(_photo_like_jpeg(4_000, 3_000))
    assert (clean.media_type, clean.width, clean.height) == ("image/jpeg", 2_048, 1_536)
    big = photos.clean_photo(_photo_like_jpeg(6_000, 4_000))  # 24 MP: decoded at 3000 × 2000
    assert (big.width, big.height) == (2_048, 1_365)
    assert decoded[0] == (4_000, 3_000)  # by 2 would be under 2,048 wide: in full
    assert (3_000, 2_000) in decoded
    assert (6_000, 4_000) not in decoded


def test_at_most_two_photos_are_decoded_at_once() -> None:
    assert photos.DECODERS == 2
    done = threading.Event()
    for _ in range(photos.DECODERS):
        assert photos._DECODING.acquire(timeout=5)
    try:

        def decode() -> None:
            photos.clean_photo(png())
            done.set()

        worker = threading.Thread(target=decode)
        worker.start()
        assert not done.wait(0.3)  # waits for a free decoder
    finally:
        for _ in range(photos.DECODERS):
            photos._DECODING.release()
    worker.join(10)
    assert done.is_set()
