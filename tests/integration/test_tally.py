"""Close, add up, decrypt with any two of three trustees, apply the rules: both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from ballots.ballot import encrypt_ballot
from ballots.cast import cast
from evoting.elections import ElectionError, get_election
from tally.decrypt import DecryptionRefused, decrypt_request
from tally.service import close_vote, finish_tally, tally_record
from tests.integration.conftest import CLOSED, NOW, Setup, make_setup, obtain_credential

VOTES = {"An": "yes", "Bram": "yes", "Chantal": "no", "Dries": None, "Finn": "yes"}


@pytest.fixture
def voted(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    setup = make_setup(engine, tmp_path, monkeypatch, trustees=True)
    for name, answer in VOTES.items():
        credential = obtain_credential(setup, name)
        ballot, _ = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                   {"car-free-sunday": answer})  # fmt: skip
        cast(setup.factory, setup.keys, setup.election_id, ballot.canonical(), NOW)
    return setup


def test_any_two_trustees_decrypt_the_totals(voted: Setup) -> None:
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    assert request["ballots"] == 5
    partials = [decrypt_request(voted.shares[i], request) for i in (0, 2)]  # trustees 1 and 3
    result = finish_tally(voted.factory, voted.election_id, partials, eligible=9)
    question = result["questions"][0]  # type: ignore[index]
    assert question["totals"] == {"yes": 3, "no": 1, "blank": 1}
    assert question["outcome"] == "yes"
    assert question["binding"] is False  # 5 participants, fewer than 2000
    assert result["participants"] == {"online": 5, "paper": 0, "total": 5}
    assert result["turnout_percent"] == "55.56"
    with voted.factory() as session:
        assert get_election(session, voted.election_id).state == "tallied"
        assert tally_record(session, voted.election_id)["result"] == result


def test_one_trustee_cannot_decrypt(voted: Setup) -> None:
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    with pytest.raises(DecryptionRefused, match="2 are needed"):
        finish_tally(voted.factory, voted.election_id, [decrypt_request(voted.shares[1], request)],
                     eligible=9)  # fmt: skip


def test_a_wrong_or_foreign_decryption_is_refused(voted: Setup) -> None:
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    good = decrypt_request(voted.shares[0], request)
    other_request = {**request, "ballots": 6}
    stale = decrypt_request(voted.shares[1], other_request)
    with pytest.raises(DecryptionRefused, match="another tally request"):
        finish_tally(voted.factory, voted.election_id, [good, stale], eligible=9)
    with pytest.raises(DecryptionRefused, match="two decryptions from trustee 1"):
        finish_tally(voted.factory, voted.election_id, [good, good], eligible=9)


def test_the_same_board_is_added_up_in_parallel(voted: Setup) -> None:
    from tally import aggregate as aggregate_module

    aggregate_module_parallel_from = aggregate_module.PARALLEL_FROM
    try:
        aggregate_module.PARALLEL_FROM = 0  # force the process pool for 5 ballots
        request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=2)
    finally:
        aggregate_module.PARALLEL_FROM = aggregate_module_parallel_from
    partials = [decrypt_request(s, request) for s in voted.shares[1:]]
    result = finish_tally(voted.factory, voted.election_id, partials, eligible=9)
    assert result["questions"][0]["totals"] == {"yes": 3, "no": 1, "blank": 1}  # type: ignore[index]


def test_a_closed_vote_is_not_closed_twice(voted: Setup) -> None:
    close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    with pytest.raises(ElectionError, match="is closed"):
        close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)


def test_closing_before_the_closing_time_needs_the_authoritys_decision(voted: Setup) -> None:
    with pytest.raises(ElectionError, match=r"the vote runs until 2019-05-27T20:00:00\+02:00"):
        close_vote(voted.factory, voted.keys, voted.election_id, NOW, workers=1)
    with voted.factory() as session:
        assert get_election(session, voted.election_id).state == "open"  # nothing changed
    request = close_vote(voted.factory, voted.keys, voted.election_id, NOW, workers=1, early=True)
    assert request["ballots"] == 5
