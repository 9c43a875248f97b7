"""The officials' closing actions, each recorded in the audit log as it happens.

The command line, `evote simulate` and the web UI run the same code, so an
election leaves the same audit trail whichever way it was run. Each entry is
written in the transaction that makes the change it records.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.signing
from sqlalchemy.orm import Session

from audit.bundle import write_bundle, write_unsigned
from audit.export import bundle_contents
from audit.store import record
from ballots.chain import SignedHead
from evoting.accounts import authenticate, signing_key
from evoting.crypto.canonical import JSONValue, canonical_json
from evoting.deployment import DeploymentKeys
from evoting.elections import get_election
from tally.decrypt import request_id
from tally.paper_entry import Entered, Mismatch, discard_waiting, enter_box
from tally.service import close_vote, finish_tally


def canonical_sha256(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def close_election(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    now: datetime.datetime,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    early: bool = False,
    by: str | None = None,
    scheduler: str | None = None,
) -> dict[str, object]:
    """Close the vote and return the tally request (the ballots checked on the Dask
    cluster of ``scheduler``, if given); logs "closed" and "tally-requested"
    (with the official who closed it, ``by``, when known: the web UI's account).

    "closed" is written with the final head, so the closing is on record even if
    the board then fails its checks; "tally-requested" once every ballot is added.
    """

    def closed(session: Session, head: SignedHead) -> None:
        closes = get_election(session, election_id).manifest.window.closes
        details: dict[str, JSONValue] = {"final_head": head.entry_hash, "ballots": head.position,
                                         "early": now < closes}  # fmt: skip
        if by is not None:
            details["by"] = by
        record(session, election_id, "closed", details, keys, now)

    request = close_vote(
        factory, keys, election_id, now, workers=workers, progress=progress, early=early,
        on_closed=closed, scheduler=scheduler,
    )  # fmt: skip
    with factory() as session, session.begin():
        details = {"ballots": request["ballots"], "tally_request": request_id(request)}
        record(session, election_id, "tally-requested", details, keys, now)
    return request


@dataclass(frozen=True)
class Tallied:
    result: dict[str, object]
    bundle_sha256: str


def tally_election(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    partials: Sequence[object],
    registrar: Mapping[str, Any],
    authority: nacl.signing.SigningKey | None,
    out: Path,
    now: datetime.datetime,
    by: str | None = None,
    scheduler: str | None = None,
) -> Tallied:
    """Decrypt the totals, apply the rules, and write the signed result bundle to ``out``,
    or, without ``authority``, the unsigned bundle for the authority to sign on its own
    machine (`evote authority sign`, then audit.bundle.attach_signature).

    ``registrar`` is the registrar's issuance report (`identity.issuance_report`,
    without the credential key, which is in keys.json): the bundle's
    credentials.json, and the eligible count the turnout is taken over.
    Logs each partial decryption received and "tallied" (with the result's hash)
    in the transaction that stores the result, so the bundle carries them. The
    paper boxes are those two officials entered (`enter_paper_box`).
    """
    eligible = registrar.get("eligible")
    if not isinstance(eligible, int) or isinstance(eligible, bool):
        raise TypeError("the registrar's report gives no eligible count")

    def tallied(session: Session, result: dict[str, object]) -> None:
        for document in partials:
            body = document.get("body") if isinstance(document, dict) else None
            trustee = body.get("trustee") if isinstance(body, dict) else None
            received = {"trustee": trustee if isinstance(trustee, int) else None,
                        "document_sha256": canonical_sha256(document)}  # fmt: skip
            record(session, election_id, "partial-decryption-received", received, keys, now)
        details: dict[str, JSONValue] = {"result_sha256": canonical_sha256(result)}
        if by is not None:
            details["by"] = by
        record(session, election_id, "tallied", details, keys, now)

    result = finish_tally(factory, election_id, partials, eligible, on_tallied=tallied,
                          scheduler=scheduler)  # fmt: skip
    fingerprint, contents = bundle_contents(factory, election_id, registrar)
    if authority is None:
        return Tallied(result, write_unsigned(out, contents))
    return Tallied(result, write_bundle(out, fingerprint, contents, authority))


class NotAllowedToSign(Exception):
    """The username or password is not right, or the account may not run elections."""

    def __init__(self) -> None:
        super().__init__("the username or the password is not right (or the account may "
                         "not run elections)")  # fmt: skip


def _signer(
    factory: Callable[[], Session], keys: DeploymentKeys, username: str, password: str
) -> tuple[str, nacl.signing.SigningKey]:
    with factory() as session:
        official = authenticate(session, username, password)
    if official is None or not official.may("run"):
        raise NotAllowedToSign()
    return official.username, signing_key(keys, official.username, password)


def enter_paper_box(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    box: Mapping[str, object],
    username: str,
    password: str,
    now: datetime.datetime,
) -> Entered:
    """An official enters (and signs, with the key their password gives) one paper box's
    totals: tally/paper_entry.py's rules, each step in the audit log. A mismatch with
    the first entry is logged, then raised as `Mismatch`."""
    official, key = _signer(factory, keys, username, password)
    refused: Mismatch | None = None
    with factory() as session, session.begin():

        def log(s: Session, action: str, details: Mapping[str, JSONValue]) -> None:
            record(s, election_id, action, details, keys, now)

        try:
            return enter_box(session, election_id, box, official, key, log)
        except Mismatch as exc:
            refused = exc  # the logged mismatch is committed, then reported
    raise refused


def discard_paper_box(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    box: str,
    username: str,
    password: str,
    now: datetime.datetime,
) -> None:
    """Withdraw a box's first entry before a second official confirmed it (logged)."""
    official, _ = _signer(factory, keys, username, password)
    with factory() as session, session.begin():
        discard_waiting(session, election_id, box, official,
                        lambda s, action, details: record(s, election_id, action, details, keys,
                                                          now))  # fmt: skip
