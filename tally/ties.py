"""Tie-breaking for the winner rules (tally/winners.py): the declared rules and the lot.

Projects with equal scores are put in order by the tie rules the manifest declares,
applied one after the other until one separates them:

``lower_cost``
    the cheaper project comes first;
``higher_cost``
    the dearer project comes first;
``lot``
    a draw that anyone can recompute from the published seed (text). Each project
    draws the 32 bytes::

        SHA-256( UTF-8(seed) || 0x00 || UTF-8(project id) )

    and the project whose draw is smaller comes first, comparing the digests as
    unsigned big-endian numbers (the same as comparing the bytes one by one, or the
    lower-case hexadecimal texts). The seed and the id are taken exactly as the
    manifest gives them, with no normalisation. In a shell::

        printf '%s\\0%s' "$SEED" "$PROJECT_ID" | sha256sum

    The draw of a project does not depend on which other projects it is tied with,
    so it is one fixed order of all the projects, published before the vote if the
    seed is. This definition is part of the protocol (docs/protocol.md).

Since ids are distinct, ``lot`` separates any two projects (short of a SHA-256
collision), so it can only come last. ``lower_cost`` and ``higher_cost`` contradict
each other: at most one of them is declared. Nothing here uses the ``random``
module, floats or the clock.
"""

from __future__ import annotations

import hashlib

LOWER_COST = "lower_cost"
HIGHER_COST = "higher_cost"
LOT = "lot"
TIE_RULES = (LOWER_COST, HIGHER_COST, LOT)
UNDECIDED = "none"
"""`decided_by` of two projects that no declared rule separates (tally/winners.py)."""

IN_WORDS = {LOWER_COST: "lower cost", HIGHER_COST: "higher cost", LOT: "lot"}


def lot_draw(seed: str, project_id: str) -> bytes:
    """The project's draw for ``lot``: the smaller draw comes first."""
    return hashlib.sha256(seed.encode("utf-8") + b"\x00" + project_id.encode("utf-8")).digest()


def tie_key(
    ties: tuple[str, ...], seed: str | None, project_id: str, cost: int
) -> tuple[int | bytes, ...]:
    """The project's sort key under the declared tie rules, one part per rule, in order.

    Smaller keys come first. Two projects whose keys are equal are not separated by
    any declared rule.
    """
    parts: list[int | bytes] = []
    for rule in ties:
        if rule == LOWER_COST:
            parts.append(cost)
        elif rule == HIGHER_COST:
            parts.append(-cost)
        elif rule == LOT:
            if seed is None:
                raise ValueError('"lot" needs the published seed')
            parts.append(lot_draw(seed, project_id))
        else:
            raise ValueError(f"unknown tie rule {rule!r}")
    return tuple(parts)


def deciding_rule(
    ties: tuple[str, ...], key_a: tuple[int | bytes, ...], key_b: tuple[int | bytes, ...]
) -> str:
    """The first declared rule whose parts of the two keys differ, or `UNDECIDED`."""
    for rule, a, b in zip(ties, key_a, key_b, strict=True):
        if a != b:
            return rule
    return UNDECIDED
