"""One loader per test-vector format (tests/vectors/README.md says where each came from)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


@cache
def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class FromUniform:
    label: str | None
    input: bytes
    output: bytes


def ristretto_multiples() -> list[bytes]:
    return [bytes.fromhex(h) for h in _load("rfc9496-ristretto255.json")["multiples_of_generator"]]


def ristretto_invalid() -> list[tuple[bytes, str]]:
    return [
        (bytes.fromhex(v["hex"]), v["reason"])
        for v in _load("rfc9496-ristretto255.json")["invalid_encodings"]
    ]


def ristretto_from_uniform() -> list[FromUniform]:
    return [
        FromUniform(v["label"], bytes.fromhex(v["input_hex"]), bytes.fromhex(v["output_hex"]))
        for v in _load("rfc9496-ristretto255.json")["from_uniform_bytes"]
    ]


@dataclass(frozen=True)
class Ed25519Vector:
    name: str
    seed: bytes
    public: bytes
    message: bytes
    signature: bytes


def ed25519_rfc8032() -> list[Ed25519Vector]:
    return [
        Ed25519Vector(
            v["name"],
            bytes.fromhex(v["secret_key_hex"]),
            bytes.fromhex(v["public_key_hex"]),
            bytes.fromhex(v["message_hex"]),
            bytes.fromhex(v["signature_hex"]),
        )
        for v in _load("rfc8032-ed25519.json")["vectors"]
    ]


def evoting_v1() -> Any:
    return _load("evoting-v1.json")


def evoting_v2() -> Any:
    """The same vectors with the disjunctive proofs in the V2 form (commitments)."""
    return _load("evoting-v2.json")


@dataclass(frozen=True)
class BlindRSAVector:
    name: str
    p: int
    q: int
    e: int
    d: int
    n: int
    msg: bytes
    msg_prefix: bytes
    prepared_msg: bytes
    encoded_msg: bytes
    salt: bytes
    inv: bytes
    blinded_msg: bytes
    blind_sig: bytes
    sig: bytes


def rsabssa_sha384_pss_randomized() -> list[BlindRSAVector]:
    out = []
    for v in _load("rfc9474-rsabssa-sha384-pss-randomized.json")["vectors"]:
        h = bytes.fromhex
        out.append(
            BlindRSAVector(
                name=v["name"],
                p=int(v["p"], 16),
                q=int(v["q"], 16),
                e=int(v["e"], 16),
                d=int(v["d"], 16),
                n=int(v["n"], 16),
                msg=h(v["msg"]),
                msg_prefix=h(v["msg_prefix"]),
                prepared_msg=h(v["prepared_msg"]),
                encoded_msg=h(v["encoded_msg"]),
                salt=h(v["salt"]),
                inv=h(v["inv"]),
                blinded_msg=h(v["blinded_msg"]),
                blind_sig=h(v["blind_sig"]),
                sig=h(v["sig"]),
            )
        )
    return out
