"""The bundle's board in ranges, for `evote verify --scheduler` (tally/cluster.py).

This process reads ``board.jsonl`` once, with the same line limits as
`Bundle.lines`, and cuts it into ranges of consecutive lines of about equal size
in bytes (a few per worker thread: `Cluster.parts`), keeping each range's SHA-256.
Each Dask worker opens the bundle at the same path itself and reads only its
ranges: no ballot travels over the network. A deflated member can only be
inflated from its start, so a range starts by inflating what comes before it;
cutting by bytes, not by the board's claimed length, keeps that to about half the
board per range, a few times the board in all, small beside checking it
(inflating is hundreds of times cheaper per byte than checking the ballots),
whatever the bundle claims.

A worker refuses its range (`RangeMismatch`: no verdict) unless its copy's board
member has the CRC-32 and size this process saw and the lines it read have the
range's SHA-256: a stale or other copy at the same path cannot pass for this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from audit.reader import Bundle, MemberError, UnreadableBundle
from tally.cluster import RangeMismatch

BOARD = "board.jsonl"
_BLOCK = 1 << 20


def _digest_line(digest: hashlib._Hash, line: bytes) -> None:
    digest.update(len(line).to_bytes(8, "little"))
    digest.update(line)


@dataclass(frozen=True, slots=True)
class BundleRange:
    """Lines ``first`` … ``first + count - 1`` of the bundle's board, at bytes
    ``start`` … ``end`` of the inflated member; ``sha256`` over its lines, each
    prefixed with its length."""

    path: str  # absolute: the same on every worker (a shared file system)
    crc: int  # the board member's CRC-32 and size, from the zip's directory
    size: int
    start: int
    end: int
    first: int
    count: int
    sha256: bytes

    def lines(self) -> Iterator[bytes]:
        try:
            f = Path(self.path).open("rb")  # noqa: SIM115 - closed below, also on errors
        except OSError as exc:
            raise RangeMismatch(f"a worker cannot read {self.path}: {exc.strerror}") from exc
        with f:
            try:
                bundle = Bundle(f, required=(BOARD,))
            except UnreadableBundle as exc:
                raise RangeMismatch(f"a worker cannot read {self.path}: {exc}") from exc
            info = bundle.members[BOARD]
            if (info.CRC, info.file_size) != (self.crc, self.size) or not bundle.present(BOARD):
                raise RangeMismatch(self._other())
            digest = hashlib.sha256()
            with bundle.zip.open(info) as member:
                member.seek(self.start)
                left = self.end - self.start
                pending = b""
                while left > 0:
                    block = member.read(min(_BLOCK, left))
                    if not block:
                        raise RangeMismatch(self._other())
                    left -= len(block)
                    pending += block
                    *complete, pending = pending.split(b"\n")
                    for line in complete:
                        if line:
                            _digest_line(digest, line)
                            yield line
                if pending:
                    _digest_line(digest, pending)
                    yield pending
            if digest.digest() != self.sha256:  # what was read is not counted: no verdict
                raise RangeMismatch(self._other())

    def _other(self) -> str:
        return f"{self.path} on a worker is another bundle than the one being verified"


class BundleRanges:
    """The board in about ``parts`` ranges of about equal bytes, cut as `ranges` is read
    (a cluster's workers start on the first while the rest is cut); `error` is then
    the limit a line broke, if one did (the ranges end before that line, as
    `Bundle.lines` does)."""

    def __init__(self, bundle: Bundle, path: Path, parts: int) -> None:
        self.bundle = bundle
        self.path = str(Path(path).resolve())
        self.parts = parts
        self.error: MemberError | None = None

    def ranges(self) -> Iterator[BundleRange]:
        info = self.bundle.members[BOARD]
        share = max(1, -(-info.file_size // max(1, self.parts)))
        start = end = count = read = 0
        digest = hashlib.sha256()

        def cut() -> BundleRange:
            return BundleRange(self.path, info.CRC, info.file_size, start, end,
                               read - count + 1, count, digest.digest())  # fmt: skip

        try:
            for at, line in self.bundle.placed_lines(BOARD):
                if count == 0:
                    start, digest = at, hashlib.sha256()
                count += 1
                read += 1
                end = at + len(line)
                _digest_line(digest, line)
                if end - start >= share:
                    yield cut()
                    count = 0
        except MemberError as exc:
            self.error = exc
        if count:
            yield cut()
