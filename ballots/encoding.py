"""How the manifest's questions become encrypted contests, and answers become selections.

Each question is one or more contests (docs/protocol.md §6), each with a label
that goes into every proof:

* **referendum** ``q``: one contest labelled ``q`` with options ``yes``, ``no``
  and, if the manifest allows it, ``blank``; exactly one is chosen.
* **consultation** ``q`` with statements ``s_1 … s_n``: one contest per statement,
  labelled ``q/s_i``, options ``agree``, ``disagree``, ``no_opinion``; exactly one.

An answer (the voter's plaintext, which never leaves the device) maps each
question id to: an option id; ``None`` for blank (a referendum's ``blank``, a
consultation's ``no_opinion`` everywhere); for a consultation also a mapping
statement id → option id, or a list of option ids in statement order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evoting.crypto.contest import ContestShape
from evoting.election import Manifest, Question

REFERENDUM_OPTIONS = ("yes", "no")
BLANK = "blank"
CONSULTATION_OPTIONS = ("agree", "disagree", "no_opinion")


class AnswerError(ValueError):
    """An answer that does not fit the ballot (the device refuses to encrypt it)."""


@dataclass(frozen=True, slots=True)
class ContestSpec:
    """One encrypted contest of the ballot."""

    label: str
    question_id: str
    statement_id: str | None
    options: tuple[str, ...]
    shape: ContestShape

    @property
    def label_bytes(self) -> bytes:
        return self.label.encode("utf-8")


def _question_contests(q: Question) -> list[ContestSpec]:
    if q.type == "referendum":
        options = REFERENDUM_OPTIONS + ((BLANK,) if q.blank_allowed else ())
        return [ContestSpec(q.id, q.id, None, options, ContestShape(len(options)))]
    return [
        ContestSpec(f"{q.id}/{s.id}", q.id, s.id, CONSULTATION_OPTIONS, ContestShape(3))
        for s in q.statements
    ]


def contests(manifest: Manifest) -> tuple[ContestSpec, ...]:
    """Every contest of the ballot, in manifest order."""
    return tuple(c for q in manifest.questions for c in _question_contests(q))


def _one_hot(spec: ContestSpec, option: str) -> list[int]:
    if option not in spec.options:
        raise AnswerError(f"{spec.label}: {option!r} is not one of {', '.join(spec.options)}")
    return [int(o == option) for o in spec.options]


def selections(manifest: Manifest, answers: Mapping[str, object]) -> dict[str, list[int]]:
    """The 0/1 selections of every contest (by label) for a voter's answers."""
    known = {q.id for q in manifest.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise AnswerError(f"no question {unknown[0]!r} on this ballot")
    out: dict[str, list[int]] = {}
    for q in manifest.questions:
        answer = answers.get(q.id)
        specs = _question_contests(q)
        if q.type == "referendum":
            spec = specs[0]
            if answer is None:
                if not q.blank_allowed:
                    raise AnswerError(f"{q.id}: a blank vote is not allowed; choose yes or no")
                answer = BLANK
            if not isinstance(answer, str):
                raise AnswerError(f"{q.id}: the answer is one option id")
            out[spec.label] = _one_hot(spec, answer)
            continue
        per_statement = _statement_answers(q, specs, answer)
        for spec in specs:
            out[spec.label] = _one_hot(spec, per_statement[spec.statement_id or ""])
    return out


def _statement_answers(q: Question, specs: Sequence[ContestSpec], answer: object) -> dict[str, str]:
    ids = [s.statement_id or "" for s in specs]
    if answer is None:
        return dict.fromkeys(ids, "no_opinion")
    if isinstance(answer, list):
        if len(answer) != len(ids) or not all(isinstance(a, str) for a in answer):
            raise AnswerError(f"{q.id}: give one answer per statement ({len(ids)})")
        return dict(zip(ids, answer, strict=True))
    if isinstance(answer, Mapping):
        extra = sorted(set(answer) - set(ids))
        if extra:
            raise AnswerError(f"{q.id}: no statement {extra[0]!r}")
        given = {k: v if v is not None else "no_opinion" for k, v in answer.items()}
        if not all(isinstance(v, str) for v in given.values()):
            raise AnswerError(f"{q.id}: each statement's answer is one option id")
        return {i: str(given.get(i, "no_opinion")) for i in ids}
    raise AnswerError(f"{q.id}: answer with a list or a mapping of statement answers")
