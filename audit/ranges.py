"""The bundle's board in ranges, for `evote verify --scheduler` (tally/cluster.py).

This process reads ``board.jsonl`` once, without parsing it, to find where every
hundredth-or-so line starts (with the same line limits as `Bundle.lines`), and
cuts the board into ranges of consecutive lines. Each Dask worker opens the bundle
at the same path itself and reads only its ranges: no ballot travels over the
network. A deflated member can only be inflated from its start, so a range starts
by inflating what comes before it; a few large ranges per worker keep that to a
few times the board's size in all, small beside checking it (inflating is
hundreds of times cheaper per byte than checking the ballots).

A worker checks that its copy's board member has the CRC-32 and size that this
process saw (a stale or other copy at the same path is refused, `RangeMismatch`),
and `check_range` that the range holds the lines it should.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from audit.reader import Bundle, MemberError, UnreadableBundle
from tally.cluster import RangeMismatch

BOARD = "board.jsonl"
_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class BundleRange:
    """Lines ``first`` … ``first + count - 1`` of the bundle's board, at bytes
    ``start`` … ``end`` of the inflated member."""

    path: str  # absolute: the same on every worker (a shared file system)
    crc: int  # the board member's CRC-32 and size, from the zip's directory
    size: int
    start: int
    end: int
    first: int
    count: int

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
                raise RangeMismatch(
                    f"{self.path} on a worker is another bundle than the one being verified"
                )
            with bundle.zip.open(info) as member:
                member.seek(self.start)
                left = self.end - self.start
                pending = b""
                while left > 0:
                    block = member.read(min(_BLOCK, left))
                    if not block:
                        raise RangeMismatch(f"{self.path}: the board ends before byte {self.end}")
                    left -= len(block)
                    pending += block
                    *complete, pending = pending.split(b"\n")
                    yield from (line for line in complete if line)
                if pending:
                    yield pending


def bundle_ranges(
    bundle: Bundle, path: Path, size: int
) -> tuple[list[BundleRange], MemberError | None]:
    """The board in ranges of ``size`` lines, and the limit a line broke, if one did (the
    ranges then end before that line, as `Bundle.lines` does)."""
    info = bundle.members[BOARD]
    where = str(Path(path).resolve())
    ranges: list[BundleRange] = []
    start = end = count = read = 0

    def cut() -> None:
        ranges.append(BundleRange(where, info.CRC, info.file_size, start, end,
                                  read - count + 1, count))  # fmt: skip

    try:
        for at, length in bundle.spans(BOARD):
            if count == 0:
                start = at
            count += 1
            read += 1
            end = at + length
            if count == size:
                cut()
                count = 0
    except MemberError as exc:
        if count:
            cut()
        return ranges, exc
    if count:
        cut()
    return ranges, None
