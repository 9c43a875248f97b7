"""Trustees decrypt only the real totals of a closed board: both databases.

Before this check a trustee's tool looked only at the request's fingerprint, so
anyone who could hand a trustee a request could have one ballot decrypted, even
while the vote was open. Each test hands the trustee something other than the
totals of the board their pinned key closed, and nothing may be decrypted.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from audit.bundle import write_board_package
from audit.export import board_package_contents
from ballots.board import board_signing_key, head
from ballots.chain import entry_hash, genesis_hash, sign_head
from cli.main import evote
from evoting import schema
from evoting.crypto.canonical import b64encode, canonical_json, parse_canonical
from evoting.crypto.keyfile import write_key_file
from tally import ceremony
from tally.closed_board import NotTheTotals, check_for_trustee
from tally.decrypt import decrypt_request
from tally.service import TallyError, close_vote, finish_tally
from tests.integration.conftest import CLOSED, Setup
from tests.integration.test_tally import voted  # noqa: F401 - the fixture


def members(setup: Setup) -> dict[str, Any]:
    """The closed board's members as the trustee reads them (JSON values, board lines)."""
    contents = board_package_contents(setup.factory, setup.election_id)
    out: dict[str, Any] = {}
    for name, content in contents.items():
        data = content if isinstance(content, bytes) else b"".join(content())
        if name.endswith(".jsonl"):
            out[name] = data.decode().splitlines()
        else:
            out[name] = json.loads(data)
    return out


def check(setup: Setup, m: dict[str, Any], request: object | None = None) -> dict[str, object]:
    from evoting.election import parse_manifest

    checked = check_for_trustee(setup.shares[0], parse_manifest(m["manifest.json"]),
                                m["keys.json"], m["board-head.json"], m["board.jsonl"],
                                request, workers=1)  # fmt: skip
    return checked.request


def test_the_real_totals_are_decrypted(voted: Setup) -> None:  # noqa: F811
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    assert check(voted, m, request) == request
    assert check(voted, m) == request  # the request recomputed from the board alone


def test_one_ballots_ciphertexts_are_not_the_totals(voted: Setup) -> None:  # noqa: F811
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    ballot = parse_canonical(json.loads(m["board.jsonl"][0])["ballot"].encode())
    forged = {**request, "contests": [{"label": c["label"], "ciphertexts": c["ciphertexts"]}
                                      for c in ballot["contests"]]}  # fmt: skip
    with pytest.raises(NotTheTotals, match="ciphertexts are not the sum"):
        check(voted, m, forged)
    with pytest.raises(NotTheTotals, match="counts 1 ballots"):
        check(voted, m, {**forged, "ballots": 1})
    with pytest.raises(NotTheTotals, match="contests are not exactly the manifest's"):
        check(voted, m, {**request, "contests": []})


def test_an_open_board_is_not_decrypted(voted: Setup) -> None:  # noqa: F811
    """While the vote is open the head is not final: a request over it is refused."""
    with voted.factory() as session:
        position, entry, _ = head(session, voted.election_id)
        key = board_signing_key(session, voted.election_id, voted.keys)
    open_head = sign_head(key, voted.manifest.fingerprint, position, entry, final=False)
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    with pytest.raises(NotTheTotals, match="not final"):
        check(voted, {**m, "board-head.json": open_head.to_json()}, request)


def test_a_board_signed_by_another_key_is_refused(voted: Setup) -> None:  # noqa: F811
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    mallory = nacl.signing.SigningKey.generate()
    h = m["board-head.json"]
    forged = sign_head(mallory, voted.manifest.fingerprint, h["position"], h["head"], final=True)
    with pytest.raises(NotTheTotals, match="not signed by this election's board key"):
        check(voted, {**m, "board-head.json": forged.to_json()}, request)
    keys = {**m["keys.json"], "board": b64encode(bytes(mallory.verify_key))}
    with pytest.raises(NotTheTotals, match="board key is not the one the trustees pinned"):
        check(voted, {**m, "keys.json": keys, "board-head.json": forged.to_json()}, request)


def test_a_cut_board_is_refused(voted: Setup) -> None:  # noqa: F811
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    with pytest.raises(NotTheTotals, match="board"):
        check(voted, {**m, "board.jsonl": m["board.jsonl"][1:]}, request)
    with pytest.raises(NotTheTotals, match="not at its final head"):
        check(voted, {**m, "board.jsonl": m["board.jsonl"][:-1]}, request)


def test_another_elections_share_is_refused(voted: Setup) -> None:  # noqa: F811
    close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    m = members(voted)
    stranger = dataclasses.replace(voted.shares[0], board_key=b"\x01" * 32)
    from evoting.election import parse_manifest

    with pytest.raises(NotTheTotals, match="board key is not the one the trustees pinned"):
        check_for_trustee(stranger, parse_manifest(m["manifest.json"]), m["keys.json"],
                          m["board-head.json"], m["board.jsonl"], None, workers=1)  # fmt: skip


def test_the_officials_refuse_partials_for_an_altered_request(voted: Setup) -> None:  # noqa: F811
    """Where partial decryptions are accepted, the stored request is re-added from the board."""
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    contests = request["contests"]
    assert isinstance(contests, list)
    swapped = {**request, "contests": [{**contests[0], "ciphertexts":
                                        list(reversed(contests[0]["ciphertexts"]))}]}  # fmt: skip
    with voted.factory() as session, session.begin():
        session.execute(
            update(schema.tallies)
            .where(schema.tallies.c.election_id == voted.election_id)
            .values(request=canonical_json(swapped).decode())
        )
    partials = [decrypt_request(s, swapped) for s in voted.shares[:2]]
    with pytest.raises(TallyError, match="not the sum of the board's ballots"):
        finish_tally(voted.factory, voted.election_id, partials, eligible=9)


def test_the_trustee_command_refuses_in_one_line_and_asks_first(
    voted: Setup,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    board = tmp_path / "board.zip"
    write_board_package(board, board_package_contents(voted.factory, voted.election_id))
    share = voted.shares[1]
    record = parse_canonical(canonical_json(request))
    monkeypatch.setenv("EVOTING_PASSPHRASE", "a trustee's long passphrase")
    share_file = tmp_path / "share.key"
    with voted.factory() as session:
        record_doc = ceremony_ack(session, voted.election_id, share.keys.index)
    write_key_file(share_file, "trustee-share",
                   ceremony.encode_share(share.keys, share.share, record_doc),
                   "a trustee's long passphrase", strength="interactive")  # fmt: skip
    forged = tmp_path / "forged.json"
    contests = record["contests"]
    forged.write_text(json.dumps({**record, "contests": [{**contests[0], "ciphertexts": list(
        reversed(contests[0]["ciphertexts"]))}]}))  # fmt: skip
    runner = CliRunner()
    base = ["trustee", "decrypt", "--share", str(share_file), "--board", str(board), "--workers",
            "1"]  # fmt: skip
    refused = runner.invoke(evote, [*base, "--request", str(forged), "--out",
                                    str(tmp_path / "p1.json"), "--yes"])  # fmt: skip
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines()[-1].startswith("Error: refused, nothing decrypted")
    assert "Traceback" not in refused.output
    assert not (tmp_path / "p1.json").exists()
    declined = runner.invoke(evote, [*base, "--out", str(tmp_path / "p2.json")], input="n\n")
    assert declined.exit_code == 1
    final_head: Any = request["final_head"]
    for shown in (voted.election_id, voted.manifest.fingerprint.hex(), "ballots       5",
                  final_head["head"]):  # fmt: skip
        assert str(shown) in declined.output
    assert not (tmp_path / "p2.json").exists()
    done = runner.invoke(evote, [*base, "--out", str(tmp_path / "p3.json")], input="y\n")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "p3.json").exists()


def ceremony_ack(session: Any, election_id: str, trustee: int) -> dict[str, object]:
    from tally.officials import documents

    for ack in documents(session, election_id, "ack"):
        if ack["body"]["trustee"] == trustee:
            return ack
    raise AssertionError(f"no acknowledgement from trustee {trustee}")


def test_a_hostile_board_file_is_refused_in_one_line(
    voted: Setup,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Duplicated or stray members, an endless line, a zip that is not one: refused by name
    with the verifier's own reader, before any decryption."""
    import zipfile

    close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    good = tmp_path / "board.zip"
    write_board_package(good, board_package_contents(voted.factory, voted.election_id))
    with zipfile.ZipFile(good) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    monkeypatch.setenv("EVOTING_PASSPHRASE", "a trustee's long passphrase")
    share = voted.shares[1]
    share_file = tmp_path / "share.key"
    with voted.factory() as session:
        ack = ceremony_ack(session, voted.election_id, share.keys.index)
    write_key_file(share_file, "trustee-share", ceremony.encode_share(share.keys, share.share, ack),
                   "a trustee's long passphrase", strength="interactive")  # fmt: skip

    def zipped(name: str, entries: list[tuple[str, bytes]]) -> Path:
        path = tmp_path / name
        with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as z:
            warnings.simplefilter("ignore")  # a duplicate name is the point
            for member, data in entries:
                z.writestr(member, data)
        return path

    forged = json.dumps({**json.loads(parts["tally.json"]), "partials": []}).encode()
    without_board = [(n, d) for n, d in parts.items() if n != "board.jsonl"]
    cases = {
        zipped("dup.zip", [*parts.items(), ("tally.json", forged)]): "appears 2 times",
        zipped("stray.zip", [*parts.items(), ("../evil.json", b"{}")]): "a path with '..'",
        zipped("long.zip", [*without_board, ("board.jsonl", b"x" * (7 << 20))]): "longer than",
        zipped("missing.zip", [(n, d) for n, d in parts.items() if n != "keys.json"]): "keys.json",
    }
    (tmp_path / "not.zip").write_bytes(b"PK not a zip at all")
    cases[tmp_path / "not.zip"] = "not a closed board"
    for path, reason in cases.items():
        out = tmp_path / f"{path.stem}.json"
        arguments = ["trustee", "decrypt", "--share", str(share_file), "--board", str(path),
                     "--out", str(out), "--yes"]  # fmt: skip
        refused = CliRunner().invoke(evote, arguments)
        assert refused.exit_code == 1, (path, refused.output)
        last = refused.output.strip().splitlines()[-1]
        assert last.startswith("Error: refused, nothing decrypted"), last
        assert reason in last, last
        assert not (tmp_path / f"{path.stem}.json").exists()


def test_a_stored_request_claiming_an_empty_board_is_refused(voted: Setup) -> None:  # noqa: F811
    """Zeros without any trustee: only if the board itself is empty."""
    request = close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    with voted.factory() as session, session.begin():
        session.execute(
            update(schema.tallies)
            .where(schema.tallies.c.election_id == voted.election_id)
            .values(request=canonical_json({**request, "ballots": 0}).decode())
        )
    with pytest.raises(TallyError, match="counts 0 ballots; the board holds 5"):
        finish_tally(voted.factory, voted.election_id, [], eligible=9)


def test_a_trustee_decrypts_one_closed_board_per_election(
    voted: Setup,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that holds the board key can sign a 'final' board of its choosing; once a
    trustee has decrypted the real one, any other board of the election is refused (two
    boards that differ by a ballot would give it away)."""
    import zipfile

    close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    board = tmp_path / "board.zip"
    write_board_package(board, board_package_contents(voted.factory, voted.election_id))
    monkeypatch.setenv("EVOTING_PASSPHRASE", "a trustee's long passphrase")
    share = voted.shares[1]
    share_file = tmp_path / "share.key"
    with voted.factory() as session:
        ack = ceremony_ack(session, voted.election_id, share.keys.index)
        key = board_signing_key(session, voted.election_id, voted.keys)
    write_key_file(share_file, "trustee-share", ceremony.encode_share(share.keys, share.share, ack),
                   "a trustee's long passphrase", strength="interactive")  # fmt: skip

    def decrypt(path: Path, out: str) -> str:
        arguments = ["trustee", "decrypt", "--share", str(share_file), "--board", str(path),
                     "--out", str(tmp_path / out), "--yes"]  # fmt: skip
        answer = CliRunner().invoke(evote, arguments)
        return f"{answer.exit_code} {answer.output}"

    assert decrypt(board, "real.json").startswith("0 ")
    assert decrypt(board, "again.json").startswith("0 ")  # the same board: the same totals
    with zipfile.ZipFile(board) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    first = json.loads(parts["board.jsonl"].splitlines()[0])  # one voter's ballot alone
    position, previous = 1, genesis_hash(voted.manifest.fingerprint)
    alone = {**first, "position": position, "previous": previous,
             "entry_hash": entry_hash(position, previous, first["tracking_code"])}  # fmt: skip
    head = sign_head(key, voted.manifest.fingerprint, 1, alone["entry_hash"], final=True)
    parts["board.jsonl"] = canonical_json(alone) + b"\n"
    parts["board-head.json"] = canonical_json(head.to_json()) + b"\n"
    parts["tally.json"] = canonical_json({"request": None, "partials": []}) + b"\n"
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    said = decrypt(forged, "forged.json")
    assert said.startswith("1 "), said
    assert "you already decrypted another closed board of this election" in said
    assert not (tmp_path / "forged.json").exists()
