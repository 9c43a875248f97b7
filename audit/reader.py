"""Reading a result bundle that may be hostile: every size is bounded before it is read.

A bundle comes from outside, so its zip is taken apart with care (docs/verifier.md,
"Limits"):

* the zip's central directory is at most `MAX_DIRECTORY` bytes (checked from the
  end-of-directory record before `zipfile` reads the directory into memory);
* every name is a bundle member, once: a duplicate (``unzip`` shows the first copy,
  Python's `zipfile` the last), a directory entry, an absolute path, a path with
  ``..`` or any other name is a failure, and the copy checked is the first;
* every member is stored or deflated, not encrypted, and its declared size is at
  most its limit (`LIMITS`) and at most `MAX_RATIO` times its compressed size
  beyond the first MiB; `zipfile` never inflates past the declared size, and the
  bytes read are counted again here;
* JSON-lines members are read line by line, each line at most its limit, never
  held whole; a JSON member holds at most its limit of strings, objects and arrays,
  counted before it is parsed (a parsed JSON object costs ~25 times its text).

A member that breaks a limit is refused: a `MemberError` names it and why, and the
verifier reports ``FAIL member: reason`` and checks the rest without it. A file that
is not a zip at all, or whose compressed data is corrupt, is `UnreadableBundle`.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from audit.bundle import MEMBERS, SIGNATURES
from evoting.crypto.canonical import parse_canonical
from evoting.election import MAX_MANIFEST_BYTES

KiB, MiB, GiB, TiB = 1 << 10, 1 << 20, 1 << 30, 1 << 40


class UnreadableBundle(Exception):
    """Not a bundle at all (exit code 2)."""


class MemberError(Exception):
    """A member that breaks a limit or cannot be read; the verifier reports it as failed."""

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"{member}: {reason}")
        self.member = member
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Limit:
    """Bounds on one member: bytes in all; bytes per line (JSON lines); JSON values."""

    size: int
    line: int = 0  # JSON lines only
    values: int = 0  # JSON only: strings, objects and arrays


LIMITS: dict[str, Limit] = {
    "manifest.json": Limit(MAX_MANIFEST_BYTES, values=20_000),
    "keys.json": Limit(64 * KiB, values=1_000),
    "trustees.json": Limit(4 * MiB, values=200_000),
    "credentials.json": Limit(4 * MiB, values=100_000),
    "board.jsonl": Limit(1 * TiB, line=6 * MiB),
    "board-head.json": Limit(64 * KiB, values=1_000),
    "spoiled.jsonl": Limit(1 * TiB, line=6 * MiB),
    "tally.json": Limit(32 * MiB, values=1_000_000),
    "paper.json": Limit(64 * MiB, values=1_000_000),
    "result.json": Limit(4 * MiB, values=100_000),
    "audit-log.jsonl": Limit(64 * GiB, line=1 * MiB),
    SIGNATURES: Limit(64 * KiB, values=1_000),
}
MAX_RATIO = 50  # uncompressed / compressed bytes; real members stay under 5
RATIO_FROM = 1 * MiB  # below this size a member may compress as well as it likes
MAX_DIRECTORY = 1 * MiB  # the central directory; a real bundle's is under 2 KiB
_BLOCK = 1 * MiB
_EXPECTED = frozenset(LIMITS)
assert {*MEMBERS, SIGNATURES} == _EXPECTED


def _name_problem(name: str) -> str:
    if name.endswith("/"):
        return "a directory entry, not a bundle member"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "an absolute path, not a bundle member"
    if ".." in re.split(r"[/\\]", name):
        return "a path with '..', not a bundle member"
    return "not signed by the authority (an extra member)"


def _duplicate(times: int) -> str:
    return f"appears {times} times in the zip: tools disagree on which copy is the member"


def _directory_size(f: IO[bytes]) -> int:
    """The central directory's size from the end-of-directory record, found as `zipfile`
    finds it (at the very end, else the last signature in the comment window)."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - (1 << 16) - 22))  # zipfile's window, byte for byte
    tail = f.read()
    if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        at = len(tail) - 22
    else:
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise UnreadableBundle("not a zip file")
    directory = struct.unpack("<I", tail[at + 12 : at + 16])[0]
    end = size - len(tail) + at
    if end >= 76:  # a Zip64 locator and record may precede the record
        f.seek(end - 20)
        locator = f.read(20)
        if locator[:4] == b"PK\x06\x07":
            f.seek(end - 76)
            record = f.read(56)
            if record[:4] == b"PK\x06\x06":
                directory = struct.unpack("<Q", record[40:48])[0]
    f.seek(0)
    return int(directory)


def count_values(data: bytes, stop: int) -> int:
    """Strings, objects and arrays in JSON text, counted up to ``stop`` (without parsing)."""
    text = data.decode("utf-8", errors="replace")
    structural = re.compile(r'["{\[]')
    count, at = 0, 0
    while count < stop and (found := structural.search(text, at)) is not None:
        count += 1
        at = found.end()
        if found.group() == '"':
            try:
                at = json.decoder.scanstring(text, at)[1]  # type: ignore[attr-defined]
            except json.JSONDecodeError:
                break  # unterminated: the parser will say so
    return count


class Bundle:
    """A bundle's members, read from disk as needed within their limits.

    ``required``: the members without which the file is not what the caller reads (a
    signed bundle by default; the closed board the trustees check, or an unsigned
    bundle, name their own): missing one is `UnreadableBundle`.
    """

    def __init__(
        self, source: IO[bytes], required: tuple[str, ...] = (SIGNATURES, "manifest.json")
    ) -> None:
        try:
            directory = _directory_size(source)
        except OSError as exc:
            raise UnreadableBundle(f"not a zip file: {exc}") from exc
        if directory > MAX_DIRECTORY:
            raise UnreadableBundle(
                f"the zip's directory is {directory} bytes; a bundle's is at most "
                f"{MAX_DIRECTORY >> 20} MiB (12 members)"
            )
        try:
            self.zip = zipfile.ZipFile(source)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise UnreadableBundle(f"not a zip file: {exc}") from exc
        source.seek(0, 2)
        self.file_size = source.tell()
        self.problems: list[tuple[str, str]] = []
        """(name, reason) of every refused entry: the verifier reports each."""
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.refused: set[str] = set()
        """Members over a limit: reported, never read."""
        counts = Counter(info.filename for info in infos)
        for info in infos:
            name = info.filename
            if info.orig_filename != name or name not in _EXPECTED:
                self.problems.append((info.orig_filename, _name_problem(info.orig_filename)))
            elif name not in self.members:
                self.members[name] = info  # the first copy, as unzip shows it, is checked
                if counts[name] > 1:
                    self.problems.append((name, _duplicate(counts[name])))
                problem = self._refused(info)
                if problem is not None:
                    self.problems.append((name, problem))
                    self.refused.add(name)
        missing = [name for name in required if name not in self.members]
        if missing:
            raise UnreadableBundle(f"not a result bundle: no {' or '.join(missing)}")

    def _refused(self, info: zipfile.ZipInfo) -> str | None:
        limit = LIMITS[info.filename]
        if info.flag_bits & 0x1:
            return "encrypted"
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return f"compressed with method {info.compress_type}; a bundle's are deflated"
        if info.file_size > limit.size:
            return f"{info.file_size} bytes, more than the limit of {_size(limit.size)}"
        compressed = max(0, min(info.compress_size, self.file_size - info.header_offset))
        if info.file_size > max(RATIO_FROM, MAX_RATIO * compressed):
            return (
                f"{info.file_size} bytes from {compressed} compressed: more than "
                f"{MAX_RATIO} times (a zip bomb?)"
            )
        return None

    def present(self, name: str) -> bool:
        """In the bundle and within its limits (refused members are reported, not read)."""
        return name in self.members and name not in self.refused

    def _blocks(self, name: str) -> Iterator[bytes]:
        info, limit = self.members[name], LIMITS[name]
        read = 0
        with self.zip.open(info) as f:
            while block := f.read(_BLOCK):
                read += len(block)
                if read > min(limit.size, info.file_size):
                    raise MemberError(name, f"longer than declared or than {_size(limit.size)}")
                yield block

    def read(self, name: str) -> bytes:
        return b"".join(self._blocks(name))

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        for block in self._blocks(name):
            digest.update(block)
        return digest.hexdigest()

    def json(self, name: str) -> Any:
        """The member's canonical JSON (`CanonicalEncodingError` if it is not)."""
        data = self.read(name).rstrip(b"\n")
        limit = LIMITS[name].values
        if count_values(data, limit + 1) > limit:
            raise MemberError(name, f"more than {limit} JSON strings, objects and arrays")
        return parse_canonical(data)

    def lines(self, name: str) -> Iterator[bytes]:
        """Each non-empty line (without its newline), at most the member's line limit."""
        return (line for _, line in self.placed_lines(name))

    def placed_lines(self, name: str) -> Iterator[tuple[int, bytes]]:
        """Each line of `lines` with where it starts in the member (the limits and errors
        of `lines`): for readers of ranges (audit/ranges.py)."""
        limit = LIMITS[name].line
        pending = b""
        at = 0  # where pending starts in the member
        number = 0
        for block in self._blocks(name):
            pending += block
            *complete, pending = pending.split(b"\n")
            for line in complete:
                number += 1
                if len(line) > limit:
                    raise MemberError(name, f"line {number} is longer than {_size(limit)}")
                if line:
                    yield at, line
                at += len(line) + 1
            if len(pending) > limit:
                raise MemberError(name, f"line {number + 1} is longer than {_size(limit)}")
        if pending:
            yield at, pending


def _size(n: int) -> str:
    for unit, size in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"
