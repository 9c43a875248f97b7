"""Reading the closed board a trustee is handed (`evote election board --out board.zip`).

The file comes from the officials' server, which the trustee does not take on
trust: every member is size-capped before it is read, names must be the expected
ones and appear once, and the board is streamed line by line with a length cap.
A full result bundle (which holds the same members) is accepted too.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.bundle import BOARD_PACKAGE, MEMBERS, SIGNATURES

MAX_JSON_BYTES = 16 << 20  # a tally request of a thousand contests is a few MiB
MAX_LINE_BYTES = 4 << 20  # one board entry: a ballot is at most 1 MiB (ballots.ballot)


class BoardFileError(Exception):
    """The file is not a closed board a trustee can check; says why."""


@dataclass
class BoardFile:
    archive: zipfile.ZipFile

    def json(self, name: str) -> Any:
        info = self.archive.getinfo(name)
        if info.file_size > MAX_JSON_BYTES:
            raise BoardFileError(f"{name} is larger than {MAX_JSON_BYTES} bytes")
        with self.archive.open(info) as member:
            data = member.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise BoardFileError(f"{name} is larger than {MAX_JSON_BYTES} bytes")
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BoardFileError(f"{name} is not JSON ({exc})") from exc

    def lines(self, name: str) -> Iterator[str]:
        with self.archive.open(name) as member:
            while line := member.readline(MAX_LINE_BYTES + 1):
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    raise BoardFileError(f"{name}: a line longer than {MAX_LINE_BYTES} bytes")
                try:
                    text = line.decode("utf-8").rstrip("\n")
                except UnicodeDecodeError as exc:
                    raise BoardFileError(f"{name}: not UTF-8 text ({exc})") from exc
                if text.strip():
                    yield text


def open_board_file(path: Path) -> BoardFile:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BoardFileError(f"{path} is not a zip file ({exc})") from exc
    names = archive.namelist()
    if len(names) != len(set(names)):
        raise BoardFileError(f"{path} holds a member twice")
    allowed = set(MEMBERS) | {SIGNATURES}
    strangers = sorted(set(names) - allowed)
    if strangers:
        raise BoardFileError(f"{path} holds an unexpected member {strangers[0]!r}")
    missing = [m for m in BOARD_PACKAGE if m not in names]
    if missing:
        raise BoardFileError(f"{path} is not a closed board: {missing[0]} is missing")
    return BoardFile(archive)
