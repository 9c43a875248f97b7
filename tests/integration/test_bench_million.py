"""`evote bench tally` / `verify` with `--cache DIR` and `--db URL` (issue 13), at 30 ballots.

The cache is written whole or not at all, reused without regenerating, and refused
when it does not match; the board loads into SQLite and PostgreSQL and is tallied
from there as `evote tally` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli import bench_cache
from cli.main import evote
from evoting import db, schema

N = 30
FIGURES = {"ballots", "workers", "cpu_s", "cpu_ms_per_ballot", "peak_rss_mb", "generation_s",
           "cached", "machine"}  # fmt: skip


def run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(evote, ["bench", *args, "--ballots", str(N), "--workers", "1"])
    assert result.exit_code == 0, result.output
    figures: dict[str, Any] = json.loads(result.output)
    return figures


def refused(*args: str) -> str:
    result = CliRunner().invoke(evote, ["bench", *args, "--ballots", str(N), "--workers", "1"])
    assert result.exit_code == 1, result.output
    return result.output


def no_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    def generate(*_: object) -> None:
        raise AssertionError("the cached election was generated again")

    monkeypatch.setattr(bench_cache, "synthetic_election", generate)


def test_the_cache_is_written_once_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run("tally", "--cache", str(tmp_path))
    assert set(first) >= FIGURES | {"tally_s", "ballots_verified_per_s", "source"}
    assert (first["cached"], first["source"], first["ballots"]) == (False, "file", N)
    assert set(first["peak_rss_mb"]) == {"main", "largest_worker"}
    assert 0 < first["peak_rss_mb"]["main"] < 1024
    entry = tmp_path / f"kortrijk-{N}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [entry.name]  # no .partial left
    assert {p.name for p in entry.iterdir()} == {
        *bench_cache.FILES, bench_cache.INDEX, bench_cache.OUTCOME,
    }  # fmt: skip
    index = json.loads((entry / "cache.json").read_text())
    assert index["ballots"] == N
    assert len((entry / "board.jsonl").read_text().splitlines()) == N

    no_generation(monkeypatch)
    again = run("tally", "--cache", str(tmp_path))
    assert again["cached"] is True
    assert again["generation_s"] == first["generation_s"] == index["generation_s"]
    verified = run("verify", "--cache", str(tmp_path))
    assert set(verified) >= FIGURES | {"verify_s", "bundle_s", "tally_cached"}
    assert (verified["cached"], verified["tally_cached"]) == (True, True)


def test_verify_without_a_cache_generates_every_time(tmp_path: Path) -> None:
    figures = run("verify")
    assert (figures["cached"], figures["tally_cached"]) == (False, False)
    assert figures["verify_s"] > 0


def test_a_generation_that_fails_leaves_no_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / f".kortrijk-{N}.partial-killed").mkdir()  # a generation killed earlier

    def disk_full(*_: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(bench_cache, "_save", disk_full)
    result = CliRunner().invoke(evote, ["bench", "tally", "--ballots", str(N), "--workers",
                                        "1", "--cache", str(tmp_path)])  # fmt: skip
    assert isinstance(result.exception, OSError)
    assert [p.name for p in tmp_path.iterdir()] == [f".kortrijk-{N}.partial-killed"]
    monkeypatch.undo()
    assert run("tally", "--cache", str(tmp_path))["cached"] is False  # the stray is ignored


def _edit_board(entry: Path) -> None:
    """One hex digit of a tracking code changed: same size, another SHA-256."""
    board = entry / "board.jsonl"
    text = board.read_text()
    at = text.index('"tracking_code":"') + len('"tracking_code":"')
    board.write_text(text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :])


@pytest.mark.parametrize(
    ("tamper", "count", "reason"),
    [
        (_edit_board, N, "board.jsonl has changed since it was generated"),
        (lambda e: (e / "share-2.json").unlink(), N, "share-2.json is missing"),
        (lambda e: (e / "cache.json").unlink(), N, "it has no cache.json"),
        (lambda e: (e / "board-head.json").write_text("{}"), N, "board-head.json has changed"),
        (lambda e: e.rename(e.with_name(f"kortrijk-{N + 1}")), N + 1,
         f"it holds {N} ballots, not {N + 1}"),
    ],
    ids=["edited-board", "missing-share", "unfinished", "edited-head", "wrong-count"],
)  # fmt: skip
def test_a_cache_that_does_not_match_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: Any, count: int, reason: str
) -> None:
    """Refused, not regenerated: the benchmark deletes nothing of its user's."""
    run("tally", "--cache", str(tmp_path))
    tamper(tmp_path / f"kortrijk-{N}")
    no_generation(monkeypatch)
    result = CliRunner().invoke(evote, ["bench", "verify", "--ballots", str(count), "--workers",
                                        "1", "--cache", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert f"the cache {tmp_path / f'kortrijk-{count}'} is refused" in result.output
    assert reason in result.output
    assert "delete it to generate it again" in result.output


def test_the_board_is_tallied_from_the_database(db_url: str, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    figures = run("tally", "--cache", cache, "--db", db_url)
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert (figures["source"], figures["loaded"], figures["cached"]) == (backend, True, False)
    assert figures["load_s"] >= 0
    assert figures["tally_s"] > 0
    server = {"database_backend_peak_rss_mb", "database_backend_cpu_s"}  # its own on this machine
    assert (server <= set(figures)) == (backend == "postgresql")
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as connection:
            b = schema.board_entries
            assert connection.execute(select(func.count()).select_from(b)).scalar_one() == N
            credentials = connection.execute(select(b.c.credential)).scalars().all()
            assert len(set(credentials)) == N
            assert all(len(c) == 64 for c in credentials)
    finally:
        engine.dispose()

    again = run("tally", "--cache", cache, "--db", db_url)
    assert (again["loaded"], again["cached"]) == (False, True)  # neither loaded nor generated

    other = refused("tally", "--cache", str(tmp_path / "other"), "--db", db_url)
    assert "already holds election 'kortrijk-2019' with another board" in other
