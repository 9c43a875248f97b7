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
from collections.abc import Callable, Sequence
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


class RegisterError(Exception):
    """The register cannot be read or imported; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class RegisterFrozen(RegisterError):
    """The vote has opened: the register can no longer change."""


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
        raise ValueError("the birth date is not a date (YYYY-MM-DD or DD/MM/YYYY)") from exc
    if not EARLIEST_BIRTH <= date <= reference_date:
        raise ValueError(
            f"the birth date is not plausible (before {EARLIEST_BIRTH.year} or after the "
            "reference date)"
        )
    return date


def _check_row(
    line: int, raw: dict[str, str], reference_date: datetime.date
) -> tuple[RegisterRow | None, RegisterNumber | None, list[str]]:
    problems: list[str] = []

    def bad(reason: str) -> None:
        problems.append(f"line {line}: {reason}")

    for column, value in raw.items():
        if len(value) > MAX_FIELD:
            bad(f"{column} is longer than {MAX_FIELD} characters")
    number: RegisterNumber | None = None
    try:
        number = parse(raw["register_number"])
    except InvalidRegisterNumber as exc:
        bad(f"register number: {exc.reason}")
    birth: datetime.date | None = None
    try:
        birth = _parse_date(raw["birth_date"], reference_date)
    except ValueError as exc:
        bad(str(exc))
    if number is not None and birth is not None and not number.agrees_with(birth):
        bad("the birth date does not agree with the register number")
    nis = raw["municipality"].strip()
    if municipality(nis, reference_date) is None:
        shown = repr(nis) if _NIS_LIKE.match(nis) else "(not 5 digits)"
        bad(f"municipality {shown} is not a Belgian NIS code in force on {reference_date}")
    district = raw["district"].strip()
    if not district or len(district) > 64:
        bad("the district is empty or longer than 64 characters")
    for column in ("name", "street", "city"):
        if not raw[column].strip():
            bad(f"{column} is empty (needed for the poll-card letter)")
    postal = raw["postal_code"].strip()
    if not (postal.isdigit() and len(postal) == 4):
        bad("the postal code is not 4 digits")
    excluded_text = raw.get("excluded", "").strip().lower()
    if excluded_text not in _TRUE | _FALSE:
        bad("excluded must be empty, 0/1, yes/no")
    language = raw.get("language", "").strip().lower() or None
    if language not in (None, "nl", "fr", "en"):
        bad("language must be nl, fr or en (or empty)")
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
    """Check every row; raise `RegisterError` listing every bad one, or return them all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegisterError([f"the file is not UTF-8 text (byte {exc.start})"]) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise RegisterError(["the file is empty"]) from None
    except csv.Error as exc:
        raise RegisterError([f"line 1: not valid CSV ({exc})"]) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [  # by position: a header cell may be personal data (a missing header row)
        f"{position} (is the header row missing or misspelt?)"
        for position, c in enumerate(header, start=1)
        if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    ]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or duplicated:
        raise RegisterError(
            [f"line 1: missing column {c}" for c in missing]
            + [f"line 1: column {c} has an unknown name" for c in unknown]
            + [f"line 1: column {c} appears twice" for c in duplicated]
        )
    problems: list[str] = []
    rows: list[RegisterRow] = []
    first_seen: dict[str, int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) != len(header):
                problems.append(f"line {line}: {len(fields)} fields, the header has {len(header)}")
                continue
            row, number, row_problems = _check_row(
                line, dict(zip(header, fields, strict=True)), reference_date
            )
            problems += row_problems
            if number is not None:
                earlier = first_seen.setdefault(number.digits, line)
                if earlier != line:
                    problems.append(f"line {line}: the same register number as line {earlier}")
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV ({exc})")
    if problems:
        raise RegisterError(problems)
    if not rows:
        raise RegisterError(["the file has no residents"])
    return RegisterFile(tuple(rows), hashlib.sha256(data).hexdigest())


def read_register_file(path: Path, reference_date: datetime.date) -> RegisterFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RegisterError([f"cannot read {path}: {exc.strerror}"]) from exc
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
        raise RegisterFrozen([f"the vote is {election.state}: the register is frozen"])
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
