"""The officials' side of the key ceremony: store and check what the trustees send.

The trustees' side and the checks themselves are in tally/ceremony.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.crypto.group import Point
from evoting.crypto.threshold import joint_public_key, verification_key
from evoting.elections import get_election, sealed_public_key, set_election_public_key
from tally.ceremony import (
    ACK,
    CeremonyError,
    KeyShare,
    RosterEntry,
    TrusteeKeys,
    _check_dealers,
    decode_share,
    encode_share,
    make_deal,
    params,
    read_deal,
    read_record,
    read_roster,
    receive,
)


def add_trustee(session: Session, election_id: str, record: object) -> RosterEntry:
    election = get_election(session, election_id)
    entry = read_record(record, election.fingerprint)
    params(election.manifest).check_index(entry.index)
    try:
        with session.begin_nested():
            session.execute(
                insert(schema.trustees).values(
                    election_id=election_id,
                    trustee=entry.index,
                    record=canonical_json(record).decode("utf-8"),
                )
            )
    except IntegrityError as exc:
        raise CeremonyError(f"trustee {entry.index} is already registered") from exc
    return entry


def roster(session: Session, election_id: str) -> list[RosterEntry]:
    election = get_election(session, election_id)
    records = session.execute(
        select(schema.trustees.c.record)
        .where(schema.trustees.c.election_id == election_id)
        .order_by(schema.trustees.c.trustee)
    ).scalars()
    return read_roster(election.manifest, [parse_canonical(r.encode()) for r in records])


def _store(session: Session, election_id: str, kind: str, trustee: int, document: object) -> None:
    table = schema.ceremony_messages
    session.execute(
        table.delete().where(
            table.c.election_id == election_id, table.c.kind == kind, table.c.trustee == trustee
        )
    )
    session.execute(
        insert(table).values(
            election_id=election_id,
            kind=kind,
            trustee=trustee,
            document=canonical_json(document).decode("utf-8"),
        )
    )


def collect_deal(session: Session, election_id: str, document: object) -> int:
    """Check a trustee's deal and keep it (a later deal from the same trustee replaces it)."""
    election = get_election(session, election_id)
    if election.state != "draft":
        raise CeremonyError(f"the election is {election.state}: its key is fixed")
    message = read_deal(document, election.manifest, roster(session, election_id))
    _store(session, election_id, "deal", message.dealer, document)
    return message.dealer


def documents(session: Session, election_id: str, kind: str) -> list[dict[str, Any]]:
    table = schema.ceremony_messages
    rows = session.execute(
        select(table.c.document)
        .where(table.c.election_id == election_id, table.c.kind == kind)
        .order_by(table.c.trustee)
    ).scalars()
    return [parse_canonical(r.encode()) for r in rows]


def finish(
    session: Session, election_id: str, acknowledgements: Sequence[object],
    exclude: Sequence[int] = (),
) -> Point:  # fmt: skip
    """Check every trustee's acknowledgement and set the election key."""
    election = get_election(session, election_id)
    manifest = election.manifest
    trustees = roster(session, election_id)
    deals = [read_deal(d, manifest, trustees) for d in documents(session, election_id, "deal")]
    qualified = [m for m in deals if m.dealer not in exclude]
    _check_dealers(manifest, qualified, exclude)
    key = joint_public_key(qualified)
    board_key = sealed_public_key(session, election_id, "board")
    problems: list[str] = []
    seen: set[int] = set()
    for document in acknowledgements:
        try:
            body, signer = signing.open_document(document, ACK)
            index = int(body["trustee"])
            if not 1 <= index <= len(trustees) or trustees[index - 1].verify_key != signer:
                raise CeremonyError("an acknowledgement not signed by its trustee")
            seen.add(index)
            for complaint in body["complaints"]:
                problems.append(f"trustee {index} complains: {complaint['reason']}")
            if body["complaints"]:
                continue
            if body["qualified"] != sorted(m.dealer for m in qualified):
                problems.append(f"trustee {index} received from other dealers")
            elif b64decode(body["public_key"]) != key.to_bytes():
                problems.append(f"trustee {index} computed another election key")
            elif b64decode(body["board_key"]) != board_key:
                problems.append(
                    f"trustee {index} acknowledged another board key than this election's"
                )
            elif (
                b64decode(body["verification_key"]) != verification_key(qualified, index).to_bytes()
            ):
                problems.append(f"trustee {index}'s verification key does not match")
            else:
                _store(session, election_id, "ack", index, document)
        except (KeyError, TypeError, ValueError, CryptoError, CanonicalEncodingError) as exc:
            problems.append(f"bad acknowledgement: {exc}")
    missing = sorted(set(range(1, len(trustees) + 1)) - seen)
    if missing:
        problems.append(f"no acknowledgement from trustees {missing}")
    if problems:
        raise CeremonyError("the ceremony cannot finish:\n" + "\n".join(problems))
    set_election_public_key(session, election_id, key)
    return key


def ceremony_record(session: Session, election_id: str) -> dict[str, object]:
    """What the result bundle publishes of the ceremony (trustees.json)."""
    return {
        "roster": [e.record for e in roster(session, election_id)],
        "deals": documents(session, election_id, "deal"),
        "acknowledgements": documents(session, election_id, "ack"),
    }


def run_in_process(session: Session, election_id: str, names: Sequence[str]) -> list[KeyShare]:
    """The whole ceremony with every trustee in this process (simulations and tests)."""
    return [decode_share(f) for f in share_files_in_process(session, election_id, names)]


def share_files_in_process(session: Session, election_id: str, names: Sequence[str]) -> list[bytes]:
    """As `run_in_process`, returning each trustee's key-share file content (the demo
    seals them in key files, as `evote trustee receive` does)."""
    manifest = get_election(session, election_id).manifest
    keys = [TrusteeKeys.generate(manifest, i, name) for i, name in enumerate(names, start=1)]
    for k in keys:
        add_trustee(session, election_id, k.public_record())
    trustees = roster(session, election_id)
    for k in keys:
        collect_deal(session, election_id, make_deal(k, manifest, trustees))
    deals = documents(session, election_id, "deal")
    board_key = sealed_public_key(session, election_id, "board")
    received = [receive(k, manifest, trustees, deals, board_key) for k in keys]
    finish(session, election_id, [r.acknowledgement for r in received])
    return [
        encode_share(k, r.share, r.acknowledgement)
        for k, r in zip(keys, received, strict=True)
        if r.share is not None
    ]
