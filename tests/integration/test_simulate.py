"""`evote simulate`: the whole protocol end to end, at the rules' boundaries.

Each run is a real election of 2,000 residents on a fresh database: poll cards,
a three-trustee ceremony, blind credentials, encrypted ballots, a tally by two
trustees, the signed bundle, the verifier and the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import evote

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _simulate(tmp_path: Path, counts: dict[str, int]) -> dict[str, object]:
    ballots = tmp_path / "ballots.jsonl"
    lines = []
    for option, count in counts.items():
        answer = None if option == "blank" else option
        lines += [json.dumps({"car-free-sunday": answer})] * count
    ballots.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(evote, ["simulate", str(EXAMPLES / "kortrijk-2019.yaml"),
                                        "--ballots", str(ballots), "--out", str(tmp_path / "out"),
                                        "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.output)
    assert summary["verified"] is True
    assert summary["intended_totals_match"] is True
    assert summary["refused_ineligible"] == 5
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")
    return summary


@pytest.mark.parametrize(
    ("counts", "binding", "outcome"),
    [
        ({"yes": 1025, "no": 975}, True, "yes"),
        ({"yes": 1024, "no": 976}, False, "yes"),  # 2.4 points
        ({"yes": 1000, "no": 999}, False, "yes"),  # 1,999 participants
        ({"yes": 1000, "no": 951, "blank": 49}, True, "yes"),  # blanks take part, not in margin
    ],
    ids=["binding-at-2.5-points", "advisory-at-2.4", "advisory-at-1999", "blanks"],
)
def test_boundaries(tmp_path: Path, counts: dict[str, int], binding: bool, outcome: str) -> None:
    summary = _simulate(tmp_path, counts)
    question = summary["questions"]["car-free-sunday"]  # type: ignore[index]
    assert question["totals"] == {"yes": counts["yes"], "no": counts["no"],
                                  "blank": counts.get("blank", 0)}  # fmt: skip
    assert (question["binding"], question["outcome"]) == (binding, outcome)
    assert summary["participants"] == sum(counts.values())
    assert summary["eligible"] == sum(counts.values())


def test_a_tie(tmp_path: Path) -> None:
    summary = _simulate(tmp_path, {"yes": 12, "no": 12, "blank": 3})
    question = summary["questions"]["car-free-sunday"]  # type: ignore[index]
    assert question["outcome"] == "tie"
    assert question["binding"] is False
    assert "a tie decides nothing" in " ".join(question["reasons"])


def test_a_consultation_with_random_ballots(tmp_path: Path) -> None:
    result = CliRunner().invoke(evote, ["simulate", str(EXAMPLES / "grote-bevraging.yaml"),
                                        "--voters", "30", "--seed", "7", "--out",
                                        str(tmp_path / "out"), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    statements = summary["questions"]["statements"]["totals"]
    assert len(statements) == 10
    assert all(sum(t.values()) == 30 for t in statements.values())


def test_bad_ballot_files_are_one_clear_line(tmp_path: Path) -> None:
    ballots = tmp_path / "bad.jsonl"
    ballots.write_text('{"car-free-sunday": "maybe"}\n')
    args = ["simulate", str(EXAMPLES / "kortrijk-2019.yaml"), "--ballots", str(ballots),
            "--out", str(tmp_path / "o")]  # fmt: skip
    result = CliRunner().invoke(evote, args)
    assert result.exit_code == 1
    assert "ballot 1: car-free-sunday: 'maybe' is not one of yes, no, blank" in result.output
