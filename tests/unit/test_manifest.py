"""The election manifest: validation with precise errors, canonical form, fingerprint."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from evoting.election import (
    ManifestError,
    load_manifest,
    manifest_from_canonical,
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
    assert "questions[0].type: expected one of referendum, consultation" in problems
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
