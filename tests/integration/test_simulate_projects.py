"""`evote simulate` on the participatory budgets: Rueil's 3/2/1 points with a paper box
beside the online vote, Poperinge's approval shortlist; every figure of the JSON is
the one worked out by hand from the ballots, and the bundle verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cli.main import evote

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUEIL = [
    "jardin-partage", "arbres-ecoles", "ruches", "arceaux-velos", "pietons-ecoles",
    "bornes-recharge", "street-workout", "terrain-basket", "parcours-sante", "boite-livres",
    "fresque", "scene-ete", "frigo-solidaire", "bancs-seniors", "repair-cafe", "wifi-parcs",
    "atelier-numerique", "eclairage-led", "aire-jeux", "fontaines",
]  # fmt: skip


def _simulate(tmp_path: Path, manifest: str, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(evote, ["simulate", str(EXAMPLES / manifest), "--out",
                                        str(tmp_path / "out"), *arguments])  # fmt: skip
    return result.exit_code, result.output


def _ballots(tmp_path: Path, question: str, plan: list[tuple[int, object]]) -> Path:
    path = tmp_path / "ballots.jsonl"
    lines = [json.dumps({question: answer}) for count, answer in plan for _ in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rueil_points_online_and_on_paper_funded_greedily(tmp_path: Path) -> None:
    ballots = _ballots(tmp_path, "projects", [
        (8, ["pietons-ecoles", "bornes-recharge", "ruches"]),
        (6, ["eclairage-led", "terrain-basket", "jardin-partage"]),
        (5, ["aire-jeux", "arbres-ecoles", "boite-livres"]),
        (3, ["arbres-ecoles", "aire-jeux", "fontaines"]),
    ])  # fmt: skip
    grid = [0] * 60  # four paper ballots: fontaines 1st, jardin-partage 2nd, arceaux 3rd
    grid[0 * 20 + RUEIL.index("fontaines")] = 4
    grid[1 * 20 + RUEIL.index("jardin-partage")] = 4
    grid[2 * 20 + RUEIL.index("arceaux-velos")] = 4
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([{"box": "Hôtel de ville", "ballots": 4,
                                  "contests": {"projects": grid}}]))  # fmt: skip
    code, output = _simulate(tmp_path, "rueil-2019.yaml", "--ballots", str(ballots),
                             "--paper", str(boxes), "--paper-voters", "4", "--json")  # fmt: skip
    assert code == 0, output
    summary = json.loads(output)
    assert summary["verified"] is True
    assert summary["intended_totals_match"] is True
    assert summary["participants"] == 26
    question: dict[str, Any] = summary["questions"]["projects"]
    scores = {"pietons-ecoles": 24, "aire-jeux": 21, "arbres-ecoles": 19, "eclairage-led": 18,
              "bornes-recharge": 16, "fontaines": 15, "jardin-partage": 14,
              "terrain-basket": 12, "ruches": 8, "boite-livres": 5, "arceaux-velos": 4}  # fmt: skip
    assert question["totals"] == {p: scores.get(p, 0) for p in RUEIL}
    assert question["per_rank"]["pietons-ecoles"] == [8, 0, 0]
    assert question["per_rank"]["arbres-ecoles"] == [3, 5, 0]
    assert question["per_rank"]["fontaines"] == [4, 0, 3]
    # 200,000 EUR: the six best fit (199,500); with 500 left nothing else does
    assert question["winners"] == ["pietons-ecoles", "aire-jeux", "arbres-ecoles",
                                   "eclairage-led", "bornes-recharge", "fontaines"]  # fmt: skip
    assert (question["spent"], question["left"]) == (199500, 500)
    explained = {entry["project"]: entry for entry in question["explanation"]}
    assert set(explained) == set(RUEIL)
    assert explained["fontaines"]["status"] == "funded"
    assert explained["jardin-partage"]["status"] == "skipped"
    assert explained["jardin-partage"]["remaining"] == 500
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_poperinge_approval_random_ballots_verify(tmp_path: Path) -> None:
    code, output = _simulate(tmp_path, "poperinge.yaml", "--voters", "40", "--seed", "3", "--json")
    assert code == 0, output
    summary = json.loads(output)
    assert summary["verified"] is True
    question: dict[str, Any] = summary["questions"]["shortlist"]
    assert len(question["totals"]) == 50
    assert sum(question["totals"].values()) <= 5 * 40
    assert question["spent"] + question["left"] == 250000
    assert {"winners", "explanation"} <= set(question)
    assert "per_rank" not in question
    funded = [e["project"] for e in question["explanation"] if e["status"] == "funded"]
    assert sorted(funded) == sorted(question["winners"])


def test_a_ballot_that_ranks_a_project_twice_is_refused_by_its_line(tmp_path: Path) -> None:
    ballots = _ballots(tmp_path, "projects", [
        (2, ["ruches", "fontaines", "fresque"]),
        (1, ["ruches", "fontaines", "ruches"]),
    ])  # fmt: skip
    code, output = _simulate(tmp_path, "rueil-2019.yaml", "--ballots", str(ballots))
    assert code == 1
    assert "ballot 3: projects: a project is chosen twice" in output
    assert "Traceback" not in output


def test_the_summary_in_words_lists_each_project_and_its_fate(tmp_path: Path) -> None:
    code, output = _simulate(tmp_path, "rueil-2019.yaml", "--voters", "12", "--seed", "5")
    assert code == 0, output
    assert "projects (points): " in output
    assert " spent of 200000, " in output
    lines = [line for line in output.splitlines() if line.startswith("   ")]
    assert len(lines) == 20
    assert all(line.rstrip().endswith(("funded", "skipped", "not_reached")) for line in lines)
    assert output.rstrip().endswith("verifier: PASS; decrypted totals equal the ballots cast")
