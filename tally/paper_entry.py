"""Entering paper boxes: two different officials, the second blind to the first.

The rules (DESIGN.md, protocol step 6; the statement each signs is tally/paper.py's):

* a box is entered once the vote is closed and before the tally;
* the first official's entry waits, unseen (the audit log records that it was
  made and by whom, never its numbers nor a hash of them: a hash of a few small
  counts is undone by trying them all);
* a second, different official enters the box again: equal numbers confirm it,
  with both signatures; different numbers are refused and logged, and the waiting
  entry is withdrawn with them: both count again and the box is entered anew, so
  that a second official cannot try numbers until one matches;
* together the boxes never hold more ballots than residents marked for paper;
* a confirmed box cannot change.

Entries for one election are serialised on the election's row lock, so two
officials entering the same box at once cannot both be "first", nor both confirm.
Every change is logged through ``log(session, action, details)`` in the
transaction that makes it (the caller writes the audit log: audit/actions.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import nacl.signing
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto.canonical import JSONValue, canonical_json, parse_canonical
from evoting.elections import ElectionError, get_election
from tally.paper import OFFICIAL_KEY_ACTION, sign_box, statement, totals_of
from tally.result import PaperError, check_paper

Log = Callable[[Session, str, Mapping[str, JSONValue]], object]


class PaperEntryRefused(Exception):
    """An entry that is not taken; ``box`` names the box (subclasses say why)."""

    def __init__(self, box: str, message: str) -> None:
        super().__init__(message)
        self.box = box


class SameOfficial(PaperEntryRefused):
    def __init__(self, box: str) -> None:
        super().__init__(box, f"box {box!r}: a second, different official must enter it")


class Mismatch(PaperEntryRefused):
    def __init__(self, box: str) -> None:
        super().__init__(box, f"box {box!r}: these totals differ from the first entry; both "
                              "are withdrawn: count the box again and enter it anew (the "
                              "mismatch is logged)")  # fmt: skip


class AlreadyConfirmed(PaperEntryRefused):
    def __init__(self, box: str) -> None:
        super().__init__(box, f"box {box!r} is confirmed by two officials: it cannot change")


class NothingWaiting(PaperEntryRefused):
    def __init__(self, box: str) -> None:
        super().__init__(box, f"box {box!r} has no entry waiting for a second official")


class TooManyPaperBallots(PaperEntryRefused):
    def __init__(self, box: str, total: int, voters: int) -> None:
        super().__init__(box, f"the paper boxes would hold {total} ballots, but only {voters} "
                              "residents were marked as voting on paper")  # fmt: skip
        self.total, self.voters = total, voters


class BoxWaiting(PaperError):
    """The tally needs every box entered twice; this one waits for its second official."""

    def __init__(self, box: str) -> None:
        super().__init__(f"box {box!r} was entered by one official only: a second official "
                         "must enter it before the tally")  # fmt: skip
        self.box = box


@dataclass(frozen=True, slots=True)
class Entered:
    box: str
    confirmed: bool  # False: waiting for a second official


def paper_voters(session: Session, election_id: str) -> int:
    """Residents marked for paper in the register (identity/issuance.py marks them)."""
    v = schema.voters
    return int(session.execute(
        select(func.count()).where(v.c.election_id == election_id,
                                   v.c.paper_voted_on.is_not(None))).scalar_one())  # fmt: skip


def _rows(session: Session, election_id: str, box: str | None = None) -> list[Any]:
    p = schema.paper_entries
    query = select(p).where(p.c.election_id == election_id)
    if box is not None:
        query = query.where(p.c.box == box)
    return list(session.execute(query.order_by(p.c.box, p.c.seq)).all())


def _confirmed_ballots(rows: list[Any]) -> int:
    return sum(int(parse_canonical(r.statement.encode())["ballots"]) for r in rows if r.seq == 2)


def enter_box(
    session: Session,
    election_id: str,
    box: Mapping[str, object],
    official: str,
    key: nacl.signing.SigningKey,
    log: Log,
) -> Entered:
    """One official's entry of one box (in the caller's transaction); raises
    `PaperEntryRefused` or `PaperError`. A `Mismatch` is logged before it is raised:
    the caller commits and then reports it (see `audit.actions.enter_paper_box`)."""
    election = get_election(session, election_id, lock=True)
    if election.state != "closed":
        raise ElectionError(f"election {election_id!r} is {election.state}: paper boxes are "
                            "entered once the vote is closed and before the tally")  # fmt: skip
    totals = totals_of(check_paper(election.manifest, [box])[0])
    name = str(totals["box"])
    signed = canonical_json(statement(election.fingerprint, totals)).decode()
    existing = _rows(session, election_id, name)
    if len(existing) >= 2:
        raise AlreadyConfirmed(name)
    if existing and existing[0].official == official:
        raise SameOfficial(name)
    if existing and existing[0].statement != signed:
        p = schema.paper_entries
        session.execute(delete(p).where(p.c.election_id == election_id, p.c.box == name))
        log(session, "paper-box-mismatch", {"box": name, "by": official,
                                            "entered_by": existing[0].official})  # fmt: skip
        raise Mismatch(name)
    everything = _rows(session, election_id)
    voters = paper_voters(session, election_id)
    total = _confirmed_ballots(everything) + int(totals["ballots"])
    if total > voters:
        raise TooManyPaperBallots(name, total, voters)
    signature = sign_box(key, official, election.fingerprint, totals)
    if not any(r.official == official and r.key == signature["key"] for r in everything):
        log(session, OFFICIAL_KEY_ACTION, {"official": official, "key": signature["key"]})
    seq = len(existing) + 1
    session.execute(insert(schema.paper_entries).values(
        election_id=election_id, box=name, seq=seq, official=official, statement=signed,
        key=signature["key"], signature=signature["signature"]))  # fmt: skip
    if seq == 1:
        log(session, "paper-box-entered", {"box": name, "by": official})
        return Entered(name, False)
    digest = hashlib.sha256(signed.encode()).hexdigest()  # public now: the box is confirmed
    log(session, "paper-box-confirmed", {"box": name, "by": [existing[0].official, official],
                                         "ballots": totals["ballots"],
                                         "statement_sha256": digest})  # fmt: skip
    return Entered(name, True)


def discard_waiting(session: Session, election_id: str, box: str, official: str, log: Log) -> None:
    """Withdraw a box's first entry, while no second official has confirmed it."""
    election = get_election(session, election_id, lock=True)
    if election.state != "closed":
        raise ElectionError(f"election {election_id!r} is {election.state}: the paper boxes "
                            "are fixed")  # fmt: skip
    rows = _rows(session, election_id, box)
    if len(rows) >= 2:
        raise AlreadyConfirmed(box)
    if not rows:
        raise NothingWaiting(box)
    p = schema.paper_entries
    session.execute(delete(p).where(p.c.election_id == election_id, p.c.box == box))
    log(
        session, "paper-box-discarded", {"box": box, "by": official, "entered_by": rows[0].official}
    )


@dataclass(frozen=True, slots=True)
class BoxStatus:
    box: str
    entered_by: tuple[str, ...]
    totals: dict[str, Any] | None  # shown once confirmed only

    @property
    def confirmed(self) -> bool:
        return self.totals is not None


def status(session: Session, election_id: str) -> list[BoxStatus]:
    """Every box entered so far: who entered it, and its totals once confirmed."""
    by_box: dict[str, list[Any]] = {}
    for row in _rows(session, election_id):
        by_box.setdefault(row.box, []).append(row)
    out = []
    for box, rows in by_box.items():
        totals = None
        if len(rows) == 2:
            body = parse_canonical(rows[1].statement.encode())
            totals = {"box": box, "ballots": body["ballots"], "contests": body["contests"]}
        out.append(BoxStatus(box, tuple(r.official for r in rows), totals))
    return out


def confirmed_boxes(session: Session, election_id: str) -> list[dict[str, object]]:
    """paper.json: every box, confirmed by two officials, with both signatures.

    Raises `PaperError` if a box waits for its second official: the tally needs
    every box counted twice."""
    boxes: list[dict[str, object]] = []
    waiting = []
    for entry in status(session, election_id):
        if entry.totals is None:
            waiting.append(entry.box)
            continue
        signatures = [{"official": r.official, "key": r.key, "signature": r.signature}
                      for r in _rows(session, election_id, entry.box)]  # fmt: skip
        boxes.append({**entry.totals, "signatures": signatures})
    if waiting:
        raise BoxWaiting(waiting[0])
    return boxes
