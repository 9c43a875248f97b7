"""Receipts against the final board: what the bundle alone cannot show.

The operator here drops Bram's ballot (entry 2), re-chains the board, signs a new
final head with the board key, has the trustees decrypt the new totals and the
authority sign it all: the bundle alone passes. Only the receipts the ballot box
gave before the drop show it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit import receipts as receipts_module
from audit.receipts import Claim, read_receipts
from audit.verify import Report, verify_bundle
from ballots.ballot import tracking_code_short
from ballots.cast import Receipt
from ballots.chain import entry_hash, genesis_hash, sign_head
from cli.main import evote
from evoting.crypto.canonical import b64decode, canonical_json
from tally.aggregate import Context, aggregate
from tally.ceremony import keys_from_record, params
from tally.decrypt import combine, decrypt_request, read_request, tally_request
from tally.result import build_result
from tests.integration.bundles import Made, made_bundle, members, rezip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


def _write(path: Path, *receipts: Receipt, pretty: bool = False) -> Path:
    if pretty:  # as the booth's "save my receipt" link writes it (JSON.stringify(r, null, 2))
        path.write_text(json.dumps(receipts[0].to_json(), indent=2))
    else:  # as `evote cast --receipt-out` writes one, or JSON lines of many
        path.write_bytes(b"".join(canonical_json(r.to_json()) + b"\n" for r in receipts))
    return path


def _verify(data: bytes, *paths: Path) -> Report:
    return verify_bundle(data, workers=1, receipts=read_receipts(paths))


def test_every_receipt_is_on_the_final_board(made: Made, tmp_path: Path) -> None:
    one = _write(tmp_path / "receipt.json", made.receipts[0], pretty=True)
    many = _write(tmp_path / "receipts.jsonl", *made.receipts[1:])
    report = _verify(made.data, one, many)
    assert report.failures == []
    short = [tracking_code_short(r.tracking_code) for r in made.receipts]
    assert report.confirmed == [
        f"receipt {one}#1: ballot {short[0]} is on the final board at position 1",
        f"receipt {many}#1: ballot {short[1]} is on the final board at position 2",
        f"receipt {many}#2: ballot {short[2]} is on the final board at position 3",
        f"receipt {many}#3: ballot {short[3]} is on the final board at position 4",
    ]


def _drop_and_rechain(made: Made, dropped: int) -> bytes:
    """What a dishonest operator with the board key, the trustees and the authority makes."""
    parts = members(made.data)
    manifest = made.manifest
    entries = [json.loads(line) for line in parts["board.jsonl"].splitlines()]
    del entries[dropped - 1]
    previous = genesis_hash(manifest.fingerprint)
    for position, entry in enumerate(entries, start=1):
        entry["position"], entry["previous"] = position, previous
        entry["entry_hash"] = previous = entry_hash(position, previous, entry["tracking_code"])
    board = [canonical_json(e).decode() for e in entries]
    head = sign_head(made.board_key, manifest.fingerprint, len(entries), previous, final=True)
    keys = json.loads(parts["keys.json"])
    context = Context(
        manifest.canonical(), b64decode(keys["election"]), b64decode(keys["credential"])
    )
    added = aggregate(board, context, workers=1)
    request = tally_request(manifest, added, head.to_json())
    partials = [decrypt_request(share, request) for share in made.shares[:2]]
    ceremony = keys_from_record(manifest, json.loads(parts["trustees.json"]))
    totals = combine(read_request(request), partials, ceremony.trustee_keys,
                     ceremony.verification_keys, params(manifest))  # fmt: skip
    result = build_result(manifest, totals, added.ballots, [], 9)
    parts["board.jsonl"] = "".join(line + "\n" for line in board).encode()
    parts["board-head.json"] = canonical_json(head.to_json()) + b"\n"
    parts["tally.json"] = canonical_json({"request": request, "partials": partials}) + b"\n"
    parts["result.json"] = canonical_json(result) + b"\n"
    return rezip(parts)


def test_a_dropped_ballot_on_a_rechained_board_is_caught_only_by_receipts(
    made: Made, tmp_path: Path
) -> None:
    forged = _drop_and_rechain(made, dropped=2)
    alone = verify_bundle(forged, workers=1)
    assert alone.failures == []  # the bundle alone cannot show it
    assert json.loads(members(forged)["result.json"])["questions"][0]["totals"] == {
        "yes": 2, "no": 0, "blank": 1,
    }  # fmt: skip
    paths = [_write(tmp_path / f"r{i}.json", r) for i, r in enumerate(made.receipts, start=1)]
    report = _verify(forged, *paths)
    assert report.confirmed == [
        f"receipt {paths[0]}#1: ballot {tracking_code_short(made.receipts[0].tracking_code)} "
        "is on the final board at position 1"
    ]
    assert report.failures == [
        f"receipt {paths[1]}#1: the final board is not the board this receipt's head signed: "
        "its entry 2 has another hash (entries before it were dropped, inserted or changed)",
        f"receipt {paths[2]}#1: the final board is not the board this receipt's head signed: "
        "its entry 3 has another hash (entries before it were dropped, inserted or changed)",
        f"receipt {paths[3]}#1: the board was signed at entry 4 after this ballot, but the "
        "final board ends at entry 3: entries were dropped",
    ]


def test_the_cli_names_the_dropped_ballot(made: Made, tmp_path: Path) -> None:
    bundle = tmp_path / "forged.zip"
    bundle.write_bytes(_drop_and_rechain(made, dropped=2))
    receipt = _write(tmp_path / "bram.json", made.receipts[1], pretty=True)
    runner = CliRunner()
    alone = runner.invoke(evote, ["verify", str(bundle), "--workers", "1"])
    assert alone.exit_code == 0, alone.output
    checked = runner.invoke(evote, ["verify", str(bundle), "--workers", "1",
                                    "--receipt", str(receipt)])  # fmt: skip
    assert checked.exit_code == 1, checked.output
    assert f"FAIL receipt {receipt}#1: the final board is not the board" in checked.output
    good = _write(tmp_path / "an.json", made.receipts[0])
    passed = runner.invoke(evote, ["verify", str(made_bundle_path(made, tmp_path)),
                                   "--workers", "1", "--receipt", str(good)])  # fmt: skip
    assert passed.exit_code == 0, passed.output
    assert f"OK receipt {good}#1: ballot " in passed.output
    assert passed.output.splitlines()[-1].startswith("PASS")


def made_bundle_path(made: Made, tmp_path: Path) -> Path:
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.data)
    return path


def _receipt_json(made: Made, index: int = 0) -> dict[str, object]:
    value: dict[str, object] = json.loads(canonical_json(made.receipts[index].to_json()))
    return value


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r["head"].update(position=r["head"]["position"] + 1),
         "its signed head is not signed by the bundle's board key (keys.json): a forged "
         "receipt, or the board key was replaced"),
        (lambda r: r["head"].update(election="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
         "its signed head is for another election"),
        (lambda r: r.update(position=2),
         "its position 2 is after its signed head's 1: not what a ballot box gives"),
        (lambda r: r.update(tracking_code="0" * 64),
         "entry 1 of the final board is another ballot; this one is not on it"),
    ],
)  # fmt: skip
def test_a_receipt_that_does_not_hold(made: Made, tmp_path: Path, change: object,
                                      reason: str) -> None:  # fmt: skip
    receipt = _receipt_json(made)
    change(receipt)  # type: ignore[operator]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(receipt))
    report = _verify(made.data, path)
    assert report.failures == [f"receipt {path}#1: {reason}"]


def test_a_receipt_with_another_ballots_code(made: Made, tmp_path: Path) -> None:
    receipt = _receipt_json(made, 0)
    receipt["tracking_code"] = made.receipts[2].tracking_code
    path = tmp_path / "r.json"
    path.write_text(json.dumps(receipt))
    assert _verify(made.data, path).failures == [
        f"receipt {path}#1: entry 1 of the final board is another ballot; this one is "
        "elsewhere on the board"
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"head": {}, "position": 1.0, "tracking_code": "x"}',
         "not JSON (1.0 is not a whole number)"),
        (b"[1, 2]", "not a receipt: expected tracking_code, position and head"),
        (b'"receipt"', "not a receipt: expected tracking_code, position and head"),
        (b"\xff\xfe{}", "not JSON ("),
        (b"[" * 10_000, "not JSON ("),
    ],
)  # fmt: skip
def test_hostile_receipt_files(made: Made, tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(content)
    report = _verify(made.data, path)
    assert len(report.failures) == 1
    assert report.failures[0].startswith(f"receipt {path}#1: {reason}")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("position", True, "position: expected a whole number from 1"),
        ("position", 0, "position: expected a whole number from 1"),
        ("position", "1", "position: expected a whole number from 1"),
        ("position", 2**60, "position: expected a whole number from 1"),
        ("tracking_code", ["a"], "tracking_code: expected 64 hexadecimal digits"),
        ("head", [], "head: a signed head has election, position, head, final, signature"),
        ("extra", 1, "not a receipt: expected tracking_code, position and head"),
    ],
)
def test_receipt_fields_of_the_wrong_type(made: Made, tmp_path: Path, field: str,
                                          value: object, reason: str) -> None:  # fmt: skip
    receipt = _receipt_json(made)
    receipt[field] = value
    path = tmp_path / "r.json"
    path.write_text(json.dumps(receipt))
    assert _verify(made.data, path).failures == [f"receipt {path}#1: {reason}"]


def test_json_lines_fail_line_by_line(made: Made, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a": 1}\n' + canonical_json(made.receipts[1].to_json()) + b"\n[]\n")
    report = _verify(made.data, path)
    assert report.failures == [
        f"receipt {path}#1: not a receipt: expected tracking_code, position and head",
        f"receipt {path}#3: not a receipt: expected tracking_code, position and head",
    ]
    assert len(report.confirmed) == 1


def test_a_pretty_printed_receipt_with_a_float_is_one_failure(made: Made, tmp_path: Path) -> None:
    receipt = _receipt_json(made)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(receipt, indent=2).replace('"position": 1,', '"position": 1.0,'))
    assert _verify(made.data, path).failures == [
        f"receipt {path}#1: not JSON (1.0 is not a whole number)"
    ]


def test_receipt_files_are_bounded(made: Made, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    long_line = tmp_path / "long.jsonl"
    long_line.write_bytes(canonical_json(made.receipts[0].to_json()) + b"\n"
                          + b" " * receipts_module.MAX_LINE_BYTES + b"{}\n")  # fmt: skip
    claims = read_receipts([long_line])
    assert [c.problem for c in claims] == [
        "",
        f"longer than {receipts_module.MAX_LINE_BYTES} bytes: not a receipt",
    ]
    with monkeypatch.context() as patch:
        patch.setattr(receipts_module, "MAX_FILE_BYTES", 1000)
        big = tmp_path / "big.jsonl"
        big.write_bytes(b" " * 1001)
        assert read_receipts([big]) == [Claim(str(big), problem="larger than 1000 bytes")]
    monkeypatch.setattr(receipts_module, "MAX_RECEIPTS", 3)
    many = _write(tmp_path / "many.jsonl", *made.receipts)
    claims = read_receipts([many])
    assert len(claims) == 4
    assert claims[3] == Claim(str(many), problem="more than 3 receipts in all: the rest are "
                                                  "not checked")  # fmt: skip


def test_receipts_are_not_checked_when_the_board_is_not(made: Made, tmp_path: Path) -> None:
    parts = members(made.data)
    parts["board-head.json"] = b"[]\n"
    path = _write(tmp_path / "r.json", made.receipts[0])
    report = _verify(rezip(parts), path)
    assert f"receipt {path}#1: not checked: the final board does not verify" in report.failures


def test_a_receipt_file_with_a_byte_order_mark(made: Made, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(made.receipts[0].to_json(), indent=2).encode())
    assert _verify(made.data, path).passed
