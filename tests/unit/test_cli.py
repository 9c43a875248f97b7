"""The `evote` command: the benchmark prints its figures; the database command migrates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_bench_board_prints_both_figures() -> None:
    result = CliRunner().invoke(evote, ["bench", "board", "--ballots", "20", "--workers", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["ballots"] == 20
    assert figures["re_add_s"] > 0
    assert figures["full_check_s"] > figures["re_add_s"]  # the proofs cost more than sums


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = CliRunner().invoke(evote, ["--db", url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema at revision {head_revision()}" in result.output


def test_unknown_database_is_a_one_line_error() -> None:
    result = CliRunner().invoke(evote, ["--db", "mysql://x/y", "db", "upgrade"])
    assert result.exit_code != 0
    assert "unsupported database 'mysql'" in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--fingerprint", "12"),
        ("--fingerprint", "g" * 64),
        ("--fingerprint", "ab" * 32 + "00"),
        ("--fingerprint", ""),
        ("--fingerprint", "AB CD" * 13),
        ("--authority-key", "MiteS-CPX1k_yt8PjHIi99zs6Eobt9cMclUYl60xKA0"),  # base64url: not hex
        ("--authority-key", "\x1b[2J" + "0" * 64),
    ],
)
def test_a_malformed_pin_is_a_usage_error(option: str, value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(evote, ["verify", str(tmp_path / "bundle.zip"), option, value])
    assert result.exit_code == 2, result.output
    assert f"{option}: expected 64 hexadecimal digits" in result.output
    assert "\x1b" not in result.output
    assert "Traceback" not in result.output


def test_pins_are_read_in_any_case_with_spaces_around() -> None:
    from audit.verify import pin

    assert pin(f"  {'AB' * 32}\n", "--fingerprint") == "ab" * 32
    with pytest.raises(ValueError, match="expected 64 hexadecimal digits") as caught:
        pin("x" * 100_000, "--fingerprint")
    assert len(str(caught.value)) < 300


def test_other_usage_errors_of_evote_verify(tmp_path: Path) -> None:
    runner = CliRunner()
    bundle = str(tmp_path / "bundle.zip")
    workers = runner.invoke(evote, ["verify", bundle, "--workers", "0"])
    assert workers.exit_code == 2
    receipt = runner.invoke(evote, ["verify", bundle, "--receipt", str(tmp_path / "none.json")])
    assert receipt.exit_code == 2
    assert "does not exist" in receipt.output
    missing = runner.invoke(evote, ["verify", bundle])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output


def test_the_worker_count_is_bounded(tmp_path: Path) -> None:
    result = CliRunner().invoke(evote, ["verify", str(tmp_path / "b.zip"), "--workers", "100000"])
    assert result.exit_code == 2
    assert "1<=x<=1024" in result.output


def test_evote_verify_spoiled_reads_a_hostile_file_line_by_line(tmp_path: Path) -> None:
    from evoting.crypto.canonical import b64encode
    from evoting.crypto.group import Scalar, base_mul

    key = b64encode(base_mul(Scalar.from_int(7)).to_bytes())
    spoiled = tmp_path / "spoiled.jsonl"
    spoiled.write_bytes(b"[" * 100_000 + b"\n" + b'{"format": 1.5}\n' + b"\xff\xfe\n"
                        + b" " * (8 << 20) + b"x\n" + b"{}\n")  # fmt: skip
    examples = Path(__file__).resolve().parents[2] / "examples"
    result = CliRunner().invoke(evote, ["verify-spoiled", str(spoiled), "--manifest",
                                        str(examples / "kortrijk-2019.yaml"),
                                        "--election-key", key])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in range(1, 6)]
    assert lines[0] == "line 1: FAIL: nested too deeply"
    assert lines[3] == "line 4: FAIL: longer than any spoiled-ballot record"
