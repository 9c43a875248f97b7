"""What bounds a flood of casts (web/casting.py): not the client's address, but each
credential's checks, the proof-checking slots of a process, and the body's size.

Credentials here are signed directly with the election's credential key (a finished
blind signature is an ordinary RSA-PSS signature), so that many residents can cast
from one address, as from behind a school's or a carrier's shared address.
"""

from __future__ import annotations

import dataclasses
import os

import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask import Flask

from ballots.ballot import MAX_BALLOT_BYTES, SIGNATURE_PURPOSE, Ballot, encrypt_ballot
from ballots.spoil import spoiled_record
from evoting.crypto import signing
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.credential import Credential, credential_message
from evoting.elections import unsealed_private_key
from tests.integration.conftest import Setup
from web.casting import ATTEMPTS

API = "/api/e/kortrijk-2019"


def credential(app: Flask, setup: Setup) -> Credential:
    services = app.extensions["evoting"]
    with services.factory() as session:
        pem = unsealed_private_key(session, setup.manifest.id, "credential", services.keys)
    key = load_pem_private_key(pem, password=None)
    signing_key = nacl.signing.SigningKey.generate()
    prefix = os.urandom(32)
    message = prefix + credential_message(setup.manifest.fingerprint, bytes(signing_key.verify_key))
    pss = padding.PSS(padding.MGF1(hashes.SHA384()), 48)
    return Credential(signing_key, prefix, key.sign(message, pss, hashes.SHA384()))  # type: ignore[union-attr, call-arg, arg-type]


def ballot(setup: Setup, held: Credential, answer: str = "yes") -> bytes:
    made, _ = encrypt_ballot(setup.manifest, setup.public_key, held, {"car-free-sunday": answer})
    return made.canonical()


def cast(app: Flask, body: bytes) -> tuple[int, dict[str, object], dict[str, str]]:
    answer = app.test_client().post(f"{API}/cast", data=body, content_type="application/json")
    return answer.status_code, answer.get_json(), dict(answer.headers)


def test_many_residents_cast_from_one_address(app: Flask, setup: Setup) -> None:
    """Over the 30 a minute per address that casting had before."""
    statuses = [cast(app, ballot(setup, credential(app, setup)))[0] for _ in range(40)]
    assert statuses == [200] * 40


def test_a_credential_has_its_proofs_checked_a_bounded_number_of_times(
    app: Flask, setup: Setup
) -> None:
    held = credential(app, setup)
    wrong = cheating_ballot(setup, held)
    answers = [cast(app, wrong)[:2] for _ in range(ATTEMPTS.amount + 1)]
    assert {status for status, _ in answers[:-1]} == {400}
    assert {body["error"] for _, body in answers[:-1]} == {"proof"}
    assert answers[-1][0] == 429
    assert answers[-1][1]["error"] == "attempts"
    # Another credential is not held back.
    assert cast(app, ballot(setup, credential(app, setup)))[0] == 200


def cheating_ballot(setup: Setup, held: Credential) -> bytes:
    """Valid credential and signature, but the proofs fail: the sum proof of a "no"
    ballot on the ciphertexts of a "yes" one, signed again as a cheating device would."""
    yes, _ = encrypt_ballot(setup.manifest, setup.public_key, held, {"car-free-sunday": "yes"})
    no, _ = encrypt_ballot(setup.manifest, setup.public_key, held, {"car-free-sunday": "no"})
    (label, contest), (_, other) = yes.contests[0], no.contests[0]
    mixed = dataclasses.replace(contest, sum_proof=other.sum_proof)
    unsigned = dataclasses.replace(yes, contests=((label, mixed),))
    signature = signing.sign(held.signing_key, SIGNATURE_PURPOSE, unsigned.body_json())
    return dataclasses.replace(unsigned, signature=signature).canonical()


def test_a_full_ballot_box_answers_503_with_retry_after(app: Flask, setup: Setup) -> None:
    app.config["PROOF_WAIT_S"] = 0.05
    slots = app.extensions["evoting-proof-slots"]
    taken = [slots.acquire(blocking=False) for _ in range(app.config["PROOF_CHECKS"])]
    assert all(taken)
    try:
        status, body, headers = cast(app, ballot(setup, credential(app, setup)))
    finally:
        for _ in taken:
            slots.release()
    assert status == 503
    assert body["error"] == "busy"
    assert int(headers["Retry-After"]) >= 1
    assert cast(app, ballot(setup, credential(app, setup)))[0] == 200  # free again


@pytest.mark.parametrize("extra", [1, 10 * MAX_BALLOT_BYTES])
def test_an_oversized_body_is_refused_before_it_is_read(app: Flask, extra: int) -> None:
    body = b"{" + b" " * (MAX_BALLOT_BYTES + extra) + b"}"
    answer = app.test_client().post(f"{API}/cast", data=body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.get_json()["error"] == "schema"


def test_credential_requests_are_limited_per_ticket_not_per_address(app: Flask) -> None:
    client = app.test_client()
    others = [client.post(f"{API}/credential", json={"ticket": f"ticket-{i}", "blinded": ""})
              for i in range(15)]  # fmt: skip
    assert {a.status_code for a in others} == {403}  # refused as tickets, never 429
    same = [client.post(f"{API}/credential", json={"ticket": "one", "blinded": ""})
            for _ in range(11)]  # fmt: skip
    assert same[-1].status_code == 429


def test_replaying_a_voters_challenged_ballot_costs_that_voter_nothing(
    app: Flask, setup: Setup
) -> None:
    """A challenged ballot is public, credential and signature included: replayed to
    /cast and /spoil it is refused (or answered) before any proof check or count."""
    held = credential(app, setup)
    challenged, secrets = encrypt_ballot(setup.manifest, setup.public_key, held,
                                         {"car-free-sunday": "yes"})  # fmt: skip
    record = canonical_json(spoiled_record(challenged, secrets))
    client = app.test_client()
    assert client.post(f"{API}/spoil", data=record).status_code == 200
    for _ in range(ATTEMPTS.amount + 5):
        status, body, _ = cast(app, challenged.canonical())
        assert (status, body["error"]) == (400, "spoiled")
        assert client.post(f"{API}/spoil", data=record).status_code == 200  # idempotent
    assert cast(app, ballot(setup, held, "no"))[0] == 200  # the voter still casts


def test_a_forged_signature_cannot_use_up_a_voters_attempts(app: Flask, setup: Setup) -> None:
    held = credential(app, setup)
    real = ballot(setup, held)
    parsed = Ballot.from_json(parse_canonical(real))
    forged = dataclasses.replace(parsed, signature=bytes(64)).canonical()
    for _ in range(ATTEMPTS.amount + 5):
        status, body, _ = cast(app, forged)
        assert (status, body["error"]) == (400, "signature")
    assert cast(app, real)[0] == 200


def test_a_cast_to_a_draft_is_refused_not_a_500(app: Flask, setup: Setup) -> None:
    from sqlalchemy import update

    from evoting import schema

    with setup.factory() as session, session.begin():
        session.execute(update(schema.elections).values(state="draft"))
    status, body, _ = cast(app, b"{}")
    assert (status, body["error"]) == (403, "window")
