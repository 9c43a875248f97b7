"""k-of-n threshold ElGamal: key ceremony (Feldman VSS) and threshold decryption.

Ceremony (docs/protocol.md, "Key ceremony"), trustees numbered 1..n:

1. Trustee i draws a secret polynomial f_i of degree k−1 and publishes a
   `DealerMessage`: Feldman commitments ``C_ij = a_ij·G``, a Schnorr proof of
   knowledge of ``a_i0`` (so nobody can choose their key as a function of the
   others'), and ``f_i(l)`` for every trustee l, sealed to l's X25519 key.
2. Trustee l opens each share (`receive_share`) and checks it against the
   dealer's commitments; a wrong share raises `ShareVerificationError` naming the
   dealer. The dealer answers the complaint by revealing that share in public
   (`resolve_complaint`): if it matches the commitments, the complaint was
   unfounded and l uses it; if not, the dealer is disqualified.
3. Trustee l's key share is ``x_l = Σ_i f_i(l)``; the election key is
   ``K = Σ_i C_i0`` and l's verification key ``X_l = x_l·G`` is computable by
   anyone from the commitments (`verification_key`).

Decryption: each trustee publishes ``D_l = x_l·α`` with a Chaum-Pedersen proof
that it used the x_l behind X_l; any k valid shares give ``m·G = β − Σ λ_l·D_l``
with Lagrange coefficients at 0. Fewer than k shares say nothing about the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.public

from . import _codec
from .canonical import b64decode, b64encode
from .chaum_pedersen import ChaumPedersenProof, prove_equal_logs, verify_equal_logs
from .elgamal import Ciphertext
from .errors import (
    CanonicalEncodingError,
    InvalidEncoding,
    InvalidProof,
    NotEnoughShares,
    ShareVerificationError,
)
from .group import IDENTITY, Point, Scalar, base_mul, u64
from .schnorr import SchnorrProof, prove_knowledge, verify_knowledge
from .transcript import Binding

MAX_TRUSTEES = 64
_SHARE_PLAINTEXT = b"EVOTING-V1-share"


def trustee_binding(fingerprint: bytes, index: int) -> Binding:
    """The binding of trustee ``index``'s proofs: context ``"trustee" || u64(index)``."""
    return Binding(fingerprint, b"trustee" + u64(index))


@dataclass(frozen=True, slots=True)
class CeremonyParameters:
    """n trustees, any k of whom can decrypt."""

    trustees: int
    threshold: int

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= self.trustees <= MAX_TRUSTEES:
            raise ValueError(f"need 1 ≤ k ≤ n ≤ {MAX_TRUSTEES}")

    def check_index(self, index: int) -> None:
        """For indices the caller chose: a `ValueError` if out of range."""
        if not 1 <= index <= self.trustees:
            raise ValueError(f"trustees are numbered 1 to {self.trustees}")

    def check_sender(self, index: int, what: str) -> None:
        """For indices read from a message: an `InvalidProof` if out of range."""
        if not 1 <= index <= self.trustees:
            raise InvalidProof(
                f"{what} from trustee {index}, but trustees are 1 to {self.trustees}"
            )


class Polynomial:
    """A trustee's secret polynomial ``f(x) = a_0 + a_1·x + ... + a_{k−1}·x^{k−1}``."""

    __slots__ = ("_coefficients",)

    def __init__(self, coefficients: Sequence[Scalar]) -> None:
        if not coefficients:
            raise ValueError("a polynomial has at least one coefficient")
        self._coefficients = tuple(coefficients)

    @classmethod
    def random(cls, degree: int) -> Polynomial:
        return cls([Scalar.random() for _ in range(degree + 1)])

    def evaluate(self, x: int) -> Scalar:
        xs = Scalar.from_int(x)
        acc = self._coefficients[-1]
        for a in reversed(self._coefficients[:-1]):
            acc = acc * xs + a
        return acc

    def commitments(self) -> tuple[Point, ...]:
        return tuple(base_mul(a) for a in self._coefficients)

    @property
    def constant(self) -> Scalar:
        return self._coefficients[0]

    def __repr__(self) -> str:
        return f"Polynomial(degree={len(self._coefficients) - 1}, <secret>)"


def commitment_at(commitments: Sequence[Point], x: int) -> Point:
    """``Σ_j x^j·C_j``: the public image ``f(x)·G`` of the committed polynomial."""
    xs = Scalar.from_int(x)
    acc = commitments[-1]
    for c in reversed(commitments[:-1]):
        acc = acc * xs + c
    return acc


@dataclass(frozen=True, slots=True)
class DealerMessage:
    """Round 1 of the ceremony, published by trustee ``dealer``.

    ``encrypted_shares[l − 1]`` is ``f(l)`` sealed to trustee l (l = 1..n).
    """

    dealer: int
    commitments: tuple[Point, ...]
    proof: SchnorrProof
    encrypted_shares: tuple[bytes, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "commitments": [_codec.enc(c) for c in self.commitments],
            "proof": self.proof.to_json(),
            "encrypted_shares": [b64encode(s) for s in self.encrypted_shares],
        }

    @classmethod
    def from_json(cls, value: object, what: str = "dealer message") -> DealerMessage:
        f = _codec.obj(value, {"dealer", "commitments", "proof", "encrypted_shares"}, what)
        dealer = _codec.integer(f["dealer"], f"{what}.dealer", minimum=1, maximum=MAX_TRUSTEES)
        commitments = _codec.bounded_array(f["commitments"], f"{what}.commitments", MAX_TRUSTEES)
        shares = _codec.bounded_array(
            f["encrypted_shares"], f"{what}.encrypted_shares", MAX_TRUSTEES
        )
        try:
            sealed = tuple(b64decode(s) for s in shares)  # type: ignore[arg-type]
        except CanonicalEncodingError as exc:
            raise InvalidEncoding(f"{what}.encrypted_shares: {exc}") from exc
        return cls(
            dealer,
            tuple(_codec.point(c, f"{what}.commitments[{j}]") for j, c in enumerate(commitments)),
            SchnorrProof.from_json(f["proof"], f"{what}.proof"),
            sealed,
        )


def _share_plaintext(fingerprint: bytes, dealer: int, recipient: int, share: Scalar) -> bytes:
    return _SHARE_PLAINTEXT + fingerprint + u64(dealer) + u64(recipient) + share.to_bytes()


def deal(
    dealer: int,
    params: CeremonyParameters,
    recipient_keys: Sequence[nacl.public.PublicKey],
    fingerprint: bytes,
) -> tuple[Polynomial, DealerMessage]:
    """Round 1 for trustee ``dealer``: ``recipient_keys[l − 1]`` is trustee l's X25519 key."""
    params.check_index(dealer)
    if len(recipient_keys) != params.trustees:
        raise ValueError("one X25519 public key per trustee")
    poly = Polynomial.random(params.threshold - 1)
    commitments = poly.commitments()
    proof = prove_knowledge(poly.constant, commitments[0], trustee_binding(fingerprint, dealer))
    sealed = tuple(
        nacl.public.SealedBox(key).encrypt(
            _share_plaintext(fingerprint, dealer, recipient, poly.evaluate(recipient))
        )
        for recipient, key in enumerate(recipient_keys, start=1)
    )
    return poly, DealerMessage(dealer, commitments, proof, sealed)


def check_dealer_message(
    message: DealerMessage, params: CeremonyParameters, fingerprint: bytes
) -> None:
    """Public checks anyone can make: shape and the proof of knowledge."""
    params.check_sender(message.dealer, "dealer message")
    if len(message.commitments) != params.threshold:
        raise InvalidProof(f"trustee {message.dealer}: expected {params.threshold} commitments")
    if len(message.encrypted_shares) != params.trustees:
        raise InvalidProof(f"trustee {message.dealer}: expected {params.trustees} shares")
    try:
        verify_knowledge(
            message.commitments[0], message.proof, trustee_binding(fingerprint, message.dealer)
        )
    except InvalidProof as exc:
        raise InvalidProof(f"trustee {message.dealer}: {exc}") from exc


def receive_share(
    message: DealerMessage,
    recipient: int,
    box_key: nacl.public.PrivateKey,
    params: CeremonyParameters,
    fingerprint: bytes,
) -> Scalar:
    """Open and check the share ``message.dealer`` sent to ``recipient``."""
    check_dealer_message(message, params, fingerprint)
    params.check_index(recipient)
    dealer = message.dealer
    try:
        plain = nacl.public.SealedBox(box_key).decrypt(message.encrypted_shares[recipient - 1])
    except nacl.exceptions.CryptoError as exc:
        raise ShareVerificationError(dealer, recipient, "cannot be opened") from exc
    header = _SHARE_PLAINTEXT + fingerprint + u64(dealer) + u64(recipient)
    if len(plain) != len(header) + 32 or plain[: len(header)] != header:
        raise ShareVerificationError(dealer, recipient, "is not addressed to it for this election")
    try:
        share = Scalar.from_bytes(plain[len(header) :])
    except InvalidEncoding as exc:
        raise ShareVerificationError(dealer, recipient, "is not a scalar") from exc
    _check_share(message, recipient, share)
    return share


def _check_share(message: DealerMessage, recipient: int, share: Scalar) -> None:
    if base_mul(share) != commitment_at(message.commitments, recipient):
        raise ShareVerificationError(
            message.dealer, recipient, "does not match the dealer's commitments"
        )


def resolve_complaint(
    message: DealerMessage,
    recipient: int,
    revealed_share: Scalar,
    params: CeremonyParameters,
    fingerprint: bytes,
) -> None:
    """Judge a complaint from the share the dealer revealed in public.

    Returns if the revealed share matches the commitments (the complaint was
    unfounded: the recipient uses it); raises `ShareVerificationError` if not
    (the dealer is disqualified).
    """
    check_dealer_message(message, params, fingerprint)
    params.check_sender(recipient, "complaint")
    _check_share(message, recipient, revealed_share)


def combine_shares(shares: Mapping[int, Scalar]) -> Scalar:
    """Trustee l's key share ``x_l = Σ_i f_i(l)`` from the shares of every qualified dealer."""
    if not shares:
        raise ValueError("no shares")
    total = Scalar.from_int(0)
    for _, share in sorted(shares.items()):
        total = total + share
    return total


def _check_qualified(messages: Sequence[DealerMessage]) -> None:
    dealers = [m.dealer for m in messages]
    if not dealers:
        raise InvalidProof("no qualified dealer: there is no election key")
    if len(set(dealers)) != len(dealers):
        raise InvalidProof(f"a dealer appears twice among {sorted(dealers)}")


def joint_public_key(messages: Sequence[DealerMessage]) -> Point:
    """The election public key ``K = Σ_i C_i0`` over the qualified dealers (each once)."""
    _check_qualified(messages)
    key = _sum(m.commitments[0] for m in messages)
    if key.is_identity():  # the dealers' keys cancel: encryption would be in the clear
        raise InvalidProof("the dealers' commitments add up to the identity")
    return key


def verification_key(messages: Sequence[DealerMessage], index: int) -> Point:
    """``X_l = x_l·G = Σ_i Σ_j l^j·C_ij``, computed from public commitments only."""
    _check_qualified(messages)
    return _sum(commitment_at(m.commitments, index) for m in messages)


def _sum(points: Iterable[Point]) -> Point:
    total = IDENTITY
    for p in points:
        total = total + p
    return total


@dataclass(frozen=True, slots=True)
class PartialDecryption:
    """Trustee ``trustee``'s share ``D = x_l·α`` of one ciphertext, with its proof."""

    trustee: int
    share: Point
    proof: ChaumPedersenProof

    def to_json(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "share": _codec.enc(self.share),
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, value: object, what: str = "partial decryption") -> PartialDecryption:
        f = _codec.obj(value, {"trustee", "share", "proof"}, what)
        return cls(
            _codec.integer(f["trustee"], f"{what}.trustee", minimum=1, maximum=MAX_TRUSTEES),
            _codec.point(f["share"], f"{what}.share"),
            ChaumPedersenProof.from_json(f["proof"], f"{what}.proof"),
        )


def partial_decrypt(
    trustee: int, key_share: Scalar, ct: Ciphertext, fingerprint: bytes
) -> PartialDecryption:
    share = ct.alpha * key_share
    proof = prove_equal_logs(
        key_share, base_mul(key_share), ct.alpha, share, trustee_binding(fingerprint, trustee)
    )
    return PartialDecryption(trustee, share, proof)


def verify_partial(
    partial: PartialDecryption, ct: Ciphertext, verification_key: Point, fingerprint: bytes
) -> None:
    try:
        verify_equal_logs(
            verification_key,
            ct.alpha,
            partial.share,
            partial.proof,
            trustee_binding(fingerprint, partial.trustee),
        )
    except InvalidProof as exc:
        raise InvalidProof(f"trustee {partial.trustee}'s decryption share: {exc}") from exc


def lagrange_at_zero(index: int, indices: Sequence[int]) -> Scalar:
    """``λ_l = Π_{m ≠ l} m / (m − l)`` over the trustees taking part."""
    num, den = Scalar.from_int(1), Scalar.from_int(1)
    for m in indices:
        if m != index:
            num = num * Scalar.from_int(m)
            den = den * Scalar.from_int(m - index)
    return num * den.inverse()


def combine_partials(
    ct: Ciphertext,
    partials: Sequence[PartialDecryption],
    verification_keys: Mapping[int, Point],
    params: CeremonyParameters,
    fingerprint: bytes,
) -> Point:
    """Check every share's proof, then ``m·G = β − Σ λ_l·D_l`` over the given trustees."""
    by_trustee: dict[int, PartialDecryption] = {}
    for p in partials:
        params.check_sender(p.trustee, "decryption share")
        if p.trustee in by_trustee:
            raise InvalidProof(f"two decryption shares from trustee {p.trustee}")
        if p.trustee not in verification_keys:
            raise InvalidProof(f"no verification key for trustee {p.trustee}")
        verify_partial(p, ct, verification_keys[p.trustee], fingerprint)
        by_trustee[p.trustee] = p
    if len(by_trustee) < params.threshold:
        raise NotEnoughShares(
            f"{len(by_trustee)} trustees' shares; {params.threshold} are needed to decrypt"
        )
    indices = sorted(by_trustee)
    combined = IDENTITY
    for trustee in indices:
        combined = combined + by_trustee[trustee].share * lagrange_at_zero(trustee, indices)
    return ct.beta - combined
