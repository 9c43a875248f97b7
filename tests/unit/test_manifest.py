"""The election manifest: validation with precise errors, canonical form, fingerprint."""

from __future__ import annotations

import copy
import datetime
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from evoting.election import (
    MAX_CONTESTS,
    MAX_LONG_TEXT,
    MAX_MANIFEST_BYTES,
    MAX_NESTING,
    MAX_QUESTIONS,
    MAX_STATEMENTS,
    MAX_TEXT,
    MAX_TITLE,
    ManifestError,
    load_manifest,
    manifest_from_canonical,
    manifest_from_text,
    parse_manifest,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLES / "kortrijk-2019.yaml").read_text())
    return loaded


def test_kortrijk() -> None:
    m = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    assert m.eligibility.minimum_age == 16
    assert m.eligibility.reference_date == datetime.date(2019, 5, 20)  # the day it opens
    assert m.window.opens.utcoffset() == datetime.timedelta(hours=2)  # Brussels summer time
    q = m.questions[0]
    assert q.type == "referendum"
    assert q.blank_allowed
    assert q.rules is not None
    assert q.rules.min_margin_points == Decimal("2.5")
    assert q.rules.min_participants == 2000
    assert m.to_json()["questions"][0]["rules"]["min_margin_points"] == "2.5"  # type: ignore[index]


def test_consultation_example() -> None:
    m = load_manifest(EXAMPLES / "grote-bevraging.yaml")
    assert [q.type for q in m.questions] == ["consultation"]
    assert len(m.questions[0].statements) == 10


def test_canonical_round_trip_and_fingerprint(raw: dict[str, Any], tmp_path: Path) -> None:
    m = parse_manifest(raw)
    assert manifest_from_canonical(m.canonical()) == m
    as_json = tmp_path / "m.json"
    as_json.write_text(json.dumps(raw, default=str))
    assert load_manifest(as_json).fingerprint == m.fingerprint  # same content, other format
    changed = copy.deepcopy(raw)
    changed["questions"][0]["rules"]["min_participants"] = 2001
    assert parse_manifest(changed).fingerprint != m.fingerprint


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(raw)
    return caught.value.problems


def test_every_problem_is_listed_with_its_field(raw: dict[str, Any]) -> None:
    del raw["title"]["fr"]
    raw["window"]["closes"] = "2019-05-01T08:00"
    raw["questions"][0]["type"] = "plebiscite"
    raw["trustees"] = {"n": 2, "k": 3}
    raw["colour"] = "blue"
    raw["eligibility"]["minimum_age"] = "sixteen"
    problems = _problems(raw)
    assert "title.fr: missing" in problems
    assert "window.closes: must be after window.opens" in problems
    assert (
        "questions[0].type: expected one of referendum, consultation, approval, points, "
        "budget, cumulative"
    ) in problems
    assert "trustees.k: cannot be more than trustees.n" in problems
    assert "manifest.colour: unknown field" in problems
    assert "eligibility.minimum_age: expected a whole number from 0 to 130" in problems


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r["questions"][0]["rules"].pop("min_participants"),
         "questions[0].rules.min_participants: missing"),
        (lambda r: r["questions"][0]["rules"].update(min_margin_points="lots"),
         "questions[0].rules.min_margin_points: expected a number from 0 to 100"),
        (lambda r: r["questions"].append(dict(r["questions"][0])),
         "questions: question id 'car-free-sunday' is used twice"),
        (lambda r: r.update(languages=["nl", "de"]),
         "languages: expected a list of distinct languages from nl, fr, en"),
        (lambda r: r["window"].update(timezone="UTC"),
         "window.timezone: elections run on Europe/Brussels time"),
        (lambda r: r.update(web_address="stemmen.kortrijk.be"),
         "web_address: expected the address residents vote at, https://..."),
        (lambda r: r["questions"][0].update(statements=[]),
         "questions[0].statements: not used by a referendum"),
        (lambda r: r.update(id="Kortrijk 2019"),
         "id: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit"),
    ],
)  # fmt: skip
def test_precise_errors(raw: dict[str, Any], change: Any, problem: str) -> None:
    change(raw)
    assert problem in _problems(raw)


def test_consultation_problems() -> None:
    raw = yaml.safe_load((EXAMPLES / "grote-bevraging.yaml").read_text())
    raw["questions"][0]["statements"][1]["id"] = "more-trees"
    raw["questions"][0]["rules"] = {"min_participants": 1}
    problems = _problems(raw)
    assert "questions[0].statements: statement id 'more-trees' is used twice" in problems
    assert "questions[0].rules: not used by a consultation" in problems


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_manifest(broken)


# Hostile manifests: bounded counts, linear checks, bounded nesting, no control characters.


def _consultation(statements: int) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((EXAMPLES / "grote-bevraging.yaml").read_text())
    text = {"nl": "s", "fr": "s", "en": "s"}
    raw["questions"][0]["statements"] = [{"id": f"s{i}", "text": text} for i in range(statements)]
    return raw


def test_the_largest_consultation_the_ballot_allows_is_accepted_quickly() -> None:
    raw = _consultation(MAX_CONTESTS)
    started = time.perf_counter()
    manifest = parse_manifest(raw)
    assert len(manifest.questions[0].statements) == MAX_CONTESTS
    assert time.perf_counter() - started < 5  # a shared machine under load; ~0.05 s alone


def test_too_many_statements_are_refused_before_any_is_read() -> None:
    raw = _consultation(32_000)  # built before the clock starts
    started = time.perf_counter()  # 32k statements once took 18 s (list.count per id)
    problems = _problems(raw)
    assert time.perf_counter() - started < 5  # ~0.1 s; the quadratic check took 18 s
    assert problems == [f"questions[0].statements: at most {MAX_STATEMENTS} statements"]


def test_contests_are_bounded_over_all_questions(raw: dict[str, Any]) -> None:
    consultation = _consultation(MAX_CONTESTS)["questions"][0]
    raw["questions"].append(consultation)  # one referendum + 256 statements: 257 contests
    assert f"questions: at most {MAX_CONTESTS} answers in all" in " ".join(_problems(raw))


def test_too_many_questions_are_refused_quickly(raw: dict[str, Any]) -> None:
    question = raw["questions"][0]
    raw["questions"] = [dict(question, id=f"q{i}") for i in range(50_000)]
    started = time.perf_counter()
    problems = _problems(raw)
    assert time.perf_counter() - started < 5  # a shared machine under load: linear is ~0.1 s
    assert problems == [f"questions: at most {MAX_QUESTIONS} questions"]


def test_duplicate_ids_are_found_in_linear_time() -> None:
    raw = _consultation(MAX_STATEMENTS)
    raw["questions"][0]["statements"][-1]["id"] = "s0"
    assert "questions[0].statements: statement id 's0' is used twice" in _problems(raw)


@pytest.mark.parametrize(
    ("where", "limit"),
    [
        (lambda r: r["title"], MAX_TITLE),
        (lambda r: r["description"], MAX_LONG_TEXT),
        (lambda r: r["questions"][0]["text"], MAX_TEXT),
        (lambda r: r["questions"][0]["arguments"]["pro"], MAX_LONG_TEXT),
    ],
)
def test_text_lengths_are_bounded(raw: dict[str, Any], where: Any, limit: int) -> None:
    where(raw)["fr"] = "x" * limit
    parse_manifest(raw)
    where(raw)["fr"] = "x" * (limit + 1)
    assert any(p.endswith(f".fr: at most {limit} characters") for p in _problems(raw))


def test_the_web_address_is_bounded(raw: dict[str, Any]) -> None:
    raw["web_address"] = "https://stemmen.kortrijk.be/" + "x" * MAX_TEXT
    assert any(p.startswith("web_address:") for p in _problems(raw))


@pytest.mark.parametrize(
    "suffix",
    [
        "\x00",
        "\n",
        "\t",
        "\x1b[2J",
        "\x7f",
        "\x85",
        "\x9f",
        "\u202e",
        "\u200b",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\ud800",
    ],
)
@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("title.nl", lambda r: (r["title"], "nl")),
        ("description.en", lambda r: (r["description"], "en")),
        ("questions[0].text.fr", lambda r: (r["questions"][0]["text"], "fr")),
        ("questions[0].arguments.contra.nl",
         lambda r: (r["questions"][0]["arguments"]["contra"], "nl")),
        ("web_address", lambda r: (r, "web_address")),
        ("id", lambda r: (r, "id")),
        ("questions[0].id", lambda r: (r["questions"][0], "id")),
        ("eligibility.municipality", lambda r: (r["eligibility"], "municipality")),
    ],
)  # fmt: skip
def test_control_characters_are_refused_naming_the_field(
    raw: dict[str, Any], path: str, where: Any, suffix: str
) -> None:
    parent, key = where(raw)
    value = parent[key]
    parent[key] = value[:3] + suffix + value[3:] if len(value) > 3 else value + suffix
    problems = _problems(raw)
    assert any(p.startswith(f"{path}:") for p in problems), problems
    assert all(suffix not in p for p in problems)  # the problem shows no control character


def test_a_trailing_newline_does_not_slip_through_an_id(raw: dict[str, Any]) -> None:
    raw["id"] = "kortrijk-2019\n"  # `$` in a regex matches before a final newline
    raw["eligibility"]["municipality"] = "34022\n"
    problems = _problems(raw)
    assert any(p.startswith("id:") for p in problems)
    assert any(p.startswith("eligibility.municipality:") for p in problems)


def test_a_statement_text_with_a_control_character(raw: dict[str, Any]) -> None:
    raw = _consultation(3)
    raw["questions"][0]["statements"][1]["text"]["en"] = "a\x00b"
    assert any(p.startswith("questions[0].statements[1].text.en: ") and "U+0000" in p
               for p in _problems(raw))  # fmt: skip


def test_an_unknown_field_with_a_control_character_is_shown_escaped(raw: dict[str, Any]) -> None:
    raw["\x1b[31mPASS\n" + "x" * 10_000] = 1
    problems = _problems(raw)
    assert len(problems) == 1
    assert "\x1b" not in problems[0]
    assert "\n" not in problems[0]
    assert len(problems[0]) < 200


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 100_000])
def test_deep_nesting_is_a_manifest_error(tmp_path: Path, suffix: str, depth: int) -> None:
    deep = tmp_path / f"deep{suffix}"
    deep.write_text('{"id": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(ManifestError, match="nested deeper than"):
        load_manifest(deep)


def test_deeply_nested_yaml_in_block_style(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("".join(f"{' ' * i}a:\n" for i in range(5_000)) + " " * 5_000 + "a: 1\n")
    with pytest.raises(ManifestError, match="nested deeper than"):
        load_manifest(deep)


def test_a_deep_document_given_already_parsed_is_refused() -> None:
    deep: list[Any] = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ManifestError, match="nested deeper than"):
        parse_manifest({"id": "x", "questions": deep})


def test_the_canonical_form_is_read_with_bounded_nesting() -> None:
    with pytest.raises(ManifestError, match="nested deeper than"):
        manifest_from_canonical(b'{"id":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_manifest_text_is_read_from_bytes(raw: dict[str, Any]) -> None:
    data = yaml.safe_dump(raw).encode()
    assert manifest_from_text(data).fingerprint == parse_manifest(raw).fingerprint
    with pytest.raises(ManifestError, match="not UTF-8"):
        manifest_from_text(b"\xff\xfe")
    with pytest.raises(ManifestError, match="larger than"):
        manifest_from_text(b" " * (MAX_MANIFEST_BYTES + 1))


def test_a_file_too_large_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_MANIFEST_BYTES + 1))
    with pytest.raises(ManifestError, match="larger than"):
        load_manifest(big)


def test_the_largest_manifest_the_bounds_allow_fits_the_size_bound(raw: dict[str, Any]) -> None:
    def text(n: int) -> dict[str, str]:
        return dict.fromkeys(("nl", "fr", "en"), "😀" * n)  # 4 bytes each in UTF-8

    raw["title"], raw["description"] = text(MAX_TITLE), text(MAX_LONG_TEXT)
    arguments = {"pro": text(MAX_LONG_TEXT), "contra": text(MAX_LONG_TEXT)}
    question = dict(raw["questions"][0], text=text(MAX_TEXT), arguments=arguments)
    raw["questions"] = [dict(question, id=f"q{i}") for i in range(MAX_QUESTIONS)]
    canonical = parse_manifest(raw).canonical()
    assert 8_000_000 < len(canonical) < MAX_MANIFEST_BYTES
    assert manifest_from_text(canonical, as_json=True) == parse_manifest(raw)


def test_project_questions_are_read_with_precise_errors(raw: dict[str, Any]) -> None:
    raw["questions"] = [{
        "id": "pb", "type": "points", "text": dict.fromkeys(("nl", "fr", "en"), "Rank"),
        "points": [3, 3, 1], "max_cost": 100,
        "projects": [{"id": "a", "title": dict.fromkeys(("nl", "fr", "en"), "A"), "cost": 150},
                     {"id": "a", "title": dict.fromkeys(("nl", "fr", "en"), "B"), "cost": -1}],
        "rule": {"method": "greedy", "ties": ["lower_cost"], "seats": 2},
    }]  # fmt: skip
    problems = _problems(raw)
    for expected in (
        "questions[0].points: each rank gives fewer points than the rank before it",
        "questions[0].points: more ranks than the 2 projects",
        "questions[0].projects[0].cost: 150 is over the question's max_cost of 100",
        "questions[0].projects[1].cost: expected a whole number from 0 to",
        "questions[0].projects: project id 'a' is used twice",
        "questions[0].rule.budget: missing: the amount to spend",
        "questions[0].rule.seats: not used by the greedy method",
        "questions[0].rule.ties: end the tie rules with lot",
    ):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


def _project_question(kind: str, count: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": "pb", "type": kind, "text": dict.fromkeys(("nl", "fr", "en"), "Choose"),
        "projects": [{"id": f"p{i}", "title": dict.fromkeys(("nl", "fr", "en"), f"P{i}"),
                      "cost": 1000} for i in range(count)],
        "rule": {"method": "top", "seats": 1, "ties": ["lot"], "seed": "published"},
        **fields,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (_project_question("cumulative", 3, max_total=10, max_per_option=3),
         "questions[0].max_total: 10 cannot be reached: 3 projects × max_per_option 3 give "
         "at most 9"),
        (_project_question("budget", 3, budget=2000, min_spend=3001),
         "questions[0].min_spend: 3001 is more than all the projects cost together"),
        (_project_question("budget", 3, budget=999),
         "questions[0].projects[0].cost: 1000 is more than the basket's budget of 999"),
        (_project_question("approval", 3, max_choices=2, rule={
            "method": "top", "seats": 4, "ties": ["lot"], "seed": "s"}),
         "questions[0].rule.seats: 4 seats for 3 projects"),
        (_project_question("cumulative", 256, max_total=1000, max_per_option=60),
         "questions[0]: every ballot would carry 16873 ciphertexts and proof branches, more "
         "than 7000"),
    ],
    ids=["cumulative-unreachable", "min-spend-unreachable", "cost-over-basket", "seats",
         "ballot-too-big"],
)  # fmt: skip
def test_project_questions_that_no_ballot_could_answer_are_refused(
    raw: dict[str, Any], question: dict[str, Any], expected: str
) -> None:
    raw["questions"] = [question]
    problems = _problems(raw)
    assert any(p.startswith(expected) for p in problems), problems


def test_selections_are_bounded_over_all_questions(raw: dict[str, Any]) -> None:
    """Four approval questions of 200 projects: 800 selections, over 768 (tally.json's
    totals and the verifier's limits assume at most 768)."""
    raw["questions"] = [dict(_project_question("approval", 200, max_choices=5), id=f"q{i}")
                        for i in range(4)]  # fmt: skip
    assert _problems(raw) == [
        "questions: a ballot holds at most 768 encrypted selections (one per option, per "
        "project, per rank and project), not 800"
    ]
    raw["questions"] = raw["questions"][:3]
    assert len(parse_manifest(raw).questions) == 3  # 600 selections
