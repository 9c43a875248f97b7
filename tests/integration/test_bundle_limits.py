"""Zip bombs and other oversized bundles: refused by name, in bounded memory and time.

The memory tests run `evote verify` in a fresh interpreter and read its peak RSS
(``VmHWM``, and its pool workers' ``ru_maxrss``): a 1 GiB member once took the
verifier to 2.2 GB.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from audit import reader
from audit.reader import LIMITS, MAX_RATIO, Limit, count_values
from audit.verify import Pins, UnreadableBundle, verify_bundle
from tests.integration.bundles import Made, made_bundle, members, rezip, signatures_member

GiB, MiB = 1 << 30, 1 << 20
ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 300
MAX_SECONDS = 60


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


def _bomb(parts: dict[str, bytes], name: str, size: int, fill: bytes = b"0",
          *, sign: bool = True) -> bytes:  # fmt: skip
    """The bundle with ``name`` inflating to ``size`` bytes of ``fill`` (1 GiB: ~1 MB zipped)."""
    parts = {k: v for k, v in parts.items() if k != name}
    if sign:
        parts["signatures.json"] = signatures_member(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member, content in parts.items():
            archive.writestr(member, content)
        block = fill * (MiB // len(fill))
        with archive.open(name, "w", force_zip64=True) as out:
            for _ in range(size // len(block)):
                out.write(block)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bombs(made: Made, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """1 GiB signatures.json, board.jsonl and audit-log.jsonl, each in a ~1 MB bundle."""
    parts = members(made.data)
    out = tmp_path_factory.mktemp("bombs")
    paths = {}
    for name in ("signatures.json", "board.jsonl", "audit-log.jsonl"):
        path = out / f"{name}.zip"
        path.write_bytes(_bomb(parts, name, GiB, sign=name != "signatures.json"))
        assert path.stat().st_size < 2 * MiB
        paths[name] = path
    return paths


@pytest.mark.parametrize(
    ("name", "failure"),
    [
        ("signatures.json", f"signatures.json: {GiB} bytes, more than the limit of 64 KiB"),
        ("board.jsonl", f"board.jsonl: {GiB} bytes from "),
        ("audit-log.jsonl", f"audit-log.jsonl: {GiB} bytes from "),
    ],
)
def test_a_member_inflating_to_1_gib_is_refused_unread(
    bombs: dict[str, Path], name: str, failure: str
) -> None:
    started = time.perf_counter()
    report = verify_bundle(bombs[name].read_bytes(), workers=1)
    assert time.perf_counter() - started < 10
    assert any(f.startswith(failure) for f in report.failures), report.failures
    if name != "signatures.json":
        assert f"more than {MAX_RATIO} times (a zip bomb?)" in report.failures[0]


def test_a_manifest_over_its_limit(made: Made) -> None:
    data = _bomb(members(made.data), "manifest.json", 32 * MiB, b" ", sign=False)
    report = verify_bundle(data, workers=1)
    assert report.failures[0].startswith(f"manifest.json: {32 * MiB} bytes, more than the limit")
    assert "receipt" not in " ".join(report.failures)


PROBE = """
import resource, sys
from cli.main import evote
try:
    evote.main(sys.argv[1:], prog_name="evote")
except SystemExit as exc:
    code = exc.code
# Its own high-water mark: ru_maxrss would carry over the parent's across exec on Linux.
with open("/proc/self/status") as status:
    own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("peak-rss-kb", max(own, workers), file=sys.stderr)
sys.exit(code)
"""


def _run_verify(*args: str) -> tuple[int, str, int, float]:
    """`evote verify ARGS` in a fresh interpreter: exit code, output, peak RSS (MB), seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, "verify", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    peak = int(done.stderr.rsplit("peak-rss-kb", 1)[1].split()[0]) // 1024
    return done.returncode, done.stdout + done.stderr, peak, seconds


@pytest.mark.parametrize("name", ["signatures.json", "board.jsonl", "audit-log.jsonl"])
def test_evote_verify_on_a_bomb_in_bounded_memory(bombs: dict[str, Path], name: str) -> None:
    code, output, peak, seconds = _run_verify(str(bombs[name]), "--workers", "1")
    assert code == 1, output
    assert f"FAIL {name}: {GiB} bytes" in output
    assert peak <= MAX_RSS_MB, f"{peak} MB"
    assert seconds < MAX_SECONDS
    print(f"{name} bomb: {peak} MB peak, {seconds:.1f} s")


def test_evote_verify_on_a_duplicate_member_and_a_wrong_pin_in_bounded_memory(
    made: Made, tmp_path: Path
) -> None:
    parts = members(made.data)
    duplicated = tmp_path / "duplicated.zip"
    duplicated.write_bytes(rezip(parts, resign=None, entries=[("result.json", b"{}\n")]))
    code, output, peak, seconds = _run_verify(str(duplicated), "--workers", "1")
    assert code == 1, output
    assert "FAIL result.json: appears 2 times in the zip" in output
    assert peak <= MAX_RSS_MB
    assert seconds < MAX_SECONDS
    print(f"duplicate member: {peak} MB peak, {seconds:.1f} s")
    genuine = tmp_path / "bundle.zip"
    genuine.write_bytes(made.data)
    code, output, peak, seconds = _run_verify(str(genuine), "--workers", "1",
                                              "--fingerprint", "ab" * 32)  # fmt: skip
    assert code == 1, output
    assert f"FAIL manifest.json: the election's fingerprint is {made.manifest.fingerprint.hex()}" \
        in output  # fmt: skip
    assert peak <= MAX_RSS_MB
    assert seconds < MAX_SECONDS
    print(f"wrong --fingerprint: {peak} MB peak, {seconds:.1f} s")


def test_evote_verify_on_a_dropped_ballot_receipt_in_bounded_memory(
    made: Made, tmp_path: Path
) -> None:
    from evoting.crypto.canonical import canonical_json
    from tests.integration.test_receipts import _drop_and_rechain

    forged = tmp_path / "forged.zip"
    forged.write_bytes(_drop_and_rechain(made, dropped=2))
    receipt = tmp_path / "bram.json"
    receipt.write_bytes(canonical_json(made.receipts[1].to_json()))
    code, output, peak, seconds = _run_verify(str(forged), "--workers", "1",
                                              "--receipt", str(receipt))  # fmt: skip
    assert code == 1, output
    assert f"FAIL receipt {receipt}#1: the final board is not the board" in output
    assert peak <= MAX_RSS_MB
    assert seconds < MAX_SECONDS
    print(f"dropped-ballot receipt: {peak} MB peak, {seconds:.1f} s")


# Lines, values and the zip's own structure.


def test_a_board_line_over_its_limit_ends_the_board(made: Made) -> None:
    parts = members(made.data)
    lines = parts["board.jsonl"].splitlines()
    long_line = os.urandom(6 * MiB).hex().encode()[: 6 * MiB + 1]  # incompressible
    parts["board.jsonl"] = b"\n".join([*lines[:2], long_line, *lines[2:]]) + b"\n"
    report = verify_bundle(rezip(parts), workers=1)
    assert "board.jsonl: line 3 is longer than 6 MiB; the rest is not read" in report.failures
    assert "board.jsonl: ends at entry 2, but the final signed head is entry 4 with another " \
        "hash" in report.failures  # fmt: skip


def test_an_audit_log_line_over_its_limit(made: Made) -> None:
    parts = members(made.data)
    n = len(parts["audit-log.jsonl"].splitlines()) + 1
    parts["audit-log.jsonl"] += os.urandom(MiB).hex().encode() + b"\n"
    report = verify_bundle(rezip(parts), workers=1)
    assert report.failures == [
        f"audit-log.jsonl: line {n} is longer than 1 MiB; the rest is not read"
    ]


def test_too_many_json_values_in_a_member(made: Made, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LIMITS, "tally.json", Limit(32 * MiB, values=100))
    report = verify_bundle(made.data, workers=1)
    assert report.failures == ["tally.json: more than 100 JSON strings, objects and arrays"]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        (b'{"a":[1,2,{"b":"c"}]}', 6),
        (b'["[[[{{{", "\\"[", "\\\\"]', 4),
        (b'"unterminated [[[[', 1),
        (b"[[[[[[", 6),
        (b"12345", 0),
    ],
)
def test_values_are_counted_without_parsing(text: bytes, values: int) -> None:
    assert count_values(text, 1000) == values


def test_counting_stops_at_the_limit() -> None:
    assert count_values(b"[" + b"[]," * 1_000_000 + b"[]]", 10) == 10


def test_a_directory_of_thousands_of_entries_is_refused_before_it_is_read(made: Made) -> None:
    entries = [(f"extra/{i:06d}", b"") for i in range(30_000)]
    data = rezip(members(made.data), resign=None, entries=entries)
    with pytest.raises(UnreadableBundle, match="the zip's directory is"):
        verify_bundle(data, workers=1)


def test_other_compression_methods_are_refused(made: Made) -> None:
    parts = members(made.data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            method = zipfile.ZIP_BZIP2 if name == "result.json" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    report = verify_bundle(buffer.getvalue(), workers=1)
    assert report.failures == ["result.json: compressed with method 12; a bundle's are deflated"]


def _patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite a (non-Zip64) member's uncompressed size in the central directory and local
    header, leaving its data and CRC as they are."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    patched = bytearray(data)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    at = bytes(patched).find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", patched, at + 28)[0]
        if bytes(patched[at + 46 : at + 46 + length]) == name.encode():
            struct.pack_into("<I", patched, at + 24, size)
            return bytes(patched)
        at = bytes(patched).find(b"PK\x01\x02", at + 4)
    raise AssertionError(name)


def test_a_member_longer_than_declared_is_corrupt(made: Made) -> None:
    data = rezip(members(made.data))  # not Zip64: sizes in the fixed fields
    with pytest.raises(UnreadableBundle, match="corrupt"):
        verify_bundle(_patch_declared_size(data, "board.jsonl", 1000), workers=1)


def test_failures_are_bounded_per_member(made: Made) -> None:
    parts = members(made.data)
    parts["board.jsonl"] = b'{"position": 1}\n' * 5000
    report = verify_bundle(rezip(parts), workers=1)
    board = [f for f in report.failures if f.startswith("board.jsonl:")]
    assert len(board) == 101
    assert board[-1] == "board.jsonl: ... and 902 more failures"  # 1,000 problems listed, +2


def test_a_pin_is_checked_even_when_the_manifest_is_unreadable(made: Made) -> None:
    parts = members(made.data)
    parts["manifest.json"] = b"[]\n"
    report = verify_bundle(rezip(parts), workers=1, pins=Pins(fingerprint="ab" * 32))
    assert any(f.startswith("manifest.json: the election's fingerprint is ")
               for f in report.failures)  # fmt: skip
    assert report.election == ""


def test_the_limits_cover_every_member() -> None:
    from audit.bundle import MEMBERS, SIGNATURES

    assert set(LIMITS) == {*MEMBERS, SIGNATURES}
    assert LIMITS["board.jsonl"].line >= reader.RATIO_FROM


def test_thousands_of_stray_entries_are_counted_not_listed(made: Made) -> None:
    entries = [(f"stray/{i:05d}\n", b"") for i in range(5_000)]
    report = verify_bundle(rezip(members(made.data), resign=None, entries=entries), workers=1)
    assert len(report.failures) == 101
    assert report.failures[0] == "stray/00000\\n: not signed by the authority (an extra member)"
    assert report.failures[-1] == "(zip): ... and 4900 more entries that are not bundle members"


def test_a_long_receipt_line_is_skipped_unread(made: Made, tmp_path: Path) -> None:
    from audit.receipts import MAX_LINE_BYTES, read_receipts
    from evoting.crypto.canonical import canonical_json

    receipt = canonical_json(made.receipts[0].to_json())
    path = tmp_path / "receipts.jsonl"
    with path.open("wb") as f:
        f.write(receipt + b"\n" + b"[" * (50 * MiB) + b"\n" + receipt + b"\n")
    claims = read_receipts([path])
    assert [c.problem for c in claims] == [
        "",
        f"longer than {MAX_LINE_BYTES} bytes: not a receipt",
        "",
    ]
