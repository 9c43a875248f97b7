"""The one canonical JSON form of everything the protocol hashes or signs.

Rules (docs/protocol.md, "Canonical JSON"):

* objects with string keys sorted by Unicode code point (the protocol's keys are
  ASCII, where this is plain byte order); no duplicate keys;
* no insignificant whitespace (separators ``,`` and ``:``), UTF-8, non-ASCII
  characters written as themselves, not as ``\\u`` escapes;
* no floats, NaN or infinities; integers only, within ±(2^53 − 1) so that a
  JavaScript verifier reads them exactly;
* byte strings as base64url without padding (RFC 4648, section 5).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from .errors import CanonicalEncodingError

JSONValue: TypeAlias = object
"""None, bool, int, str, bytes, lists/tuples of these and str-keyed mappings of these;
checked when encoded, since protocol objects build their JSON as ``dict[str, object]``."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_DEPTH: Final = 32
"""Nesting limit for arrays and objects; the protocol's deepest object is far shallower."""


def b64encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_BASE64URL: Final = re.compile("[A-Za-z0-9_-]*")
_VALUE: Final = {c: i for i, c in enumerate(_ALPHABET)}
_TO_STD: Final = bytes.maketrans(b"-_", b"+/")


_B64_32: Final = re.compile("[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
"""The base64url form of 32 bytes (every point and scalar): 42 characters, then one whose
last two bits, beyond the data, are zero."""


def b64decode(text: str) -> bytes:
    """Strict inverse of `b64encode`: rejects padding, other alphabets, stray bits.

    The text is ``b64encode(raw)`` exactly when it uses only the base64url alphabet,
    its length is not 1 more than a multiple of 4, and the bits its last character
    carries beyond the data are zero: checked as such, without encoding again (for 32
    bytes, the commonest by far, by one pattern)."""
    if type(text) is str and len(text) == 43 and _B64_32.fullmatch(text):
        return binascii.a2b_base64(text.encode("ascii").translate(_TO_STD) + b"=")
    if not isinstance(text, str):
        raise CanonicalEncodingError("expected a base64url string")
    tail = len(text) % 4
    if tail == 1 or not _BASE64URL.fullmatch(text):
        raise CanonicalEncodingError("not base64url without padding")
    if (tail == 2 and _VALUE[text[-1]] & 0x0F) or (tail == 3 and _VALUE[text[-1]] & 0x03):
        raise CanonicalEncodingError("not the canonical base64url form")
    try:
        return binascii.a2b_base64((text + "=" * (-tail % 4)).encode("ascii").translate(_TO_STD))
    except (binascii.Error, ValueError) as exc:  # not expected after the checks above
        raise CanonicalEncodingError("not base64url without padding") from exc


def _prepare(value: Any, path: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise CanonicalEncodingError(f"{path}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalEncodingError(f"{path}: integer outside ±(2^53 − 1)")
        return value
    if isinstance(value, bytes):
        return b64encode(value)
    if isinstance(value, float):
        raise CanonicalEncodingError(f"{path}: floats have no canonical form")
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalEncodingError(f"{path}: object keys must be strings")
            out[key] = _prepare(item, f"{path}.{key}", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_prepare(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise CanonicalEncodingError(f"{path}: {type(value).__name__} has no JSON form")


def canonical_json(value: JSONValue) -> bytes:
    """The canonical UTF-8 bytes of ``value``."""
    try:
        text = json.dumps(
            _prepare(value, "$"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalEncodingError("text is not valid Unicode (lone surrogate)") from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CanonicalEncodingError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_floats(text: str) -> Any:
    raise CanonicalEncodingError(f"floats have no canonical form: {text}")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise CanonicalEncodingError(f"integer outside ±(2^53 − 1): {text[:20]}")
    return value


def _check_depth(value: dict[str, Any] | list[Any]) -> None:
    """No value, of any type, deeper than `MAX_DEPTH` (what `_prepare` enforces): no
    container at depth `MAX_DEPTH` holds anything. Only containers are visited."""
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if type(item) is dict else item
        if depth >= MAX_DEPTH and children:
            raise CanonicalEncodingError(f"nested deeper than {MAX_DEPTH} levels")
        stack += [(c, depth + 1) for c in children if type(c) is dict or type(c) is list]


def parse_canonical(data: bytes) -> Any:
    """Parse JSON that must already be in canonical form (what verifiers read).

    Byte strings stay base64url text; the reader of each field decodes them.
    Hostile input (deep nesting, huge numbers, bad UTF-8) raises
    `CanonicalEncodingError` and nothing else. The value is checked as
    `canonical_json` would check it (integers, depth; JSON has no other types), and
    its canonical form is written by the C encoder directly and compared with
    ``data`` byte for byte.
    """
    if not isinstance(data, bytes):
        raise CanonicalEncodingError("canonical JSON is read from bytes")
    # Canonical text has no key twice (writing it again would drop one and differ from
    # it), so the common case is read without the duplicate check; whatever it refuses
    # is read again with every check, for the precise reason.
    try:
        value = json.loads(data, parse_float=_no_floats, parse_constant=_no_floats,
                           parse_int=_safe_int)  # fmt: skip
        if _written(value, data) == data:
            return value
    except (ValueError, RecursionError, CanonicalEncodingError):
        pass
    return _parse_strictly(data)


def _written(value: Any, text: bytes) -> bytes:
    """``value``, read from ``text``, written canonically by the C encoder, checked as
    `canonical_json` checks (depth; a lone surrogate has no UTF-8 form)."""
    # Too deep takes MAX_DEPTH + 1 nested containers, each opened by a bracket or a
    # brace: text with fewer (strings' brackets counted too) cannot be.
    if isinstance(value, (dict, list)) and text.count(b"[") + text.count(b"{") > MAX_DEPTH:
        _check_depth(value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")  # fmt: skip
    except UnicodeEncodeError as exc:
        raise CanonicalEncodingError("text is not valid Unicode (lone surrogate)") from exc


def _parse_strictly(data: bytes) -> Any:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_floats,
            parse_constant=_no_floats,
            parse_int=_safe_int,
        )
    except UnicodeDecodeError as exc:
        raise CanonicalEncodingError("not UTF-8") from exc
    except RecursionError as exc:
        raise CanonicalEncodingError(f"nested deeper than {MAX_DEPTH} levels") from exc
    except CanonicalEncodingError:
        raise
    except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
        raise CanonicalEncodingError(f"not JSON: {exc}") from exc
    if _written(value, data) != data:
        raise CanonicalEncodingError("JSON is not in canonical form")
    return value


def sha256_digest(value: JSONValue) -> bytes:
    """SHA-256 of the canonical form: the identifier of a protocol object."""
    return hashlib.sha256(canonical_json(value)).digest()


def sha256_hex(value: JSONValue) -> str:
    return sha256_digest(value).hex()
