"""A real participatory budget, replayed: Pabulib file → encrypted election → Pabulib file.

Each file of tests/data/pabulib is imported (`evote pabulib import`), run through the
whole pipeline (`evote simulate --ballots`: credentials, encrypted ballots, a
threshold tally, the signed bundle, the verifier) and exported (`evote pabulib
export`, which verifies the bundle first). The exported ``selected`` column must be
the file's own (pabutools' greedy, tests/unit/test_pabulib.py checks it), the
exported votes and scores the file's, and pabulib-checker must find nothing wrong
but what an empty VOTES section makes it report.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.pabulib import parse
from audit.pabulib_import import slug
from cli.main import evote
from evoting.election import parse_manifest
from tests.unit.test_pabulib import EMPTY_VOTES_ERRORS, checker_results

DATA = Path(__file__).resolve().parents[1] / "data" / "pabulib"


def _run(*args: str) -> str:
    result = CliRunner().invoke(evote, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each file's directory after import, simulate and export (one simulation each)."""
    out = {}
    for name in ("approval", "ordinal", "cumulative"):
        work = tmp_path_factory.mktemp(name)
        _run("pabulib", "import", str(DATA / f"{name}.pb"), "--out", str(work / "in"))
        result = CliRunner().invoke(
            evote,
            [
                "simulate",
                str(work / "in" / "manifest.yaml"),
                "--ballots",
                str(work / "in" / "ballots.jsonl"),
                "--out",
                str(work / "sim"),
                "--json",
            ],
        )
        (work / "simulate.txt").write_text(f"{result.exit_code}\n{result.output}")
        if result.exit_code == 0:
            _run(
                "pabulib",
                "export",
                str(work / "sim" / "bundle.zip"),
                "--out",
                str(work / "result.pb"),
            )
        out[name] = work
    return out


@pytest.mark.parametrize("name", ["approval", "ordinal", "cumulative"])
def test_replay_selects_what_the_file_selected(replayed: dict[str, Path], name: str) -> None:
    work = replayed[name]
    code, output = (work / "simulate.txt").read_text().split("\n", 1)
    assert code == "0", output
    summary = json.loads(output)
    assert (summary["verified"], summary["intended_totals_match"]) == (True, True)
    original = parse((DATA / f"{name}.pb").read_bytes())
    exported = parse((work / "result.pb").read_bytes())
    column = "votes" if name == "approval" else "score"
    want: dict[str, tuple[str, str, str | None]]
    want = {
        slug(r.get("project_id")): (r.get("selected"), r.get(column), r.get("votes"))
        for r in original.projects
    }
    got = {
        r.get("project_id"): (r.get("selected"), r.get(column), r.get("votes") or None)
        for r in exported.projects
    }
    if name == "cumulative":  # how many voters gave a project points is not known: no votes
        want = {pid: (sel, score, None) for pid, (sel, score, _) in want.items()}
    assert got == want
    assert exported.meta["num_votes"] == original.meta["num_votes"]
    assert exported.meta["budget"] == original.meta["budget"]
    assert exported.meta["rule"] == "greedy"
    assert exported.meta["vote_type"] == original.meta["vote_type"]
    assert exported.votes == ()
    question = summary["questions"]["projects"]
    assert [slug(p) for p in question["winners"]] == [
        r.get("project_id") for r in exported.projects if r.get("selected") == "1"
    ]


@pytest.mark.parametrize("name", ["approval", "ordinal", "cumulative"])
def test_exported_file_passes_pabulib_checker(replayed: dict[str, Path], name: str) -> None:
    results = checker_results((replayed[name] / "result.pb").read_text(encoding="utf-8"))
    assert set(results["errors"]) <= EMPTY_VOTES_ERRORS, results["errors"]
    assert "different number of votes" in results["errors"]
    assert set(results["warnings"]) <= {"no_max_length_used"}, results["warnings"]


def test_export_refuses_a_bundle_that_does_not_verify(
    replayed: dict[str, Path], tmp_path: Path
) -> None:
    bundle = replayed["approval"] / "sim" / "bundle.zip"
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "result.json":
                result = json.loads(data)
                result["questions"][0]["winners"].reverse()
                data = json.dumps(result, sort_keys=True, separators=(",", ":")).encode()
            target.writestr(info, data)
    out = tmp_path / "result.pb"
    refused = CliRunner().invoke(evote, ["pabulib", "export", str(forged), "--out", str(out)])
    assert refused.exit_code == 1
    assert f"Error: cannot export: {forged} does not verify (" in refused.output
    assert not out.exists()
    not_a_zip = tmp_path / "not.zip"
    not_a_zip.write_bytes(b"META\n")
    refused = CliRunner().invoke(evote, ["pabulib", "export", str(not_a_zip), "--out", str(out)])
    assert (refused.exit_code, "cannot export: cannot read" in refused.output) == (1, True)
    assert not out.exists()


def test_export_pinned_to_the_published_fingerprint(
    replayed: dict[str, Path], tmp_path: Path
) -> None:
    bundle = replayed["approval"] / "sim" / "bundle.zip"
    with zipfile.ZipFile(bundle) as source:
        fingerprint = parse_manifest(json.loads(source.read("manifest.json"))).fingerprint.hex()
    out = tmp_path / "result.pb"
    wrong = CliRunner().invoke(evote, ["pabulib", "export", str(bundle), "--out", str(out),
                                       "--fingerprint", "0" * 64])  # fmt: skip
    assert wrong.exit_code == 1
    assert "does not verify" in wrong.output
    assert not out.exists()
    pinned = CliRunner().invoke(evote, ["pabulib", "export", str(bundle), "--out", str(out),
                                        "--fingerprint", fingerprint.upper()])  # fmt: skip
    assert pinned.exit_code == 0, pinned.output
    exported = parse(out.read_bytes())
    assert f"passed pinned to the fingerprint {fingerprint}" in exported.meta["acknowledgments"]
