"""Turnout by age band and by district: the registrar's figures, as tables for a page.

The figures are the registrar's (identity/issuance.py `issuance_report`, with small
cells suppressed by evoting/turnout.py): per cell the eligible residents and those
who took part (took a voting key or voted on paper), or ``null`` where the cell is
hidden so that nobody is singled out. Once tallied they are the bundle's
``credentials.json``, which the results page reads from the bundle the officials
made (signed or waiting for the authority's signature), as the report does. Without
a bundle here (an election tallied from the command line, or the officials' page
during the vote) they are counted from the database; once the vote has closed they
can no longer change, so that count is made once per election and kept.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from audit.report_text import integer, percent, share
from evoting.elections import Election
from web import i18n
from web.extensions import services

TABLES = ("turnout_by_age_band", "turnout_by_district")
MEMBER_LIMIT = 4 << 20  # credentials.json's limit in the verifier (audit/reader.py)
_FROZEN: dict[tuple[str, str], dict[str, Any]] = {}
"""Figures of elections whose vote has closed, by (instance directory, election id)."""


def _from_bundle(election_id: str) -> dict[str, Any] | None:
    directory = services().published / election_id
    for name in ("bundle.zip", "unsigned.zip"):
        path = directory / name
        if not path.is_file():
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo("credentials.json")
                if info.file_size > MEMBER_LIMIT:
                    return None
                found = json.loads(archive.read(info))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        return found if isinstance(found, dict) else None
    return None


def _from_database(election: Election) -> dict[str, Any] | None:
    from evoting.elections import ElectionError
    from identity.issuance import issuance_report
    from identity.providers import IdentityError

    s = services()
    key = (str(s.instance), election.id)
    if key in _FROZEN:
        return _FROZEN[key]
    try:
        figures = issuance_report(s.factory, election.id, s.keys).to_json()
    except (ElectionError, IdentityError):
        return None
    figures.pop("credential_public_key", None)
    if election.state not in ("draft", "open"):  # no key is issued, no paper marked any more
        _FROZEN[key] = figures
    return figures


def registrar_figures(election: Election) -> dict[str, Any] | None:
    """``credentials.json`` of the election's bundle, else the registrar's count now."""
    if election.state in ("tallied", "published"):
        found = _from_bundle(election.id)
        if found is not None:
            return found
    return _from_database(election)


@dataclass(frozen=True)
class Line:
    label: str
    eligible: str
    took_part: str
    share: str
    hidden: bool


@dataclass(frozen=True)
class Table:
    id: str
    caption: str
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Turnout:
    tables: tuple[Table, ...]
    total: Line
    min_cell: int
    any_hidden: bool


BAND = re.compile(r"(\d+)-(\d+)")
OPEN_BAND = re.compile(r"(\d+)\+")


def _band_name(key: str) -> str:
    if found := BAND.fullmatch(key):
        return str(_("%(low)s to %(high)s years", low=found.group(1), high=found.group(2)))
    if found := OPEN_BAND.fullmatch(key):
        return str(_("%(low)s years and over", low=found.group(1)))
    return key


def _band_order(key: str) -> tuple[int, str]:
    found = re.match(r"\d+", key)
    return (int(found.group()) if found else 10_000, key)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _line(label: str, cell: object) -> Line:
    lang = i18n.current()
    hidden = _("hidden")
    if not isinstance(cell, Mapping):
        return Line(label, hidden, hidden, hidden, True)
    eligible, took = _count(cell.get("eligible")), _count(cell.get("took_part"))
    if eligible is None or took is None:
        return Line(label, hidden, hidden, hidden, True)
    ratio = share(took, eligible)
    return Line(label, integer(eligible, lang), integer(took, lang),
                percent(ratio, lang) if ratio is not None else "–", False)  # fmt: skip


def turnout(figures: Mapping[str, Any] | None) -> Turnout | None:
    """The two tables (age band, district) and the total, in the page's language; None if
    the registrar's figures give neither table."""
    if not figures:
        return None
    tables = []
    for name in TABLES:
        cells = figures.get(name)
        if not isinstance(cells, Mapping) or not cells:
            continue
        if name == "turnout_by_age_band":
            keys = sorted(cells, key=_band_order)
            table = Table("turnout-age", _("Turnout by age band"), _("Age"),
                          tuple(_line(_band_name(k), cells[k]) for k in keys))  # fmt: skip
        else:
            table = Table("turnout-district", _("Turnout by district"), _("District"),
                          tuple(_line(str(k), cells[k]) for k in sorted(cells)))  # fmt: skip
        tables.append(table)
    if not tables:
        return None
    eligible = _count(figures.get("eligible"))
    issued, paper = _count(figures.get("credentials_issued")), _count(figures.get("paper_votes"))
    took = issued + paper if issued is not None and paper is not None else None
    total = _line(_("All eligible residents"), {"eligible": eligible, "took_part": took})
    min_cell = _count(figures.get("min_cell")) or 10
    hidden = any(line.hidden for table in tables for line in table.lines)
    return Turnout(tuple(tables), total, min_cell, hidden)
