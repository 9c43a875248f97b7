"""The result bundle: everything an auditor needs to recheck the election, signed.

A zip of canonical JSON members (docs/verifier.md gives each field):

======================  =============================================================
``manifest.json``       the election manifest (its SHA-256 is the fingerprint)
``keys.json``           the election key K and the credential, board and operator keys
``trustees.json``       the key ceremony: roster, dealer messages, acknowledgements
``credentials.json``    issuance figures: credentials issued, eligible, paper votes
``board.jsonl``         every board entry, one per line, in order
``board-head.json``     the board's final signed head
``spoiled.jsonl``       every challenged (spoiled) ballot with what it revealed
``tally.json``          the tally request (aggregate ciphertexts) and the trustees'
                        signed partial decryptions with their proofs
``paper.json``          the paper boxes' totals
``result.json``         totals, participants, turnout, the rules' verdict
``audit-log.jsonl``     the signed, hash-chained audit log
``signatures.json``     the election authority's Ed25519 signature over the SHA-256
                        of every other member
======================  =============================================================

The same inputs give the same bytes: members in a fixed order, fixed timestamps
and permissions, deterministic compression.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import JSONValue, b64encode, canonical_json

MEMBERS = (
    "manifest.json",
    "keys.json",
    "trustees.json",
    "credentials.json",
    "board.jsonl",
    "board-head.json",
    "spoiled.jsonl",
    "tally.json",
    "paper.json",
    "result.json",
    "audit-log.jsonl",
)
SIGNATURES = "signatures.json"
BUNDLE_PURPOSE = "EVOTING-V1-bundle"
_EPOCH = (1980, 1, 1, 0, 0, 0)


Member = bytes | Callable[[], Iterable[bytes]]
"""A member's content: bytes, or a function giving its chunks (streamed, e.g. the board)."""


def json_member(value: JSONValue) -> bytes:
    return canonical_json(value) + b"\n"


def lines_member(lines: Callable[[], Iterable[str]]) -> Callable[[], Iterable[bytes]]:
    """A JSON-lines member, produced line by line when the bundle is written."""
    return lambda: (line.encode("utf-8") + b"\n" for line in lines())


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever the machine
    return info


def write_bundle(
    path: Path,
    fingerprint: bytes,
    contents: Mapping[str, Member],
    authority: nacl.signing.SigningKey,
) -> str:
    """Write the bundle; returns its SHA-256 (hex).

    Members are streamed into the zip while their SHA-256 is taken, and
    ``signatures.json`` (the authority's signature over all of them) comes last.
    The file appears whole or not at all.
    """
    missing = [m for m in MEMBERS if m not in contents]
    if missing:
        raise ValueError(f"bundle members missing: {missing}")
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial")
    hashes: dict[str, str] = {}
    try:
        with zipfile.ZipFile(temporary, "w", compresslevel=9) as archive:
            for name in MEMBERS:
                content = contents[name]
                digest = hashlib.sha256()
                with archive.open(_info(name), "w", force_zip64=True) as out:
                    for chunk in [content] if isinstance(content, bytes) else content():
                        digest.update(chunk)
                        out.write(chunk)
                hashes[name] = digest.hexdigest()
            payload = {"election": fingerprint, "members": hashes}
            signatures = {
                "authority": b64encode(bytes(authority.verify_key)),
                "members": hashes,
                "signature": b64encode(signing.sign(authority, BUNDLE_PURPOSE, payload)),
            }
            archive.writestr(_info(SIGNATURES), json_member(signatures))
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
