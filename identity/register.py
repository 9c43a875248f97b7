"""The voter register: read and check a population-register extract, then import it.

The file is CSV (UTF-8, comma or semicolon, header row; docs/cli.md gives the
columns). `read_register` checks **every** row and reports **every** bad one with
its line number and the reason; `import_register` stores the register only if
no row is bad, in one transaction.

What is stored (evoting/schema.py, ``voters``): a keyed hash of the register
number (HMAC-SHA-256 under the deployment's ``register-hmac`` key, with the
election id), the birth date, municipality, district and the exclusion mark.
Names and addresses are read only to print the poll cards
(identity/pollcards.py) and are never stored.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from evoting import schema
from evoting.deployment import DeploymentKeys
from evoting.elections import get_election
from identity.municipalities import municipality
from identity.nrn import InvalidRegisterNumber, RegisterNumber, parse

REQUIRED_COLUMNS = (
    "register_number",
    "birth_date",
    "municipality",
    "district",
    "name",
    "street",
    "postal_code",
    "city",
)
OPTIONAL_COLUMNS = ("excluded", "language")
_NIS_LIKE = re.compile(r"^\d{5}$")
_TRUE, _FALSE = {"1", "yes", "ja", "oui", "true", "x"}, {"", "0", "no", "nee", "non", "false"}
MAX_FIELD = 200


MAX_PROBLEMS = 100
"""How many problems a `RegisterError` lists; the others are counted (``total``)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a register is refused, never quoting a resident's data.

    ``line`` is the file's line (None: the file as a whole), ``kind`` names what is
    wrong and ``facts`` its figures and column names, so that the web UI can word it
    in each language; ``text`` is the English reason the command line prints.
    """

    line: int | None
    kind: str
    text: str
    facts: Mapping[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text if self.line is None else f"line {self.line}: {self.text}"


class RegisterError(Exception):
    """The register cannot be read or imported.

    ``found`` holds the first `MAX_PROBLEMS` problems and ``total`` counts them all
    (a file of bad rows must not make a report larger than itself); ``problems`` is
    their English lines, ending with how many more there are if any were left out.
    """

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.found = tuple(problems[:MAX_PROBLEMS])
        self.total = max(total or 0, len(problems))
        self.more = self.total - len(self.found)
        self.problems = [str(p) for p in self.found]
        if self.more:
            self.problems.append(f"and {self.more} more problems ({self.total} in all)")
        super().__init__("\n".join(self.problems))


class RegisterFrozen(RegisterError):
    """The vote has opened: the register can no longer change."""

    def __init__(self, state: str) -> None:
        super().__init__([Problem(None, "frozen", f"the vote is {state}: the register is frozen",
                                  {"state": state})])  # fmt: skip
        self.state = state


class _Problems:
    """Collects problems: the first `MAX_PROBLEMS` kept, every one counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(problem)

    def error(self) -> RegisterError:
        return RegisterError(self.kept, self.total)


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One resident, as read from the file (with the letter-only fields)."""

    line: int
    number: RegisterNumber
    birth_date: datetime.date
    municipality: str
    district: str
    excluded: bool
    name: str = field(repr=False)
    street: str = field(repr=False)
    postal_code: str = field(repr=False)
    city: str = field(repr=False)
    language: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterFile:
    rows: tuple[RegisterRow, ...]
    sha256: str


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_BELGIAN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
EARLIEST_BIRTH = datetime.date(1890, 1, 1)
_NOT_TEXT = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
"""Unicode categories no register field holds: control characters (NUL, tab, line
breaks, DEL, C1), invisible format characters (bidirectional overrides, zero-width
spaces), private-use and surrogate code points, and line or paragraph separators.
A letter would print them, or be made to show something other than what was stored."""


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(c) in _NOT_TEXT for c in text)


class _Bad(ValueError):
    """A field's problem, before its line is known."""

    def __init__(self, kind: str, text: str, facts: Mapping[str, str | int] | None = None) -> None:
        super().__init__(text)
        self.kind, self.text, self.facts = kind, text, dict(facts or {})


def _parse_date(text: str, reference_date: datetime.date) -> datetime.date:
    text = text.strip()
    try:
        if match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := _BELGIAN_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
        else:
            raise ValueError
        date = datetime.date(year, month, day)
    except ValueError as exc:
        raise _Bad("birth_date_format",
                   "the birth date is not a date (YYYY-MM-DD or DD/MM/YYYY)") from exc  # fmt: skip
    if not EARLIEST_BIRTH <= date <= reference_date:
        raise _Bad(
            "birth_date_implausible",
            f"the birth date is not plausible (before {EARLIEST_BIRTH.year} or after the "
            "reference date)",
            {"earliest": EARLIEST_BIRTH.year},
        )
    return date


def _number_problem(text: str, exc: InvalidRegisterNumber) -> _Bad:
    """What is wrong with a register number, by kind (the number itself is not quoted)."""
    from stdnum.exceptions import InvalidChecksum

    digits = "".join(c for c in text if c not in " .-/")
    facts: dict[str, str | int] = {}
    if not digits:
        kind = "number_missing"
    elif not digits.isdigit():
        kind = "number_not_digits"
    elif len(digits) != 11:
        kind, facts = "number_length", {"digits": len(digits)}
    elif isinstance(exc.__cause__, InvalidChecksum):
        kind = "number_check_digits"
    else:
        kind = "number_invalid"
    return _Bad(kind, f"register number: {exc.reason}", facts)


def _check_row(
    line: int, raw: dict[str, str], reference_date: datetime.date
) -> tuple[RegisterRow | None, RegisterNumber | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(kind: str, text: str, **facts: str | int) -> None:
        problems.append(Problem(line, kind, text, facts))

    for column, value in raw.items():
        if len(value) > MAX_FIELD:
            bad("too_long", f"{column} is longer than {MAX_FIELD} characters",
                column=column, limit=MAX_FIELD)  # fmt: skip
        if _has_control_character(value):
            bad("control_character", f"{column} holds a control or invisible character",
                column=column)  # fmt: skip
    number: RegisterNumber | None = None
    try:
        number = parse(raw["register_number"])
    except InvalidRegisterNumber as exc:
        found = _number_problem(raw["register_number"], exc)
        bad(found.kind, found.text, **found.facts)
    birth: datetime.date | None = None
    try:
        birth = _parse_date(raw["birth_date"], reference_date)
    except _Bad as exc:
        bad(exc.kind, exc.text, **exc.facts)
    if number is not None and birth is not None and not number.agrees_with(birth):
        bad("birth_date_disagrees", "the birth date does not agree with the register number")
    nis = raw["municipality"].strip()
    if municipality(nis, reference_date) is None:
        shown = repr(nis) if _NIS_LIKE.match(nis) else "(not 5 digits)"
        bad("municipality",
            f"municipality {shown} is not a Belgian NIS code in force on {reference_date}",
            code=nis if _NIS_LIKE.match(nis) else "", day=reference_date.isoformat())  # fmt: skip
    district = raw["district"].strip()
    if not district or len(district) > 64:
        bad("district", "the district is empty or longer than 64 characters", limit=64)
    for column in ("name", "street", "city"):
        if not raw[column].strip():
            bad("empty", f"{column} is empty (needed for the poll-card letter)", column=column)
    postal = raw["postal_code"].strip()
    if not (postal.isdigit() and len(postal) == 4):
        bad("postal_code", "the postal code is not 4 digits")
    excluded_text = raw.get("excluded", "").strip().lower()
    if excluded_text not in _TRUE | _FALSE:
        bad("excluded", "excluded must be empty, 0/1, yes/no")
    language = raw.get("language", "").strip().lower() or None
    if language not in (None, "nl", "fr", "en"):
        bad("language", "language must be nl, fr or en (or empty)")
    if problems or number is None or birth is None:
        return None, number, problems
    return (
        RegisterRow(
            line=line,
            number=number,
            birth_date=birth,
            municipality=nis,
            district=district,
            excluded=excluded_text in _TRUE,
            name=raw["name"].strip(),
            street=raw["street"].strip(),
            postal_code=postal,
            city=raw["city"].strip(),
            language=language,
        ),
        number,
        [],
    )


def read_register(data: bytes, reference_date: datetime.date) -> RegisterFile:
    """Check every row; raise `RegisterError` listing the bad ones (the first
    `MAX_PROBLEMS`, and how many in all), or return them all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = {"byte": exc.start}
        problem = Problem(None, "not_utf8", f"the file is not UTF-8 text (byte {exc.start})", where)
        raise RegisterError([problem]) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise RegisterError([Problem(None, "empty_file", "the file is empty")]) from None
    except csv.Error as exc:
        raise RegisterError([Problem(1, "csv", f"not valid CSV ({exc})")]) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [  # by position: a header cell may be personal data (a missing header row)
        position
        for position, c in enumerate(header, start=1)
        if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    ]
    duplicated = sorted(c for c, n in Counter(header).items() if n > 1)  # linear: any header
    if missing or unknown or duplicated:
        raise RegisterError(
            [Problem(1, "missing_column", f"missing column {c}", {"column": c}) for c in missing]
            + [
                Problem(
                    1,
                    "unknown_column",
                    f"column {p} (is the header row missing or misspelt?) has an unknown name",
                    {"position": p},
                )
                for p in unknown
            ]
            + [
                Problem(1, "duplicate_column", f"column {c} appears twice", {"column": c})
                for c in duplicated
            ]
        )
    problems = _Problems()
    rows: list[RegisterRow] = []
    first_seen: dict[str, int] = {}
    ended = reader.line_num  # the line the previous record ended on
    try:
        for fields in reader:
            line, ended = ended + 1, reader.line_num  # where this record starts
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) != len(header):
                problems.add(Problem(line, "field_count",
                                     f"{len(fields)} fields, the header has {len(header)}",
                                     {"fields": len(fields), "header": len(header)}))  # fmt: skip
                continue
            row, number, row_problems = _check_row(
                line, dict(zip(header, fields, strict=True)), reference_date
            )
            for problem in row_problems:
                problems.add(problem)
            if number is not None:
                earlier = first_seen.setdefault(number.digits, line)
                if earlier != line:
                    problems.add(Problem(line, "duplicate_number",
                                         f"the same register number as line {earlier}",
                                         {"earlier": earlier}))  # fmt: skip
            if row is not None and not problems.total:
                rows.append(row)  # once a row is bad, nothing is imported: keep no more
    except csv.Error as exc:
        problems.add(Problem(reader.line_num, "csv", f"not valid CSV ({exc})"))
    if problems.total:
        raise problems.error()
    if not rows:
        raise RegisterError([Problem(None, "no_residents", "the file has no residents")])
    return RegisterFile(tuple(rows), hashlib.sha256(data).hexdigest())


def read_register_file(path: Path, reference_date: datetime.date) -> RegisterFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RegisterError(
            [Problem(None, "unreadable", f"cannot read {path}: {exc.strerror}")]
        ) from exc
    return read_register(data, reference_date)


def number_hasher(keys: DeploymentKeys, election_id: str) -> Callable[[RegisterNumber], str]:
    """The keyed hash that stands for a register number in this election's register."""
    hash_bytes = keys.hasher("register-hmac")
    prefix = election_id.encode("ascii") + b"\x00"
    return lambda number: hash_bytes(prefix + number.digits.encode("ascii"))


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    added: int
    removed: int
    changed: int
    unchanged: int


def import_register(
    session: Session,
    election_id: str,
    register: RegisterFile,
    keys: DeploymentKeys,
    now: datetime.datetime,
) -> ImportSummary:
    """Replace the election's register with ``register`` (inside the caller's transaction).

    The election's row stays locked until the transaction ends, so the vote cannot
    open half-way through. Poll-card codes of residents who stay are kept.
    """
    election = get_election(session, election_id, lock=True)
    if election.state != "draft":
        raise RegisterFrozen(election.state)
    hash_of = number_hasher(keys, election_id)
    incoming = {
        hash_of(r.number): (r.birth_date, r.municipality, r.district, r.excluded)
        for r in register.rows
    }
    v = schema.voters
    existing = {
        row.number_hash: (row.birth_date, row.municipality, row.district, row.excluded)
        for row in session.execute(
            select(
                v.c.number_hash, v.c.birth_date, v.c.municipality, v.c.district, v.c.excluded
            ).where(v.c.election_id == election_id)
        )
    }
    added = [h for h in incoming if h not in existing]
    removed = [h for h in existing if h not in incoming]
    changed = [h for h in incoming if h in existing and incoming[h] != existing[h]]
    if removed:
        session.execute(
            delete(v).where(v.c.election_id == election_id, v.c.number_hash.in_(removed))
        )
    for h in changed:
        birth, nis, district, excluded = incoming[h]
        session.execute(
            update(v)
            .where(v.c.election_id == election_id, v.c.number_hash == h)
            .values(birth_date=birth, municipality=nis, district=district, excluded=excluded)
        )
    if added:
        session.execute(
            insert(v),
            [
                {
                    "election_id": election_id,
                    "number_hash": h,
                    "birth_date": incoming[h][0],
                    "municipality": incoming[h][1],
                    "district": incoming[h][2],
                    "excluded": incoming[h][3],
                }
                for h in added
            ],
        )
    session.execute(
        insert(schema.register_imports).values(
            election_id=election_id,
            imported_at=now,
            file_sha256=register.sha256,
            rows=len(register.rows),
            added=len(added),
            removed=len(removed),
            changed=len(changed),
        )
    )
    return ImportSummary(
        rows=len(register.rows),
        added=len(added),
        removed=len(removed),
        changed=len(changed),
        unchanged=len(incoming) - len(added) - len(changed),
    )
