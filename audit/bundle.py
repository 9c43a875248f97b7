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
import json
import secrets
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import JSONValue, b64decode, b64encode, canonical_json
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.election import ManifestError, parse_manifest

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
BOARD_PACKAGE = (
    "manifest.json",
    "keys.json",
    "trustees.json",
    "board.jsonl",
    "board-head.json",
    "tally.json",
)
"""The members of the closed board the officials hand the trustees (a bundle without
results: tally.json holds the request and no partial decryption yet)."""
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


def _write(
    path: Path,
    names: Sequence[str],
    contents: Mapping[str, Member],
    signatures: Callable[[dict[str, str]], bytes] | None,
) -> str:
    """Write ``names`` in order (and signatures.json last, from the members' hashes);
    the file appears whole or not at all. Returns the file's SHA-256 (hex)."""
    missing = [m for m in names if m not in contents]
    if missing:
        raise ValueError(f"bundle members missing: {missing}")
    hashes: dict[str, str] = {}

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", compresslevel=9) as archive:
            for name in names:
                content = contents[name]
                digest = hashlib.sha256()
                with archive.open(_info(name), "w", force_zip64=True) as out:
                    for chunk in [content] if isinstance(content, bytes) else content():
                        digest.update(chunk)
                        out.write(chunk)
                hashes[name] = digest.hexdigest()
            if signatures is not None:
                archive.writestr(_info(SIGNATURES), signatures(hashes))

    return _whole(Path(path), write)


def _whole(path: Path, write: Callable[[Path], None]) -> str:
    """Write ``path`` through a temporary name of its own (writers may race): the file
    appears whole or not at all. Returns its SHA-256 (hex)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.partial")
    try:
        write(temporary)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def signature_document(
    fingerprint: bytes, hashes: Mapping[str, str], authority: nacl.signing.SigningKey
) -> dict[str, JSONValue]:
    """signatures.json: the authority's signature over the election and every member's hash."""
    payload = {"election": fingerprint, "members": dict(hashes)}
    return {
        "authority": b64encode(bytes(authority.verify_key)),
        "members": dict(hashes),
        "signature": b64encode(signing.sign(authority, BUNDLE_PURPOSE, payload)),
    }


def write_bundle(
    path: Path,
    fingerprint: bytes,
    contents: Mapping[str, Member],
    authority: nacl.signing.SigningKey,
) -> str:
    """Write the signed bundle; returns its SHA-256 (hex).

    Members are streamed into the zip while their SHA-256 is taken, and
    ``signatures.json`` (the authority's signature over all of them) comes last.
    """

    def signatures(hashes: dict[str, str]) -> bytes:
        return json_member(signature_document(fingerprint, hashes, authority))

    return _write(path, MEMBERS, contents, signatures)


def write_unsigned(path: Path, contents: Mapping[str, Member]) -> str:
    """The bundle without signatures.json, for the authority to sign on its own machine
    (`evote authority sign`); `attach_signature` then completes it."""
    return _write(path, MEMBERS, contents, None)


def write_board_package(path: Path, contents: Mapping[str, Member]) -> str:
    """The closed board for the trustees (`BOARD_PACKAGE`): what they check before
    decrypting (tally/closed_board.py). Unsigned: its final head is signed by the board
    key the trustees pinned, and they recompute everything else."""
    return _write(path, BOARD_PACKAGE, contents, None)


class SignatureRefused(ValueError):
    """A signatures.json that does not sign this unsigned bundle; says why."""


def member_hashes(path: Path) -> tuple[bytes, dict[str, str]]:
    """The fingerprint (SHA-256 of manifest.json) and each member's SHA-256 of an
    unsigned bundle, which must hold exactly the bundle's members, once each."""
    fingerprint, hashes, _ = _unsigned(path)
    return fingerprint, hashes


def _unsigned(path: Path) -> tuple[bytes, dict[str, str], bytes]:
    from audit.reader import Bundle, MemberError, UnreadableBundle  # it reads bundles: above

    try:
        with Path(path).open("rb") as source:
            bundle = Bundle(source, required=MEMBERS)
            if bundle.problems or SIGNATURES in bundle.members:
                raise SignatureRefused("not an unsigned bundle: its members are not a bundle's")
            hashes = {name: bundle.sha256(name) for name in MEMBERS}
            manifest = bundle.read("manifest.json").rstrip(b"\n")
    except (UnreadableBundle, MemberError, OSError, zipfile.BadZipFile, zlib.error,
            EOFError) as exc:  # fmt: skip
        raise SignatureRefused(f"not an unsigned bundle: {exc}") from exc
    return hashlib.sha256(manifest).digest(), hashes, manifest


def attach_signature(unsigned: Path, signatures: object, out: Path) -> str:
    """Complete an unsigned bundle with the authority's signatures.json (made offline by
    `evote authority sign`); returns the bundle's SHA-256. Refused unless it signs exactly
    these members for this election, with the authority key the manifest pins (if any)."""
    fingerprint, hashes, manifest = _unsigned(unsigned)
    try:
        pinned = parse_manifest(json.loads(manifest)).authority_key
    except (ManifestError, ValueError) as exc:
        raise SignatureRefused(f"its manifest.json is not a manifest ({exc})") from exc
    try:
        if not isinstance(signatures, Mapping):
            raise TypeError("not a JSON object")
        authority = signing.verify_key_from_bytes(b64decode(signatures["authority"]))
        signature = b64decode(signatures["signature"])
        signed = signatures["members"]
    except (KeyError, TypeError, CanonicalEncodingError, CryptoError) as exc:
        raise SignatureRefused(f"not a signatures.json ({exc})") from exc
    if signed != hashes:
        raise SignatureRefused("it signs other members than this bundle's")
    if pinned is not None and bytes(authority) != pinned:
        raise SignatureRefused("it is signed by another key than the manifest's authority key")
    try:
        signing.verify(authority, BUNDLE_PURPOSE, {"election": fingerprint, "members": hashes},
                       signature)  # fmt: skip
    except CryptoError as exc:
        raise SignatureRefused("the signature does not verify") from exc
    document = {"authority": b64encode(bytes(authority)), "members": hashes,
                "signature": b64encode(signature)}  # fmt: skip

    def write(temporary: Path) -> None:
        shutil.copyfile(unsigned, temporary)
        with zipfile.ZipFile(temporary, "a") as archive:
            archive.writestr(_info(SIGNATURES), json_member(document))

    return _whole(Path(out), write)
