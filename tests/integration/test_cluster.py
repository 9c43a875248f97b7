"""Checking the board on a Dask cluster (`--scheduler`, tally/cluster.py): a real
`LocalCluster` of two worker processes, each reading its own ranges of the board
from the bundle or the database. Its report must be the one machine's, word for
word, on good boards and on every kind of tampering; ranges here are as small as
one entry, so that every entry sits at a join between two workers' ranges."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import LocalCluster
from sqlalchemy import update

from audit.ranges import BundleRange, BundleRanges
from audit.reader import Bundle
from audit.receipts import read_receipts
from audit.verify import Report, verify_file
from cli.main import evote
from evoting import schema
from evoting.crypto.canonical import canonical_json
from evoting.elections import ElectionError, get_election
from tally import cluster as on_cluster
from tally.aggregate import Context, aggregate
from tally.cluster import ClusterError, connect
from tally.service import TallyError, close_vote
from tests.integration.bundles import (
    VOTES,
    Made,
    _make,
    cast_board,
    edit_lines,
    made_bundle,
    members,
    rezip,
)
from tests.support.postgres import PostgresServer


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster:  # fmt: skip
        yield cluster.scheduler_address


@pytest.fixture(autouse=True)
def one_entry_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(on_cluster, "MIN_RANGE", 1)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


def _seen(report: Report) -> tuple[object, ...]:
    return report.passed, report.failures, report.confirmed, report.notes


def _both(path: Path, scheduler: str, **options: object) -> Report:
    """The cluster's report, after checking it is the one machine's."""
    alone = verify_file(path, workers=1, **options)  # type: ignore[arg-type]
    spread = verify_file(path, scheduler=scheduler, **options)  # type: ignore[arg-type]
    assert _seen(spread) == _seen(alone)
    return spread


def test_a_bundle_passes_on_the_cluster(made: Made, tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.data)
    report = _both(path, scheduler)
    assert report.passed, report.failures


def test_receipts_are_checked_on_the_cluster(made: Made, tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.data)
    receipts = tmp_path / "receipts.jsonl"
    receipts.write_text("".join(json.dumps(r.to_json()) + "\n" for r in made.receipts))
    report = _both(path, scheduler, receipts=read_receipts([receipts]))
    assert len(report.confirmed) == len(VOTES), report.confirmed


def _bad_ballot(lines: list[bytes]) -> list[bytes]:
    """Entry 2's ballot with one proof response changed: refused, and named."""
    entry = json.loads(lines[1])
    ballot = json.loads(entry["ballot"])
    responses = ballot["contests"][0]["selection_proofs"][0]["responses"]
    responses[0] = ("A" if responses[0][0] != "A" else "B") + responses[0][1:]
    entry["ballot"] = canonical_json(ballot).decode()
    return [lines[0], canonical_json(entry), *lines[2:]]


_LONG = base64.b64encode(os.urandom((6 << 20) * 3 // 4 + 3))  # over 6 MiB, incompressible

TAMPERING = {
    "dropped": lambda ls: ls[1:],
    "duplicated": lambda ls: [*ls, ls[-1]],
    "reordered": lambda ls: [ls[1], ls[0], *ls[2:]],
    "unreadable": lambda ls: [ls[0], b"{", *ls[2:]],
    "blank lines": lambda ls: [ls[0], b"", b"", *ls[1:]],
    "a bad ballot": _bad_ballot,
    "a line over the limit": lambda ls: [ls[0], ls[1], _LONG, *ls[2:]],
}


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_tampered_board_gets_the_same_report(
    made: Made, tmp_path: Path, scheduler: str, change: object
) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(edit_lines(members(made.data), "board.jsonl", change)))  # type: ignore[arg-type]
    report = _both(path, scheduler)
    assert report.passed == (change is TAMPERING["blank lines"]), report.failures


def test_the_same_problems_are_listed_when_there_are_too_many(
    made: Made, tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first problems by entry, whichever worker found them, and the rest counted."""
    from tally import aggregate as module

    monkeypatch.setattr(module, "MAX_PROBLEMS", 2)
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(edit_lines(members(made.data), "board.jsonl",
                                      lambda ls: [ls[0], b"{", b"[]", *ls[1:]])))  # fmt: skip
    report = _both(path, scheduler)
    board = [f for f in report.failures if f.startswith("board.jsonl:")]
    assert board[:2] == ["board.jsonl: board entry 2: unreadable (Expecting property name "
                         "enclosed in double quotes: line 1 column 2 (char 1))",
                         "board.jsonl: board entry 3: unreadable (expected an object of "
                         "position, ballot, tracking_code, previous and entry_hash)"]  # fmt: skip
    assert board[2].startswith("board.jsonl: ... and ")
    assert board[2].endswith(" more problems")


def test_the_bad_ballot_is_named_on_the_cluster(made: Made, tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(edit_lines(members(made.data), "board.jsonl", _bad_ballot)))
    failures = verify_file(path, scheduler=scheduler).failures
    assert "board.jsonl: board entry 2: the tracking code is not the ballot's" in failures
    assert any(f.startswith("board.jsonl: board entry 2: the ballot is refused") for f in failures)
    assert not any("entry 1:" in f or "entry 3:" in f for f in failures), failures


def test_a_worker_with_another_bundle_at_the_path_is_refused(
    made: Made, tmp_path: Path, scheduler: str
) -> None:
    ours, theirs = tmp_path / "ours.zip", tmp_path / "theirs.zip"
    ours.write_bytes(made.data)
    theirs.write_bytes(rezip(edit_lines(members(made.data), "board.jsonl", lambda ls: ls[:-1])))
    with ours.open("rb") as f:
        cutter = BundleRanges(Bundle(f), ours, 2)
        ranges = list(cutter.ranges())
    assert cutter.error is None
    assert [(r.first, r.count) for r in ranges] in ([(1, 2), (3, 2)], [(1, 3), (4, 1)])
    with connect(scheduler) as cluster:
        assert cluster.aggregate(ranges, _context(made)).problems == []
    elsewhere = [dataclasses.replace(r, path=str(theirs)) for r in ranges]
    with pytest.raises(ClusterError, match="another bundle"), connect(scheduler) as cluster:
        cluster.aggregate(elsewhere, _context(made))
    # The same CRC-32 and size (forgeable in four bytes), other lines: their digest.
    other_lines = [dataclasses.replace(r, sha256=bytes(32)) for r in ranges]
    with pytest.raises(ClusterError, match="another bundle"), connect(scheduler) as cluster:
        cluster.aggregate(other_lines, _context(made))
    missing = BundleRange(str(tmp_path / "gone.zip"), 0, 0, 0, 0, 1, 1, bytes(32))
    with pytest.raises(ClusterError, match="cannot read"), connect(scheduler) as cluster:
        cluster.aggregate([missing], _context(made))


def test_ranges_are_cut_by_bytes_whatever_the_head_claims(made: Made, tmp_path: Path) -> None:
    """Each range inflates the member from its start: a board of many short lines under
    a head that claims a few must not make many ranges (work quadratic in the lines)."""
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(edit_lines(members(made.data), "board.jsonl",
                                      lambda ls: [*ls, *([b"[]"] * 5000)])))  # fmt: skip
    with path.open("rb") as f:
        cutter = BundleRanges(Bundle(f), path, 6)
        ranges = list(cutter.ranges())
    assert cutter.error is None
    assert len(ranges) <= 7
    assert sum(r.count for r in ranges) == 5004
    assert [r.first for r in ranges] == [1] + [r.first + r.count for r in ranges[:-1]]


def test_an_empty_board_and_a_cluster_used_twice(made: Made, scheduler: str) -> None:
    """No range at all ends at the genesis hash, as on one machine; one connection
    checks board after board."""
    alone = aggregate([], _context(made), workers=1)
    with connect(scheduler) as cluster:
        for _ in range(4):
            spread = cluster.aggregate([], _context(made))
            assert (spread.ballots, spread.head, spread.problems) == (0, alone.head, [])
            assert spread.sums == alone.sums


def _context(made: Made) -> Context:
    keys = json.loads(members(made.data)["keys.json"])
    from evoting.crypto.canonical import b64decode

    return Context(made.manifest.canonical(), b64decode(keys["election"]),
                   b64decode(keys["credential"]))  # fmt: skip


def test_evote_verify_with_a_scheduler(made: Made, tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.data)
    runner = CliRunner()
    alone = runner.invoke(evote, ["verify", str(path), "--workers", "1"])
    spread = runner.invoke(evote, ["verify", str(path), "--scheduler", scheduler])
    assert spread.exit_code == alone.exit_code == 0, spread.output
    assert spread.stdout == alone.stdout
    assert "PASS" in spread.stdout


def test_an_unreachable_scheduler_gives_no_verdict(
    made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(on_cluster, "CONNECT_TIMEOUT_S", 1)
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.data)
    result = CliRunner().invoke(evote, ["verify", str(path), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 3
    assert "no verdict: the cluster failed" in result.stderr
    assert "PASS" not in result.stdout
    assert "FAIL" not in result.stdout


def test_close_and_tally_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    """The close and the tally read the board from the database on the workers; the
    bundle they make verifies, and counts the votes cast."""
    made = _make(tmp_path, scheduler=scheduler)
    path = tmp_path / "bundle.zip"
    assert verify_file(path, workers=1).passed
    result = json.loads(members(made.data)["result.json"])
    totals = result["questions"][0]["totals"]
    assert (totals["yes"], totals["no"]) == (2, 1), totals


def test_closing_on_the_cluster_names_a_bad_ballot_as_one_machine_does(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """On SQLite and PostgreSQL: the workers read the closed board with read-only
    transactions, beside the close's own."""
    from ballots.board import entries
    from tests.integration.conftest import CLOSED

    setup, _ = cast_board(tmp_path, monkeypatch, db_url)
    b = schema.board_entries
    with setup.factory() as session, session.begin():
        row = session.execute(b.select().where(b.c.position == 2)).one()
        lines = _bad_ballot([b"{}", canonical_json({"ballot": row.ballot}), b"{}"])
        session.execute(update(b).where(b.c.position == 2)
                        .values(ballot=json.loads(lines[1])["ballot"]))  # fmt: skip
    with pytest.raises(TallyError) as caught:
        close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, scheduler=scheduler)
    with setup.factory() as session:
        board = [canonical_json(e.to_json()).decode() for e in entries(session, setup.election_id)]
    keys = _context_of(setup)
    alone = aggregate(board, keys, workers=1)
    assert caught.value.problems == alone.problems
    assert any(p.startswith("board entry 2: the ballot is refused") for p in alone.problems)
    setup.engine.dispose()


def test_a_close_the_cluster_failed_is_taken_up_again(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board is frozen before the workers read it: if they cannot (here: a database
    they cannot open), closing again checks and adds up the frozen board."""
    from tally import service
    from tests.integration.conftest import CLOSED

    setup, _ = cast_board(tmp_path, monkeypatch)
    gone = f"sqlite:///{tmp_path / 'gone' / 'x'}"
    with monkeypatch.context() as m:
        m.setattr(service, "worker_url", lambda session: gone)
        with pytest.raises(ClusterError):  # found before the vote is closed
            close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, scheduler=scheduler)
        with setup.factory() as session:
            assert get_election(session, setup.election_id).state == "open"
        m.setattr(service, "reach", lambda url: None)  # as if it went after the probe
        with pytest.raises(ClusterError):
            close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, scheduler=scheduler)
    with setup.factory() as session:
        assert get_election(session, setup.election_id).state == "closed"
    request = close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, scheduler=scheduler)
    assert request["ballots"] == len(VOTES)
    with pytest.raises(ElectionError):  # and only once
        close_vote(setup.factory, setup.keys, setup.election_id, CLOSED)
    setup.engine.dispose()


def test_read_only_workers_keep_the_url_s_options(postgres_server: PostgresServer) -> None:
    from evoting import db

    with postgres_server.database() as url:
        engine = db.make_engine(f"{url}?options=-csearch_path%3Delsewhere", read_only=True)
        try:
            with engine.connect() as connection:
                shown = [connection.exec_driver_sql(f"SHOW {name}").scalar()
                         for name in ("search_path", "default_transaction_read_only")]  # fmt: skip
        finally:
            engine.dispose()
    assert shown == ["elsewhere", "on"]


def _context_of(setup: object) -> Context:
    from evoting.elections import election_public_key, sealed_public_key

    with setup.factory() as session:  # type: ignore[attr-defined]
        election = setup.election_id  # type: ignore[attr-defined]
        return Context(setup.manifest.canonical(),  # type: ignore[attr-defined]
                       election_public_key(session, election).to_bytes(),
                       sealed_public_key(session, election, "credential"))  # fmt: skip
