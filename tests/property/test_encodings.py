"""Arbitrary bytes: only canonical encodings decode, and they re-encode to themselves."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoting.crypto import _sodium
from evoting.crypto.canonical import b64decode, b64encode, canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError, InvalidEncoding
from evoting.crypto.group import L, Point, Scalar, base_mul
from tests.property.strategies import nonzero_scalars


@given(st.binary(min_size=32, max_size=32))
def test_random_bytes_decode_only_if_canonical(data: bytes) -> None:
    libsodium_says = _sodium.is_valid_point(data)
    try:
        point = Point.from_bytes(data)
    except InvalidEncoding:
        assert not libsodium_says or data[31] & 0x80 or data == bytes(32)
    else:
        assert libsodium_says
        assert point.to_bytes() == data
        assert (point + point - point).to_bytes() == data  # survives a round trip in libsodium


@given(nonzero_scalars)
def test_every_element_has_exactly_one_accepted_encoding(k: Scalar) -> None:
    encoded = base_mul(k).to_bytes()
    assert Point.from_bytes(encoded) == base_mul(k)
    with pytest.raises(InvalidEncoding):
        Point.from_bytes(encoded[:31] + bytes([encoded[31] | 0x80]))


@given(st.binary(min_size=32, max_size=32))
def test_scalars_decode_exactly_when_below_l(data: bytes) -> None:
    if int.from_bytes(data, "little") < L:
        assert Scalar.from_bytes(data).to_bytes() == data
    else:
        with pytest.raises(InvalidEncoding):
            Scalar.from_bytes(data)


@given(st.binary(max_size=100))
def test_base64url_round_trip(data: bytes) -> None:
    assert b64decode(b64encode(data)) == data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_round_trip(value: object) -> None:
    try:
        encoded = canonical_json(value)
    except CanonicalEncodingError:
        return  # lone surrogates in generated text have no UTF-8 form
    assert canonical_json(parse_canonical(encoded)) == encoded


def _reference_b64decode(text: str) -> bytes | None:
    """The definition: strict base64 with the url alphabet, and encoding back must give
    the text (what canonical.b64decode checked before it checked the rules directly)."""
    import base64
    import binascii

    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if b64encode(raw) == text else None


@given(st.one_of(
    st.binary(max_size=70).map(b64encode),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \n",
            max_size=70),
    st.binary(min_size=1, max_size=40).map(lambda b: b64encode(b)[:-1] + "A"),
    st.binary(min_size=1, max_size=40).map(lambda b: b64encode(b)[:-1] + "B"),
    st.text(max_size=20),
))  # fmt: skip
def test_b64decode_accepts_exactly_the_canonical_forms(text: str) -> None:
    expected = _reference_b64decode(text)
    try:
        got: bytes | None = b64decode(text)
    except CanonicalEncodingError:
        got = None
    assert got == expected


def _reference_parse(data: bytes) -> object:
    """The definition parse_canonical implements: the JSON value, if writing it out
    canonically (with canonical_json's own checks) gives ``data`` back."""
    import json

    from evoting.crypto.canonical import _no_duplicates, _no_floats

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates,
                           parse_float=_no_floats, parse_constant=_no_floats)  # fmt: skip
        return value if canonical_json(value) == data else "refused"
    except (CanonicalEncodingError, ValueError, RecursionError):
        return "refused"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=40,
)


@given(json_values, st.integers(0, 40), st.sampled_from([b"", b" ", b"[", b"1", b"\\ud800"]))
def test_parse_canonical_is_its_definition(value: object, at: int, insert: bytes) -> None:
    import json

    texts = [json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
             .encode("utf-8")]  # fmt: skip
    texts.append(texts[0][:at] + insert + texts[0][at:])
    texts.append(b"[" * 40 + b"1" + b"]" * 40)
    for depth in (32, 33):  # a plain value one level too deep, as the review found
        texts += [b"[" * depth + leaf + b"]" * depth for leaf in (b'"x"', b"1", b"[]", b"{}")]
    for data in texts:
        try:
            got: object = parse_canonical(data)
        except CanonicalEncodingError:
            got = "refused"
        assert got == _reference_parse(data)


@given(json_values, st.integers(0, 40), st.sampled_from([
    b'"a":1,', b'{"a":1,"a":1}', b'{"a":1,"a":2}', b"1.5", b"NaN", b"99999999999999999999",
    b"\xef\xbb\xbf", b"\xff", b"[" * 40,
]))  # fmt: skip
def test_parse_canonical_refuses_with_the_strict_reading_s_reason(
    value: object, at: int, insert: bytes
) -> None:
    """The fast reading (no duplicate check: canonical text has no key twice) accepts
    what the strict reading accepts, and whatever it refuses is refused for the strict
    reading's reason (duplicate keys included)."""
    import json

    from evoting.crypto.canonical import _parse_strictly

    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data = text.encode("utf-8")
    for candidate in (data[:at] + insert + data[at:], insert, b"[" + insert + b"]"):
        outcomes = []
        for parse in (parse_canonical, _parse_strictly):
            try:
                outcomes.append(("accepted", parse(candidate)))
            except CanonicalEncodingError as exc:
                outcomes.append(("refused", str(exc)))
        assert outcomes[0] == outcomes[1], candidate
