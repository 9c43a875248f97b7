"""The Pabulib format (pabulib.org/format): one participatory budget in one ``.pb`` file.

A ``.pb`` file is UTF-8 text in three sections, in this order, each a title line
(``META``, ``PROJECTS``, ``VOTES``), a header line naming the columns and the data
lines; cells are separated by ``;``, and a cell holding ``;`` or ``"`` is quoted
as in CSV (``"a;b"``; a quote inside is doubled)::

    META
    key;value
    description;Municipal PB in Wieliczka
    ...
    PROJECTS
    project_id;cost;name
    1;600;Bike racks
    VOTES
    voter_id;vote
    1;1,2

`parse` reads a file that may be hostile and bounds everything before it is kept:
the file's size (`MAX_FILE`), each line's length (`MAX_LINE`), META keys,
columns, projects (`MAX_PROJECTS`, the manifest's limit) and voters
(`MAX_VOTES`). It refuses, with the line number, what it cannot read as the
format says: bytes that are not UTF-8, a NUL, a quote left open (a cell cannot
span lines), a section missing, repeated or out of order, a duplicate META key,
project id or voter id, a row longer than its header. Like pabutools' reader, it
skips blank lines, a byte-order mark and the spaces around cells
(``key; value``), and reads a cell ``None`` as empty. What the values *mean*
(costs, ballots, constraints) is audit/pabulib_import.py's business.

`dump` writes the format: rows in the order given, cells quoted only where they
must be, ``\\n`` line ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from evoting.projects import MAX_PROJECTS

MAX_FILE = 64 << 20  # Warsaw's largest instances are ~10 MiB
MAX_LINE = 64 << 10  # a vote listing 256 projects by id, or a long project name
MAX_META = 200  # keys; the format defines ~50
MAX_COLUMNS = 64
MAX_VOTES = 1_000_000
MAX_ID = 200  # characters of a project or voter id
SECTIONS = ("meta", "projects", "votes")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


class PabulibError(ValueError):
    """A file that is not a Pabulib file we can use: the reason, and its line if it has one."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class Row:
    """A PROJECTS line: its number in the file and its cells by column ("" when empty)."""

    line: int
    cells: Mapping[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class Vote:
    """A VOTES line: only what a ballot needs (other columns, such as age, are dropped)."""

    line: int
    voter: str
    vote: str  # project ids, comma-separated
    points: str  # cumulative and scoring ballots: the points, in the order of ``vote``


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed ``.pb`` file. ``meta_lines`` gives each META key's line number."""

    meta: Mapping[str, str]
    meta_lines: Mapping[str, int]
    project_columns: tuple[str, ...]
    projects: tuple[Row, ...]
    vote_columns: tuple[str, ...]
    votes: tuple[Vote, ...]

    def where(self, key: str) -> int | None:
        """The line of META ``key``, for an error message (None if absent)."""
        return self.meta_lines.get(key)

    def integer(self, key: str) -> int | None:
        """META ``key`` as a whole number, None if absent or empty."""
        value = self.meta.get(key)
        return whole(value, f"META {key}", self.where(key)) if value else None


def printable(text: str, limit: int = 80) -> str:
    """A value from the file as a message may quote it: cut short, unprintables as ``?``."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return "".join(c if c.isprintable() else "?" for c in text)


def _text(data: bytes) -> str:
    if len(data) > MAX_FILE:
        raise PabulibError(f"the file is larger than {MAX_FILE >> 20} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PabulibError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from exc
    return text.removeprefix("\ufeff")


def _cells(line: str, number: int) -> list[str]:
    if len(line) > MAX_LINE:
        raise PabulibError(f"longer than {MAX_LINE >> 10} KiB", number)
    if "\0" in line:
        raise PabulibError("contains a NUL character", number)
    try:
        row = next(
            csv.reader([line], delimiter=";", quotechar='"', skipinitialspace=True, strict=True), []
        )
    except csv.Error as exc:
        raise PabulibError(
            f"cannot be read as ';'-separated cells ({exc}); a quoted cell cannot span lines",
            number,
        ) from exc
    cells = [c.strip() for c in row]
    return ["" if c.lower() == "none" else c for c in cells]


def _header(cells: list[str], number: int, section: str, first: str) -> tuple[str, ...]:
    names = tuple(c.lower() for c in cells)
    if not names or names[0] != first:
        raise PabulibError(f"the {section.upper()} header must start with {first}", number)
    if len(names) > MAX_COLUMNS:
        raise PabulibError(f"more than {MAX_COLUMNS} columns", number)
    if "" in names:
        raise PabulibError(f"the {section.upper()} header has an empty column name", number)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PabulibError(f"column {twice[0]!r} appears twice in the header", number)
    return names


def _row(cells: list[str], header: tuple[str, ...], number: int) -> dict[str, str]:
    if len(cells) > len(header) and any(cells[len(header) :]):
        raise PabulibError(
            f"{len(cells)} cells for the {len(header)} columns of the header "
            "(quote a cell that holds ';')",
            number,
        )
    return dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))


def parse(data: bytes) -> Document:
    """Read a ``.pb`` file's bytes (see the module docstring); `PabulibError` says why not."""
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Row] = []
    project_ids: dict[str, int] = {}
    votes: list[Vote] = []
    voters: dict[str, int] = {}
    columns: dict[str, tuple[str, ...]] = {}
    section: str | None = None
    lines = _text(data).split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        cells = _cells(line, number)
        title = cells[0].lower() if len(cells) == 1 or not any(cells[1:]) else ""
        if title in SECTIONS:
            expected = SECTIONS[len(columns)] if len(columns) < len(SECTIONS) else None
            if title in columns or title != expected:
                how = "again" if title in columns else "out of order"
                raise PabulibError(
                    f"section {cells[0]} {how}: the sections are META, PROJECTS, VOTES, once each",
                    number,
                )
            section = title
            columns[section] = ()
            continue
        if section is None:
            raise PabulibError("data before the META section", number)
        if not columns[section]:
            first = {"meta": "key", "projects": "project_id", "votes": "voter_id"}[section]
            columns[section] = _header(cells, number, section, first)
            if section == "meta" and columns[section][:2] != ("key", "value"):
                raise PabulibError("the META header must be key;value", number)
            continue
        if section == "meta":
            key, value = [*cells, ""][:2]
            if not key:
                raise PabulibError("a META line without a key", number)
            if any(cells[2:]):
                raise PabulibError(
                    f"META {key!r} has more than one value (quote a value that holds ';')", number
                )
            if key in meta:
                raise PabulibError(
                    f"META {key!r} appears twice (first on line {meta_lines[key]})", number
                )
            if len(meta) >= MAX_META:
                raise PabulibError(f"more than {MAX_META} META keys", number)
            meta[key] = value
            meta_lines[key] = number
        elif section == "projects":
            row = _row(cells, columns[section], number)
            pid = row["project_id"]
            if not pid or len(pid) > MAX_ID:
                raise PabulibError(f"a project_id is 1 to {MAX_ID} characters", number)
            if pid in project_ids:
                raise PabulibError(
                    f"project {pid!r} appears twice (first on line {project_ids[pid]})", number
                )
            if len(projects) >= MAX_PROJECTS:
                raise PabulibError(f"more than {MAX_PROJECTS} projects (our limit)", number)
            project_ids[pid] = number
            projects.append(Row(number, row))
        else:
            row = _row(cells, columns[section], number)
            voter = row["voter_id"]
            if not voter or len(voter) > MAX_ID:
                raise PabulibError(f"a voter_id is 1 to {MAX_ID} characters", number)
            if voter in voters:
                raise PabulibError(
                    f"voter {voter!r} appears twice (first on line {voters[voter]})", number
                )
            if len(votes) >= MAX_VOTES:
                raise PabulibError(f"more than {MAX_VOTES:,} votes".replace(",", " "), number)
            voters[voter] = number
            votes.append(Vote(number, voter, row.get("vote", ""), row.get("points", "")))
    for name in SECTIONS:
        if not columns.get(name):
            raise PabulibError(f"no {name.upper()} section (with its header line)")
    if "cost" not in columns["projects"]:
        raise PabulibError("the PROJECTS header has no cost column")
    if "vote" not in columns["votes"]:
        raise PabulibError("the VOTES header has no vote column")
    return Document(
        meta, meta_lines, columns["projects"], tuple(projects), columns["votes"], tuple(votes)
    )


def number(text: str, what: str, line: int | None) -> Decimal:
    """A non-negative decimal number as Pabulib writes it (``1500``, ``1500.50``)."""
    if text.startswith("-") and _NUMBER.fullmatch(text[1:]):
        raise PabulibError(f"{what} is negative ({text})", line)
    if "," in text and _NUMBER.fullmatch(text.replace(",", ".", 1)):
        raise PabulibError(f"{what} {text!r} has a decimal comma; the format uses a dot", line)
    if len(text) > 30 or not _NUMBER.fullmatch(text):
        raise PabulibError(f"{what} is not a number: {text[:40]!r}", line)
    return Decimal(text)


def whole(text: str, what: str, line: int | None) -> int:
    """A whole number, 0 or more (``3``; ``3.0`` is read as 3)."""
    value = number(text, what, line)
    if value != value.to_integral_value():
        raise PabulibError(f"{what} is not a whole number ({text})", line)
    return int(value)


def dump(
    meta: Sequence[tuple[str, str]],
    project_columns: Sequence[str],
    projects: Sequence[Sequence[str]],
    vote_columns: Sequence[str],
    votes: Sequence[Sequence[str]] = (),
) -> str:
    """The ``.pb`` text of the three sections, rows in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta)
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    writer.writerows(projects)
    writer.writerow(["VOTES"])
    writer.writerow(vote_columns)
    writer.writerows(votes)
    return out.getvalue()
