"""Gather a tallied election's bundle members from the database (audit/bundle.py writes them).

The registrar's figures (credentials issued, eligible residents) come from the
caller, since `audit` does not import `identity` (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.bundle import Member, json_member, lines_member
from audit.store import entries as audit_entries
from ballots.board import entries as board_entries
from evoting import schema
from evoting.crypto.canonical import JSONValue, b64encode, canonical_json
from evoting.elections import election_public_key, get_election, sealed_public_key
from tally.officials import ceremony_record
from tally.service import tally_record


def _keys(session: Session, election_id: str) -> dict[str, JSONValue]:
    return {
        "election": b64encode(election_public_key(session, election_id).to_bytes()),
        "credential": b64encode(sealed_public_key(session, election_id, "credential")),
        "board": b64encode(sealed_public_key(session, election_id, "board")),
        "operator": b64encode(sealed_public_key(session, election_id, "operator")),
    }


def _board(factory: Callable[[], Session], election_id: str) -> Callable[[], Iterator[str]]:
    def board() -> Iterator[str]:
        with factory() as session:
            for entry in board_entries(session, election_id):
                yield canonical_json(entry.to_json()).decode("utf-8")

    return board


def board_package_contents(factory: Callable[[], Session], election_id: str) -> dict[str, Member]:
    """The closed board for the trustees (audit.bundle.BOARD_PACKAGE): a bundle without
    results, once the vote is closed and added up."""
    with factory() as session:
        election = get_election(session, election_id)
        if election.state in ("draft", "open"):
            raise ValueError(f"election {election_id!r} is {election.state}: close it first")
        record = tally_record(session, election_id)
        keys = _keys(session, election_id)
        trustees = ceremony_record(session, election_id)
    return {
        "manifest.json": json_member(election.manifest.to_json()),
        "keys.json": json_member(keys),
        "trustees.json": json_member(trustees),
        "board.jsonl": lines_member(_board(factory, election_id)),
        "board-head.json": json_member(record["request"]["final_head"]),
        "tally.json": json_member({"request": record["request"], "partials": []}),
    }


def bundle_contents(
    factory: Callable[[], Session], election_id: str, credentials: Mapping[str, Any]
) -> tuple[bytes, dict[str, Member]]:
    """The election's fingerprint and every member; the board is read when it is written."""
    with factory() as session:
        election = get_election(session, election_id)
        if election.state not in ("tallied", "published"):
            raise ValueError(f"election {election_id!r} is {election.state}: tally it first")
        record = tally_record(session, election_id)
        keys = _keys(session, election_id)
        trustees = ceremony_record(session, election_id)
        spoiled = list(
            session.execute(
                select(schema.spoiled_ballots.c.record)
                .where(schema.spoiled_ballots.c.election_id == election_id)
                .order_by(schema.spoiled_ballots.c.id)
            ).scalars()
        )
        log = audit_entries(session, election_id)

    contents: dict[str, Member] = {
        "manifest.json": json_member(election.manifest.to_json()),
        "keys.json": json_member(keys),
        "trustees.json": json_member(trustees),
        "credentials.json": json_member(dict(credentials)),
        "board.jsonl": lines_member(_board(factory, election_id)),
        "board-head.json": json_member(record["request"]["final_head"]),
        "spoiled.jsonl": lines_member(lambda: spoiled),
        "tally.json": json_member(
            {"request": record["request"], "partials": record["partials"] or []}
        ),
        "paper.json": json_member(record["paper"]),
        "result.json": json_member(record["result"]),
        "audit-log.jsonl": lines_member(lambda: log),
    }
    return election.fingerprint, contents
