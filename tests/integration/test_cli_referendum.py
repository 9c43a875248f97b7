"""A whole referendum from the command line, as officials, trustees and residents run it."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from identity import pollcards
from tests.integration.test_cli_ceremony import deal_and_finish, register_trustees
from tests.integration.test_cli_identity import EXAMPLES, Invoker, open_now
from tests.support.pdf import texts

ELECTION = "kortrijk-2019"


@pytest.fixture
def run(tmp_path: Path) -> Invoker:
    return Invoker(tmp_path)


def run_to_the_close(run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Officials, trustees and residents, through the close and two trustees' decryptions
    (``partial2.json``, ``partial3.json``); the authority's key is ``authority.key``.
    Returns the tracking codes of the four ballots cast."""
    monkeypatch.setenv("EVOTING_PASSPHRASE", "correct horse battery staple")
    assert run("init").exit_code == 0
    made = run("authority", "keygen", "--out", str(tmp_path / "authority.key"))
    assert made.exit_code == 0, made.output
    pinned = re.search(r"^authority_key: (\S+)$", made.output, re.MULTILINE)
    assert pinned is not None
    manifest = open_now(tmp_path)
    manifest.write_text(manifest.read_text() + f"authority_key: {pinned.group(1)}\n")
    created = run("election", "create", str(manifest))
    assert created.exit_code == 0, created.output

    register = str(EXAMPLES / "register-sample.csv")
    assert run("register", "import", ELECTION, register).exit_code == 0
    codes: list[str] = []
    real = pollcards.new_code

    def recording_new_code() -> str:
        codes.append(real())
        return codes[-1]

    monkeypatch.setattr(pollcards, "new_code", recording_new_code)
    printed = run("register", "poll-cards", ELECTION, register, "--out", str(tmp_path / "l.pdf"))
    assert printed.exit_code == 0, printed.output
    register_trustees(run, tmp_path, manifest)
    deal_and_finish(run, tmp_path, manifest)
    assert run("election", "open", ELECTION).exit_code == 0

    # The eligible residents, in register order: An, Bram, Chantal, Dries, Finn, ...
    numbers = ["85071412330", "90030204659", "58113020197", "03052001891", "00022907766"]
    receipts = []
    for number, code, answer in zip(numbers, codes, ["yes", "yes", "no", "blank"], strict=False):
        cast = run("cast", ELECTION, "--answer", f"car-free-sunday={answer}",
                   "--register-number", number, "--code", code)  # fmt: skip
        assert cast.exit_code == 0, cast.output
        receipts.append(re.search(r"\(([0-9a-f]{64})\)", cast.output).group(1))  # type: ignore[union-attr]
    again = run("cast", ELECTION, "--answer", "car-free-sunday=yes",
                "--register-number", numbers[2], "--code", codes[2])  # fmt: skip
    assert again.exit_code == 1
    assert "already" in again.output
    assert "Traceback" not in again.output
    assert run("register", "mark-paper", ELECTION, "--register-number", numbers[4]).exit_code == 0

    request = tmp_path / "tally-request.json"
    on_time = run("election", "close", ELECTION, "--request-out", str(request))
    assert on_time.exit_code == 1
    assert "--early" in on_time.output
    assert not request.exists()
    closed_board = tmp_path / "board.zip"
    closed = run("election", "close", ELECTION, "--request-out", str(request), "--early",
                 "--board-out", str(closed_board))  # fmt: skip
    assert closed.exit_code == 0, closed.output
    assert "4 ballots checked and added" in closed.output
    late = run("cast", ELECTION, "--answer", "car-free-sunday=no",
               "--register-number", "47040340337", "--code", codes[7])  # fmt: skip
    assert late.exit_code == 1

    for i in (2, 3):  # trustee 1 is away: k = 2 of n = 3 suffice
        share, partial = tmp_path / f"share{i}.key", tmp_path / f"partial{i}.json"
        decrypted = run("trustee", "decrypt", "--share", str(share), "--board", str(closed_board),
                        "--request", str(request), "--out", str(partial), "--yes")  # fmt: skip
        assert decrypted.exit_code == 0, decrypted.output
    return receipts


def test_officials_trustees_and_residents_run_a_referendum(
    run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipts = run_to_the_close(run, tmp_path, monkeypatch)
    bundle = tmp_path / "bundle.zip"
    key = str(tmp_path / "authority.key")
    alone = run("tally", ELECTION, str(tmp_path / "partial2.json"), "--authority-key", key,
                "--out", str(bundle))  # fmt: skip
    assert alone.exit_code == 1
    assert "2 are needed" in alone.output
    monkeypatch.setenv("EVOTING_OFFICIAL_PASSWORD", "an official's long password")
    for name in ("anna", "bert"):
        assert run("official", "add", name, "--role", "official").exit_code == 0
    box = tmp_path / "stadhuis.json"
    box.write_text(json.dumps({"box": "Stadhuis", "ballots": 1,
                               "contests": {"car-free-sunday": [1, 1, 0]}}))  # fmt: skip
    miscounted = run("paper", "enter", ELECTION, str(box), "--official", "anna")
    assert miscounted.exit_code == 1
    assert "add up to 2, not to the box's 1 ballots" in miscounted.output
    box.write_text(json.dumps({"box": "Stadhuis", "ballots": 2,
                               "contests": {"car-free-sunday": [1, 1, 0]}}))  # fmt: skip
    invented = run("paper", "enter", ELECTION, str(box), "--official", "anna")
    assert invented.exit_code == 1
    assert "would hold 2 ballots, but only 1 residents were marked" in invented.output
    box.write_text(json.dumps({"box": "Stadhuis", "ballots": 1,
                               "contests": {"car-free-sunday": [1, 0, 0]}}))  # fmt: skip
    first = run("paper", "enter", ELECTION, str(box), "--official", "anna")
    assert "a second official must enter it too" in first.output, first.output
    waiting = run("tally", ELECTION, str(tmp_path / "partial2.json"),
                  str(tmp_path / "partial3.json"), "--authority-key", key,
                  "--out", str(bundle))  # fmt: skip
    assert waiting.exit_code == 1
    assert "entered by one official only" in waiting.output
    assert not bundle.exists()
    second = run("paper", "enter", ELECTION, str(box), "--official", "bert")
    assert "confirmed by two officials" in second.output, second.output
    status = run("paper", "status", ELECTION)
    assert "Stadhuis: confirmed by anna and bert" in status.output
    tallied = run("tally", ELECTION, str(tmp_path / "partial2.json"),
                  str(tmp_path / "partial3.json"), "--authority-key", key,
                  "--out", str(bundle))  # fmt: skip
    assert tallied.exit_code == 0, tallied.output
    assert "car-free-sunday: {'yes': 3, 'no': 1, 'blank': 1} → yes (advisory)" in tallied.output
    assert "5 residents took part; at least 2000 are needed" in tallied.output

    verified = run("verify", str(bundle))
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines()[-1].startswith("PASS")
    pdf = tmp_path / "report.pdf"
    reported = run("report", str(bundle), "--out", str(pdf))
    assert reported.exit_code == 0, reported.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    headers = {page.splitlines()[0] for page in texts(pdf)}
    assert headers == {"Kortrijk", "Courtrai"}  # the city by name, from the manifest's NIS code
    published = run("election", "publish", ELECTION, str(bundle))
    assert published.exit_code == 0, published.output

    with zipfile.ZipFile(bundle) as z:
        board = [json.loads(line) for line in z.read("board.jsonl").splitlines()]
        log = [json.loads(line) for line in z.read("audit-log.jsonl").splitlines()]
    assert [entry["tracking_code"] for entry in board] == receipts
    actions = [entry["body"]["action"] for entry in log]
    assert actions == [
        "election-created", "register-imported", "poll-cards-issued",
        *["trustee-registered"] * 3, *["dealer-message-received"] * 3, "ceremony-finished",
        "opened", "paper-vote-marked", "closed", "tally-requested",
        "official-key", "paper-box-entered", "official-key", "paper-box-confirmed",
        *["partial-decryption-received"] * 2, "tallied",
    ]  # fmt: skip
    closing = next(entry["body"]["details"] for entry in log if entry["body"]["action"] == "closed")
    assert closing["early"] is True
    assert closing["ballots"] == 4


def test_files_that_are_not_json_documents_are_one_line(run: Invoker, tmp_path: Path) -> None:
    """A number too long to convert, nesting too deep, bytes that are not UTF-8: one line."""
    assert run("init").exit_code == 0
    for name, content in (("long.json", b'{"box": ' + b"9" * 5000 + b"}"),
                          ("deep.json", b"[" * 100_000 + b"]" * 100_000),
                          ("bytes.json", b"\xff\xfe{}")):  # fmt: skip
        path = tmp_path / name
        path.write_bytes(content)
        for arguments in (("paper", "enter", ELECTION, str(path), "--official", "anna"),
                          ("authority", "attach", str(path), str(path), "--out",
                           str(tmp_path / "x.zip"))):  # fmt: skip
            answer = run(*arguments, input="a password\n")
            assert answer.exit_code == 1, (arguments, answer.output)
            assert "Traceback" not in answer.output
            assert answer.output.strip().splitlines()[-1].startswith("Error:"), answer.output
