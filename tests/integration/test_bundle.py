"""The result bundle and the independent verifier: PASS, then every kind of tampering."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import nacl.signing
import pytest

from audit.bundle import MEMBERS, SIGNATURES, write_bundle
from audit.verify import Pins, UnreadableBundle, verify_bundle, verify_file
from evoting.crypto.canonical import canonical_json
from tests.integration.bundles import AUTHORITY, Made, edit_lines, made_bundle, members, rezip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def bundle(made: Made) -> bytes:
    """One real bundle (SQLite), made once: the tamper tests change copies of it."""
    return made.data


pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native
"""Every tampered bundle below gets the same verdict on both verification paths."""

_members = members
_rezip = rezip
_edit_lines = edit_lines


def _failures(data: bytes) -> list[str]:
    report = verify_bundle(data, workers=1)
    assert not report.passed
    return report.failures


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


# Item 8: one copy of each member, and nothing else in the zip.


def test_a_forged_copy_placed_before_the_genuine_member_is_caught(bundle: bytes) -> None:
    members = _members(bundle)
    genuine = members.pop("result.json")
    result = json.loads(genuine)
    result["questions"][0]["totals"]["yes"] += 100
    forged = canonical_json(result) + b"\n"
    signatures = members.pop(SIGNATURES)  # the authority signed the genuine one
    data = _rezip(members, resign=None, entries=[("result.json", forged),
                                                 ("result.json", genuine),
                                                 (SIGNATURES, signatures)])  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # what Python's zipfile reads: the genuine one
        assert z.read("result.json") == genuine
    failures = _failures(data)
    assert (
        "result.json: appears 2 times in the zip: tools disagree on which copy is the member"
        in failures
    )
    # the copy checked is the first, as unzip shows it: the forged one
    assert "result.json: changed after the authority signed it (its SHA-256 differs)" in failures


def test_a_duplicate_identical_copy_is_still_a_failure(bundle: bytes) -> None:
    members = _members(bundle)
    data = _rezip(members, resign=None, entries=[("paper.json", members["paper.json"])])
    assert _failures(data) == [
        "paper.json: appears 2 times in the zip: tools disagree on which copy is the member"
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("docs/", "a directory entry, not a bundle member"),
        ("manifest.json/", "a directory entry, not a bundle member"),
        ("/etc/cron.d/evil", "an absolute path, not a bundle member"),
        ("C:/evil.json", "an absolute path, not a bundle member"),
        ("../result.json", "a path with '..', not a bundle member"),
        ("a/../../result.json", "a path with '..', not a bundle member"),
        ("sub/result.json", "not signed by the authority (an extra member)"),
        ("RESULT.JSON", "not signed by the authority (an extra member)"),
        ("result.json ", "not signed by the authority (an extra member)"),
    ],
)
def test_unexpected_names_are_failures(bundle: bytes, name: str, reason: str) -> None:
    data = _rezip(_members(bundle), resign=None, entries=[(name, b"{}\n")])
    assert _failures(data) == [f"{name}: {reason}"]


def test_a_name_cannot_write_lines_into_the_report(bundle: bytes) -> None:
    name = "x\nPASS \x1b[2K\u202e" + "y" * 1000
    failures = _failures(_rezip(_members(bundle), resign=None, entries=[(name, b"")]))
    assert len(failures) == 1
    assert failures[0].startswith("x\\nPASS \\x1b[2K\\u202e")
    assert failures[0].isprintable()
    assert len(failures[0]) < 300


# Item 4: pins the auditor brings from outside the bundle.


def test_a_bundle_signed_by_another_authority_fails_against_the_pinned_key(
    bundle: bytes, made: Made
) -> None:
    stranger = nacl.signing.SigningKey.generate()
    forged = _rezip(_members(bundle), resign=stranger)
    assert verify_bundle(forged, workers=1).passed  # consistent on its own: not enough
    pinned = Pins(authority_key=hashlib.sha256(bytes(AUTHORITY.verify_key)).hexdigest())
    report = verify_bundle(forged, workers=1, pins=pinned)
    stranger_hash = hashlib.sha256(bytes(stranger.verify_key)).hexdigest()
    assert report.failures == [
        f"signatures.json: signed by the authority key with SHA-256 {stranger_hash}, "
        f"not the pinned {pinned.authority_key}"
    ]
    assert verify_bundle(bundle, workers=1, pins=pinned).passed


def test_the_fingerprint_pin(bundle: bytes, made: Made) -> None:
    right = made.manifest.fingerprint.hex()
    report = verify_bundle(bundle, workers=1, pins=Pins(fingerprint=right))
    assert report.passed
    assert report.pinned == ["--fingerprint"]
    wrong = "ab" * 32
    report = verify_bundle(bundle, workers=1, pins=Pins(fingerprint=wrong))
    assert report.failures == [
        f"manifest.json: the election's fingerprint is {right}, not the pinned {wrong}"
    ]


def test_the_report_says_what_the_bundle_is(bundle: bytes, made: Made) -> None:
    report = verify_bundle(bundle, workers=1)
    authority = hashlib.sha256(bytes(AUTHORITY.verify_key)).hexdigest()
    assert report.heading() == [
        "election: kortrijk-2019",
        "title: Volksraadpleging autovrije zondag / Consultation populaire sur le dimanche "
        "sans voiture / Referendum on a car-free Sunday",
        f"fingerprint: {made.manifest.fingerprint.hex()}",
        f"authority key: {authority} (SHA-256 of the key that signed signatures.json)",
    ]
    assert "internally consistent" in report.meaning()
    assert "poll-card letter" in report.meaning()


def test_evote_verify_prints_what_it_checked_first(bundle: bytes, made: Made,
                                                   tmp_path: Path) -> None:  # fmt: skip
    from click.testing import CliRunner

    from cli.main import evote

    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    fingerprint = made.manifest.fingerprint.hex()
    authority = hashlib.sha256(bytes(AUTHORITY.verify_key)).hexdigest()
    runner = CliRunner()
    plain = runner.invoke(evote, ["verify", str(path), "--workers", "1"])
    assert plain.exit_code == 0, plain.output
    lines = plain.output.splitlines()
    assert lines[0] == "election: kortrijk-2019"
    assert lines[2] == f"fingerprint: {fingerprint}"
    assert lines[3].startswith(f"authority key: {authority}")
    assert "PASS means the bundle is internally consistent" in plain.output
    assert lines[-1].startswith("PASS: internally consistent")
    pinned = runner.invoke(evote, ["verify", str(path), "--workers", "1",
                                   "--fingerprint", f"  {fingerprint.upper()}\n",
                                   "--authority-key", authority])  # fmt: skip
    assert pinned.exit_code == 0, pinned.output
    assert pinned.output.splitlines()[-1].startswith(
        "PASS: matches --fingerprint and --authority-key"
    )
    wrong = runner.invoke(evote, ["verify", str(path), "--workers", "1",
                                  "--fingerprint", "0" * 64])  # fmt: skip
    assert wrong.exit_code == 1
    assert wrong.output.splitlines()[0] == "election: kortrijk-2019"
    assert f"FAIL manifest.json: the election's fingerprint is {fingerprint}" in wrong.output


def test_a_title_that_hides_or_reorders_text_is_refused(bundle: bytes) -> None:
    members = _members(bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["title"]["nl"] = "Stem \u202eSSAP"  # a right-to-left override: "Stem PASS"
    members["manifest.json"] = canonical_json(manifest) + b"\n"
    report = verify_bundle(_rezip(members), workers=1)
    assert "\u202e" not in report.title
    refused = "manifest.json: not a valid manifest: title.nl: contains a control or invisible"
    assert any(f.startswith(refused) and "U+202E" in f for f in report.failures)
