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


def _run(tmp_path: Path, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(evote, ["simulate", str(EXAMPLES / "kortrijk-2019.yaml"),
                                        "--out", str(tmp_path / "out"), *arguments])  # fmt: skip
    return result.exit_code, result.output


def test_paper_boxes_entered_by_two_officials_and_every_receipt(tmp_path: Path) -> None:
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([
        {"box": "Stadhuis", "ballots": 7, "contests": {"car-free-sunday": [4, 2, 1]}},
        {"box": "Marke", "ballots": 3, "contests": {"car-free-sunday": [0, 3, 0]}},
    ]))  # fmt: skip
    code, output = _run(tmp_path, "--voters", "12", "--paper", str(boxes), "--paper-voters",
                        "10", "--json")  # fmt: skip
    assert code == 0, output
    summary = json.loads(output)
    assert summary["verified"] is True
    assert summary["participants"] == 22
    assert summary["paper_voters"] == 10
    receipts = (tmp_path / "out" / "receipts.jsonl").read_text().splitlines()
    assert len(receipts) == 12
    assert {"tracking_code", "position", "head"} <= set(json.loads(receipts[0]))


def test_paper_boxes_holding_more_ballots_than_paper_voters_stop_it(tmp_path: Path) -> None:
    """3,000 invented paper ballots once flipped a referendum to binding: refused at once."""
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([{"box": "Stadhuis", "ballots": 3000,
                                  "contests": {"car-free-sunday": [3000, 0, 0]}}]))  # fmt: skip
    code, output = _run(tmp_path, "--voters", "5", "--paper", str(boxes), "--paper-voters", "10")
    assert code == 1
    assert "hold 3000 ballots, but only 10 residents were marked as voting on paper" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "bundle.zip").exists()
