"""A real result bundle, made once per test session, and the tools to tamper with it.

`made_bundle` runs a small Kortrijk referendum on SQLite (four residents, one of
whom first challenges a ballot) and keeps what a dishonest operator would also
hold: the receipts the ballot box gave, the board's signing key and the trustees'
key shares. `rezip` rebuilds a bundle from members, re-signed with the authority
key as a dishonest authority would, so that tests reach the checks past the
signature.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from audit.bundle import MEMBERS, SIGNATURES, write_bundle
from ballots.cast import Receipt
from evoting.crypto import signing
from evoting.crypto.canonical import b64encode, canonical_json
from evoting.election import Manifest
from tally.ceremony import KeyShare

AUTHORITY = nacl.signing.SigningKey(bytes(range(32)))
VOTES = {"An": "yes", "Bram": "no", "Chantal": "yes", "Dries": None}


@dataclass(frozen=True)
class Made:
    data: bytes
    receipts: list[Receipt]  # in casting order: receipts[i] is board entry i + 1
    board_key: nacl.signing.SigningKey
    operator_key: nacl.signing.SigningKey
    shares: list[KeyShare]
    manifest: Manifest


_MADE: dict[str, Made] = {}


def made_bundle(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The session's bundle (made on first use)."""
    if "bundle" not in _MADE:
        _MADE["bundle"] = _make(tmp_path_factory.mktemp("bundle"))
    return _MADE["bundle"]


def _make(tmp: Path, scheduler: str | None = None) -> Made:
    """The bundle; with a Dask ``scheduler``, the close and the tally check the board on
    its cluster (tests/integration/test_cluster.py)."""
    from audit.export import bundle_contents
    from audit.store import operator_key
    from ballots.board import board_signing_key
    from tally.decrypt import decrypt_request
    from tally.service import close_vote, finish_tally
    from tests.integration.conftest import CLOSED

    monkeypatch = pytest.MonkeyPatch()
    try:
        setup, receipts = cast_board(tmp, monkeypatch)
        request = close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1,
                             scheduler=scheduler)  # fmt: skip
        partials = [decrypt_request(s, request) for s in setup.shares[:2]]
        finish_tally(setup.factory, setup.election_id, partials, eligible=9, scheduler=scheduler)
        figures = {"credentials_issued": 4, "eligible": 9, "paper_votes": 0}
        fingerprint, contents = bundle_contents(setup.factory, setup.election_id, figures)
        out = tmp / "bundle.zip"
        write_bundle(out, fingerprint, contents, AUTHORITY)
        with setup.factory() as session:
            board_key = board_signing_key(session, setup.election_id, setup.keys)
            operator = operator_key(session, setup.election_id, setup.keys)
        setup.engine.dispose()
        return Made(out.read_bytes(), receipts, board_key, operator, list(setup.shares),
                    setup.manifest)  # fmt: skip
    finally:
        monkeypatch.undo()


def cast_board(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str | None = None
) -> tuple[Any, list[Receipt]]:
    """The open election of `VOTES` in the database at ``url`` (SQLite in ``tmp`` by
    default), every ballot cast (An first challenges one): its setup
    (tests/integration/conftest.py) and receipts."""
    from ballots.ballot import encrypt_ballot
    from ballots.cast import cast, publish_spoiled
    from ballots.spoil import spoiled_record
    from evoting import db
    from tests.integration.conftest import NOW, make_setup, obtain_credential

    engine = db.make_engine(url or f"sqlite:///{tmp / 'b.sqlite3'}")
    db.upgrade(engine)
    setup = make_setup(engine, tmp, monkeypatch, trustees=True)
    receipts = []
    for name, answer in VOTES.items():
        credential = obtain_credential(setup, name)
        if name == "An":  # An first challenges a ballot, then casts a fresh one
            spoiled, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                              {"car-free-sunday": "no"})  # fmt: skip
            publish_spoiled(setup.factory, setup.keys, setup.election_id,
                            canonical_json(spoiled_record(spoiled, secrets)), NOW)  # fmt: skip
        ballot, _ = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                   {"car-free-sunday": answer})  # fmt: skip
        receipts.append(cast(setup.factory, setup.keys, setup.election_id,
                             ballot.canonical(), NOW))  # fmt: skip
    return setup, receipts


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def signatures_member(
    members: Mapping[str, bytes], key: nacl.signing.SigningKey = AUTHORITY
) -> bytes:
    """signatures.json over ``members`` as they are, signed with ``key``."""
    hashes = {name: hashlib.sha256(members[name]).hexdigest() for name in MEMBERS
              if name in members}  # fmt: skip
    fingerprint = hashlib.sha256(members["manifest.json"].rstrip(b"\n")).digest()
    payload = {"election": fingerprint, "members": hashes}
    return canonical_json({
        "authority": b64encode(bytes(key.verify_key)), "members": hashes,
        "signature": b64encode(signing.sign(key, "EVOTING-V1-bundle", payload)),
    }) + b"\n"  # fmt: skip


def rezip(
    members: Mapping[str, bytes],
    *,
    resign: nacl.signing.SigningKey | None = AUTHORITY,
    entries: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """Rebuild a bundle; with ``resign``, as a dishonest authority would, signing the
    changes. ``entries`` (name, content) are written as they are, after the members:
    duplicates, directories and other names a zip may hold."""
    members = dict(members)
    if resign is not None:
        members[SIGNATURES] = signatures_member(members, resign)
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),  # a duplicate name is what some tests want
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore")
        for name, content in [*members.items(), *(entries or [])]:
            archive.writestr(name, content)
    return buffer.getvalue()


def edit_lines(
    members: Mapping[str, bytes], name: str, change: Callable[[list[bytes]], list[bytes]]
) -> dict[str, bytes]:
    lines = members[name].splitlines()
    return {**members, name: b"\n".join(change(lines)) + b"\n"}


def json_member(value: Any) -> bytes:
    """A member as a hostile writer may make it: any JSON, floats included."""
    return (
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        + b"\n"
    )
