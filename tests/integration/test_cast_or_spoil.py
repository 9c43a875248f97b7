"""A ballot is cast or spoiled, never both: races, limits and elections, on both databases.

The ballot box appends a ballot and publishes a spoiled one under the same lock
(the board's head row); these tests race real threads against each other, started
together by a barrier, and look at what the database holds afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select

from ballots.ballot import Ballot, BallotRejected, encrypt_ballot
from ballots.board import entries, freeze
from ballots.cast import MAX_SPOILED_PER_CREDENTIAL, cast, publish_spoiled
from ballots.spoil import SpoiledMismatch, spoiled_record, verify_spoiled
from evoting import schema
from evoting.crypto.blind import BlindSigner
from evoting.crypto.canonical import canonical_json
from evoting.crypto.credential import Credential, CredentialRequest
from evoting.crypto.elgamal import KeyPair
from evoting.crypto.group import L, Point
from evoting.election import Manifest
from evoting.elections import (
    change_state,
    set_election_public_key,
    unsealed_private_key,
)
from identity.issuance import credential_public_key
from services.lifecycle import set_up_election
from tally import service
from tally.service import TallyError, close_vote, tally_record
from tests.integration.conftest import CLOSED, NOW, Setup

YES = {"car-free-sunday": "yes"}
NO = {"car-free-sunday": "no"}
ROUNDS = 25


def _minter(s: Setup, election_id: str | None = None) -> Callable[[], Credential]:
    """Credentials straight from the election's key (the registrar's side is tested
    elsewhere; here we need more credentials than the sample register has residents)."""
    election_id = election_id or s.election_id
    e = schema.elections
    with s.factory() as session:
        public_key = credential_public_key(session, election_id)
        pem = unsealed_private_key(session, election_id, "credential", s.keys)
        fingerprint = bytes.fromhex(
            session.execute(select(e.c.fingerprint).where(e.c.id == election_id)).scalar_one()
        )
    signer = BlindSigner.from_pem(pem)

    def mint() -> Credential:
        request = CredentialRequest.start(public_key, fingerprint)
        return request.finish(public_key, signer.blind_sign(request.blinded_message))

    return mint


def _challenge(
    s: Setup, credential: Credential, answers: dict[str, str] = NO
) -> tuple[Ballot, bytes]:
    ballot, secrets = encrypt_ballot(s.manifest, s.public_key, credential, answers)
    return ballot, canonical_json(spoiled_record(ballot, secrets))


def _spoil(s: Setup, record: bytes, now: datetime.datetime = NOW,
           election_id: str | None = None) -> str:  # fmt: skip
    return publish_spoiled(s.factory, s.keys, election_id or s.election_id, record, now=now)


def _outcome(action: Callable[[], object]) -> str:
    try:
        action()
    except BallotRejected as exc:
        return exc.code
    except Exception as exc:  # anything else is a failure the assertions show
        return repr(exc)
    return "ok"


def _race(*actions: Callable[[], object]) -> list[str]:
    """Run the actions in threads started together; their outcomes, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes = [""] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        outcomes[i] = _outcome(actions[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _codes(s: Setup, table: Table) -> set[str]:
    with s.factory() as session:
        query = select(table.c.tracking_code).where(table.c.election_id == s.election_id)
        return set(session.execute(query).scalars())


def _board_codes(s: Setup) -> set[str]:
    return _codes(s, schema.board_entries)


def _spoiled_codes(s: Setup) -> set[str]:
    return _codes(s, schema.spoiled_ballots)


def test_cast_and_spoil_race_exactly_one_wins(setup: Setup) -> None:
    mint = _minter(setup)
    credential = mint()
    cast_won: set[str] = set()
    spoil_won: set[str] = set()
    for _ in range(ROUNDS):
        ballot, record = _challenge(setup, credential)
        casting, spoiling = _race(
            partial(cast, setup.factory, setup.keys, setup.election_id, ballot.canonical(), NOW),
            partial(_spoil, setup, record),
        )
        assert sorted((casting, spoiling)) in (["already_cast", "ok"], ["ok", "spoiled"]), (
            casting, spoiling,
        )  # fmt: skip
        if casting == "ok":
            cast_won.add(ballot.tracking_code)
            credential = mint()  # this one has voted
        else:
            spoil_won.add(ballot.tracking_code)
            if len(spoil_won) % MAX_SPOILED_PER_CREDENTIAL == 0:
                credential = mint()
        on_board, spoiled = _board_codes(setup), _spoiled_codes(setup)
        assert not on_board & spoiled
        assert (on_board, spoiled) == (cast_won, spoil_won)


def test_the_eleventh_spoil_of_a_credential_is_refused(setup: Setup) -> None:
    credential = _minter(setup)()
    records = [_challenge(setup, credential)[1] for _ in range(MAX_SPOILED_PER_CREDENTIAL + 1)]
    for record in records[:-1]:
        _spoil(setup, record)
        _spoil(setup, record)  # re-publishing is idempotent and does not count again
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, records[-1])
    assert caught.value.code == "spoil_limit"
    _spoil(setup, records[0])  # already published: still answered, still not counted
    assert len(_spoiled_codes(setup)) == MAX_SPOILED_PER_CREDENTIAL
    fresh, _ = _challenge(setup, credential, YES)  # the limit stops spoiling, not voting
    assert cast(setup.factory, setup.keys, setup.election_id, fresh.canonical(), NOW).position == 1


def test_racing_spoils_for_the_last_slot_take_one(setup: Setup) -> None:
    mint = _minter(setup)
    for _ in range(6):
        credential = mint()
        records = [_challenge(setup, credential)[1] for _ in range(MAX_SPOILED_PER_CREDENTIAL + 2)]
        for record in records[: MAX_SPOILED_PER_CREDENTIAL - 1]:
            _spoil(setup, record)
        last = records[MAX_SPOILED_PER_CREDENTIAL - 1 :]  # three records, one slot
        outcomes = _race(*(partial(_spoil, setup, r) for r in last))
        assert sorted(outcomes) == ["ok", "spoil_limit", "spoil_limit"], outcomes
    t = schema.spoiled_ballots
    with setup.factory() as session:
        counts = (
            session.execute(select(func.count()).select_from(t).group_by(t.c.credential))
            .scalars()
            .all()
        )
    assert counts == [MAX_SPOILED_PER_CREDENTIAL] * 6


def test_identical_spoils_racing_publish_once(setup: Setup) -> None:
    mint = _minter(setup)
    for _ in range(5):
        ballot, record = _challenge(setup, mint())
        assert _race(*[partial(_spoil, setup, record)] * 3) == ["ok"] * 3
        assert ballot.tracking_code in _spoiled_codes(setup)
    assert len(_spoiled_codes(setup)) == 5


def test_spoiling_only_while_the_vote_is_open(setup: Setup) -> None:
    credential = _minter(setup)()
    _, record = _challenge(setup, credential)
    for moment in (setup.manifest.window.opens - datetime.timedelta(seconds=1),
                   setup.manifest.window.closes):  # fmt: skip
        with pytest.raises(BallotRejected) as caught:
            _spoil(setup, record, now=moment)
        assert caught.value.code == "window"
    close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, record)
    assert caught.value.code == "window"
    assert _spoiled_codes(setup) == set()


def test_a_bloated_or_unbounded_record_is_refused(setup: Setup) -> None:
    credential = _minter(setup)()
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential, NO)
    padded = spoiled_record(ballot, secrets) | {"padding": "x" * 1000}
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, canonical_json(padded))
    assert caught.value.code == "spoiled"
    record = spoiled_record(ballot, secrets)
    record["contests"][0]["selections"] = [0, 1 + L, 0]  # type: ignore[index]  # encrypts as 1
    with pytest.raises(SpoiledMismatch, match="below L"):  # (canonical JSON stops it sooner)
        verify_spoiled(setup.manifest, setup.public_key, record)
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, b"[" * 3_000_000)
    assert caught.value.code == "schema"
    assert _spoiled_codes(setup) == set()


@dataclasses.dataclass(frozen=True)
class _Election:
    id: str
    manifest: Manifest
    key: Point
    mint: Callable[[], Credential]

    def challenge(self, credential: Credential) -> tuple[Ballot, bytes]:
        ballot, secrets = encrypt_ballot(self.manifest, self.key, credential, NO)
        return ballot, canonical_json(spoiled_record(ballot, secrets))


def _another_election(s: Setup, name: str) -> _Election:
    """Another open election in the same database, with its own keys."""
    manifest = dataclasses.replace(s.manifest, id=f"{s.manifest.id}-{name}")
    key = KeyPair.generate().public
    with s.factory() as session, session.begin():
        set_up_election(session, manifest, s.keys, NOW - datetime.timedelta(days=30))
        set_election_public_key(session, manifest.id, key)
        change_state(session, manifest.id, "open")
    return _Election(manifest.id, manifest, key, _minter(s, manifest.id))


def test_a_record_of_one_election_is_refused_by_another(setup: Setup) -> None:
    other = _another_election(setup, "bis")
    ballot, record = _challenge(setup, _minter(setup)())
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, record, election_id=other.id)
    assert caught.value.code == "fingerprint"
    _spoil(setup, record)  # in its own election it is published ...
    with pytest.raises(BallotRejected) as caught:  # ... and cast in no other
        cast(setup.factory, setup.keys, other.id, ballot.canonical(), NOW)
    assert caught.value.code == "fingerprint"
    _, theirs = other.challenge(other.mint())  # the other election's, shown here
    with pytest.raises(BallotRejected) as caught:
        _spoil(setup, theirs)
    assert caught.value.code == "fingerprint"
    _spoil(setup, theirs, election_id=other.id)
    t = schema.spoiled_ballots
    with setup.factory() as session:
        rows = session.execute(select(t.c.election_id, t.c.tracking_code)).all()
    assert sorted(r.election_id for r in rows) == sorted([setup.election_id, other.id])


def test_casts_and_spoils_racing_the_close_go_in_before_it_or_not_at_all(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing locks the election's row, then the board's head; with a pause between
    the two, the casts and spoils reach the head first (a deadlock, before the fix)."""
    pause = [0.0]

    def slow_freeze(*args: Any, **kwargs: Any) -> Any:
        time.sleep(pause[0])
        return freeze(*args, **kwargs)

    monkeypatch.setattr(service, "freeze", slow_freeze)
    for round_, pause[0] in enumerate((0.0, 0.05, 0.2)):
        e = _another_election(setup, f"race-{round_}")
        spoils = [e.challenge(e.mint())[1] for _ in range(2)]
        casts = [e.challenge(e.mint())[0].canonical() for _ in range(2)]
        outcomes = _race(
            partial(close_vote, setup.factory, setup.keys, e.id, CLOSED, workers=1, early=True),
            *(partial(_spoil, setup, r, election_id=e.id) for r in spoils),
            *(partial(cast, setup.factory, setup.keys, e.id, b, NOW) for b in casts),
        )
        assert outcomes[0] == "ok", outcomes
        assert set(outcomes[1:]) <= {"ok", "window"}, outcomes
        with setup.factory() as session:
            spoiled = session.execute(select(func.count()).select_from(schema.spoiled_ballots)
                .where(schema.spoiled_ballots.c.election_id == e.id)).scalar_one()  # fmt: skip
            ballots = len(list(entries(session, e.id)))
            request = tally_record(session, e.id)["request"]
        assert spoiled == outcomes[1:3].count("ok")
        assert ballots == request["ballots"] == outcomes[3:].count("ok")


def test_close_refuses_a_board_holding_a_spoiled_ballot(setup: Setup) -> None:
    credential = _minter(setup)()
    ballot, record = _challenge(setup, credential)
    cast(setup.factory, setup.keys, setup.election_id, ballot.canonical(), NOW)
    with setup.factory() as session, session.begin():  # behind the ballot box's back
        session.execute(insert(schema.spoiled_ballots).values(
            election_id=setup.election_id, record=record.decode(),
            tracking_code=ballot.tracking_code, credential=credential.public_key.hex(),
        ))  # fmt: skip
    with pytest.raises(TallyError) as caught:
        close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)
    assert ballot.tracking_code in str(caught.value)
    assert "spoiled" in str(caught.value)
