"""Typed, minimal binding to the ristretto255 functions of libsodium (through pysodium).

Only `evoting.crypto.group` calls this module. Every name here is one libsodium
function; the benchmark counts calls by wrapping these names, so the group code
must call them as ``_sodium.<name>(...)`` and never keep a reference of its own.

libsodium's conventions that the group code relies on:

* ``scalarmult`` and ``scalarmult_base`` fail (``ValueError``) when the result is
  the identity element, which happens exactly when the scalar is 0 mod L (or the
  point is the identity). Points we hand them were validated before, so a failure
  means "the identity".
* ``add`` and ``sub`` accept the identity (32 zero bytes) like any other element.
* ``is_valid_point`` accepts the identity; the identity rule is ours (group.py).
"""

from __future__ import annotations

import pysodium


def scalarmult(scalar: bytes, point: bytes) -> bytes:
    return bytes(pysodium.crypto_scalarmult_ristretto255(scalar, point))


def scalarmult_base(scalar: bytes) -> bytes:
    return bytes(pysodium.crypto_scalarmult_ristretto255_base(scalar))


def add(p: bytes, q: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_add(p, q))


def sub(p: bytes, q: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_sub(p, q))


def is_valid_point(p: bytes) -> bool:
    return bool(pysodium.crypto_core_ristretto255_is_valid_point(p))


def from_hash(h: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_from_hash(h))


def scalar_random() -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_random())


def scalar_reduce(wide: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_reduce(wide))


def scalar_add(x: bytes, y: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_add(x, y))


def scalar_sub(x: bytes, y: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_sub(x, y))


def scalar_mul(x: bytes, y: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_mul(x, y))


def scalar_negate(x: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_negate(x))


def scalar_invert(x: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_invert(x))
