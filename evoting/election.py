"""The election manifest: what is asked, of whom, when, and under which rules.

A manifest is a YAML or JSON file (docs/manifest.md). `load_manifest` validates
every field and reports all problems at once, each with its path
(``questions[0].text.fr: missing``). The validated manifest has one canonical
JSON form (`Manifest.to_json`); its SHA-256 is the **election fingerprint**, which
every signature and proof of the election is bound to.

Manifests come from outside (an official's upload, a published bundle), so every
size is bounded before anything is walked, each bound well above real use (the
Kortrijk consultation had 10 themes of statements; a referendum asks one question):

==========================  ==================================================
``MAX_MANIFEST_BYTES``      16 MiB of YAML or JSON (the bounds below keep a
                            valid manifest under 2.2 million characters of
                            text, under 10 MB even in 4-byte characters)
``MAX_NESTING``             16 levels of lists and mappings (the manifest's
                            deepest field is 6 levels down)
``MAX_QUESTIONS``           64 questions
``MAX_STATEMENTS``          256 statements in one consultation question
``MAX_CONTESTS``            256 answers in all (one per referendum question,
                            one per statement): what one ballot can carry
                            (ballots/ballot.py refuses more contests)
``MAX_SELECTIONS``          768 encrypted selections in one ballot (a project
                            question has one per project, per rank for points)
``MAX_BALLOT_SIZE``         7,000 ciphertexts and proof branches in one ballot
                            (``ContestShape.size``, about 180 bytes each: the
                            ballot stays under the ballot box's 2 MiB)
``MAX_TITLE``               300 characters for the title, per language
``MAX_TEXT``                1,000 characters for a question's or statement's
                            text, and for ``web_address``
``MAX_LONG_TEXT``           5,000 characters (a page and a half) for the
                            description and for each of the pro and contra
                            arguments, per language
==========================  ==================================================

A list longer than its bound is one problem, and its items are not read. Duplicate
ids are found with a set (linear time). No text or id may hold a control or
invisible character (Unicode categories Cc, Cf, Cs, Zl and Zp: newlines, tabs,
bidirectional overrides, zero-width spaces, lone surrogates; surrounding whitespace
is stripped first); problems show field names with such characters escaped.

This module imports only the kernel (docs/architecture.md).
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml

from evoting.crypto.canonical import b64decode, b64encode, canonical_json, sha256_digest
from evoting.crypto.contest import ContestShape
from evoting.crypto.errors import CanonicalEncodingError
from evoting.projects import (
    COMMON,
    FIELDS,
    PROJECT_TYPES,
    ProjectVote,
    contest_shape,
    read_vote,
    vote_json,
)

LANGUAGES = ("nl", "fr", "en")
TIMEZONE = "Europe/Brussels"
QUESTION_TYPES = ("referendum", "consultation", *PROJECT_TYPES)
DEFAULT_MIN_CELL = 10
"""Turnout figures by age band and district hide any count below this (nobody singled out)."""
CONSULTATION_ANSWERS = ("agree", "disagree", "no_opinion")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # used with fullmatch: `$` would allow "id\n"
_NIS = re.compile(r"[0-9]{5}")
_WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters (bidirectional overrides, zero-width spaces), lone
surrogates, line and paragraph separators: they would hide or reorder what a title
says on the public page, the letter and the report."""


def _invisible(value: str) -> str | None:
    return next((c for c in value if unicodedata.category(c) in _INVISIBLE), None)


MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_NESTING = 16
MAX_QUESTIONS = 64
MAX_STATEMENTS = 256
MAX_CONTESTS = 256
MAX_SELECTIONS = 768  # encrypted selections in one ballot (what tally.json grows with)
MAX_BALLOT_SIZE = 7_000  # ContestShape.size in all: about 1.3 MB, under the box's 2 MiB
MAX_TITLE = 300
MAX_TEXT = 1_000
MAX_LONG_TEXT = 5_000


class ManifestError(ValueError):
    """Every problem found in a manifest, one per line, each with its field path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the manifest is not valid:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


def _shown(key: object, limit: int = 60) -> str:
    """A field name as a problem may print it: unprintable characters escaped, cut short."""
    text = key if isinstance(key, str) else repr(key)
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _nesting(raw: object) -> int:
    """How deep lists and mappings nest (iteratively; each shared container counted once)."""
    deepest, seen = 0, set()
    stack: list[tuple[object, int]] = [(raw, 0)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        seen.add(id(value))
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    return deepest


_TOO_DEEP = f"manifest: nested deeper than {MAX_NESTING} levels of lists and mappings"


Text = Mapping[str, str]
"""A text in every language of the election."""


@dataclass(frozen=True, slots=True)
class Window:
    opens: datetime.datetime  # aware, Europe/Brussels
    closes: datetime.datetime

    def contains(self, moment: datetime.datetime) -> bool:
        return self.opens <= moment < self.closes


@dataclass(frozen=True, slots=True)
class Eligibility:
    minimum_age: int
    municipality: str  # NIS code
    reference_date: datetime.date  # age is reckoned on this day


@dataclass(frozen=True, slots=True)
class ReferendumRules:
    min_participants: int
    min_margin_points: Decimal
    min_turnout_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    text: Text


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: Literal["referendum", "consultation", "approval", "points", "budget", "cumulative"]
    text: Text
    arguments_pro: Text | None
    arguments_contra: Text | None
    blank_allowed: bool
    rules: ReferendumRules | None
    statements: tuple[Statement, ...]
    vote: ProjectVote | None = None  # the project question types (evoting/projects.py)


@dataclass(frozen=True, slots=True)
class Trustees:
    n: int
    k: int


@dataclass(frozen=True, slots=True)
class Manifest:
    id: str
    languages: tuple[str, ...]
    title: Text
    description: Text
    web_address: str
    window: Window
    eligibility: Eligibility
    questions: tuple[Question, ...]
    trustees: Trustees
    authority_key: bytes | None = None
    min_cell: int = DEFAULT_MIN_CELL
    """The election authority's Ed25519 public key: only it may sign the result bundle."""
    _fingerprint: bytes = field(default=b"", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fingerprint", sha256_digest(self.to_json()))

    def to_json(self) -> dict[str, object]:
        """The canonical content (all defaults filled in) that the fingerprint covers."""
        out: dict[str, object] = {
            "format": "EVOTING-V1-manifest",
            "id": self.id,
            "languages": list(self.languages),
            "title": dict(self.title),
            "web_address": self.web_address,
            "window": {
                "opens": self.window.opens.isoformat(),
                "closes": self.window.closes.isoformat(),
                "timezone": TIMEZONE,
            },
            "eligibility": {
                "minimum_age": self.eligibility.minimum_age,
                "municipality": self.eligibility.municipality,
                "reference_date": self.eligibility.reference_date.isoformat(),
            },
            "questions": [_question_json(q) for q in self.questions],
            "trustees": {"n": self.trustees.n, "k": self.trustees.k},
            "min_cell": self.min_cell,
        }
        if self.description:
            out["description"] = dict(self.description)
        if self.authority_key is not None:
            out["authority_key"] = b64encode(self.authority_key)
        return out

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def fingerprint(self) -> bytes:
        """SHA-256 of the canonical manifest: what every proof and signature is bound to."""
        return self._fingerprint

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def _question_json(q: Question) -> dict[str, object]:
    out: dict[str, object] = {"id": q.id, "type": q.type, "text": dict(q.text)}
    if q.vote is not None:
        return out | vote_json(q.type, q.vote)
    if q.type == "referendum":
        assert q.rules is not None
        out["blank_allowed"] = q.blank_allowed
        arguments = {}
        if q.arguments_pro:
            arguments["pro"] = dict(q.arguments_pro)
        if q.arguments_contra:
            arguments["contra"] = dict(q.arguments_contra)
        if arguments:
            out["arguments"] = arguments
        out["rules"] = {
            "min_participants": q.rules.min_participants,
            "min_margin_points": str(q.rules.min_margin_points),
            "min_turnout_percent": (
                None if q.rules.min_turnout_percent is None else str(q.rules.min_turnout_percent)
            ),
        }
    else:
        out["statements"] = [{"id": s.id, "text": dict(s.text)} for s in q.statements]
    return out


def _shapes(q: Question) -> list[ContestShape]:
    """The question's contests' shapes, as ballots/encoding.py builds them."""
    if q.vote is not None:
        return [contest_shape(q.type, q.vote)]
    if q.type == "referendum":
        return [ContestShape(3 if q.blank_allowed else 2)]
    return [ContestShape(3)] * len(q.statements)


def _check_ballot_size(r: _Reader, questions: list[Question]) -> None:
    """A ballot must fit the ballot box (2 MiB) and its totals the verifier's limits: a
    question of 256 projects with 60 points each would make every ballot 1.5 MB."""
    try:
        shapes = [(i, s) for i, q in enumerate(questions) for s in _shapes(q)]
    except ValueError as exc:  # read_vote refuses what a shape would; this is a last guard
        r.fail("questions", str(exc))
        return
    selections = sum(s.options for _, s in shapes)
    if selections > MAX_SELECTIONS:
        r.fail("questions", f"a ballot holds at most {MAX_SELECTIONS} encrypted selections "
                            f"(one per option, per project, per rank and project), not "
                            f"{selections}")  # fmt: skip
    size = sum(s.size for _, s in shapes)
    if size > MAX_BALLOT_SIZE:
        biggest = max(shapes, key=lambda item: item[1].size)
        r.fail(f"questions[{biggest[0]}]", f"every ballot would carry {size} ciphertexts and "
                                           f"proof branches, more than {MAX_BALLOT_SIZE} (about "
                                           "1.3 MB); this question carries "
                                           f"{biggest[1].size}: fewer projects or lower "
                                           "points per project")  # fmt: skip


class _Reader:
    """Walks the raw document and collects every problem with its path."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.languages: tuple[str, ...] = LANGUAGES

    def fail(self, path: str, why: str) -> None:
        self.problems.append(f"{path}: {why}")

    def mapping(
        self, value: object, path: str, fields: set[str], required: set[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "expected a mapping of fields")
            return {}
        for key in sorted(set(value) - fields, key=str):
            self.fail(f"{path}.{_shown(key)}", "unknown field")
        for key in sorted(required - set(value)):
            self.fail(f"{path}.{key}", "missing")
        return value

    def identifier(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not _ID.fullmatch(value):
            self.fail(
                path,
                "use 1-63 lowercase letters, digits and dashes, starting with a letter or digit",
            )
            return "invalid"
        return value

    def text(self, value: object, path: str, limit: int = MAX_TEXT) -> dict[str, str]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a text per language ({', '.join(self.languages)})")
            return {}
        out = {}
        for lang in self.languages:
            item = value.get(lang)
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{path}.{lang}", "missing")
            elif self.plain(item.strip(), f"{path}.{lang}", limit):
                out[lang] = item.strip()
        for lang in sorted(set(value) - set(self.languages), key=str):
            self.fail(f"{path}.{_shown(lang)}", "not one of the election's languages")
        return out

    def plain(self, value: str, path: str, limit: int) -> bool:
        """A text of at most ``limit`` characters without control characters."""
        if len(value) > limit:
            self.fail(path, f"at most {limit} characters")
            return False
        control = _invisible(value)
        if control is not None:
            self.fail(path, f"contains a control or invisible character (U+{ord(control):04X})")
            return False
        return True

    def items(self, value: object, path: str, what: str, limit: int) -> list[object]:
        """A list of 1 to ``limit`` items; longer lists are refused before any item is read."""
        if not isinstance(value, list) or not value:
            self.fail(path, f"expected a list of at least one {what}")
            return []
        if len(value) > limit:
            self.fail(path, f"at most {limit} {what}s")
            return []
        return value

    def unique(self, ids: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        twice: set[str] = set()
        for i in ids:
            (twice if i in seen else seen).add(i)
        for dup in sorted(twice):
            self.fail(path, f"{what} id {dup!r} is used twice")

    def integer(self, value: object, path: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(path, f"expected a whole number from {low} to {high}")
            return low
        return value

    def decimal(self, value: object, path: str, low: Decimal, high: Decimal) -> Decimal:
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise InvalidOperation
            number = Decimal(str(value))
            if not number.is_finite() or not low <= number <= high:
                raise InvalidOperation
        except InvalidOperation:
            self.fail(path, f"expected a number from {low} to {high}")
            return low
        return Decimal(int(number)) if number == number.to_integral_value() else number.normalize()

    def date(self, value: object, path: str) -> datetime.date:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(path, "expected a date, YYYY-MM-DD")
        return datetime.date(2000, 1, 1)

    def moment(self, value: object, path: str) -> datetime.datetime:
        zone = ZoneInfo(TIMEZONE)
        parsed: datetime.datetime | None = None
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail(path, "expected a date and time, YYYY-MM-DDTHH:MM (Brussels time)")
            return datetime.datetime(2000, 1, 1, tzinfo=zone)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone)


def _read_question(r: _Reader, raw: object, path: str) -> Question | None:
    qtype = raw.get("type") if isinstance(raw, dict) else None
    project_fields = COMMON | FIELDS[qtype] if qtype in PROJECT_TYPES else set()
    q = r.mapping(
        raw,
        path,
        {"id", "type", "text", "arguments", "blank_allowed", "rules", "statements",
         *project_fields},
        {"id", "type", "text", *(("projects", "rule") if project_fields else ())},
    )  # fmt: skip
    if not q:
        return None
    qid = r.identifier(q.get("id"), f"{path}.id")
    if qtype not in QUESTION_TYPES:
        r.fail(f"{path}.type", f"expected one of {', '.join(QUESTION_TYPES)}")
        return None
    text = r.text(q.get("text"), f"{path}.text")
    if qtype in PROJECT_TYPES:
        for extra in sorted({"arguments", "blank_allowed", "rules", "statements"} & set(q)):
            r.fail(f"{path}.{extra}", f"not used by a {qtype} question")
        vote = read_vote(r, str(qtype), q, path)
        return Question(qid, qtype, text, None, None, False, None, (), vote)
    if qtype == "referendum":
        for extra in sorted({"statements"} & set(q)):
            r.fail(f"{path}.{extra}", "not used by a referendum")
        arguments = r.mapping(q.get("arguments", {}), f"{path}.arguments", {"pro", "contra"}, set())
        pro = (
            r.text(arguments["pro"], f"{path}.arguments.pro", MAX_LONG_TEXT)
            if "pro" in arguments
            else None
        )
        contra = (
            r.text(arguments["contra"], f"{path}.arguments.contra", MAX_LONG_TEXT)
            if "contra" in arguments
            else None
        )
        blank = q.get("blank_allowed", False)
        if not isinstance(blank, bool):
            r.fail(f"{path}.blank_allowed", "expected true or false")
            blank = False
        raw_rules = r.mapping(
            q.get("rules"),
            f"{path}.rules",
            {"min_participants", "min_margin_points", "min_turnout_percent"},
            {"min_participants", "min_margin_points"},
        )
        turnout = raw_rules.get("min_turnout_percent")
        rules = ReferendumRules(
            min_participants=r.integer(
                raw_rules.get("min_participants", 0), f"{path}.rules.min_participants", 0, 10**8
            ),
            min_margin_points=r.decimal(
                raw_rules.get("min_margin_points", 0),
                f"{path}.rules.min_margin_points",
                Decimal(0),
                Decimal(100),
            ),
            min_turnout_percent=None
            if turnout is None
            else r.decimal(turnout, f"{path}.rules.min_turnout_percent", Decimal(0), Decimal(100)),
        )
        return Question(qid, "referendum", text, pro, contra, blank, rules, ())
    for extra in sorted({"arguments", "blank_allowed", "rules"} & set(q)):
        r.fail(f"{path}.{extra}", "not used by a consultation")
    raw_statements = r.items(q.get("statements"), f"{path}.statements", "statement",
                             MAX_STATEMENTS)  # fmt: skip
    statements = []
    for i, raw_statement in enumerate(raw_statements):
        s = r.mapping(raw_statement, f"{path}.statements[{i}]", {"id", "text"}, {"id", "text"})
        if s:
            statements.append(
                Statement(
                    r.identifier(s.get("id"), f"{path}.statements[{i}].id"),
                    r.text(s.get("text"), f"{path}.statements[{i}].text"),
                )
            )
    r.unique([s.id for s in statements], f"{path}.statements", "statement")
    return Question(qid, "consultation", text, None, None, False, None, tuple(statements))


def parse_manifest(raw: object) -> Manifest:
    """Validate a manifest document (already parsed from YAML or JSON).

    Reading YAML or JSON text: `manifest_from_text` (it bounds size and nesting
    before parsing, which a parser given a deep document cannot do afterwards).
    """
    if _nesting(raw) > MAX_NESTING:
        raise ManifestError([_TOO_DEEP])
    r = _Reader()
    doc = r.mapping(
        raw,
        "manifest",
        {
            "id", "languages", "title", "description", "web_address", "window",
            "eligibility", "questions", "trustees", "format", "authority_key", "min_cell",
        },
        {"id", "title", "web_address", "window", "eligibility", "questions", "trustees"},
    )  # fmt: skip
    if not doc:
        raise ManifestError(r.problems or ["manifest: empty"])
    if "format" in doc and doc["format"] != "EVOTING-V1-manifest":
        r.fail("format", "expected EVOTING-V1-manifest")
    languages = doc.get("languages", list(LANGUAGES))
    if (
        not isinstance(languages, list)
        or not languages
        or any(lang not in LANGUAGES for lang in languages)
        or len(set(languages)) != len(languages)
    ):
        r.fail("languages", f"expected a list of distinct languages from {', '.join(LANGUAGES)}")
        languages = list(LANGUAGES)
    r.languages = tuple(languages)
    election_id = r.identifier(doc.get("id"), "id")
    title = r.text(doc.get("title"), "title", MAX_TITLE)
    description = (
        r.text(doc["description"], "description", MAX_LONG_TEXT) if "description" in doc else {}
    )
    web_address = doc.get("web_address")
    if (
        not isinstance(web_address, str)
        or not r.plain(web_address, "web_address", MAX_TEXT)
        or not _WEB_ADDRESS.fullmatch(web_address)
    ):
        r.fail("web_address", "expected the address residents vote at, https://...")
        web_address = "https://invalid"
    window_raw = r.mapping(
        doc.get("window"), "window", {"opens", "closes", "timezone"}, {"opens", "closes"}
    )
    if window_raw.get("timezone", TIMEZONE) != TIMEZONE:
        r.fail("window.timezone", f"elections run on {TIMEZONE} time")
    window = Window(
        r.moment(window_raw.get("opens"), "window.opens"),
        r.moment(window_raw.get("closes"), "window.closes"),
    )
    if window.closes <= window.opens:
        r.fail("window.closes", "must be after window.opens")
    el = r.mapping(
        doc.get("eligibility"),
        "eligibility",
        {"minimum_age", "municipality", "reference_date"},
        {"minimum_age", "municipality"},
    )
    municipality = el.get("municipality")
    if isinstance(municipality, int) and not isinstance(municipality, bool):
        municipality = f"{municipality:05d}"
    if not isinstance(municipality, str) or not _NIS.fullmatch(municipality):
        r.fail("eligibility.municipality", "expected a 5-digit NIS code, e.g. '34022'")
        municipality = "00000"
    eligibility = Eligibility(
        minimum_age=r.integer(el.get("minimum_age", 0), "eligibility.minimum_age", 0, 130),
        municipality=municipality,
        reference_date=r.date(el["reference_date"], "eligibility.reference_date")
        if "reference_date" in el
        else window.opens.date(),
    )
    raw_questions = r.items(doc.get("questions"), "questions", "question", MAX_QUESTIONS)
    questions = [
        q
        for i, raw_q in enumerate(raw_questions)
        if (q := _read_question(r, raw_q, f"questions[{i}]")) is not None
    ]
    r.unique([q.id for q in questions], "questions", "question")
    answers = sum(len(q.statements) if q.type == "consultation" else 1 for q in questions)
    min_cell = r.integer(doc.get("min_cell", DEFAULT_MIN_CELL), "min_cell", 1, 1_000)
    if answers > MAX_CONTESTS:
        r.fail("questions", f"at most {MAX_CONTESTS} answers in all (one per referendum "
                            f"question, one per statement), not {answers}")  # fmt: skip
    if not r.problems:
        _check_ballot_size(r, questions)
    t = r.mapping(doc.get("trustees"), "trustees", {"n", "k"}, {"n", "k"})
    trustees = Trustees(
        r.integer(t.get("n", 1), "trustees.n", 1, 64), r.integer(t.get("k", 1), "trustees.k", 1, 64)
    )
    if trustees.k > trustees.n:
        r.fail("trustees.k", "cannot be more than trustees.n")
    authority_key = None
    if "authority_key" in doc:
        try:
            authority_key = b64decode(str(doc["authority_key"]))
            if len(authority_key) != 32:
                raise CanonicalEncodingError("not 32 bytes")
        except CanonicalEncodingError:
            r.fail("authority_key", "expected an Ed25519 public key (base64url, 32 bytes)")
    if r.problems:
        raise ManifestError(r.problems)
    return Manifest(
        election_id,
        tuple(languages),
        title,
        description,
        web_address,
        window,
        eligibility,
        tuple(questions),
        trustees,
        authority_key,
        min_cell,
    )


def local_date(moment: datetime.datetime) -> datetime.date:
    """The calendar day in Brussels at ``moment`` (an aware datetime)."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest file (``.yaml``, ``.yml`` or ``.json``)."""
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise ManifestError([f"{path}: cannot read ({exc.strerror})"]) from exc
    return manifest_from_text(data, str(path), as_json=str(path).endswith(".json"))


def manifest_from_text(data: bytes, name: str = "manifest", *, as_json: bool = False) -> Manifest:
    """Parse and validate a manifest's YAML (or, with ``as_json``, JSON) text.

    Size and nesting are bounded before the document is built (an upload nested
    thousands of levels deep is a `ManifestError`, not a `RecursionError`).
    """
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError([f"{name}: larger than {MAX_MANIFEST_BYTES >> 20} MiB"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError([f"{name}: not UTF-8 text"]) from exc
    try:
        if as_json:
            raw = json.loads(text)
        else:
            _check_yaml_nesting(text)
            raw = yaml.safe_load(text)
    except RecursionError as exc:
        raise ManifestError([_TOO_DEEP]) from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ManifestError([f"{name}: not valid YAML or JSON ({exc})"]) from exc
    return parse_manifest(raw)


def _check_yaml_nesting(text: str) -> None:
    """Refuse deep YAML from its event stream (the parser is iterative; the loader is not)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise ManifestError([_TOO_DEEP])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


@functools.lru_cache(maxsize=64)
def manifest_from_canonical(data: bytes) -> Manifest:
    """The manifest back from its canonical JSON (as stored and published).

    Cached by content: a manifest is immutable, and the server reads the same one
    for every request.
    """
    return manifest_from_text(data, "the canonical manifest", as_json=True)
