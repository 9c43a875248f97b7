"""The ballot box, on SQLite and PostgreSQL: every refusal with its own code, races, crashes."""

from __future__ import annotations

import dataclasses
import datetime
import json
import threading
from collections.abc import Mapping

import pytest
from sqlalchemy import select

from ballots import appender as appender_module
from ballots import cast as cast_module
from ballots.ballot import Ballot, BallotRejected, encrypt_ballot, verify_ballot
from ballots.board import board_verify_key, by_tracking_code, entries, freeze, head
from ballots.cast import cast, publish_spoiled
from ballots.chain import entry_hash, genesis_hash
from ballots.spoil import spoiled_record, verify_spoiled
from evoting import schema
from evoting.crypto import signing
from evoting.crypto.canonical import canonical_json
from evoting.crypto.contest import EncryptedContest
from evoting.crypto.credential import Credential
from evoting.crypto.disjunctive import DisjunctiveProof
from evoting.crypto.group import Scalar
from evoting.elections import change_state
from identity.issuance import credential_public_key
from tests.integration.conftest import NOW, Setup, obtain_credential

YES = {"car-free-sunday": "yes"}
NO = {"car-free-sunday": "no"}


def _ballot(s: Setup, credential: Credential, answers: Mapping[str, object] = YES) -> Ballot:
    return encrypt_ballot(s.manifest, s.public_key, credential, answers)[0]


def _cast(s: Setup, ballot: Ballot | bytes, now: datetime.datetime = NOW) -> cast_module.Receipt:
    data = ballot if isinstance(ballot, bytes) else ballot.canonical()
    return cast(s.factory, s.keys, s.election_id, data, now)


def _refused(s: Setup, ballot: Ballot | bytes, code: str, now: datetime.datetime = NOW) -> str:
    with pytest.raises(BallotRejected) as caught:
        _cast(s, ballot, now)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


def _resign(credential: Credential, ballot: Ballot) -> Ballot:
    """A voter re-signs a ballot they altered (they hold their own credential key)."""
    unsigned = dataclasses.replace(ballot, signature=b"")
    signature = signing.sign(credential.signing_key, "EVOTING-V1-ballot", unsigned.body_json())
    return dataclasses.replace(ballot, signature=signature)


def test_cast_gives_a_signed_receipt(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballot = _ballot(setup, credential)
    receipt = _cast(setup, ballot)
    assert receipt.position == 1
    assert receipt.tracking_code == ballot.tracking_code
    with setup.factory() as session:
        receipt.head.verify(board_verify_key(session, setup.election_id))
        assert head(session, setup.election_id)[:2] == (1, receipt.head.entry_hash)
        found = by_tracking_code(session, setup.election_id, ballot.tracking_code[:16])
    assert found is not None
    assert found.position == 1
    assert receipt.head.entry_hash == entry_hash(1, genesis_hash(setup.manifest.fingerprint),
                                                 ballot.tracking_code)  # fmt: skip


def test_resending_the_same_ballot_returns_the_same_receipt(setup: Setup) -> None:
    ballot = _ballot(setup, obtain_credential(setup, "An"))
    first = _cast(setup, ballot)
    _cast(setup, _ballot(setup, obtain_credential(setup, "Bram")))
    assert _cast(setup, ballot).to_json() == first.to_json()
    with setup.factory() as session:
        assert head(session, setup.election_id)[0] == 2


def test_another_ballot_with_a_used_credential_is_refused(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    _cast(setup, _ballot(setup, credential, YES))
    _refused(setup, _ballot(setup, credential, NO), "credential_used")


def test_a_ballot_copied_from_another_voter_is_refused(setup: Setup) -> None:
    an, bram = obtain_credential(setup, "An"), obtain_credential(setup, "Bram")
    original = _ballot(setup, an)
    copied = dataclasses.replace(
        original,
        credential_public_key=bram.public_key,
        credential_prefix=bram.prefix,
        credential_signature=bram.signature,
    )
    assert "car-free-sunday" in _refused(setup, _resign(bram, copied), "proof")


def test_a_forged_proof_is_refused(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballot = _ballot(setup, credential)
    label, contest = ballot.contests[0]
    proof = contest.selection_proofs[0]
    bumped = DisjunctiveProof(
        proof.challenges,
        (proof.responses[0] + Scalar.from_int(1), *proof.responses[1:]),
        proof.commitments,
    )
    forged = dataclasses.replace(
        ballot,
        contests=((label, dataclasses.replace(
            contest, selection_proofs=(bumped, *contest.selection_proofs[1:]))),),
    )  # fmt: skip
    assert "selection 0" in _refused(setup, _resign(credential, forged), "proof")


def test_a_version_1_ballot_is_still_accepted_and_a_mixed_one_is_not(setup: Setup) -> None:
    """EVOTING-V1-ballot (proofs without commitments) from an older client verifies one by
    one; a V2 ballot whose proof lacks its commitments, or a V1 ballot with them, is
    malformed; a V2 ballot with a commitment swapped fails its proof."""
    credential = obtain_credential(setup, "An")
    ballot = _ballot(setup, credential)
    label, contest = ballot.contests[0]
    old = dataclasses.replace(ballot, version=1,
                              contests=((label, contest.without_commitments()),))  # fmt: skip
    stripped = dataclasses.replace(ballot, contests=((label, dataclasses.replace(
        contest, sum_proof=contest.sum_proof.without_commitments())),))  # fmt: skip
    assert "contests[0].sum_proof" in _refused(setup, _resign(credential, stripped), "schema")
    extra = dataclasses.replace(old, contests=((label, dataclasses.replace(
        old.contests[0][1], sum_proof=contest.sum_proof)),))  # fmt: skip
    assert "unexpected fields ['commitments']" in _refused(setup, _resign(credential, extra),
                                                           "schema")  # fmt: skip
    proof = contest.selection_proofs[1]
    assert proof.commitments is not None
    swapped = DisjunctiveProof(
        proof.challenges,
        proof.responses,
        (proof.commitments[1], proof.commitments[0], *proof.commitments[2:]),
    )
    moved = dataclasses.replace(ballot, contests=((label, dataclasses.replace(
        contest, selection_proofs=(contest.selection_proofs[0], swapped,
                                   *contest.selection_proofs[2:]))),))  # fmt: skip
    assert "selection 1" in _refused(setup, _resign(credential, moved), "proof")
    receipt = _cast(setup, _resign(credential, old))
    assert receipt.position == 1
    assert b'"EVOTING-V1-ballot"' in _resign(credential, old).canonical()


def test_a_ballot_that_votes_twice_is_refused(setup: Setup) -> None:
    # yes = 1 and no = 1, each with an honest 0/1 proof: only the sum proof can catch it.
    credential = obtain_credential(setup, "An")
    yes = _ballot(setup, credential, YES)
    no = _ballot(setup, credential, NO)
    (label, c_yes), (_, c_no) = yes.contests[0], no.contests[0]
    both = EncryptedContest(
        (c_yes.ciphertexts[0], c_no.ciphertexts[1], c_yes.ciphertexts[2]),
        (c_yes.selection_proofs[0], c_no.selection_proofs[1], c_yes.selection_proofs[2]),
        c_yes.sum_proof,
    )
    assert "sum" in _refused(setup, _resign(credential, dataclasses.replace(
        yes, contests=((label, both),))), "proof")  # fmt: skip


def test_outside_the_window_or_state(setup: Setup) -> None:
    ballot = _ballot(setup, obtain_credential(setup, "An"))
    before = setup.manifest.window.opens - datetime.timedelta(seconds=1)
    _refused(setup, ballot, "window", now=before)
    _refused(setup, ballot, "window", now=setup.manifest.window.closes)  # closes is exclusive
    with setup.factory() as session, session.begin():
        change_state(session, setup.election_id, "closed")
    _refused(setup, ballot, "window")


def test_each_check_has_its_own_refusal(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballot = _ballot(setup, credential)
    _refused(setup, b"not json", "schema")
    _refused(setup, b'{"format": "EVOTING-V1-ballot"}', "schema")  # not canonical
    doc = ballot.to_json()
    doc["contests"][0]["ciphertexts"][0]["alpha"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # type: ignore[index]
    assert "identity" in _refused(setup, canonical_json(doc), "schema")
    other_election = dataclasses.replace(ballot, fingerprint=bytes(32))
    _refused(setup, other_election, "fingerprint")
    bad_credential = dataclasses.replace(ballot, credential_signature=bytes(384))
    _refused(setup, bad_credential, "credential")
    bad_signature = dataclasses.replace(ballot, signature=bytes(64))
    _refused(setup, bad_signature, "signature")
    wrong_question = dataclasses.replace(ballot, contests=(("other", ballot.contests[0][1]),))
    _refused(setup, _resign(credential, wrong_question), "schema")
    with setup.factory() as session:
        assert head(session, setup.election_id)[0] == 0  # nothing got in


def test_concurrent_casts_with_one_credential(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballots = [_ballot(setup, credential, YES if i % 2 else NO) for i in range(4)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(ballots))

    def send(ballot: Ballot) -> None:
        barrier.wait()
        try:
            _cast(setup, ballot)
            outcomes.append("cast")
        except BallotRejected as exc:
            outcomes.append(exc.code)
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=send, args=(b,)) for b in ballots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["cast", "credential_used", "credential_used", "credential_used"]
    with setup.factory() as session:
        assert [e.position for e in entries(session, setup.election_id)] == [1]


def test_a_crash_in_the_middle_of_a_cast_leaves_nothing(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = obtain_credential(setup, "An")
    ballot = _ballot(setup, credential)
    real_append = appender_module.append_many

    def append_then_crash(*args: object, **kwargs: object) -> object:
        real_append(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("power cut after the insert, before the commit")

    monkeypatch.setattr(appender_module, "append_many", append_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        _cast(setup, ballot)
    with setup.factory() as session:
        assert head(session, setup.election_id)[0] == 0
        assert list(entries(session, setup.election_id)) == []
    monkeypatch.undo()
    assert _cast(setup, ballot).position == 1  # the voter simply sends it again


def test_the_board_chain_and_the_final_head(setup: Setup) -> None:
    for name in ("An", "Bram", "Chantal"):
        _cast(setup, _ballot(setup, obtain_credential(setup, name)))
    with setup.factory() as session, session.begin():
        change_state(session, setup.election_id, "closed")
        final = freeze(session, setup.election_id, setup.manifest.fingerprint, setup.keys)
    with setup.factory() as session:
        chain = list(entries(session, setup.election_id, batch=2))
        final.verify(board_verify_key(session, setup.election_id))
        credential_key = credential_public_key(session, setup.election_id)
    previous = genesis_hash(setup.manifest.fingerprint)
    for n, entry in enumerate(chain, start=1):
        assert entry.previous_hash == previous
        assert entry.entry_hash == entry_hash(n, previous, entry.tracking_code)
        verify_ballot(setup.manifest, setup.public_key, credential_key,
                      Ballot.from_json(json.loads(entry.ballot)))  # fmt: skip
        previous = entry.entry_hash
    assert (final.position, final.entry_hash, final.final) == (3, previous, True)


def test_the_board_stores_no_identity_and_no_time(setup: Setup) -> None:
    columns = set(schema.board_entries.c.keys())
    assert columns == {"election_id", "position", "ballot", "tracking_code", "credential",
                       "previous_hash", "entry_hash",
                       "short_code"}  # the tracking code's receipt form, for look-ups  # fmt: skip


def test_benaloh_challenge(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential, NO)
    record = spoiled_record(ballot, secrets)
    _, shown = verify_spoiled(setup.manifest, setup.public_key, record)
    assert shown == {"car-free-sunday": [0, 1, 0]}
    assert publish_spoiled(
        setup.factory, setup.keys, setup.election_id, canonical_json(record), now=NOW
    ) == (ballot.tracking_code)
    _refused(setup, ballot, "spoiled")  # a challenged ballot can never be cast
    fresh = _ballot(setup, credential, NO)  # the device starts again with new randomness
    assert _cast(setup, fresh).position == 1
    with setup.factory() as session:
        stored = session.execute(select(schema.spoiled_ballots.c.tracking_code)).scalars().all()
    assert stored == [ballot.tracking_code]


def test_a_lying_device_is_caught_by_the_challenge(setup: Setup) -> None:
    credential = obtain_credential(setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential, NO)
    record = spoiled_record(ballot, secrets)
    record["contests"][0]["selections"] = [1, 0, 0]  # type: ignore[index]  # shows "yes"
    with pytest.raises(BallotRejected, match="does not encrypt what the device showed") as lie:
        publish_spoiled(setup.factory, setup.keys, setup.election_id, canonical_json(record),
                        now=NOW)  # fmt: skip
    assert lie.value.code == "spoiled"
    cast_ballot, cast_secrets = encrypt_ballot(setup.manifest, setup.public_key, credential, YES)
    _cast(setup, cast_ballot)
    cast_record = spoiled_record(cast_ballot, cast_secrets)  # true, but the ballot is cast
    with pytest.raises(BallotRejected) as cast_already:
        publish_spoiled(setup.factory, setup.keys, setup.election_id, canonical_json(cast_record),
                        now=NOW)  # fmt: skip
    assert cast_already.value.code == "already_cast"


def test_the_signed_body_is_the_source_without_its_signature(setup: Setup) -> None:
    """ballots.ballot.signed_body reads the signed bytes off the ballot as sent; they are
    exactly the body written out again, and a source that is not this ballot's is not
    used."""
    from ballots.ballot import signed_body

    ballot = _ballot(setup, obtain_credential(setup, "An"))
    data = ballot.canonical()
    written = canonical_json(ballot.body_json())
    read = Ballot.from_bytes(data)
    assert read.source == data
    assert signed_body(read) == written == signed_body(ballot)
    old = dataclasses.replace(ballot, version=1, contests=tuple(
        (label, c.without_commitments()) for label, c in ballot.contests))  # fmt: skip
    old_read = Ballot.from_bytes(old.canonical())
    assert signed_body(old_read) == canonical_json(old.body_json())
    changed = dataclasses.replace(read, signature=bytes(64))
    assert changed.source is None  # a changed ballot is written out again
    assert signed_body(changed) == written
    assert read.canonical() == data  # the ballot round-trips


def test_a_malformed_ballot_gets_the_same_error_on_both_paths(setup: Setup) -> None:
    """evoting.crypto.read_together checks a ballot's points at the end; a ballot with a
    bad point and, later in reading order, another bad field is still refused for its
    first bad field, as point by point (found by review)."""
    from evoting.crypto import _native, combine
    from evoting.crypto.canonical import b64encode

    if _native.load() is None:
        pytest.skip("the native core is not built")
    doc = json.loads(_ballot(setup, obtain_credential(setup, "An")).canonical())
    doc["contests"][0]["ciphertexts"][0]["alpha"] = b64encode((1).to_bytes(32, "little"))
    doc["credential"]["public_key"] = "A"
    messages = []
    for path in ("libsodium", "native"):
        with combine.using(path), pytest.raises(BallotRejected) as refused:
            Ballot.from_json(doc)
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    assert "ciphertexts[0].alpha: not a canonical ristretto255 encoding" in messages[0]


def test_a_sender_without_a_credential_costs_no_point_decoding(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ballot box checks the election and the credential on the ballot's head before it
    decodes the contests (up to 2 MiB of points): a forged credential or another
    election's ballot is refused without reading them (found by review)."""
    from evoting.crypto.contest import EncryptedContest

    ballot = _ballot(setup, obtain_credential(setup, "An"))
    forged = dataclasses.replace(
        ballot, credential_signature=bytes(len(ballot.credential_signature))
    )
    foreign = dataclasses.replace(ballot, fingerprint=bytes(32))

    def never(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the contests were read")

    monkeypatch.setattr(EncryptedContest, "from_json", never)
    assert "not issued for this election" in _refused(setup, forged.canonical(), "credential")
    assert "another election" in _refused(setup, foreign.canonical(), "fingerprint")
    monkeypatch.undo()
    assert _cast(setup, ballot).position == 1
