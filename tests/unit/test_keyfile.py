"""Secret keys at rest: Argon2id + SecretBox, mode 0600, clear errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from evoting.crypto.canonical import canonical_json
from evoting.crypto.errors import KeyFileError, WrongPassphrase
from evoting.crypto.keyfile import read_key_file, write_key_file

SECRET = bytes(range(64))
PASS = "correct horse battery staple"


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "trustee-1.key"
    write_key_file(path, "trustee", SECRET, PASS, strength="interactive")
    return path


def test_round_trip_and_permissions(keyfile: Path) -> None:
    assert read_key_file(keyfile, "trustee", PASS) == SECRET
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert SECRET.hex() not in keyfile.read_text()


def test_wrong_passphrase(keyfile: Path) -> None:
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        read_key_file(keyfile, "trustee", PASS + "!")


def test_wrong_purpose(keyfile: Path) -> None:
    with pytest.raises(KeyFileError, match="holds a 'trustee' key, not a 'authority' key"):
        read_key_file(keyfile, "authority", PASS)


def test_never_overwritten(keyfile: Path) -> None:
    with pytest.raises(KeyFileError, match="never overwritten"):
        write_key_file(keyfile, "trustee", b"other", PASS, strength="interactive")
    assert read_key_file(keyfile, "trustee", PASS) == SECRET


def test_relabelled_file_is_refused(keyfile: Path) -> None:
    doc = json.loads(keyfile.read_text())
    doc["purpose"] = "authority"
    keyfile.write_bytes(canonical_json(doc))
    with pytest.raises(KeyFileError, match="sealed purpose"):
        read_key_file(keyfile, "authority", PASS)


def test_altered_box_reads_as_wrong_passphrase(keyfile: Path) -> None:
    doc = json.loads(keyfile.read_text())
    box = doc["box"]
    doc["box"] = box[:-2] + ("A" if box[-2] != "A" else "B") + box[-1]
    keyfile.write_bytes(canonical_json(doc))
    with pytest.raises(WrongPassphrase):
        read_key_file(keyfile, "trustee", PASS)


def _private(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b'{"format":"other"}',
        b'{"format":"EVOTING-V1-keyfile","purpose":"trustee"}',
    ],
)
def test_damaged_files(tmp_path: Path, content: bytes) -> None:
    path = _private(tmp_path / "k", content)
    with pytest.raises(KeyFileError, match=r"not an evoting key file|unexpected or missing"):
        read_key_file(path, "trustee", PASS)


def test_missing_file_and_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        read_key_file(tmp_path / "absent", "trustee", PASS)
    with pytest.raises(KeyFileError, match="8 characters"):
        write_key_file(tmp_path / "k", "trustee", SECRET, "short")


@pytest.mark.parametrize(
    ("field", "value"),
    [("memlimit", 2**50), ("memlimit", 1), ("opslimit", 0), ("opslimit", True), ("opslimit", "3")],
)
def test_kdf_limits_out_of_range_are_refused(keyfile: Path, field: str, value: object) -> None:
    doc = json.loads(keyfile.read_text())
    doc["kdf"][field] = value
    keyfile.write_bytes(canonical_json(doc))
    with pytest.raises(KeyFileError, match="out of range"):
        read_key_file(keyfile, "trustee", PASS)


def test_unexpected_fields_are_refused(keyfile: Path) -> None:
    doc = json.loads(keyfile.read_text())
    doc["note"] = "added later"
    keyfile.write_bytes(canonical_json(doc))
    with pytest.raises(KeyFileError, match="unexpected or missing fields"):
        read_key_file(keyfile, "trustee", PASS)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_file_others_can_open_is_refused(keyfile: Path, mode: int) -> None:
    keyfile.chmod(mode)
    with pytest.raises(KeyFileError, match=f"mode {mode:04o}.*chmod 600"):
        read_key_file(keyfile, "trustee", PASS)


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.link", disk_full)
    target = tmp_path / "trustee.key"
    with pytest.raises(KeyFileError, match="No space left"):
        write_key_file(target, "trustee", SECRET, PASS, strength="interactive")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary
    monkeypatch.undo()
    write_key_file(target, "trustee", SECRET, PASS, strength="interactive")  # a retry works
    assert read_key_file(target, "trustee", PASS) == SECRET


def test_unwritable_directory_is_a_key_file_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot write"):
        write_key_file(tmp_path / "absent" / "k", "trustee", SECRET, PASS, strength="interactive")


def test_a_passphrase_that_is_not_text(keyfile: Path) -> None:
    with pytest.raises(KeyFileError, match="not valid text"):
        read_key_file(keyfile, "trustee", "\ud800 broken passphrase")
