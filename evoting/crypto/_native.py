"""The optional native verification core (``native/``, a Rust extension), if built.

``native/`` builds the module ``evoting_native`` (PyO3, curve25519-dalek): variable-time
multi-scalar multiplication for checking public data, several times faster than
libsodium's constant-time, one-point-at-a-time API. It is optional: `load` returns
None when it is not installed, and `evoting.crypto.group` then does the same work
with libsodium. Both give the same verdict on every input (tests/property/
test_native_core.py).

``EVOTING_NATIVE=0`` in the environment keeps the libsodium path even when the core
is installed (a benchmark compares both in one run; a test proves the fallback).

Only verification goes through here: proving, encryption, decryption and anything
that touches a secret stays on libsodium (docs/threat-model.md, "Side channels").
"""

from __future__ import annotations

import importlib
import os
from typing import Protocol, cast

MODULE = "evoting_native"
DISABLE = "EVOTING_NATIVE"


class Table(Protocol):
    """``PointTable``: points decoded once, for a batch's multi-scalar multiplication."""

    def __len__(self) -> int: ...

    def extend(self, data: bytes, identity: bool, /) -> int | None: ...

    def sum(self, indices: list[int], /) -> bytes: ...

    def all_identity(
        self, scalars: bytes, indices: list[int], lengths: list[int], weights: bytes, /
    ) -> bool: ...


class Core(Protocol):
    """What ``native/src/lib.rs`` exports (flat 32-byte encodings, small-int lists)."""

    BACKEND: str

    def PointTable(self) -> Table: ...

    def b64_32(self, text: str, /) -> bytes | None: ...

    def first_invalid_point(self, data: bytes, /) -> int | None: ...

    def lincombs(
        self, points: bytes, scalars: bytes, indices: list[int], lengths: list[int], /
    ) -> bytes: ...


def load() -> Core | None:
    """The native core, or None if it is not installed or ``EVOTING_NATIVE=0``."""
    if os.environ.get(DISABLE, "").strip() == "0":
        return None
    try:
        module = importlib.import_module(MODULE)
    except ImportError:
        return None
    if not all(hasattr(module, name) for name in _NAMES):
        return None  # a build older than this code (./dev builds it again)
    return cast("Core", module)


_NAMES = ("BACKEND", "PointTable", "b64_32", "first_invalid_point", "lincombs")
