"""The officials' tally: close the vote, add up the board, combine the trustees' shares.

`close_vote` freezes the board (a final signed head), checks and adds up every
ballot, and stores the **tally request** the trustees decrypt. `finish_tally`
checks their partial decryptions, decrypts the totals, adds the paper boxes and
applies the rules; the election becomes *tallied*.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ballots.board import entries, freeze, signed_head, spoiled_codes
from ballots.chain import SignedHead
from ballots.encoding import largest_selection
from evoting import schema
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest
from evoting.elections import (
    Election,
    ElectionError,
    change_state,
    checked_credential_public_key,
    election_public_key,
    get_election,
    sealed_public_key,
)
from tally import ceremony, officials
from tally.aggregate import Aggregate, Context, aggregate
from tally.board_ranges import database_ranges, reach, worker_url
from tally.closed_board import NotTheTotals, Pins, check_stored_request, check_stored_totals
from tally.cluster import Cluster, connect
from tally.decrypt import combine, read_request, tally_request
from tally.paper_entry import confirmed_boxes, paper_voters
from tally.result import build_result, check_paper


class EarlyClosing(ElectionError):
    """Closing before the manifest's closing time was not asked for explicitly."""

    def __init__(self, closes: datetime.datetime) -> None:
        super().__init__(
            f"the vote runs until {closes.isoformat()}: closing now cuts residents off "
            "(close early only if the authority decided so)"
        )
        self.closes = closes


class TallyError(Exception):
    """The tally cannot go on; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def close_vote(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    now: datetime.datetime,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    early: bool = False,
    on_closed: Callable[[Session, SignedHead], None] | None = None,
    scheduler: str | None = None,
) -> dict[str, object]:
    """Close, freeze the board, check and add up every ballot; returns the tally request.

    Before the manifest's closing time this cuts residents off, so it is refused
    unless ``early`` (an official's explicit decision, which the audit log records).
    ``on_closed(session, final_head)`` runs in the closing transaction (the caller's
    audit entry), so the closing is on record even if the board then fails its checks.
    With a Dask ``scheduler``, the ballots are checked on its cluster, whose workers
    read the board from this database (tally/cluster.py); it is reached before the
    vote is closed (`ClusterError` if it cannot be).

    A close that stopped after the board was frozen (a crash, a cluster lost on the
    way: `ClusterError`) is taken up again by closing again: the frozen board is
    checked and added up, without a second closing.
    """
    with contextlib.ExitStack() as stack:
        cluster = None if scheduler is None else stack.enter_context(connect(scheduler))
        if cluster is not None:  # every worker reaches the database before the vote closes
            with factory() as session:
                url = worker_url(session)
            cluster.everywhere(reach, url)
        return _close(factory, keys, election_id, now, workers, progress, early, on_closed,
                      cluster)  # fmt: skip


def _close(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    now: datetime.datetime,
    workers: int | None,
    progress: Callable[[int], None] | None,
    early: bool,
    on_closed: Callable[[Session, SignedHead], None] | None,
    cluster: Cluster | None,
) -> dict[str, object]:
    with factory() as session, session.begin():
        election = get_election(session, election_id, lock=True)
        if election.state == "closed" and not _has_request(session, election_id):
            # A close that stopped after freezing the board (a crash, a lost cluster):
            # the frozen board is checked and added up now. Its closing is on record.
            head = signed_head(session, election_id, election.fingerprint, keys)
        else:
            election = change_state(session, election_id, "closed")
            closes = election.manifest.window.closes
            if now < closes and not early:
                raise EarlyClosing(closes)
            head = freeze(session, election_id, election.fingerprint, keys)
            v = schema.voters  # no more credentials: a lost answer is not asked for again
            session.execute(
                update(v).where(v.c.election_id == election_id).values(issued_request=None)
            )
            _forget_logins(session, election_id)
            if on_closed is not None:
                on_closed(session, head)
    with factory() as session:
        context = Context(
            election.manifest.canonical(),
            election_public_key(session, election_id).to_bytes(),
            checked_credential_public_key(session, election_id, keys).to_der(),
        )
        added = _added(session, election_id, context, head.position, workers, progress, cluster)
    problems = list(added.problems)
    if (added.ballots, added.head) != (head.position, head.entry_hash):
        problems.append("the board read back does not end at its final head")
    problems += _spoiled_and_cast(factory, election_id, added)
    if problems:
        raise TallyError(problems)
    request = tally_request(election.manifest, added, head.to_json())
    with factory() as session, session.begin():
        session.execute(
            insert(schema.tallies).values(
                election_id=election_id,
                request=canonical_json(request).decode(),
                paper="[]",
            )
        )
    return request


def _has_request(session: Session, election_id: str) -> bool:
    t = schema.tallies
    return (
        session.execute(select(t.c.election_id).where(t.c.election_id == election_id)).first()
        is not None
    )


def _added(
    session: Session,
    election_id: str,
    context: Context,
    expected: int,
    workers: int | None,
    progress: Callable[[int], None] | None,
    cluster: Cluster | None,
) -> Aggregate:
    """Every ballot of the closed board checked and added up, here or on the cluster."""
    if cluster is not None:
        size = cluster.range_size(expected)
        ranges = database_ranges(session, worker_url(session), election_id, size)
        return cluster.aggregate(ranges, context, progress=progress)
    lines = (canonical_json(e.to_json()).decode() for e in entries(session, election_id))
    return aggregate(lines, context, workers=workers, expected=expected, progress=progress)


def _forget_logins(session: Session, election_id: str) -> None:
    """The login throttle's counters go with the vote: their times would outlive it
    (identity/providers.py keeps them only while they limit guessing)."""
    t = schema.login_failures
    session.execute(delete(t).where(t.c.election_id == election_id))


def _spoiled_and_cast(factory: Callable[[], Session], election_id: str,
                      added: Aggregate) -> list[str]:  # fmt: skip
    """A ballot is cast or spoiled, never both: the ballot box makes sure of it, and the
    close checks it was not bypassed (a row written behind the ballot box's back)."""
    with factory() as session:
        return [
            f"spoiled ballot {code} is on the board: a ballot is cast or spoiled, never both"
            for code in spoiled_codes(session, election_id)
            if added.was_cast(code)
        ]


def tally_record(session: Session, election_id: str) -> dict[str, Any]:
    row = session.execute(
        select(schema.tallies).where(schema.tallies.c.election_id == election_id)
    ).one_or_none()
    if row is None:
        raise TallyError([f"election {election_id!r} has not been closed and added up"])
    return {
        "request": parse_canonical(row.request.encode()),
        "partials": None if row.partials is None else json.loads(row.partials),
        "paper": json.loads(row.paper),
        "result": None if row.result is None else parse_canonical(row.result.encode()),
    }


def decrypted_totals(
    manifest: Manifest,
    request: Mapping[str, Any],
    partials: Sequence[object],
    ceremony_record: Mapping[str, Any],
) -> dict[str, list[int]]:
    """The online totals per contest: checked decryption, or zeros for an empty board."""
    if request["ballots"] == 0:
        return {c["label"]: [0] * len(c["ciphertexts"]) for c in request["contests"]}
    established = ceremony.keys_from_record(manifest, ceremony_record)
    return combine(
        read_request(request),
        partials,
        established.trustee_keys,
        established.verification_keys,
        ceremony.params(manifest),
        largest_selection(manifest),
    )


def _totals_of_closed_board(
    session: Session,
    election: Election,
    request: Mapping[str, Any],
    ceremony_record: Mapping[str, Any],
    cluster: Cluster | None,
) -> None:
    """Before partial decryptions are accepted: the stored request is the totals of the
    board the trustees' pinned key closed (tally/closed_board.py), re-added from the board
    (on a cluster: every ballot checked again as well, as at the close)."""
    established = ceremony.keys_from_record(election.manifest, ceremony_record)
    pins = Pins(election.fingerprint, established.public_key, established.board_key)
    try:
        if cluster is not None:
            context = Context(
                election.manifest.canonical(),
                established.public_key.to_bytes(),
                sealed_public_key(session, election.id, "credential"),
            )
            expected = int(request["ballots"])
            added = _added(session, election.id, context, expected, None, None, cluster)
            check_stored_totals(election.manifest, pins, request, added)
        else:
            lines = (canonical_json(e.to_json()).decode() for e in entries(session, election.id))
            check_stored_request(election.manifest, pins, request, lines)
    except NotTheTotals as exc:
        raise TallyError([f"the tally request is refused: {exc}"]) from exc


def finish_tally(
    factory: Callable[[], Session],
    election_id: str,
    partials: Sequence[object],
    eligible: int,
    on_tallied: Callable[[Session, dict[str, object]], None] | None = None,
    scheduler: str | None = None,
) -> dict[str, object]:
    """Decrypt the totals with any k trustees' shares, add the paper boxes two officials
    entered (tally/paper_entry.py), apply the rules.

    ``on_tallied(session, result)`` runs in the transaction that stores the result. With
    a Dask ``scheduler``, the closed board is re-added (and every ballot checked again)
    on its cluster.
    """
    with contextlib.ExitStack() as stack:
        cluster = None if scheduler is None else stack.enter_context(connect(scheduler))
        return _finish(factory, election_id, partials, eligible, on_tallied, cluster)


def _finish(
    factory: Callable[[], Session],
    election_id: str,
    partials: Sequence[object],
    eligible: int,
    on_tallied: Callable[[Session, dict[str, object]], None] | None,
    cluster: Cluster | None,
) -> dict[str, object]:
    with factory() as session:
        election = get_election(session, election_id)
        record = tally_record(session, election_id)
        ceremony_record = officials.ceremony_record(session, election_id)
        if election.state == "closed":  # an empty board too: the board says it is empty
            _totals_of_closed_board(session, election, record["request"], ceremony_record, cluster)
        entered = confirmed_boxes(session, election_id)  # before any trustee's work is spent
        voters = paper_voters(session, election_id)
    paper = check_paper(election.manifest, entered, voters)
    online = decrypted_totals(election.manifest, record["request"], partials, ceremony_record)
    result = build_result(
        election.manifest, online, int(record["request"]["ballots"]), paper, eligible, voters
    )
    with factory() as session, session.begin():
        change_state(session, election_id, "tallied")  # locks the row paper entries lock
        if confirmed_boxes(session, election_id) != entered:
            raise TallyError(["the paper boxes changed while the tally ran: run it again"])
        session.execute(
            update(schema.tallies)
            .where(schema.tallies.c.election_id == election_id)
            .values(
                partials=canonical_json(list(partials)).decode(),
                paper=canonical_json(list(paper)).decode(),
                result=canonical_json(result).decode(),
            )
        )
        if on_tallied is not None:
            on_tallied(session, result)
    return result
