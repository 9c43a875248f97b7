"""The result bundle and the independent verifier: PASS, then every kind of tampering."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import nacl.signing
import pytest

from audit.bundle import MEMBERS, SIGNATURES, write_bundle
from audit.export import bundle_contents
from audit.verify import UnreadableBundle, verify_bundle, verify_file
from ballots.ballot import encrypt_ballot
from ballots.cast import cast, publish_spoiled
from ballots.spoil import spoiled_record
from evoting.crypto import signing
from evoting.crypto.canonical import b64encode, canonical_json
from tally.decrypt import decrypt_request
from tally.service import close_vote, finish_tally
from tests.integration.conftest import CLOSED, NOW, Setup, make_setup, obtain_credential

AUTHORITY = nacl.signing.SigningKey(bytes(range(32)))
VOTES = {"An": "yes", "Bram": "no", "Chantal": "yes", "Dries": None}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One real bundle (SQLite), made once: the tamper tests change copies of it."""
    from evoting import db

    tmp = tmp_path_factory.mktemp("bundle")
    engine = db.make_engine(f"sqlite:///{tmp / 'b.sqlite3'}")
    db.upgrade(engine)
    monkeypatch = pytest.MonkeyPatch()
    try:
        setup = make_setup(engine, tmp, monkeypatch, trustees=True)
        return _make_bundle(setup, tmp / "bundle.zip")
    finally:
        monkeypatch.undo()
        engine.dispose()


def _make_bundle(setup: Setup, out: Path) -> bytes:
    for name, answer in VOTES.items():
        credential = obtain_credential(setup, name)
        if name == "An":  # An first challenges a ballot, then casts a fresh one
            spoiled, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                              {"car-free-sunday": "no"})  # fmt: skip
            publish_spoiled(setup.factory, setup.keys, setup.election_id,
                            canonical_json(spoiled_record(spoiled, secrets)))  # fmt: skip
        ballot, _ = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                   {"car-free-sunday": answer})  # fmt: skip
        cast(setup.factory, setup.keys, setup.election_id, ballot.canonical(), NOW)
    request = close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)
    partials = [decrypt_request(s, request) for s in setup.shares[:2]]
    finish_tally(setup.factory, setup.election_id, partials, [], eligible=9)
    figures = {"credentials_issued": 4, "eligible": 9, "paper_votes": 0}
    fingerprint, contents = bundle_contents(setup.factory, setup.election_id, figures)
    write_bundle(out, fingerprint, contents, AUTHORITY)
    return out.read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(
    members: dict[str, bytes], *, resign: nacl.signing.SigningKey | None = AUTHORITY
) -> bytes:
    """Rebuild a bundle; with ``resign``, as a dishonest authority would, signing the changes."""
    members = dict(members)
    if resign is not None:
        hashes = {
            name: hashlib.sha256(members[name]).hexdigest() for name in MEMBERS if name in members
        }
        fingerprint = hashlib.sha256(members["manifest.json"].rstrip(b"\n")).digest()
        payload = {"election": fingerprint, "members": hashes}
        members[SIGNATURES] = canonical_json({
            "authority": b64encode(bytes(resign.verify_key)), "members": hashes,
            "signature": b64encode(signing.sign(resign, "EVOTING-V1-bundle", payload)),
        }) + b"\n"  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _failures(data: bytes) -> list[str]:
    report = verify_bundle(data, workers=1)
    assert not report.passed
    return report.failures


def _edit_lines(members: dict[str, bytes], name: str,
                change: Callable[[list[bytes]], list[bytes]]) -> dict[str, bytes]:  # fmt: skip
    lines = members[name].splitlines()
    return {**members, name: b"\n".join(change(lines)) + b"\n"}


def test_a_real_bundle_passes(bundle: bytes) -> None:
    report = verify_bundle(bundle, workers=1)
    assert report.failures == []
    assert report.passed
    assert set(_members(bundle)) == {*MEMBERS, SIGNATURES}


def test_the_bundle_in_parallel_gives_the_same_verdict(bundle: bytes) -> None:
    from tally import aggregate

    original = aggregate.PARALLEL_FROM
    aggregate.PARALLEL_FROM = 0
    try:
        assert verify_bundle(bundle, workers=2).passed
    finally:
        aggregate.PARALLEL_FROM = original


@pytest.mark.parametrize("member", MEMBERS)
def test_one_flipped_byte_in_any_member_is_caught(bundle: bytes, member: str) -> None:
    members = _members(bundle)
    content = bytearray(members[member])
    middle = len(content) // 2
    content[middle] ^= 0x01
    members[member] = bytes(content)
    failures = _failures(_rezip(members, resign=None))
    assert any(f.startswith(f"{member}: changed after the authority signed it") for f in failures)


def test_a_dropped_board_entry(bundle: bytes) -> None:
    failures = _failures(_rezip(_edit_lines(_members(bundle), "board.jsonl", lambda ls: ls[1:])))
    assert any("board entry 1: has position 2 (dropped or reordered)" in f for f in failures)
    assert any("final signed head" in f for f in failures)


def test_a_duplicated_board_entry(bundle: bytes) -> None:
    failures = _failures(_rezip(_edit_lines(_members(bundle), "board.jsonl",
                                            lambda ls: [*ls, ls[-1]])))  # fmt: skip
    assert any("the same ballot is on the board twice" in f for f in failures)
    assert any("its credential already cast entry" in f for f in failures)


def test_reordered_board_entries(bundle: bytes) -> None:
    failures = _failures(_rezip(_edit_lines(_members(bundle), "board.jsonl",
                                            lambda ls: [ls[1], ls[0], *ls[2:]])))  # fmt: skip
    assert any("does not chain to the entry before it" in f for f in failures)


def test_swapped_partial_decryptions(bundle: bytes) -> None:
    members = _members(bundle)
    tally = json.loads(members["tally.json"])
    first, second = tally["partials"]
    first["body"]["shares"], second["body"]["shares"] = (
        second["body"]["shares"],
        first["body"]["shares"],
    )
    members["tally.json"] = canonical_json(tally) + b"\n"
    failures = _failures(_rezip(members))
    assert any(f.startswith("tally.json:") and "does not verify" in f for f in failures), failures


def test_a_changed_total(bundle: bytes) -> None:
    members = _members(bundle)
    result = json.loads(members["result.json"])
    result["questions"][0]["totals"]["yes"] += 1
    members["result.json"] = canonical_json(result) + b"\n"
    failures = _failures(_rezip(members))
    assert "result.json: questions[0].totals.yes is not what the bundle gives" in failures


def test_a_changed_rule_threshold_in_the_manifest(bundle: bytes) -> None:
    members = _members(bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["questions"][0]["rules"]["min_participants"] = 3  # would make 4 votes binding
    members["manifest.json"] = canonical_json(manifest) + b"\n"
    failures = _failures(_rezip(members))
    assert any("the ballot is for another election" in f for f in failures)
    assert any(f.startswith("trustees.json:") for f in failures)


def test_a_cast_spoiled_ballot_and_a_dishonest_challenge(bundle: bytes) -> None:
    members = _members(bundle)
    record = json.loads(members["spoiled.jsonl"])
    record["contests"][0]["selections"] = [1, 0, 0]
    members["spoiled.jsonl"] = canonical_json(record) + b"\n"
    assert any("does not encrypt what the device showed" in f for f in _failures(_rezip(members)))


def test_another_authority_and_an_extra_member(bundle: bytes) -> None:
    members = _members(bundle)
    stranger = nacl.signing.SigningKey.generate()
    report = verify_bundle(_rezip(members, resign=stranger), workers=1)
    assert report.passed  # the manifest pins no authority key here...
    assert any(
        "compare the signer's key fingerprint" in n for n in report.notes
    )  # ...so it says so
    members["notes.txt"] = b"added later"
    assert "notes.txt: not signed by the authority (an extra member)" in _failures(
        _rezip(members, resign=None)
    )


def test_unreadable_bundles(bundle: bytes) -> None:
    with pytest.raises(UnreadableBundle, match="not a zip"):
        verify_bundle(b"not a zip")
    members = _members(bundle)
    del members[SIGNATURES]
    with pytest.raises(UnreadableBundle, match=r"no signatures\.json"):
        verify_bundle(_rezip(members, resign=None))


def test_a_file_is_verified_member_by_member(bundle: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    report = verify_file(path, workers=1)
    assert report.passed
    assert report.bundle_sha256 == hashlib.sha256(bundle).hexdigest()
    with pytest.raises(UnreadableBundle, match="cannot read"):
        verify_file(tmp_path / "missing.zip")


def test_a_corrupt_compressed_member_is_unreadable_not_a_crash(
    bundle: bytes, tmp_path: Path
) -> None:
    # Damage the board's compressed bytes inside the zip (not a re-signed member):
    # the zip's CRC check fails while the verifier streams the board.
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        info = z.getinfo("board.jsonl")
    damaged = bytearray(bundle)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged[start + info.compress_size // 2] ^= 0xFF
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(damaged))
    with pytest.raises(UnreadableBundle, match="corrupt"):
        verify_file(path, workers=1)


def test_the_same_inputs_give_the_same_bytes(bundle: bytes, tmp_path: Path) -> None:
    members = _members(bundle)
    contents = {name: members[name] for name in MEMBERS}
    fingerprint = hashlib.sha256(members["manifest.json"].rstrip(b"\n")).digest()
    first = write_bundle(tmp_path / "a.zip", fingerprint, contents, AUTHORITY)
    second = write_bundle(tmp_path / "b.zip", fingerprint, contents, AUTHORITY)
    assert first == second
    assert (tmp_path / "a.zip").read_bytes() == bundle


def test_the_report_is_printed_from_the_bundle(bundle: bytes, tmp_path: Path) -> None:
    from audit.report import write_report

    out = tmp_path / "report.pdf"
    assert write_report(bundle, out) == 3  # nl, fr, en
    assert out.read_bytes().startswith(b"%PDF")
    assert write_report(bundle, tmp_path / "again.pdf") == 3
    assert (tmp_path / "again.pdf").read_bytes() == out.read_bytes()  # deterministic
