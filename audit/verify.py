"""`evote verify`: recheck an election from its result bundle alone.

No database, no server code: this module imports neither `evoting.db`, SQLAlchemy
nor Flask (a test checks it in a fresh interpreter). It recomputes everything
(docs/verifier.md lists each check): the authority's signature over every
member; the manifest and its fingerprint; the key ceremony and the election
key; the audit log's chain and signatures; the board's chain and final signed
head; every ballot's credential, signature and proofs, and that each credential
votes once (streamed, on every core); the aggregate; every trustee's partial
decryption and its proof, and the combination; the decrypted totals; the paper
totals; the rules' verdict; the spoiled ballots. Optionally, residents' receipts
against the final board (audit/receipts.py), and pins: the fingerprint and the
authority key the city published before the vote.

The bundle is hostile input: audit/reader.py bounds every size before reading,
audit/shapes.py checks every member's JSON types. Each check is one small function
per member or concern (audit/checks.py), run by `checks.run`: whatever a malformed
member makes a check raise is reported as that member's failure, and the other
checks still run.

Exit codes: 0 PASS, 1 one or more failures (one line each: member, entry,
reason), 2 a bundle that cannot be read at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from audit import checks
from audit.bundle import MEMBERS, SIGNATURES
from audit.reader import LIMITS, Bundle, UnreadableBundle
from audit.receipts import Claim
from audit.verdict import Report, shown
from evoting.election import Manifest
from tally.cluster import Cluster, ClusterError, connect

__all__ = [
    "ClusterError",
    "Pins",
    "Report",
    "UnreadableBundle",
    "pin",
    "verify_bundle",
    "verify_file",
]

_PIN = re.compile(r"[0-9a-f]{64}")


def pin(value: str, option: str) -> str:
    """A pin as given on the command line: 64 hex digits, any case, spaces around."""
    normal = value.strip().lower()
    if not _PIN.fullmatch(normal):
        raise ValueError(
            f"{option}: expected 64 hexadecimal digits (a SHA-256, as the city "
            f"published it), not {shown(value, 80)!r}"
        )
    return normal


@dataclass(frozen=True, slots=True)
class Pins:
    """What the auditor pins the bundle to (`pin` normalises each): lowercase hex."""

    fingerprint: str | None = None
    authority_key: str | None = None  # SHA-256 of the Ed25519 public key


@dataclass(frozen=True, slots=True)
class _Options:
    workers: int | None
    progress: Callable[[int, int], None] | None
    pins: Pins
    receipts: Sequence[Claim]
    identified: Callable[[Report], None] | None
    cluster: tuple[Cluster, Path] | None = None


def verify_bundle(
    data: bytes,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    pins: Pins = Pins(),
    receipts: Sequence[Claim] = (),
    identified: Callable[[Report], None] | None = None,
) -> Report:
    """Every check of the module docstring, on a bundle in memory (see `verify_file`);
    raises `UnreadableBundle` (exit 2) only. ``progress(checked, total)`` follows the
    ballots; ``receipts`` come from `audit.receipts.read_receipts`; ``identified(report)``
    is called once the election, its fingerprint and its authority key are known."""
    options = _Options(workers, progress, pins, receipts, identified)
    return _verify(io.BytesIO(data), hashlib.sha256(data).hexdigest(), options)


def verify_file(
    path: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    pins: Pins = Pins(),
    receipts: Sequence[Claim] = (),
    identified: Callable[[Report], None] | None = None,
    scheduler: str | None = None,
) -> Report:
    """`verify_bundle` on a file, read member by member: memory stays flat. With a Dask
    ``scheduler`` (``tcp://host:8786``), the ballots are checked on its cluster, whose
    workers read the bundle at this same path (tally/cluster.py); `ClusterError` if the
    cluster cannot be reached or fails."""
    with contextlib.ExitStack() as stack:
        try:
            f = stack.enter_context(Path(path).open("rb"))
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            f.seek(0)
        except OSError as exc:
            raise UnreadableBundle(f"cannot read {path}: {exc.strerror}") from exc
        cluster = None
        if scheduler is not None:
            cluster = (stack.enter_context(connect(scheduler)), Path(path))
        options = _Options(workers, progress, pins, receipts, identified, cluster)
        return _verify(f, digest, options)


def _verify(source: IO[bytes], bundle_sha256: str, options: _Options) -> Report:
    report = Report(bundle_sha256=bundle_sha256)
    try:
        _checks(Bundle(source), report, options)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UnreadableBundle(f"a member of the bundle is corrupt: {exc}") from exc
    return report.finish()


MAX_ENTRIES_LISTED = 100


def _checks(bundle: Bundle, report: Report, options: _Options) -> None:
    strangers = 0  # entries that are no member: a zip may hold thousands
    for name, reason in bundle.problems:
        strangers += name not in LIMITS
        if name in LIMITS or strangers <= MAX_ENTRIES_LISTED:
            report.fail(name, reason)
    if strangers > MAX_ENTRIES_LISTED:
        more = strangers - MAX_ENTRIES_LISTED
        report.fail("(zip)", f"... and {more} more entries that are not bundle members")
    for name in MEMBERS:
        if name not in bundle.members:
            report.fail(name, "missing from the bundle")
    raw = checks.run(report, "manifest.json", lambda: checks.raw_fingerprint(bundle))
    authority = checks.run(report, SIGNATURES, lambda: checks.signatures(bundle, report, raw))
    manifest = checks.run(
        report, "manifest.json", lambda: checks.read_manifest(bundle, report, authority)
    )
    _identify(report, manifest, raw, authority, options.pins)
    if options.identified is not None:
        options.identified(report)
    keys = (
        None
        if manifest is None
        else checks.run(report, "keys.json", lambda: checks.read_keys(bundle))
    )
    if manifest is None or keys is None:
        return checks.unchecked(report, options.receipts, "the manifest or keys.json is unreadable")
    ceremony = checks.run(
        report, "trustees.json", lambda: checks.ceremony(bundle, report, manifest, keys)
    )
    officials = checks.run(
        report, "audit-log.jsonl", lambda: checks.audit_log(bundle, report, manifest, keys)
    )
    head = checks.run(
        report, "board-head.json", lambda: checks.final_head(bundle, report, manifest, keys)
    )
    added = None
    if head is not None:
        added = checks.run(
            report,
            "board.jsonl",
            lambda: checks.board(
                bundle,
                report,
                manifest,
                keys,
                head,
                options.workers,
                options.progress,
                options.receipts,
                options.cluster,
            ),
        )
    if head is None or added is None:
        return checks.unchecked(report, options.receipts, "the final board does not verify")
    checks.receipts(report, options.receipts, manifest, keys, head, added)
    credentials = checks.run(
        report, "credentials.json", lambda: checks.credentials(bundle, report, added, manifest)
    )
    online = checks.run(
        report, "tally.json", lambda: checks.tally(bundle, report, manifest, ceremony, head, added)
    )
    paper = checks.run(
        report, "paper.json", lambda: checks.paper(bundle, report, manifest, officials)
    )
    if credentials is not None and online is not None and paper is not None:
        checks.run(
            report,
            "result.json",
            lambda: checks.result(bundle, report, manifest, online, added, credentials, paper),
        )
    checks.run(
        report, "spoiled.jsonl", lambda: checks.spoiled(bundle, report, manifest, keys, added)
    )
    return None


def _identify(
    report: Report,
    manifest: Manifest | None,
    raw: bytes | None,
    authority: bytes | None,
    pins: Pins,
) -> None:
    """What the bundle says it is, and whether that is what the auditor pinned."""
    if manifest is not None:
        report.election = manifest.id
        title = " / ".join(manifest.title[lang] for lang in manifest.languages)
        report.title = shown(title, 400)  # no control characters, but bidi overrides may be
    fingerprint = manifest.fingerprint if manifest is not None else raw
    report.fingerprint = fingerprint.hex() if fingerprint is not None else ""
    report.authority = hashlib.sha256(authority).hexdigest() if authority is not None else ""
    if pins.fingerprint is not None:
        report.pinned.append("--fingerprint")
        if report.fingerprint != pins.fingerprint:
            report.fail(
                "manifest.json",
                f"the election's fingerprint is "
                f"{report.fingerprint or 'unknown'}, not the pinned {pins.fingerprint}",
            )
    if pins.authority_key is not None:
        report.pinned.append("--authority-key")
        if report.authority != pins.authority_key:
            report.fail(
                SIGNATURES,
                f"signed by the authority key with SHA-256 "
                f"{report.authority or 'unknown'}, not the pinned {pins.authority_key}",
            )
    if manifest is not None and manifest.authority_key is None and pins.authority_key is None:
        report.note(
            "the manifest pins no authority key: compare the signer's key fingerprint "
            "with the one the election authority published"
        )
