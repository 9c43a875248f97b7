"""`evote verify`: recheck an election from its result bundle alone.

No database, no server code: this module imports neither `evoting.db`, SQLAlchemy
nor Flask (a test checks it in a fresh interpreter). It recomputes everything
(docs/verifier.md lists each check): the authority's signature over every
member; the manifest and its fingerprint; the key ceremony and the election
key; the audit log's chain and signatures; the board's chain and final signed
head; every ballot's credential, signature and proofs, and that each credential
votes once (streamed, on every core); the aggregate; every trustee's partial
decryption and its proof, and the combination; the decrypted totals; the paper
totals; the rules' verdict; the spoiled ballots.

Exit codes: 0 PASS, 1 one or more failures (one line each: member, entry,
reason), 2 a bundle that cannot be read at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import nacl.signing

from audit.bundle import BUNDLE_PURPOSE, MEMBERS, SIGNATURES
from audit.log import check_log
from ballots.ballot import BallotRejected
from ballots.chain import SignedHead
from ballots.spoil import SpoiledMismatch, verify_spoiled
from evoting.crypto import signing
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64decode, canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.crypto.group import Point
from evoting.election import Manifest, ManifestError, parse_manifest
from tally.aggregate import Context, aggregate
from tally.ceremony import CeremonyError, keys_from_record, params
from tally.decrypt import DecryptionRefused, combine, read_request, tally_request
from tally.result import build_result


class UnreadableBundle(Exception):
    """Not a bundle at all (exit code 2)."""


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bundle_sha256: str = ""

    def fail(self, member: str, reason: str) -> None:
        self.failures.append(f"{member}: {reason}")

    @property
    def passed(self) -> bool:
        return not self.failures


class _Bundle:
    """The bundle's members, read from disk as needed: the board is never held whole."""

    def __init__(self, source: Path | IO[bytes]) -> None:
        try:
            self.zip = zipfile.ZipFile(source)
            self.names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnreadableBundle(f"not a zip file: {exc}") from exc
        if SIGNATURES not in self.names or "manifest.json" not in self.names:
            raise UnreadableBundle("not a result bundle: no signatures.json or manifest.json")

    def raw(self, name: str) -> bytes:
        return self.zip.read(name)

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.zip.open(name) as f:
            while block := f.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    def json(self, name: str) -> Any:
        return parse_canonical(self.raw(name).rstrip(b"\n"))

    def lines(self, name: str) -> Iterator[str]:
        with self.zip.open(name) as f:
            for line in io.TextIOWrapper(f, encoding="utf-8"):
                if line.strip():
                    yield line.rstrip("\n")


def _check_signatures(bundle: _Bundle, report: Report) -> tuple[bytes, str]:
    """The authority's signature over every member's hash; returns the authority key."""
    try:
        doc = bundle.json(SIGNATURES)
        authority = b64decode(doc["authority"])
        hashes = doc["members"]
        signature = b64decode(doc["signature"])
    except (CanonicalEncodingError, KeyError, TypeError) as exc:
        raise UnreadableBundle(f"signatures.json is unreadable: {exc}") from exc
    fingerprint = hashlib.sha256(bundle.raw("manifest.json").rstrip(b"\n")).digest()
    try:
        signing.verify(signing.verify_key_from_bytes(authority), BUNDLE_PURPOSE,
                       {"election": fingerprint, "members": hashes}, signature)  # fmt: skip
    except CryptoError as exc:
        report.fail(SIGNATURES, f"the authority's signature does not verify ({exc})")
    for name in MEMBERS:
        if name not in bundle.names:
            report.fail(name, "missing from the bundle")
        elif hashes.get(name) != bundle.sha256(name):
            report.fail(name, "changed after the authority signed it (its SHA-256 differs)")
    for name in sorted(bundle.names - set(MEMBERS) - {SIGNATURES}):
        report.fail(name, "not signed by the authority (an extra member)")
    return authority, hashlib.sha256(authority).hexdigest()


def _manifest(bundle: _Bundle, report: Report, authority: bytes) -> Manifest:
    try:
        manifest = parse_manifest(bundle.json("manifest.json"))
    except (ManifestError, CanonicalEncodingError) as exc:
        raise UnreadableBundle(f"manifest.json is not a valid manifest: {exc}") from exc
    if canonical_json(manifest.to_json()) != bundle.raw("manifest.json").rstrip(b"\n"):
        report.fail("manifest.json", "not in the canonical form its fingerprint is taken of")
    if manifest.authority_key is None:
        report.notes.append(
            "the manifest pins no authority key: compare the signer's key fingerprint "
            "with the one the election authority published"
        )
    elif manifest.authority_key != authority:
        report.fail(SIGNATURES, "signed by a key other than the manifest's authority_key")
    return manifest


def verify_bundle(
    data: bytes,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Every check of the module docstring, on a bundle in memory (see `verify_file`);
    raises `UnreadableBundle` (exit 2) only. ``progress(checked, total)`` follows the
    ballots."""
    return _verify(_Bundle(io.BytesIO(data)), hashlib.sha256(data).hexdigest(), workers, progress)


def _verify(
    bundle: _Bundle,
    bundle_sha256: str,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> Report:
    try:
        return _checks(bundle, Report(bundle_sha256=bundle_sha256), workers, progress)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UnreadableBundle(f"a member of the bundle is corrupt: {exc}") from exc


def _checks(
    bundle: _Bundle,
    report: Report,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> Report:
    authority, authority_fingerprint = _check_signatures(bundle, report)
    report.notes.append(f"signed by the authority key with SHA-256 {authority_fingerprint}")
    manifest = _manifest(bundle, report, authority)
    fingerprint = manifest.fingerprint
    try:
        keys = bundle.json("keys.json")
        election_key = Point.from_bytes(b64decode(keys["election"]))
        credential_der = b64decode(keys["credential"])
        PublicKey.from_der(credential_der)
        board_key = nacl.signing.VerifyKey(b64decode(keys["board"]))
        operator_key = b64decode(keys["operator"])
    except (CanonicalEncodingError, CryptoError, KeyError, TypeError, ValueError) as exc:
        report.fail("keys.json", f"unreadable ({exc})")
        return report

    # The ceremony: the election key is the trustees' joint key.
    try:
        ceremony = keys_from_record(manifest, bundle.json("trustees.json"))
        if ceremony.public_key != election_key:
            report.fail("trustees.json", "the trustees' joint key is not keys.json's election key")
    except (CeremonyError, CanonicalEncodingError) as exc:
        report.fail("trustees.json", str(exc))
        ceremony = None

    # The audit log.
    try:
        entries, problems = check_log(bundle.lines("audit-log.jsonl"), fingerprint,
                                      {operator_key: "operator"})  # fmt: skip
        for problem in problems:
            report.failures.append(problem)
        if not entries or entries[0].get("action") != "election-created":
            report.fail("audit-log.jsonl", "does not begin with the election's creation")
    except (UnicodeDecodeError, KeyError) as exc:
        report.fail("audit-log.jsonl", f"unreadable ({exc})")

    # The board: chain, final head, every ballot.
    try:
        head = SignedHead.from_json(bundle.json("board-head.json"))
        head.verify(board_key)
        if not head.final or head.fingerprint != fingerprint:
            report.fail("board-head.json", "not this election's final head")
    except (CryptoError, CanonicalEncodingError) as exc:
        report.fail("board-head.json", f"the final head does not verify ({exc})")
        return report
    context = Context(manifest.canonical(), election_key.to_bytes(), credential_der)
    checked = 0

    def advance(n: int) -> None:
        nonlocal checked
        checked += n
        if progress is not None:
            progress(checked, head.position)

    added = aggregate(bundle.lines("board.jsonl"), context, workers=workers,
                      expected=head.position, progress=advance)  # fmt: skip
    for problem in added.problems:
        report.fail("board.jsonl", problem)
    if (added.ballots, added.head) != (head.position, head.entry_hash):
        report.fail("board.jsonl", f"ends at entry {added.ballots}, but the final signed head "
                                   f"is entry {head.position} with another hash")  # fmt: skip

    credentials = _json_or_fail(bundle, report, "credentials.json")
    if credentials is not None and added.ballots > int(credentials.get("credentials_issued", -1)):
        issued = credentials.get("credentials_issued")
        report.fail("credentials.json", f"{added.ballots} ballots, {issued} credentials issued")

    # The tally: the request is this board's aggregate; decryptions check out.
    tally = _json_or_fail(bundle, report, "tally.json")
    paper = _json_or_fail(bundle, report, "paper.json")
    result = _json_or_fail(bundle, report, "result.json")
    if tally is None or paper is None or result is None or credentials is None:
        return report
    expected_request = tally_request(manifest, added, head.to_json())
    if tally.get("request") != expected_request:
        report.fail("tally.json", "the request's aggregate is not the sum of the board's ballots")
    online: dict[str, list[int]] | None = None
    if added.ballots == 0:
        online = {label: [0] * len(sums) for label, sums in added.sums.items()}
    elif ceremony is not None:
        try:
            online = combine(read_request(expected_request), tally.get("partials", []),
                             ceremony.trustee_keys, ceremony.verification_keys,
                             params(manifest))  # fmt: skip
        except DecryptionRefused as exc:
            report.fail("tally.json", str(exc))
    if online is not None:
        try:
            recomputed = build_result(manifest, online, added.ballots, paper,
                                      int(credentials["eligible"]))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            report.fail("paper.json", f"unreadable paper totals ({exc})")
        else:
            for where in _differences(recomputed, result):
                report.fail("result.json", f"{where} is not what the bundle gives")

    # Spoiled ballots: each reveals what it encrypted, and none was cast.
    for n, line in enumerate(bundle.lines("spoiled.jsonl"), start=1):
        try:
            ballot, _ = verify_spoiled(manifest, election_key, parse_canonical(line.encode()))
            if added.was_cast(ballot.tracking_code):
                report.fail("spoiled.jsonl", f"entry {n}: a spoiled ballot was cast")
        except (SpoiledMismatch, BallotRejected, CryptoError, CanonicalEncodingError) as exc:
            report.fail("spoiled.jsonl", f"entry {n}: {exc}")
    return report


def _json_or_fail(bundle: _Bundle, report: Report, name: str) -> Any:
    try:
        return bundle.json(name)
    except (CanonicalEncodingError, KeyError) as exc:
        report.fail(name, f"unreadable ({exc})")
        return None


def _differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Field paths where two JSON values differ."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            yield from _differences(expected.get(key), actual.get(key), f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            yield from _differences(e, a, f"{path}[{i}]")
    elif expected != actual:
        yield path.lstrip(".") or "the whole result"


def verify_file(
    path: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """`verify_bundle` on a file, read member by member: memory stays flat."""
    with contextlib.ExitStack() as stack:
        try:
            f = stack.enter_context(Path(path).open("rb"))
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            f.seek(0)
        except OSError as exc:
            raise UnreadableBundle(f"cannot read {path}: {exc.strerror}") from exc
        return _verify(_Bundle(f), digest, workers, progress)
