"""The `evote` command: the benchmark prints its figures; the database command migrates."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import evote
from evoting.db import head_revision

KEYS = {
    "scalarmult_us",
    "basemult_us",
    "point_check_us",
    "encrypt_ballot_ms",
    "verify_ballot_ms",
    "verify_floor_ms",
    "tally_100_ms",
}


def test_bench_crypto_prints_one_json_object() -> None:
    result = CliRunner().invoke(evote, ["bench", "crypto", "--quick"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= KEYS
    assert all(figures[k] > 0 for k in KEYS)
    # The floor counts what verification really calls: 3 selections × 2 branches × 3
    # variable-base multiplications, plus 3 for the sum proof.
    assert figures["verify_operations"]["scalarmult"] == 21
    assert figures["verify_operations"]["is_valid_point"] == 6


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = CliRunner().invoke(evote, ["--db", url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema at revision {head_revision()}" in result.output


def test_unknown_database_is_a_one_line_error() -> None:
    result = CliRunner().invoke(evote, ["--db", "mysql://x/y", "db", "upgrade"])
    assert result.exit_code != 0
    assert "unsupported database 'mysql'" in result.output
