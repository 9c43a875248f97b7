"""A process's audit log: every official's, moderator's and evaluator's action, hash-chained.

It mirrors the election's audit log (audit/log.py) without importing it. Entry n
is the canonical JSON

    {"process": id, "seq": n, "previous": hash of entry n − 1,
     "time": "2026-03-01T09:00:00Z", "actor": "...", "action": "...", "details": {...}}

and its hash is the SHA-256 of that form; the first entry's ``previous`` is
``SHA-256(canonical_json({"format": "EVOTING-V1-process-log", "process": id}))``.
``actor`` is an official's username, ``resident:<id>`` or ``system``.

Appending locks the process's row, so entries never interleave and ``seq`` has no
gaps. The chain makes the log append-only in effect: `verify_log` finds any entry
altered, removed or reordered before the last one, and a published head hash
(`verify_log`'s answer, e.g. on the process page or in its PDF summary) pins the
end too. Entries are not signed: the platform keeps no keys of its own.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.crypto.canonical import JSONValue, canonical_json
from participation.errors import LogTampered, NotFound

FORMAT = "EVOTING-V1-process-log"
SYSTEM = "system"


def resident_actor(resident_id: int) -> str:
    return f"resident:{resident_id}"


def genesis(process_id: str) -> str:
    return hashlib.sha256(canonical_json({"format": FORMAT, "process": process_id})).hexdigest()


def _time(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    time: str
    actor: str
    action: str
    details: dict[str, Any]
    entry_hash: str


def append(
    session: Session,
    process_id: str,
    actor: str,
    action: str,
    details: Mapping[str, JSONValue],
    now: datetime.datetime,
) -> LogEntry:
    """Append one entry in the caller's transaction (the process's row is locked)."""
    found = session.execute(
        select(ps.processes.c.id).where(ps.processes.c.id == process_id).with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound("process", process_id)
    log = ps.process_log
    last = session.execute(
        select(log.c.seq, log.c.entry_hash)
        .where(log.c.process_id == process_id)
        .order_by(log.c.seq.desc())
        .limit(1)
    ).one_or_none()
    seq, previous = (1, genesis(process_id)) if last is None else (last.seq + 1, last.entry_hash)
    entry = {"process": process_id, "seq": seq, "previous": previous, "time": _time(now),
             "actor": actor, "action": action, "details": dict(details)}  # fmt: skip
    text = canonical_json(entry)
    digest = hashlib.sha256(text).hexdigest()
    session.execute(insert(log).values(
        process_id=process_id, seq=seq, at=now, actor=actor, action=action,
        entry=text.decode("utf-8"), entry_hash=digest))  # fmt: skip
    return LogEntry(seq, _time(now), actor, action, json.loads(text)["details"], digest)


def entries(session: Session, process_id: str) -> list[LogEntry]:
    """The log in order (not checked: see `verify_log`)."""
    log = ps.process_log
    rows = session.execute(
        select(log.c.seq, log.c.entry, log.c.entry_hash)
        .where(log.c.process_id == process_id)
        .order_by(log.c.seq)
    )
    out = []
    for row in rows:
        body = json.loads(row.entry)
        out.append(LogEntry(row.seq, body["time"], body["actor"], body["action"],
                            body["details"], row.entry_hash))  # fmt: skip
    return out


def head(session: Session, process_id: str) -> tuple[int, str]:
    """The number of entries and the newest entry's hash (the genesis hash for an empty
    log), unchecked: published on the process page, so that anyone who keeps it can later
    see that no entry was cut from the end (`verify_log` checks the chain up to it)."""
    log = ps.process_log
    row = session.execute(
        select(log.c.seq, log.c.entry_hash)
        .where(log.c.process_id == process_id)
        .order_by(log.c.seq.desc())
        .limit(1)
    ).first()
    return (0, genesis(process_id)) if row is None else (row.seq, row.entry_hash)


def verify_log(session: Session, process_id: str) -> str:
    """Check the whole chain and that each row's columns say what its entry says;
    return the head hash (the genesis hash for an empty log). Raises `LogTampered`."""
    log = ps.process_log
    rows = session.execute(
        select(log).where(log.c.process_id == process_id).order_by(log.c.seq)
    ).all()
    previous = genesis(process_id)
    for expected, row in enumerate(rows, start=1):
        if row.seq != expected:
            raise LogTampered(process_id, expected, "missing")
        text = row.entry.encode("utf-8")
        try:
            body = json.loads(text)
            canonical = canonical_json(body) == text
        except ValueError:
            raise LogTampered(process_id, expected, "not JSON") from None
        if not canonical or not isinstance(body, dict):
            raise LogTampered(process_id, expected, "not in canonical form")
        if hashlib.sha256(text).hexdigest() != row.entry_hash:
            raise LogTampered(process_id, expected, "its hash does not match its content")
        if body.get("previous") != previous:
            raise LogTampered(process_id, expected, "it does not follow the entry before it")
        facts = (body.get("process"), body.get("seq"), body.get("actor"), body.get("action"),
                 body.get("time"))  # fmt: skip
        if facts != (process_id, row.seq, row.actor, row.action, _time(row.at)):
            raise LogTampered(process_id, expected, "its columns disagree with its entry")
        previous = row.entry_hash
    return previous
