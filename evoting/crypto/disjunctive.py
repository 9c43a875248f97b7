"""Disjunctive (CDS) proofs that a ciphertext encrypts one value of a small set.

Statement: ``(α, β)`` under K encrypts some ``s_j`` of ``S = (s_0, ..., s_{n−1})``.
Proof: challenges ``c_j`` and responses ``z_j`` with, for every j,

    A_j = z_j·G − c_j·α
    B_j = z_j·K − c_j·(β − s_j·G)
    Σ c_j = H(tag, fingerprint, context, K, α, β, label, S, A_0, B_0, ..., A_{n−1}, B_{n−1})

`prove_sum_in_range` applies the same proof to the homomorphic sum of several
ciphertexts with ``S = (min, ..., max)``: the number of options a voter chose.
Its statement is the sum itself (the verifier recomputes it from the ciphertexts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from . import _codec, batch
from .combine import lincombs
from .elgamal import Ciphertext
from .errors import InvalidEncoding, InvalidProof
from .group import G, Point, Scalar, base_mul, u64
from .transcript import TAG_IN_SET, TAG_SUM_IN_RANGE, Binding

_OPTIONAL = frozenset({"commitments"})
MAX_SET_SIZE = 1024
"""A bound on n: proof size and work grow linearly with the set."""


@dataclass(frozen=True, slots=True)
class DisjunctiveProof:
    """One challenge and one response per member of the set, in set order; and, in the
    V2 form, the commitments ``A_0, B_0, ..., A_{n−1}, B_{n−1}`` the challenge hashes,
    so that a verifier can defer the group equations to a batch (§5.6)."""

    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]
    commitments: tuple[Point, ...] | None = None

    def to_json(self) -> dict[str, list[str]]:
        out = {
            "challenges": [_codec.enc(c) for c in self.challenges],
            "responses": [_codec.enc(z) for z in self.responses],
        }
        if self.commitments is not None:
            out["commitments"] = [_codec.enc(p) for p in self.commitments]
        return out

    def without_commitments(self) -> DisjunctiveProof:
        """The V1 form of the same proof."""
        return DisjunctiveProof(self.challenges, self.responses)

    @classmethod
    def from_json(
        cls, value: object, what: str = "proof", *, commitments: bool | None = None
    ) -> DisjunctiveProof:
        """``commitments``: True for the V2 form, which must carry them, False for the V1
        form, which must not; None takes either (a ballot's format decides: ballots/)."""
        fields = {"challenges", "responses"}
        if commitments:
            fields.add("commitments")
        f = _codec.obj(
            value, fields, what, optional=_OPTIONAL if commitments is None else frozenset()
        )
        cs = _codec.array(f["challenges"], f"{what}.challenges")
        zs = _codec.array(f["responses"], f"{what}.responses")
        if len(cs) != len(zs) or not 0 < len(cs) <= MAX_SET_SIZE:
            raise InvalidEncoding(f"{what}: as many challenges as responses, 1 to {MAX_SET_SIZE}")
        points = None
        if "commitments" in f:
            ps = _codec.array(f["commitments"], f"{what}.commitments")
            if len(ps) != 2 * len(cs):
                raise InvalidEncoding(f"{what}: two commitments per challenge")
            points = _codec.points(ps, f"{what}.commitments")
        return cls(
            _codec.scalars(cs, f"{what}.challenges"),
            _codec.scalars(zs, f"{what}.responses"),
            points,
        )


def _check_set(values: Sequence[int]) -> None:
    if not 0 < len(values) <= MAX_SET_SIZE:
        raise ValueError(f"the set has 1 to {MAX_SET_SIZE} members")
    if len(set(values)) != len(values) or any(v < 0 for v in values):
        raise ValueError("the set's members are distinct non-negative integers")


def _multiple_of_g(value: int) -> Point:
    return G if value == 1 else base_mul(Scalar.from_int(value))


def _challenge(
    tag: bytes,
    binding: Binding,
    public_key: Point,
    ct: Ciphertext,
    label: bytes,
    values: Sequence[int],
    commitments: list[bytes],
) -> Scalar:
    return binding.challenge(
        tag,
        public_key.to_bytes(),
        ct.alpha.to_bytes(),
        ct.beta.to_bytes(),
        label,
        b"".join(u64(v) for v in values),
        *commitments,
    )


def prove_tagged(
    tag: bytes,
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    value: int,
    r: Scalar,
    binding: Binding,
    label: bytes,
) -> DisjunctiveProof:
    """The proof under a given domain tag (kernel-internal; see prove_in_set)."""
    _check_set(values)
    if value not in values:
        raise ValueError("cannot prove membership of a value outside the set")
    real = values.index(value)
    n = len(values)
    challenges: list[Scalar] = [Scalar.from_int(0)] * n
    responses: list[Scalar] = [Scalar.from_int(0)] * n
    commitments: list[Point] = []
    w = Scalar.random()
    for j, s_j in enumerate(values):
        if j == real:
            commitments += (base_mul(w), public_key * w)
            continue
        # Simulated branch. With t_j = z_j − c_j·r the verifier's equations give
        # A_j = t_j·G and B_j = t_j·K + c_j·(s_j − value)·G: one variable-base
        # multiplication instead of three, same distribution (t_j is uniform).
        c_j, t_j = Scalar.random(), Scalar.random()
        offset = base_mul(c_j * Scalar.from_int(s_j - value))
        commitments += (base_mul(t_j), public_key * t_j + offset)
        challenges[j] = c_j
        responses[j] = t_j + c_j * r
    c = _challenge(tag, binding, public_key, ct, label, values, [p.to_bytes() for p in commitments])
    c_real = c
    for j in range(n):
        if j != real:
            c_real = c_real - challenges[j]
    challenges[real] = c_real
    responses[real] = w + c_real * r
    return DisjunctiveProof(tuple(challenges), tuple(responses), tuple(commitments))


def verify_tagged(
    tag: bytes,
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    proof: DisjunctiveProof,
    binding: Binding,
    label: bytes,
    what: str,
) -> None:
    """Verification under a given domain tag (kernel-internal; see verify_in_set)."""
    _check_set(values)
    if len(proof.challenges) != len(values) or len(proof.responses) != len(values):
        raise InvalidProof(f"{what}: the proof does not have one branch per allowed value")
    if proof.commitments is not None:
        _verify_with_commitments(tag, public_key, ct, values, proof, binding, label, what)
        return
    # A_j = z_j·G − c_j·α and B_j = z_j·K − c_j·(β − s_j·G), all in one call.
    points = [G, public_key, ct.alpha, ct.beta]
    combos: list[list[tuple[Scalar, int]]] = []
    total = Scalar.from_int(0)
    for s_j, c_j, z_j in zip(values, proof.challenges, proof.responses, strict=True):
        if s_j != 0:
            points.append(ct.beta - _multiple_of_g(s_j))
        combos += ([(z_j, 0), (-c_j, 2)], [(z_j, 1), (-c_j, 3 if s_j == 0 else len(points) - 1)])
        total = total + c_j
    commitments = [p.to_bytes() for p in lincombs(points, combos)]
    if _challenge(tag, binding, public_key, ct, label, values, commitments) != total:
        raise InvalidProof(f"{what}: the proof does not verify")


def _verify_with_commitments(
    tag: bytes,
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    proof: DisjunctiveProof,
    binding: Binding,
    label: bytes,
    what: str,
) -> None:
    """The V2 form: the challenge against the commitments it carries, now; then, for
    every j, ``z_j·G − c_j·α = A_j`` and ``z_j·K − c_j·β + c_j·s_j·G = B_j``, now or
    in the current batch (`batch.check`)."""
    commitments = proof.commitments
    if commitments is None or len(commitments) != 2 * len(values):
        raise InvalidProof(f"{what}: the proof does not have two commitments per branch")
    # Public values only: plain integer arithmetic mod L (no secret to keep in constant time).
    cs = [int(c) for c in proof.challenges]
    hashed = [p.to_bytes() for p in commitments]
    if _challenge(tag, binding, public_key, ct, label, values, hashed) != Scalar.from_int(sum(cs)):
        raise InvalidProof(f"{what}: the proof does not verify")
    points = [G, public_key, ct.alpha, ct.beta, *commitments]
    equations: list[batch.Equation] = []
    for j, (s_j, c_j, z_j) in enumerate(zip(values, cs, proof.responses, strict=True)):
        minus_c = Scalar.from_int(-c_j)
        equations.append(([(z_j, 0), (minus_c, 2)], 4 + 2 * j))
        b_terms = [(z_j, 1), (minus_c, 3)]
        if s_j != 0:
            b_terms.append((Scalar.from_int(c_j * s_j), 0))
        equations.append((b_terms, 5 + 2 * j))
    if not batch.check(points, equations):
        raise InvalidProof(f"{what}: the proof does not verify")


def prove_in_set(
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    value: int,
    r: Scalar,
    binding: Binding,
    label: bytes = b"",
) -> DisjunctiveProof:
    """Prove that ``ct`` (randomness r) encrypts ``value``, a member of ``values``.

    ``label`` names the ciphertext's place (for example the selection's index)
    and goes into the challenge.
    """
    return prove_tagged(TAG_IN_SET, public_key, ct, values, value, r, binding, label)


def verify_in_set(
    public_key: Point,
    ct: Ciphertext,
    values: Sequence[int],
    proof: DisjunctiveProof,
    binding: Binding,
    label: bytes = b"",
) -> None:
    verify_tagged(TAG_IN_SET, public_key, ct, values, proof, binding, label, "value in set")


def sum_ciphertexts(cts: Sequence[Ciphertext]) -> Ciphertext:
    if not cts:
        raise ValueError("nothing to add up")
    current = batch.current()
    if current is not None and current.native:  # the parts are decoded in its table
        alpha = current.sum_of([c.alpha for c in cts])
        beta = current.sum_of([c.beta for c in cts])
        if alpha is not None and beta is not None:
            return Ciphertext(alpha, beta)
    return reduce(Ciphertext.__add__, cts)


def prove_sum_in_range(
    public_key: Point,
    cts: Sequence[Ciphertext],
    randomness: Sequence[Scalar],
    total: int,
    minimum: int,
    maximum: int,
    binding: Binding,
    label: bytes = b"",
) -> DisjunctiveProof:
    """Prove that the sum of ``cts`` (given their randomness) is in [minimum, maximum]."""
    if len(cts) != len(randomness):
        raise ValueError("one randomness per ciphertext")
    r = reduce(Scalar.__add__, randomness)
    values = range(minimum, maximum + 1)
    return prove_tagged(
        TAG_SUM_IN_RANGE, public_key, sum_ciphertexts(cts), values, total, r, binding, label
    )


def verify_sum_in_range(
    public_key: Point,
    cts: Sequence[Ciphertext],
    minimum: int,
    maximum: int,
    proof: DisjunctiveProof,
    binding: Binding,
    label: bytes = b"",
) -> None:
    values = range(minimum, maximum + 1)
    verify_tagged(
        TAG_SUM_IN_RANGE, public_key, sum_ciphertexts(cts), values, proof, binding, label, "sum"
    )
