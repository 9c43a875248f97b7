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
