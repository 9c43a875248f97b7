"""Pabulib files: reading them (hostile input), importing them as an election, exporting results.

The files in tests/data/pabulib are synthetic (README.md there); their ``selected``
column is pabutools' greedy, recomputed here as an oracle, and pabulib-checker must
find them valid. Both are test-only packages (pyproject.toml's test extra), never
imported at run time.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from audit.pabulib import MAX_FILE, MAX_LINE, PabulibError, dump, parse
from audit.pabulib_export import ExportRefused, Verified, to_pabulib
from audit.pabulib_import import QUESTION, election_id, import_file, slug
from audit.verify import Pins
from cli.main import evote
from evoting.election import Manifest, manifest_from_text
from tests.data.pabulib.generate import greedy_selected

DATA = Path(__file__).resolve().parents[1] / "data" / "pabulib"
FIXTURES = ("approval.pb", "ordinal.pb", "cumulative.pb")
# What pabulib-checker reports of any exported file, since VOTES is empty by design
# (audit/pabulib_export.py): it recounts num_votes and PROJECTS' votes and scores from it.
EMPTY_VOTES_ERRORS = {
    "different number of votes",
    "different values in votes",
    "different values in scores",
}


def checker_results(text: str) -> dict[str, Any]:
    """pabulib-checker's errors and warnings for one file's text."""
    checker: Any = importlib.import_module("pabulib.checker")
    results = checker.Checker().process_files([text])
    (entry,) = (v for k, v in results.items() if k not in ("metadata", "summary"))
    return dict(entry["results"])


def pb(
    meta: Mapping[str, str | None] | None = None,
    projects: tuple[str, ...] = ("1;600;Bike racks", "2;800;Benches", "3;1400;Trees"),
    votes: tuple[str, ...] = ("v1;1,2", "v2;3", "v3;2,3"),
    project_header: str = "project_id;cost;name",
    vote_header: str = "voter_id;vote",
) -> bytes:
    """A small .pb file: the META below with ``meta`` changed (None removes a key)."""
    keys: dict[str, str | None] = {
        "description": "Test PB",
        "country": "Belgium",
        "unit": "Testdorp",
        "instance": "2024",
        "num_projects": str(len(projects)),
        "num_votes": str(len(votes)),
        "budget": "2000",
        "vote_type": "approval",
        "rule": "greedy",
        "date_begin": "04.03.2024",
        "date_end": "18.03.2024",
    }
    keys.update(meta or {})
    lines = ["META", "key;value"] + [f"{k};{v}" for k, v in keys.items() if v is not None]
    lines += ["PROJECTS", project_header, *projects, "VOTES", vote_header, *votes]
    return ("\n".join(lines) + "\n").encode()


def manifest_of(imported_yaml: str) -> Manifest:
    return manifest_from_text(imported_yaml.encode(), "test")


def question_json(manifest: Manifest) -> dict[str, Any]:
    q: dict[str, Any] = manifest.to_json()["questions"][0]  # type: ignore[index]
    return q


def refusal(data: bytes, **options: Any) -> PabulibError:
    with pytest.raises(PabulibError) as caught:
        import_file(data, "test.pb", **options)
    return caught.value


# --- the committed files and the oracles -------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_selected_is_pabutools_greedy(name: str) -> None:
    importlib.import_module("pabutools")
    text = (DATA / name).read_text(encoding="utf-8")
    doc = parse(text.encode())
    in_file = {r.get("project_id") for r in doc.projects if r.get("selected") == "1"}
    assert greedy_selected(text) == in_file


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_pass_pabulib_checker(name: str) -> None:
    results = checker_results((DATA / name).read_text(encoding="utf-8"))
    assert results == {"errors": {}, "warnings": {}}


# --- reading the format --------------------------------------------------------------------


def test_parse_reads_spaces_bom_crlf_quotes_and_none() -> None:
    text = (
        "\ufeffMETA\r\nkey; value\r\nbudget; 100\r\n\r\nPROJECTS\r\nproject_id; cost; name\r\n"
        '1; 50; "Bikes; racks"\r\n2; 60; None\r\nVOTES\r\nvoter_id; vote; age\r\n7; 1,2; 30\r\n'
    )
    doc = parse(text.encode())
    assert doc.meta == {"budget": "100"}
    assert [r.get("name") for r in doc.projects] == ["Bikes; racks", ""]
    assert [(v.line, v.voter, v.vote) for v in doc.votes] == [(11, "7", "1,2")]


def test_dump_quotes_what_it_must_and_parses_back() -> None:
    text = dump(
        [("description", 'A "quoted"; text')],
        ["project_id", "cost", "name"],
        [["1", "5", "Bikes; racks"]],
        ["voter_id", "vote"],
    )
    assert '"A ""quoted""; text"' in text
    doc = parse(text.encode())
    assert doc.meta["description"] == 'A "quoted"; text'
    assert doc.projects[0].get("name") == "Bikes; racks"
    assert doc.votes == ()


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"META\nkey;value\nbudget;\xff\n", 3, "not UTF-8"),
        (pb(projects=("1;600;A", "2;800;B", "1;900;C")), 18, "project '1' appears twice"),
        (pb(votes=("v1;1", "v2;1,9")), 22, "project '9', which is not in PROJECTS"),
        (pb(projects=("1;600;A", "2;-800;B", "3;5;C")), 17, "negative"),
        (pb(votes=("v1;1", "v1;2")), 22, "voter 'v1' appears twice"),
        (pb(votes=("v1;1,1",)), 21, "chooses project '1' twice"),
        (pb(projects=("1;600;A", "2;800;B\0", "3;5;C")), 17, "NUL"),
        (pb(projects=("1;600;A", '2;800;"B', "3;5;C")), 17, "cannot span lines"),
        (pb(projects=("1;600;A;x", "2;800;B", "3;5;C")), 16, "4 cells for the 3 columns"),
        (
            pb({"budget": "2000"}).replace(b"unit;", b"budget;1\nunit;"),
            10,
            "'budget' appears twice",
        ),
        (pb(projects=("1;600.125;A", "2;800;B", "3;5;C")), 16, "more than two decimals"),
        (pb(projects=("1;600,50;A", "2;800;B", "3;5;C")), 16, "decimal comma"),
        (pb(projects=("1;1e3;A", "2;800;B", "3;5;C")), 16, "not a number"),
        (pb(projects=("1;;A", "2;800;B", "3;5;C")), 16, "is missing"),
        (pb(projects=("1;600;A\u202eB", "2;800;B", "3;5;C")), 16, "invisible character (U+202E)"),
        (pb(projects=("A;600;A", "a;800;B", "3;5;C")), 17, "both become 'a'"),
        (b"budget;1\nMETA\nkey;value\n", 1, "data before the META section"),
        (pb().replace(b"PROJECTS\n", b"VOTES\n", 1), 14, "out of order"),
        (pb({"num_votes": "4"}), 8, "num_votes is 4, but the file holds 3"),
        (pb({"budget": "0"}), 9, "the budget is 0"),
        (pb({"date_end": "01.03.2024"}), 13, "date_end is before date_begin"),
        (pb({"date_begin": "2024-03-04"}), 12, "not a date"),
        (pb({"min_length": "2"}), 23, "chooses 1 projects; the file allows 2 to 3"),
        (pb({"max_length": "9"}), 14, "max_length is not between 1 and the 3 projects"),
    ],
    ids=[
        "not-utf8",
        "duplicate-project",
        "unknown-project",
        "negative-cost",
        "duplicate-voter",
        "repeated-choice",
        "nul",
        "open-quote",
        "extra-cell",
        "duplicate-meta",
        "three-decimals",
        "decimal-comma",
        "exponent",
        "no-cost",
        "invisible",
        "id-collision",
        "before-meta",
        "section-order",
        "num-votes",
        "zero-budget",
        "dates-reversed",
        "date-format",
        "min-length",
        "max-length",
    ],
)
def test_hostile_files_are_refused_with_their_line(data: bytes, line: int, words: str) -> None:
    error = refusal(data)
    assert (error.line, words in error.reason) == (line, True), str(error)
    assert "\n" not in str(error)


def test_a_huge_file_is_refused_before_it_is_read() -> None:
    error = refusal(b"META\n" + b"x" * MAX_FILE)
    assert error.reason == "the file is larger than 64 MiB"


def test_a_huge_line_is_refused_with_its_number() -> None:
    error = refusal(pb(projects=("1;600;A", "2;800;" + "B" * MAX_LINE, "3;5;C")))
    assert (error.line, error.reason) == (17, "longer than 64 KiB")


def test_more_than_256_projects_are_refused_at_the_257th() -> None:
    projects = tuple(f"{i};10;P{i}" for i in range(1, 258))
    error = refusal(pb(projects=projects, votes=("v1;1",)))
    assert (error.line, "more than 256 projects" in error.reason) == (15 + 257, True)


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ({"vote_type": "scoring"}, "scoring ballots (any score per project, possibly negative)"),
        ({"vote_type": "borda"}, "vote_type 'borda' is not approval"),
        ({"vote_type": None}, "META has no vote_type"),
        ({"rule": "equalshares"}, "Method of Equal Shares needs each ballot"),
        ({"rule": "equalshares/add1"}, "Method of Equal Shares needs each ballot"),
        ({"rule": "greedy-no-skip"}, "stops at the first project that does not fit"),
        ({"rule": "unknown"}, "does not say which rule chose the winners"),
        ({"rule": None}, "META has no rule"),
        ({"min_project_score_threshold": "3"}, "whatever their score"),
        ({"budget": None}, "META has no budget"),
    ],
)
def test_what_we_cannot_express_is_refused_with_the_reason(
    meta: dict[str, str | None], words: str
) -> None:
    assert words in str(refusal(pb(meta)))


def test_other_rules_replay_with_greedy_only_when_asked() -> None:
    data = pb({"rule": "equalshares"})
    assert "give --rule greedy" in str(refusal(data))
    imported = import_file(data, "test.pb", rule="greedy")
    assert any("replayed with greedy, as asked" in n for n in imported.notes)
    assert question_json(manifest_of(imported.manifest))["rule"]["method"] == "greedy"


def test_no_votes_nothing_to_replay() -> None:
    assert "nothing to replay" in str(refusal(pb(votes=())))


# --- what maps to what --------------------------------------------------------------------


def test_approval_file() -> None:
    data = (DATA / "approval.pb").read_bytes()
    imported = import_file(data, "approval.pb")
    manifest = manifest_of(imported.manifest)
    q = question_json(manifest)
    assert manifest.id == "approval"
    assert manifest.languages == ("nl",)
    assert manifest.title == {"nl": "Testdorp 2024"}
    assert manifest.eligibility.municipality == "21004"
    assert manifest.window.opens.isoformat() == "2024-03-04T08:00:00+01:00"
    assert manifest.window.closes.isoformat() == "2024-03-18T20:00:00+01:00"
    assert (manifest.trustees.n, manifest.trustees.k) == (3, 2)
    assert (q["type"], q["min_choices"], q["max_choices"], q["cost_unit"]) == (
        "approval",
        1,
        4,
        "EUR",
    )
    assert q["rule"] == {
        "method": "greedy",
        "budget": 30000,
        "ties": ["lower_cost", "lot"],
        "seed": "pabulib:approval",
    }
    assert [(p["id"], p["cost"]) for p in q["projects"]][:2] == [("a-1", 12000), ("a-2", 8000)]
    assert q["projects"][1]["title"] == {"nl": "Fietsenstalling; station"}
    doc = parse(data)
    assert imported.ballots == tuple([slug(p) for p in v.vote.split(",")] for v in doc.votes)
    lines = imported.ballots_jsonl().splitlines()
    assert len(lines) == 40
    assert json.loads(lines[0]) == {QUESTION: ["a-1", "a-2", "a-3", "a-6"]}
    assert "Project ids made ours: A-1 → a-1" in imported.manifest


def test_ordinal_file_scores_k_to_1_or_the_points_given() -> None:
    data = (DATA / "ordinal.pb").read_bytes()
    imported = import_file(data, "ordinal.pb")
    q = question_json(manifest_of(imported.manifest))
    assert (q["type"], q["points"], q["fewer_ranks"]) == ("points", [3, 2, 1], True)
    assert manifest_of(imported.manifest).languages == ("nl", "fr", "en")
    assert imported.ballots[0] == ["3", "1", "2"]
    given = import_file(data, "ordinal.pb", points=[5, 3, 1])
    assert question_json(manifest_of(given.manifest))["points"] == [5, 3, 1]
    assert "rank up to 3 projects" in str(refusal(data, points=[2, 1]))
    assert "must decrease" in str(refusal(data, points=[1, 2, 3]))
    assert "--points is for ordinal files" in str(refusal(pb(), points=[2, 1]))


def test_ordinal_bounds() -> None:
    base = {"vote_type": "ordinal", "max_length": "3"}
    exact = import_file(pb({**base, "min_length": "3"}, votes=("v1;1,2,3",)), "t.pb")
    assert question_json(manifest_of(exact.manifest))["fewer_ranks"] is False
    assert "rank exactly 3" in str(refusal(pb({**base, "min_length": "2"})))
    projects = tuple(f"{i};10;P{i}" for i in range(1, 21))
    many = pb({"vote_type": "ordinal", "max_length": "13"}, projects=projects, votes=("v;1",))
    assert "13 ranks × 20 projects is more than our 256 cells" in str(refusal(many))
    longest = import_file(pb({"vote_type": "ordinal"}, votes=("v1;1,2", "v2;3")), "t.pb")
    assert question_json(manifest_of(longest.manifest))["points"] == [2, 1]
    assert "scoring_fn 'Dowdall'" in str(refusal(pb({**base, "scoring_fn": "Dowdall"})))


def test_cumulative_file_in_cents() -> None:
    data = (DATA / "cumulative.pb").read_bytes()
    imported = import_file(data, "cumulative.pb")
    q = question_json(manifest_of(imported.manifest))
    assert (q["type"], q["max_total"], q["max_per_option"], q["cost_unit"]) == (
        "cumulative",
        10,
        6,
        "cent",
    )
    assert q["rule"]["budget"] == 3_000_000
    assert [p["cost"] for p in q["projects"]] == [1250050, 800025, 2000000, 500075, 999999]
    assert imported.ballots[0] == {"p1": 4, "p3": 2, "p4": 1, "p5": 1}


@pytest.mark.parametrize(
    ("meta", "votes", "words"),
    [
        ({"min_sum_points": "5"}, ("v1;1;5",), "min_sum_points: our cumulative ballots have no"),
        ({"max_sum_points": None}, ("v1;1;5",), "needs max_sum_points"),
        ({"max_length": "2"}, ("v1;1;5",), "do not limit how many projects get points"),
        ({}, ("v1;1,2;5,6",), "gives more than 10 points to a project or more than 10 in all"),
        ({"max_points": "4"}, ("v1;1;5",), "gives more than 4 points"),
        ({}, ("v1;1,2;5",), "lists 2 projects and 1 points"),
        ({}, ("v1;1;2.5",), "not a whole number"),
    ],
)
def test_cumulative_refusals(
    meta: dict[str, str | None], votes: tuple[str, ...], words: str
) -> None:
    data = pb(
        {"vote_type": "cumulative", "max_sum_points": "10", **meta},
        votes=votes,
        vote_header="voter_id;vote;points",
    )
    assert words in str(refusal(data))


def test_approval_with_a_cost_limit_is_a_budget_basket() -> None:
    imported = import_file(
        pb({"max_sum_cost": "1500", "min_sum_cost": "500"}, votes=("v1;1,2", "v2;3")), "t.pb"
    )
    q = question_json(manifest_of(imported.manifest))
    assert (q["type"], q["budget"], q["min_spend"]) == ("budget", 1500, 500)
    over = pb({"max_sum_cost": "1500"}, votes=("v1;1,2,3",))
    assert "cost more than the budget of 1500" in str(refusal(over))
    both = pb({"max_sum_cost": "1500", "max_length": "2"})
    assert "our basket ballots limit only the cost" in str(refusal(both))
    trivial = import_file(pb({"max_sum_cost": "9999"}), "t.pb")
    assert question_json(manifest_of(trivial.manifest))["type"] == "approval"


def test_choose_one_and_empty_ballots() -> None:
    one = import_file(pb({"vote_type": "choose-1"}, votes=("v1;1", "v2;3")), "t.pb")
    q = question_json(manifest_of(one.manifest))
    assert (q["type"], q["min_choices"], q["max_choices"]) == ("approval", 1, 1)
    assert "allows 1 to 1" in str(refusal(pb({"vote_type": "choose-1"})))
    blank = import_file(pb(votes=("v1;1", "v2;")), "t.pb")
    assert question_json(manifest_of(blank.manifest))["min_choices"] == 0
    assert blank.ballots == (["1"], None)
    assert any("holds empty ballots" in n for n in blank.notes)


def test_placeholders_and_names() -> None:
    imported = import_file(
        pb(
            {"date_begin": None, "date_end": None, "language": "fr"},
            projects=("1;600;", "2;800;B", "3;5;C"),
        ),
        "poland_warszawa_2020_.pb",
    )
    manifest = manifest_of(imported.manifest)
    assert manifest.id == "poland-warszawa-2020"
    assert manifest.window.opens.year == 2024  # from the instance
    assert any("the window is a placeholder" in n for n in imported.notes)
    assert manifest.languages == ("fr",)
    assert question_json(manifest)["projects"][0]["title"] == {"fr": "Project 1"}
    assert election_id("???.pb") == "pabulib"
    assert "# Placeholders, not in the file: the municipality (21004" in imported.manifest


def test_cli_import_writes_the_files_and_refuses_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        evote, ["pabulib", "import", str(DATA / "ordinal.pb"), "--out", str(tmp_path / "out")]
    )
    assert ok.exit_code == 0, ok.output
    assert "ordinal.pb: points, 6 projects, 24 ballots" in ok.output
    assert (tmp_path / "out" / "manifest.yaml").read_text().startswith("# Imported from")
    assert len((tmp_path / "out" / "ballots.jsonl").read_text().splitlines()) == 24
    bad = tmp_path / "bad.pb"
    bad.write_bytes(pb(votes=("v1;1", "v2;1,9")))
    refused = runner.invoke(evote, ["pabulib", "import", str(bad), "--out", str(tmp_path / "x")])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"Error: {bad}: line 22: voter 'v2' votes for project '9', which is not in PROJECTS"
    ]
    assert not (tmp_path / "x").exists()
    usage = runner.invoke(
        evote, ["pabulib", "import", str(bad), "--out", str(tmp_path / "x"), "--points", "3,x"]
    )
    assert usage.exit_code == 2


# --- export ----------------------------------------------------------------------------


def verified(data: bytes, result: Mapping[str, Any], **options: Any) -> Verified:
    manifest = manifest_of(import_file(data, "test.pb", **options).manifest)
    full = {
        "participants": {"online": 3, "paper": 0, "total": 3},
        "questions": [{"id": QUESTION, **result}],
    }
    return Verified(manifest, full, "ab" * 32)


def test_export_approval() -> None:
    v = verified(
        pb(), {"totals": {"1": 1, "2": 2, "3": 2}, "winners": ["2"], "order": ["2", "3", "1"]}
    )
    doc = parse(to_pabulib(v, unit="Testdorp").encode())
    assert dict(doc.meta) | {"comment": "", "acknowledgments": ""} == {
        "description": "Test PB",
        "country": "Belgium",
        "unit": "Testdorp",
        "instance": "2024",
        "num_projects": "3",
        "num_votes": "3",
        "budget": "2000",
        "vote_type": "approval",
        "rule": "greedy",
        "date_begin": "04.03.2024",
        "date_end": "18.03.2024",
        "min_length": "1",
        "max_length": "3",
        "language": "nl",
        "currency": "EUR",
        "comment": "",
        "acknowledgments": "",
    }
    assert doc.meta["comment"].startswith("#1: VOTES is empty: the ballots were secret")
    assert "#2: projects tied on score were ordered by lower_cost, then lot" in doc.meta["comment"]
    assert "sha256 " + "ab" * 32 in doc.meta["acknowledgments"]
    assert doc.project_columns == ("project_id", "cost", "votes", "name", "selected")
    assert dict(doc.projects[0].cells) == {
        "project_id": "2",
        "cost": "800",
        "votes": "2",
        "name": "Benches",
        "selected": "1",
    }
    assert [r.get("project_id") for r in doc.projects] == ["2", "3", "1"]
    assert (doc.vote_columns, doc.votes) == (("voter_id", "vote"), ())


def test_export_writes_no_formula_and_says_what_was_pinned() -> None:
    """A title a spreadsheet would run (=HYPERLINK…) is written as text; the file says
    whether the bundle was checked against the published fingerprint or only itself."""
    projects = ('1;600;"=HYPERLINK(""http://x"")"', "2;800;@SUM(1)", "3;1400;-Trees")
    result = {"totals": {"1": 1, "2": 2, "3": 2}, "winners": ["2"], "order": ["2", "3", "1"]}
    v = verified(pb(projects=projects), result)
    doc = parse(to_pabulib(v, unit="=Testdorp").encode())
    names = {r.get("project_id"): r.get("name") for r in doc.projects}
    assert names == {"1": '\'=HYPERLINK("http://x")', "2": "'@SUM(1)", "3": "'-Trees"}
    assert doc.meta["unit"] == "'=Testdorp"
    assert "found internally consistent (pinned to no published" in doc.meta["acknowledgments"]
    pinned = dataclasses.replace(v, pins=Pins("cd" * 32, "ef" * 32))
    doc = parse(to_pabulib(pinned, unit="Testdorp").encode())
    assert ("passed pinned to the fingerprint " + "cd" * 32 + " and the authority key with "
            "SHA-256 " + "ef" * 32) in doc.meta["acknowledgments"]  # fmt: skip


def test_export_points_cumulative_basket_top_and_cents() -> None:
    ordinal = verified(
        pb({"vote_type": "ordinal", "max_length": "2"}),
        {
            "totals": {"1": 5, "2": 3, "3": 1},
            "per_rank": {"1": [2, 1], "2": [1, 1], "3": [0, 1]},
            "winners": ["1"],
            "order": ["1", "2", "3"],
        },
        points=[2, 1],
    )
    doc = parse(to_pabulib(ordinal).encode())
    assert (doc.meta["vote_type"], doc.meta["min_length"], doc.meta["max_length"]) == (
        "ordinal",
        "1",
        "2",
    )
    assert doc.meta["unit"] == "NIS 21004"
    assert [(r.get("votes"), r.get("score")) for r in doc.projects] == [
        ("3", "5"),
        ("2", "3"),
        ("1", "1"),
    ]
    cumulative = verified(
        pb(
            {"vote_type": "cumulative", "max_sum_points": "4", "max_points": "3"},
            projects=("1;600.50;A", "2;800;B", "3;1400;C"),
            votes=("v;1;3",),
            vote_header="voter_id;vote;points",
        ),
        {"totals": {"1": 3, "2": 0, "3": 0}, "winners": ["1", "2"], "order": ["1", "2", "3"]},
    )
    doc = parse(to_pabulib(cumulative).encode())
    assert (doc.meta["budget"], doc.meta["max_points"], doc.meta["max_sum_points"]) == (
        "2000.00",
        "3",
        "4",
    )
    assert doc.project_columns == ("project_id", "cost", "score", "name", "selected")
    assert doc.projects[0].get("cost") == "600.50"
    assert doc.vote_columns == ("voter_id", "vote", "points")
    basket = verified(
        pb({"max_sum_cost": "1500"}, votes=("v;1",)),
        {"totals": {"1": 1, "2": 0, "3": 0}, "winners": ["1", "2"], "order": ["1", "2", "3"]},
    )
    doc = parse(to_pabulib(basket).encode())
    assert (doc.meta["vote_type"], doc.meta["max_sum_cost"]) == ("approval", "1500")
    assert "min_length" not in doc.meta


def test_export_top_rule_and_full_funding() -> None:
    imported = import_file(pb({"budget": "5000"}), "t.pb")
    text = imported.manifest.replace(
        "method: greedy\n    budget: 5000", "method: top\n    seats: 2"
    )
    manifest = manifest_of(text)
    result = {
        "participants": {"online": 2, "paper": 1, "total": 3},
        "questions": [
            {
                "id": QUESTION,
                "totals": {"1": 1, "2": 2, "3": 2},
                "winners": ["3", "2"],
                "order": ["3", "2", "1"],
            }
        ],
    }
    doc = parse(to_pabulib(Verified(manifest, result, "00" * 32)).encode())
    assert (doc.meta["rule"], doc.meta["budget"]) == ("unknown", "2200")
    assert "(top 2)" in doc.meta["comment"]
    assert "1 of the participants voted on paper" in doc.meta["comment"]
    assert "fully_funded" not in doc.meta
    funded = verified(
        pb({"budget": "5000"}),
        {"totals": {"1": 1, "2": 2, "3": 2}, "winners": ["1", "2", "3"], "order": ["3", "2", "1"]},
    )
    assert parse(to_pabulib(funded).encode()).meta["fully_funded"] == "1"


def test_export_refuses_a_bundle_without_the_question() -> None:
    v = verified(pb(), {"totals": {}, "winners": [], "order": []})
    with pytest.raises(ExportRefused, match="no project question 'other'"):
        to_pabulib(v, "other")
    broken = Verified(v.manifest, {"participants": {"total": 0}, "questions": []}, "")
    with pytest.raises(ExportRefused, match="no winners for question 'projects'"):
        to_pabulib(broken)


def test_exported_file_passes_the_checker_but_for_the_empty_votes() -> None:
    data = (DATA / "approval.pb").read_bytes()
    doc = parse(data)
    totals = {slug(r.get("project_id")): int(r.get("votes")) for r in doc.projects}
    order = sorted(totals, key=lambda p: -totals[p])
    winners = [slug(r.get("project_id")) for r in doc.projects if r.get("selected") == "1"]
    manifest = manifest_of(import_file(data, "approval.pb").manifest)
    result = {
        "participants": {"online": 40, "paper": 0, "total": 40},
        "questions": [{"id": QUESTION, "totals": totals, "winners": winners, "order": order}],
    }
    results = checker_results(to_pabulib(Verified(manifest, result, "00" * 32), unit="Testdorp"))
    assert set(results["errors"]) == {"different number of votes", "different values in votes"}
    assert set(results["errors"]) <= EMPTY_VOTES_ERRORS
    assert set(results["warnings"]) <= {"no_max_length_used"}
