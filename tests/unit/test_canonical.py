"""Canonical JSON: the exact bytes everything is hashed and signed over."""

from __future__ import annotations

import hashlib

import pytest

from evoting.crypto.canonical import (
    b64decode,
    b64encode,
    canonical_json,
    parse_canonical,
    sha256_hex,
)
from evoting.crypto.errors import CanonicalEncodingError


def test_known_bytes() -> None:
    value = {"b": 1, "a": [True, None, "é", -3], "c": b"\x00\xff", "d": {"z": "", "y": []}}
    expected = '{"a":[true,null,"é",-3],"b":1,"c":"AP8","d":{"y":[],"z":""}}'.encode()
    assert canonical_json(value) == expected
    assert sha256_hex(value) == hashlib.sha256(expected).hexdigest()


def test_tuples_are_arrays() -> None:
    assert canonical_json((1, (2,))) == b"[1,[2]]"


@pytest.mark.parametrize(
    "value",
    [1.0, float("nan"), {"x": 0.5}, 2**53, -(2**53), {1: "a"}, {"s": {1, 2}}, "\ud800", object()],
    ids=["float", "nan", "nested-float", "2^53", "-2^53", "int-key", "set", "surrogate", "object"],
)
def test_values_without_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(CanonicalEncodingError):
        canonical_json(value)


def test_safe_integer_bounds_are_accepted() -> None:
    assert canonical_json([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


def test_parse_round_trip() -> None:
    data = canonical_json({"k": [1, "x", None, False], "a": b"bytes"})
    assert parse_canonical(data) == {"a": "Ynl0ZXM", "k": [1, "x", None, False]}


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',
        b'{"a":1.0}',
        b'{"a":NaN}',
        b'{"a":"\\u00e9"}',
        b"\xff",
        b"{",
        b'{"a":1}\n',
    ],
    ids=["space", "unsorted", "duplicate", "float", "nan", "escaped", "not-utf8", "broken", "eol"],
)
def test_non_canonical_json_is_refused(text: bytes) -> None:
    with pytest.raises(CanonicalEncodingError):
        parse_canonical(text)


@pytest.mark.parametrize(
    "text",
    [b"[" * 5000 + b"]" * 5000, b"[" * 40 + b"]" * 40, b"1" * 5000, "{}", b'"\\ud800"'],
    ids=["recursion", "too-deep", "huge-integer", "str-not-bytes", "lone-surrogate"],
)
def test_hostile_input_raises_only_canonical_errors(text: object) -> None:
    with pytest.raises(CanonicalEncodingError):
        parse_canonical(text)  # type: ignore[arg-type]


def test_depth_limit_on_encoding() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(CanonicalEncodingError, match="deeper than 32"):
        canonical_json(deep)


def test_base64url() -> None:
    assert b64encode(b"\xfb\xff") == "-_8"
    assert b64decode("-_8") == b"\xfb\xff"
    assert b64decode("") == b""


@pytest.mark.parametrize("text", ["-_8=", "+/8", "A", "AR", "a b", "é"])
def test_base64url_is_strict(text: str) -> None:
    with pytest.raises(CanonicalEncodingError):
        b64decode(text)
