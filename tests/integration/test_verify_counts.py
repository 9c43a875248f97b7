"""The verifier bounds what the counts can say: paper by its voters and its two signers,
participants by the eligible, and the board key by what the trustees pinned.

Each bundle here is the session's real bundle, changed as a dishonest operator and
authority would (re-signing what they hold), so that only the new checks can
catch it. Before these checks, a paper box of 3,000 invented ballots flipped the
referendum to a binding yes and `evote verify` said PASS.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import nacl.signing
import pytest

from audit.log import entry_hash, new_entry
from audit.verify import verify_bundle
from ballots.chain import SignedHead, sign_head
from evoting.crypto.canonical import b64encode, canonical_json
from tally.paper import OFFICIAL_KEY_ACTION, sign_box
from tally.result import TooManyParticipants, build_result
from tests.integration.bundles import Made, json_member, made_bundle, members, rezip

MOMENT = datetime.datetime(2019, 5, 27, 18, 30, tzinfo=datetime.UTC)
ANNA, BERT = (nacl.signing.SigningKey(bytes([i]) * 32) for i in (1, 2))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


def _box(ballots: int, yes: int | None = None) -> dict[str, Any]:
    yes = ballots if yes is None else yes
    return {"box": "Stadhuis", "ballots": ballots,
            "contests": {"car-free-sunday": [yes, ballots - yes, 0]}}  # fmt: skip


def _forged(
    made: Made,
    box: dict[str, Any],
    *,
    paper_votes: int,
    signers: tuple[tuple[str, nacl.signing.SigningKey], ...] = (("anna", ANNA), ("bert", BERT)),
    listed: tuple[tuple[str, nacl.signing.SigningKey], ...] = (("anna", ANNA), ("bert", BERT)),
    eligible: int = 9,
    issued: int = 4,
) -> bytes:
    """The bundle with ``box`` signed by ``signers``, ``listed`` keys in the audit log
    (re-signed with the operator key), the registrar's counts, and the result
    recomputed without any bound, as a dishonest tally would write it."""
    parts = members(made.data)
    fingerprint = made.manifest.fingerprint
    signed = {**box, "signatures": [sign_box(k, n, fingerprint, box) for n, k in signers]}
    log = parts["audit-log.jsonl"].splitlines()
    for name, key in listed:
        added = new_entry(fingerprint, len(log) + 1, entry_hash(json.loads(log[-1])),
                          OFFICIAL_KEY_ACTION, {"official": name,
                                                "key": b64encode(bytes(key.verify_key))},
                          made.operator_key, MOMENT)  # fmt: skip
        log.append(json_member(added).rstrip(b"\n"))
    parts["audit-log.jsonl"] = b"\n".join(log) + b"\n"
    credentials = json.loads(parts["credentials.json"])
    parts["credentials.json"] = json_member(
        {**credentials, "paper_votes": paper_votes, "eligible": eligible,
         "credentials_issued": issued})  # fmt: skip
    result = json.loads(parts["result.json"])
    counted = result["questions"][0]["online"]
    online = {"car-free-sunday": [counted[o] for o in ("yes", "no", "blank")]}
    try:  # as a dishonest tally would write it: no bound on paper voters
        forged = build_result(made.manifest, online, 4, [signed], eligible)
    except TooManyParticipants:  # nor on participants
        forged = {**build_result(made.manifest, online, 4, [signed], 10**9), "eligible": eligible}
    parts["result.json"] = json_member(forged)
    parts["paper.json"] = json_member([signed])
    return rezip(parts)


def _failures(data: bytes) -> list[str]:
    return verify_bundle(data, workers=1).failures


def test_a_signed_box_within_its_voters_passes(made: Made) -> None:
    data = _forged(made, _box(1), paper_votes=1)
    result = json.loads(members(data)["result.json"])
    assert result["participants"]["paper"] == 1
    assert _failures(data) == []


def test_invented_paper_ballots_fail(made: Made) -> None:
    """3,000 paper ballots but nobody marked for paper: binding yes, FAIL."""
    data = _forged(made, _box(3000), paper_votes=0, eligible=60_000)
    result = json.loads(members(data)["result.json"])
    assert result["questions"][0]["binding"] is True  # what the forgery claims
    failures = _failures(data)
    assert "paper.json: the paper boxes hold 3000 ballots, but only 0 residents were marked " \
           "as voting on paper" in failures  # fmt: skip


@pytest.mark.parametrize(
    ("signers", "listed", "reason"),
    [
        ((("anna", ANNA),), (("anna", ANNA),), "needs the signatures of two officials"),
        ((("anna", ANNA), ("anna", ANNA)), (("anna", ANNA),), "both signatures are by the same"),
        ((("anna", ANNA), ("bert", BERT)), (("anna", ANNA),), "a key the audit log lists for no"),
        ((("anna", ANNA), ("carl", BERT)), (("anna", ANNA), ("bert", BERT)),
         "the key the log lists for 'bert' signed as 'carl'"),
    ],
    ids=["one-signer", "same-official", "unlisted-key", "wrong-name"],
)  # fmt: skip
def test_a_box_needs_two_listed_officials(
    made: Made, signers: Any, listed: Any, reason: str
) -> None:
    failures = _failures(_forged(made, _box(1), paper_votes=1, signers=signers, listed=listed))
    assert any(f.startswith("paper.json: box 'Stadhuis'") and reason in f for f in failures), (
        failures
    )


def test_the_same_key_listed_under_two_names_is_one_official(made: Made) -> None:
    data = _forged(made, _box(1), paper_votes=1, signers=(("anna", ANNA), ("bert", ANNA)),
                   listed=(("anna", ANNA), ("bert", ANNA)))  # fmt: skip
    assert any("paper.json" in f for f in _failures(data))


def test_credentials_and_paper_votes_cannot_exceed_the_eligible(made: Made) -> None:
    failures = _failures(_forged(made, _box(1), paper_votes=1, eligible=4, issued=4))
    assert ("credentials.json: 4 credentials issued and 1 residents marked for paper: more than "
            "the 4 eligible") in failures  # fmt: skip
    assert any(f.startswith("result.json: 4 online and 1 paper ballots: more than the 4")
               for f in failures)  # fmt: skip


def test_a_board_key_the_trustees_did_not_pin_fails(made: Made) -> None:
    """The operator swaps in a board key of its own and re-signs the final head with it."""
    parts = members(made.data)
    mallory = nacl.signing.SigningKey.generate()
    keys = json.loads(parts["keys.json"])
    parts["keys.json"] = json_member({**keys, "board": b64encode(bytes(mallory.verify_key))})
    head = SignedHead.from_json(json.loads(parts["board-head.json"]))
    forged = sign_head(mallory, head.fingerprint, head.position, head.entry_hash, final=True)
    parts["board-head.json"] = json_member(forged.to_json())
    failures = _failures(rezip(parts))
    assert "trustees.json: the trustees pinned another board key than keys.json's" in failures


def test_board_hashes_are_64_hex_digits_or_the_entry_is_refused(made: Made) -> None:
    """A megabyte 'tracking code' on every line would fill the verifier's once-only set."""
    parts = members(made.data)
    lines = parts["board.jsonl"].splitlines()
    entry = json.loads(lines[0])
    for field, value in (("tracking_code", "x" * 100_000), ("previous", "A" * 64),
                         ("entry_hash", entry["entry_hash"].upper())):  # fmt: skip
        changed = {**entry, field: value}
        parts["board.jsonl"] = b"\n".join([json_member(changed).rstrip(b"\n"), *lines[1:]]) + b"\n"
        failures = _failures(rezip(parts))
        assert any("board.jsonl: board entry 1" in f and "64 lowercase hex digits" in f
                   for f in failures), failures  # fmt: skip


def test_a_ballot_both_cast_and_spoiled_fails_by_name(made: Made) -> None:
    """The challenged ballot appended to the board as if the ballot box had taken it too."""
    from ballots.chain import entry_hash as chain_hash

    parts = members(made.data)
    record = json.loads(parts["spoiled.jsonl"].splitlines()[0])
    ballot_text = canonical_json(record["ballot"]).decode()
    lines = parts["board.jsonl"].splitlines()
    last = json.loads(lines[-1])
    code = hashlib.sha256(ballot_text.encode()).hexdigest()
    position = last["position"] + 1
    extra = {"position": position, "ballot": ballot_text, "tracking_code": code,
             "previous": last["entry_hash"],
             "entry_hash": chain_hash(position, last["entry_hash"], code)}  # fmt: skip
    parts["board.jsonl"] += json_member(extra)
    head = sign_head(made.board_key, made.manifest.fingerprint, position, extra["entry_hash"],
                     final=True)  # fmt: skip
    parts["board-head.json"] = json_member(head.to_json())
    assert "spoiled.jsonl: entry 1: a spoiled ballot was cast" in _failures(rezip(parts))


def test_turnout_tables_single_nobody_out(made: Made) -> None:
    parts = members(made.data)
    credentials = json.loads(parts["credentials.json"])
    tables: list[tuple[dict[str, Any], str]] = [
        ({"Centrum": {"eligible": 9, "took_part": 4}}, "a cell with fewer than 10 taking part"),
        ({"Centrum": {"eligible": 5, "took_part": 6}, "Heule": None, "Marke": None},
         "6 took part of 5 eligible"),
        ({"Centrum": None, "Heule": {"eligible": 40, "took_part": 20}},
         "one cell alone is hidden"),
    ]  # fmt: skip
    for table, reason in tables:
        changed = {**credentials, "min_cell": 10, "turnout_by_district": table}
        parts["credentials.json"] = json_member(changed)
        failures = _failures(rezip(parts))
        assert any(f.startswith("credentials.json: turnout_by_district") and reason in f
                   for f in failures), failures  # fmt: skip
    # the bundle cannot lower the manifest's threshold to show small cells
    lowered = {**credentials, "min_cell": 1, "turnout_by_district": {
        "Centrum": {"eligible": 3, "took_part": 2}}}  # fmt: skip
    parts["credentials.json"] = json_member(lowered)
    failures = _failures(rezip(parts))
    assert "credentials.json: min_cell is 1, the manifest's is 10" in failures
    assert any("'Centrum': a cell with fewer than 10" in f for f in failures), failures
    # a table of one cell (everyone in one district) hides it: the totals show it anyway
    alone = {**credentials, "min_cell": 10, "turnout_by_district": {"Centrum": None}}
    parts["credentials.json"] = json_member(alone)
    failures = _failures(rezip(parts))
    assert not [f for f in failures if f.startswith("credentials.json: turnout")], failures
