"""Reading the closed board a trustee is handed (`evote election board --out board.zip`).

The file comes from the officials' server, which the trustee does not take on
trust: it is read with the verifier's hardened reader (audit/reader.py), so every
member is size-capped before it is read, each name must be a bundle member and
appear once, and the board is streamed line by line with a length cap. A full
result bundle (which holds the same members) is accepted too.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from audit.bundle import BOARD_PACKAGE
from audit.reader import Bundle, MemberError, UnreadableBundle
from evoting.crypto.errors import CanonicalEncodingError

CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError)


class BoardFileError(Exception):
    """The file is not a closed board a trustee can check; says why."""


@dataclass
class BoardFile:
    bundle: Bundle

    def json(self, name: str) -> Any:
        try:
            return self.bundle.json(name)
        except (MemberError, CanonicalEncodingError) as exc:
            raise BoardFileError(f"{name}: {exc}") from exc
        except CORRUPT as exc:
            raise BoardFileError(f"{name}: its compressed data is corrupt ({exc})") from exc

    def lines(self, name: str) -> Iterator[str]:
        try:
            for line in self.bundle.lines(name):
                yield line.decode("utf-8")
        except MemberError as exc:
            raise BoardFileError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise BoardFileError(f"{name}: not UTF-8 text ({exc})") from exc
        except CORRUPT as exc:
            raise BoardFileError(f"{name}: its compressed data is corrupt ({exc})") from exc


def open_board_file(source: IO[bytes], path: Path) -> BoardFile:
    """The closed board in ``source`` (an open file), refused whole if anything in the zip
    is not one copy of a bundle member within its limits."""
    try:
        bundle = Bundle(source, required=BOARD_PACKAGE)
    except UnreadableBundle as exc:
        raise BoardFileError(f"{path} is not a closed board: {exc}") from exc
    if bundle.problems:
        name, reason = bundle.problems[0]
        raise BoardFileError(f"{path}: {name}: {reason}")
    return BoardFile(bundle)
