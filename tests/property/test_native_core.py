"""The native verification core (native/, curve25519-dalek) against libsodium.

Every proof check of the kernel goes through `evoting.crypto.combine`; the kernel's
proof, contest, threshold and protocol-vector tests run on both paths (their
``verification_path`` fixture), so each of their accepted and refused proofs gets the
same verdict on each. Here the two paths are compared directly: the same points, bit
for bit, for any combination; the same validity for any 32 bytes; and the core's own
refusals of malformed calls.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evoting.crypto import _native, combine
from evoting.crypto.batch import Batch, check, deferring
from evoting.crypto.errors import InvalidEncoding
from evoting.crypto.group import IDENTITY, G, L, Point, Scalar, base_mul
from tests.property.strategies import scalars

CORE = _native.load()
pytestmark = pytest.mark.skipif(CORE is None, reason="the native core (native/) is not built")

edge_scalars = st.sampled_from([0, 1, 2, L - 1, L - 2, 2**128, 2**252]).map(Scalar.from_int)
any_scalars = st.one_of(scalars, edge_scalars)
points = st.one_of(
    st.just(G), st.just(IDENTITY), scalars.map(base_mul), st.just(base_mul(Scalar.from_int(-1)))
)


@st.composite
def combinations(draw: st.DrawFn) -> tuple[list[Point], list[list[tuple[Scalar, int]]]]:
    pts = [G, *draw(st.lists(points, min_size=1, max_size=6))]
    term = st.tuples(any_scalars, st.integers(0, len(pts) - 1))
    combos = draw(st.lists(st.lists(term, min_size=0, max_size=5), min_size=1, max_size=6))
    return pts, combos


def _both(pts: list[Point], combos: list[list[tuple[Scalar, int]]]) -> tuple[list[Point], ...]:
    with combine.using("libsodium"):
        pure = combine.lincombs(pts, combos)
    with combine.using("native"):
        native = combine.lincombs(pts, combos)
    return pure, native


@given(combinations())
def test_the_same_points_on_both_paths(
    case: tuple[list[Point], list[list[tuple[Scalar, int]]]],
) -> None:
    pure, native = _both(*case)
    assert [p.to_bytes() for p in native] == [p.to_bytes() for p in pure]


def _all_identity(pts: list[Point], combos: list[list[tuple[Scalar, int]]]) -> bool:
    """Whether every combination is the identity, as a batch checks it (on the native
    path: one weighted multi-scalar multiplication over its table)."""
    batch = Batch()
    with deferring(batch):
        batch.item(1)
        check([*pts, IDENTITY], [(combo, len(pts)) for combo in combos])
    return batch.holds()


@given(combinations())
def test_the_same_identity_verdict_on_both_paths(
    case: tuple[list[Point], list[list[tuple[Scalar, int]]]],
) -> None:
    pts, combos = case
    expected = all(p.is_identity() for p in _both(pts, combos)[0])
    with combine.using("libsodium"):
        assert _all_identity(pts, combos) is expected
    with combine.using("native"):
        assert _all_identity(pts, combos) is expected


@given(st.lists(st.tuples(any_scalars, points), min_size=1, max_size=8), st.integers(0, 7))
def test_cancelling_combinations_pass_the_batch_until_one_term_moves(
    terms: list[tuple[Scalar, Point]], moved: int
) -> None:
    """Σ sᵢPᵢ − Σ sᵢPᵢ is the identity; change one scalar and it no longer is (as long
    as that term was not zero)."""
    pts = [G, *(p for _, p in terms)]
    plus = [(s, i + 1) for i, (s, _) in enumerate(terms)]
    minus = [(-s, i + 1) for i, (s, _) in enumerate(terms)]
    zero = [plus + minus, plus[:1] + minus[:1]]
    with combine.using("native"):
        assert _all_identity(pts, zero)
        k = moved % len(terms)
        s, p = terms[k]
        assume(not p.is_identity())
        broken = [*minus[:k], (-s + Scalar.from_int(1), k + 1), *minus[k + 1 :]]
        assert not _all_identity(pts, [plus + broken, *zero])
        assert not _all_identity(pts, [*zero, plus + broken])


def _python_rule(data: bytes) -> bool:
    try:
        Point.from_bytes(data)
    except InvalidEncoding:
        return False
    return True


@given(
    st.one_of(st.binary(min_size=32, max_size=32), scalars.map(lambda s: base_mul(s).to_bytes()))
)
def test_the_same_point_validity_as_libsodium(data: bytes) -> None:
    assert CORE is not None
    flipped = data[:31] + bytes([data[31] ^ 0x80])  # bit 255: a second encoding
    for candidate in (data, flipped):
        valid = CORE.first_invalid_point(candidate) is None
        assert valid is _python_rule(candidate)


def test_known_invalid_encodings() -> None:
    """RFC 9496's bad encodings (non-canonical field elements, negative s, non-square),
    the identity (refused from outside), and bit 255 set on a valid point."""
    assert CORE is not None
    p = 2**255 - 19
    bad = [
        bytes(32),  # the identity
        (p).to_bytes(32, "little"),  # s = p: not reduced
        (p + 2).to_bytes(32, "little"),
        (1).to_bytes(32, "little"),  # s odd: negative
        (2**255 - 20).to_bytes(32, "little"),  # p - 1: negative
        G.to_bytes()[:31] + bytes([G.to_bytes()[31] | 0x80]),
    ]
    for data in bad:
        assert not _python_rule(data)
        assert CORE.first_invalid_point(data) == 0
    good = b"".join(base_mul(Scalar.random()).to_bytes() for _ in range(3))
    assert CORE.first_invalid_point(good) is None
    assert CORE.first_invalid_point(good + bad[3] + good) == 3
    with pytest.raises(ValueError, match="multiple of 32"):
        CORE.first_invalid_point(good[:-1])


def test_malformed_calls_are_refused() -> None:
    assert CORE is not None
    g = G.to_bytes()
    one = Scalar.from_int(1).to_bytes()
    with pytest.raises(ValueError, match="not reduced"):
        CORE.lincombs(g, L.to_bytes(32, "little"), [0], [1])
    with pytest.raises(ValueError, match="out of range"):
        CORE.lincombs(g, one, [1], [1])
    with pytest.raises(ValueError, match="do not agree"):
        CORE.lincombs(g, one, [0], [2])
    with pytest.raises(ValueError, match="do not agree"):
        CORE.lincombs(g, one + one, [0], [1])
    with pytest.raises(ValueError, match="not a ristretto255 encoding"):
        CORE.lincombs((1).to_bytes(32, "little"), one, [0], [1])
    table = CORE.PointTable()
    assert table.extend(g, False) is None
    with pytest.raises(ValueError, match="16-byte weight"):
        table.all_identity(one, [0], [1], secrets.token_bytes(15))
    with pytest.raises(ValueError, match="out of range"):
        table.all_identity(one, [1], [1], secrets.token_bytes(16))
    assert CORE.lincombs(g, b"", [], [0]) == bytes(32)  # the empty sum: the identity


def _contest_doc() -> dict[str, object]:
    from evoting.crypto.contest import ContestShape, encrypt_contest
    from evoting.crypto.elgamal import KeyPair
    from evoting.crypto.transcript import Binding

    key = KeyPair.generate()
    contest, _ = encrypt_contest(key.public, [0, 1, 0], ContestShape(3), Binding(bytes(32), b""),
                                 b"q")  # fmt: skip
    return contest.to_json()


CONTEST_DOC = _contest_doc()


def _point_fields(doc: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Where the points are: ciphertexts' alpha and beta, and the commitments."""
    found: list[tuple[object, ...]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("alpha", "beta"):
                found.append((*path, key))
            elif key == "commitments":
                found += [(*path, key, i) for i in range(len(value))]
            else:
                found += _point_fields(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _point_fields(value, (*path, i))
    return found


POINT_FIELDS = _point_fields(CONTEST_DOC)


def _replaced(doc: object, path: tuple[object, ...], value: str) -> object:
    if not path:
        return value
    head, *rest = path
    if isinstance(doc, dict):
        return {k: (_replaced(v, tuple(rest), value) if k == head else v) for k, v in doc.items()}
    assert isinstance(doc, list)
    return [(_replaced(v, tuple(rest), value) if i == head else v) for i, v in enumerate(doc)]


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except InvalidEncoding as exc:
        return f"refused: {exc}"


@given(
    st.lists(
        st.tuples(st.sampled_from(POINT_FIELDS), st.one_of(
            st.binary(min_size=32, max_size=32),
            st.just(bytes(32)),
            st.just((2**255 - 19).to_bytes(32, "little")),
            st.just((1).to_bytes(32, "little")),
            st.binary(min_size=31, max_size=33))),
        min_size=0, max_size=3,
    )
)  # fmt: skip
def test_points_read_together_give_the_same_verdict_and_error(
    changes: list[tuple[tuple[object, ...], bytes]],
) -> None:
    from evoting.crypto import read_together
    from evoting.crypto.canonical import b64encode
    from evoting.crypto.contest import EncryptedContest

    doc: object = CONTEST_DOC
    for path, raw in changes:
        doc = _replaced(doc, path, b64encode(raw))

    def read() -> EncryptedContest:
        return EncryptedContest.from_json(doc, commitments=True)

    with combine.using("libsodium"):
        expected = _outcome(read)
    with combine.using("native"):
        assert _outcome(lambda: read_together(read)) == expected
        batch = Batch()  # the points go into the batch's native table instead
        with deferring(batch):
            assert _outcome(lambda: read_together(read)) == expected
        assert len(batch) == 0


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
texts_near_32_bytes = st.one_of(
    st.binary(min_size=32, max_size=32).map(lambda b: __import__("base64").urlsafe_b64encode(b)
                                            .decode().rstrip("=")),
    st.text(alphabet=_B64_ALPHABET + "+/=", min_size=42, max_size=45),
    st.text(alphabet=_B64_ALPHABET, min_size=42, max_size=42).flatmap(
        lambda head: st.sampled_from(_B64_ALPHABET).map(lambda last: head + last)),
    st.text(min_size=43, max_size=43),
)  # fmt: skip


@settings(max_examples=1000)
@given(texts_near_32_bytes.filter(str.isascii))
def test_the_core_decodes_base64url_exactly_as_the_rule(text: str) -> None:
    """`b64_32` gives the bytes exactly when `b64decode` gives 32 bytes without error."""
    from evoting.crypto.canonical import b64decode
    from evoting.crypto.errors import CanonicalEncodingError

    assert CORE is not None
    try:
        expected: bytes | None = b64decode(text)
    except CanonicalEncodingError:
        expected = None
    if expected is not None and len(expected) != 32:
        expected = None
    assert CORE.b64_32(text) == expected


@given(texts_near_32_bytes | st.just("\ud800" * 43), st.sampled_from(POINT_FIELDS[:2]))
def test_any_text_in_a_field_reads_the_same_on_both_paths(
    text: str, path: tuple[object, ...]
) -> None:
    """Points and scalars of a contest, given any text: the same value or the same error
    on both paths (non-ASCII text and lone surrogates included)."""
    from evoting.crypto import read_together
    from evoting.crypto.contest import EncryptedContest

    doc = _replaced(CONTEST_DOC, path, text)
    scalar_doc = _replaced(CONTEST_DOC, ("sum_proof", "responses", 0), text)
    for d in (doc, scalar_doc):

        def read(d: object = d) -> EncryptedContest:
            return EncryptedContest.from_json(d, commitments=True)

        with combine.using("libsodium"):
            expected = _outcome(read)
        with combine.using("native"):
            assert _outcome(read) == expected
            assert _outcome(lambda: read_together(read)) == expected
