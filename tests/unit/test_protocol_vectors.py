"""The published vectors, V1 and V2 forms: the code reproduces them, they verify, the doc
shows them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from evoting.crypto.canonical import parse_canonical
from evoting.crypto.chaum_pedersen import ChaumPedersenProof, verify_equal_logs
from evoting.crypto.contest import EncryptedContest, verify_contest
from evoting.crypto.disjunctive import DisjunctiveProof, verify_in_set, verify_sum_in_range
from evoting.crypto.elgamal import Ciphertext
from evoting.crypto.group import Point
from evoting.crypto.range_proof import RangeProof, verify_range
from evoting.crypto.schnorr import SchnorrProof, verify_knowledge
from evoting.crypto.signing import verify
from evoting.crypto.transcript import Binding
from tests.support import protocol_vectors, vectors

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

PROTOCOL_MD = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


FORMS = {1: vectors.evoting_v1, 2: vectors.evoting_v2}


@pytest.mark.parametrize("form", FORMS)
def test_the_code_reproduces_the_published_vectors(form: int) -> None:
    assert json.loads(protocol_vectors.render(form)) == FORMS[form]()


def test_both_forms_hold_the_same_proofs() -> None:
    """V2 only adds the commitments: every challenge and response is the same."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "commitments"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and value.startswith("{"):
            return strip(json.loads(value))
        return value

    v1, v2 = vectors.evoting_v1(), vectors.evoting_v2()
    assert v1 != v2
    assert strip(v1) == strip(v2)


@pytest.mark.parametrize("form", FORMS)
def test_the_published_vectors_verify(form: int) -> None:
    v = FORMS[form]()
    binding = Binding(bytes.fromhex(v["fingerprint_hex"]), bytes.fromhex(v["context_hex"]))
    public = Point.from_bytes(bytes.fromhex(v["election_public_hex"]))
    s = v["schnorr"]
    verify_knowledge(
        Point.from_bytes(bytes.fromhex(s["public_hex"])),
        SchnorrProof.from_json(s["proof"]),
        binding,
    )
    cp = v["chaum_pedersen"]
    verify_equal_logs(
        public,
        Point.from_bytes(bytes.fromhex(cp["base_hex"])),
        Point.from_bytes(bytes.fromhex(cp["result_hex"])),
        ChaumPedersenProof.from_json(cp["proof"]),
        binding,
    )
    ins = v["in_set"]
    verify_in_set(
        public,
        Ciphertext.from_json(ins["ciphertext"]),
        ins["values"],
        DisjunctiveProof.from_json(ins["proof"], commitments=form == 2),
        binding,
        bytes.fromhex(ins["label_hex"]),
    )
    for name in ("contest", "points_contest", "budget_contest"):
        c = v[name]
        contest = EncryptedContest.from_json(
            parse_canonical(c["canonical_json"].encode()), commitments=form == 2
        )
        shape = protocol_vectors.shape_from_json(c["shape"])
        assert protocol_vectors.shape_json(shape) == c["shape"]
        verify_contest(public, contest, shape, binding, c["question"].encode())
    sr = v["sum_in_range"]
    verify_sum_in_range(
        public,
        [Ciphertext.from_json(c) for c in sr["ciphertexts"]],
        sr["min"],
        sr["max"],
        DisjunctiveProof.from_json(sr["proof"], commitments=form == 2),
        binding,
        bytes.fromhex(sr["label_hex"]),
    )
    rp = v["range"]
    verify_range(
        public,
        Ciphertext.from_json(rp["ciphertext"]),
        rp["bits"],
        RangeProof.from_json(parse_canonical(rp["canonical_json"].encode()), commitments=form == 2),
        binding,
    )
    sig = v["signature"]
    verify(
        nacl.signing.VerifyKey(bytes.fromhex(sig["public_hex"])),
        sig["purpose"],
        json.loads(sig["payload_canonical"]) | {"head": bytes(32)},
        bytes.fromhex(sig["signature_hex"]),
    )


def _contest(v: dict[str, Any], name: str) -> dict[str, Any]:
    contest: dict[str, Any] = json.loads(v[name]["canonical_json"])
    return contest


def test_protocol_md_shows_the_current_vectors() -> None:
    doc = PROTOCOL_MD.read_text(encoding="utf-8")
    v = vectors.evoting_v1()
    for value in (
        v["group"]["G_hex"],
        v["group"]["H_hex"],
        v["fingerprint_hex"],
        v["election_secret_hex"],
        v["election_public_hex"],
        v["hash_to_scalar"]["scalar_hex"],
        v["elgamal"]["alpha_hex"],
        v["elgamal"]["beta_hex"],
        v["schnorr"]["proof"]["challenge"],
        v["schnorr"]["proof"]["response"],
        v["in_set"]["proof"]["challenges"][0],
        v["signature"]["signature_hex"],
        v["sum_in_range"]["proof"]["challenges"][0],
        _contest(v, "points_contest")["subset_proofs"][0]["challenges"][0],
        _contest(v, "points_contest")["subset_proofs"][0]["responses"][0],
        _contest(v, "budget_contest")["weighted_proofs"]["low"]["bit_proofs"][0]["challenges"][0],
    ):
        assert value in doc, f"docs/protocol.md does not show {value}"
