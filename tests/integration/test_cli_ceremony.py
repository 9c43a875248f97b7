"""The key ceremony from the command line, with files passed between machines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli_identity import Invoker, open_now


@pytest.fixture
def run(tmp_path: Path) -> Invoker:
    return Invoker(tmp_path)


def register_trustees(run: Invoker, tmp_path: Path, manifest: Path) -> None:
    """Three trustees make their keys; the officials register them and hand out the roster."""
    for i in (1, 2, 3):
        made = run("trustee", "keygen", "--manifest", str(manifest), "--index", str(i),
                   "--name", f"Trustee {i}", "--out", str(tmp_path / f"t{i}.key"),
                   "--record-out", str(tmp_path / f"t{i}.json"))  # fmt: skip
        assert made.exit_code == 0, made.output
        assert (tmp_path / f"t{i}.key").stat().st_mode & 0o777 == 0o600
    added = run(
        "trustee", "add", "kortrijk-2019", *(str(tmp_path / f"t{i}.json") for i in (1, 2, 3))
    )
    assert added.exit_code == 0, added.output
    roster = run("trustee", "roster", "kortrijk-2019", "--out", str(tmp_path / "roster.json"))
    assert roster.exit_code == 0, roster.output


def board_key(run: Invoker) -> str:
    """The board key as `evote election show` publishes it."""
    shown = run("election", "show", "kortrijk-2019")
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.startswith("board key "))
    return line.split()[2]


def deal_and_finish(run: Invoker, tmp_path: Path, manifest: Path) -> None:
    """Both rounds of the ceremony; leaves each trustee's share in ``share{i}.key``."""
    for i in (1, 2, 3):
        dealt = run("trustee", "deal", "--key", str(tmp_path / f"t{i}.key"), "--manifest",
                    str(manifest), "--roster", str(tmp_path / "roster.json"),
                    "--out", str(tmp_path / f"deal{i}.json"))  # fmt: skip
        assert dealt.exit_code == 0, dealt.output
    collected = run("trustee", "collect", "kortrijk-2019",
                    *(str(tmp_path / f"deal{i}.json") for i in (1, 2, 3)),
                    "--out", str(tmp_path / "deals.json"))  # fmt: skip
    assert collected.exit_code == 0, collected.output
    board = board_key(run)
    for i in (1, 2, 3):
        got = run("trustee", "receive", "--key", str(tmp_path / f"t{i}.key"), "--manifest",
                  str(manifest), "--roster", str(tmp_path / "roster.json"),
                  "--deals", str(tmp_path / "deals.json"), "--out", str(tmp_path / f"ack{i}.json"),
                  "--share-out", str(tmp_path / f"share{i}.key"), "--board-key", board)  # fmt: skip
        assert got.exit_code == 0, got.output
    finished = run("trustee", "finish", "kortrijk-2019",
                   *(str(tmp_path / f"ack{i}.json") for i in (1, 2, 3)))  # fmt: skip
    assert finished.exit_code == 0, finished.output
    assert "election key" in finished.output


def test_three_trustees_make_the_election_key(
    run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVOTING_PASSPHRASE", "correct horse battery staple")
    manifest = open_now(tmp_path)
    assert run("init").exit_code == 0
    assert run("election", "create", str(manifest)).exit_code == 0
    register_trustees(run, tmp_path, manifest)
    early = run("election", "open", "kortrijk-2019")
    assert early.exit_code == 1
    assert "no key yet" in early.output
    deal_and_finish(run, tmp_path, manifest)
    assert run("election", "open", "kortrijk-2019").exit_code == 0


def test_a_wrong_passphrase_is_one_clear_line(
    run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = open_now(tmp_path)
    monkeypatch.setenv("EVOTING_PASSPHRASE", "the first passphrase")
    run("trustee", "keygen", "--manifest", str(manifest), "--index", "1", "--name", "T",
        "--out", str(tmp_path / "t.key"), "--record-out", str(tmp_path / "t.json"))  # fmt: skip
    (tmp_path / "roster.json").write_text("[]")
    monkeypatch.setenv("EVOTING_PASSPHRASE", "another passphrase")
    key, roster, out = (str(tmp_path / n) for n in ("t.key", "roster.json", "d.json"))
    result = run("trustee", "deal", "--key", key, "--manifest", str(manifest), "--roster", roster,
                 "--out", out)  # fmt: skip
    assert result.exit_code == 1
    assert "wrong passphrase" in result.output
    assert "Traceback" not in result.output
