"""The verifier's checks, one small function per member or concern (audit/verify.py runs them).

Each takes the bundle (audit/reader.py) and the report, reads its member within its
limits, checks its shape (audit/shapes.py) and what it says, and reports every
failure as ``member: reason``; what later checks need it returns (None when the
member is missing, refused or fails). `run` is the one place that turns whatever
else a malformed member makes a check raise into that member's failure, so that a
hostile bundle never stops the verifier: only a bundle that is not a zip, or whose
compressed data is corrupt, ends it (`UnreadableBundle`, exit 2).

To add a check: a function here, called from `audit.verify._checks` through `run`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from audit import shapes
from audit.bundle import BUNDLE_PURPOSE, MEMBERS, SIGNATURES
from audit.log import check_log
from audit.ranges import BundleRanges
from audit.reader import Bundle, MemberError, UnreadableBundle
from audit.receipts import Claim, check, positions
from audit.verdict import Report
from ballots.ballot import BallotRejected, tracking_code_short
from ballots.chain import SignedHead
from ballots.encoding import largest_selection
from ballots.spoil import SpoiledMismatch, verify_spoiled
from evoting.crypto import signing
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.election import Manifest, ManifestError, parse_manifest
from evoting.turnout import problems as turnout_problems
from tally.aggregate import Aggregate, Context, aggregate
from tally.ceremony import CeremonyError, CeremonyKeys, keys_from_record, params
from tally.cluster import Cluster, ClusterError
from tally.decrypt import DecryptionRefused, combine, read_request, tally_request
from tally.paper import OFFICIAL_KEY_ACTION, PaperSignatureError, check_signatures, official_keys
from tally.result import PaperError, TooManyParticipants, build_result

T = TypeVar("T")


def run(report: Report, member: str, check: Callable[[], T]) -> T | None:
    """Run one check; a malformed member's failure is reported, and None returned."""
    try:
        return check()
    except (UnreadableBundle, ClusterError, zipfile.BadZipFile, zlib.error, EOFError,
            MemoryError):  # fmt: skip
        raise
    except MemberError as exc:
        report.fail(exc.member, exc.reason)
    except shapes.Malformed as exc:
        report.fail(member, str(exc))
    except CanonicalEncodingError as exc:
        report.fail(member, f"not canonical JSON ({exc})")
    except Exception as exc:  # a hostile member must not stop the other checks
        report.fail(member, f"malformed ({type(exc).__name__}: {exc})")
    return None


# Signatures, manifest, pins ---------------------------------------------------------


def raw_fingerprint(bundle: Bundle) -> bytes | None:
    """SHA-256 of manifest.json as it is (what the authority signed the bundle for)."""
    if not bundle.present("manifest.json"):
        return None
    return hashlib.sha256(bundle.read("manifest.json").rstrip(b"\n")).digest()


def signatures(bundle: Bundle, report: Report, fingerprint: bytes | None) -> bytes | None:
    """The authority's signature over every member's hash; returns the authority's key."""
    if not bundle.present(SIGNATURES):
        return None
    signed = shapes.signatures(bundle.json(SIGNATURES), MEMBERS)
    if fingerprint is None:
        report.fail(SIGNATURES, "cannot be checked without a readable manifest.json")
    else:
        try:
            signing.verify(
                signing.verify_key_from_bytes(signed.authority),
                BUNDLE_PURPOSE,
                {"election": fingerprint, "members": signed.members},
                signed.signature,
            )
        except CryptoError as exc:
            report.fail(SIGNATURES, f"the authority's signature does not verify ({exc})")
    for name in MEMBERS:
        if bundle.present(name) and signed.members[name] != bundle.sha256(name):
            report.fail(name, "changed after the authority signed it (its SHA-256 differs)")
    return signed.authority


def read_manifest(bundle: Bundle, report: Report, authority: bytes | None) -> Manifest | None:
    if not bundle.present("manifest.json"):
        return None
    try:
        manifest = parse_manifest(bundle.json("manifest.json"))
    except ManifestError as exc:
        report.fail("manifest.json", f"not a valid manifest: {'; '.join(exc.problems[:5])}")
        return None
    if canonical_json(manifest.to_json()) != bundle.read("manifest.json").rstrip(b"\n"):
        report.fail("manifest.json", "not in the canonical form its fingerprint is taken of")
    if None not in (manifest.authority_key, authority) and manifest.authority_key != authority:
        report.fail(SIGNATURES, "signed by a key other than the manifest's authority_key")
    return manifest


# Keys, ceremony, audit log -----------------------------------------------------------


def read_keys(bundle: Bundle) -> shapes.Keys | None:
    return shapes.keys(bundle.json("keys.json")) if bundle.present("keys.json") else None


def ceremony(
    bundle: Bundle, report: Report, manifest: Manifest, keys: shapes.Keys
) -> CeremonyKeys | None:
    """The election key is the trustees' joint key."""
    if not bundle.present("trustees.json"):
        return None
    try:
        ceremony = keys_from_record(manifest, shapes.ceremony(bundle.json("trustees.json")))
    except CeremonyError as exc:
        report.fail("trustees.json", str(exc))
        return None
    if ceremony.public_key != keys.election:
        report.fail("trustees.json", "the trustees' joint key is not keys.json's election key")
    if ceremony.board_key != bytes(keys.board):
        report.fail("trustees.json", "the trustees pinned another board key than keys.json's")
    return ceremony


def _text_lines(bundle: Bundle, report: Report, name: str) -> Iterator[str]:
    """A JSON-lines member's lines as text; a line that is not UTF-8 is a failure."""
    for n, line in enumerate(_lines(bundle, report, name), start=1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            report.fail(name, f"entry {n}: not UTF-8")
            yield line.decode("utf-8", errors="replace")


def _lines(bundle: Bundle, report: Report, name: str) -> Iterator[bytes]:
    """A JSON-lines member's lines, ending (reported) at the first line over the limit."""
    if not bundle.present(name):
        return
    try:
        yield from bundle.lines(name)
    except MemberError as exc:
        report.fail(exc.member, f"{exc.reason}; the rest is not read")


def _audit_lines(bundle: Bundle, report: Report) -> Iterator[str]:
    """The audit log's lines, each entry's shape checked on the way to `check_log`."""
    for n, line in enumerate(_text_lines(bundle, report, "audit-log.jsonl"), start=1):
        try:
            shapes.signed(json.loads(line), f"entry {n}", shapes.audit_entry)
        except shapes.Malformed as exc:
            report.fail("audit-log.jsonl", str(exc))
        except (ValueError, RecursionError):
            pass  # not JSON: check_log says so
        yield line


def audit_log(
    bundle: Bundle, report: Report, manifest: Manifest, keys: shapes.Keys
) -> dict[bytes, str] | None:
    """The log's chain and signatures; returns the officials' signing keys it lists
    (tally/paper.py: the paper boxes' signers are checked against them)."""
    if not bundle.present("audit-log.jsonl"):
        return None
    found = check_log(
        _audit_lines(bundle, report),
        manifest.fingerprint,
        {keys.operator: "operator"},
        keep=lambda body: body.get("action") == OFFICIAL_KEY_ACTION,
    )
    for problem in found.problems:  # "audit-log.jsonl entry N: reason"
        report.fail("audit-log.jsonl", problem.removeprefix("audit-log.jsonl "))
    if found.first_action != "election-created":
        report.fail("audit-log.jsonl", "does not begin with the election's creation")
    return official_keys(found.kept)


# The board and the receipts ----------------------------------------------------------


def final_head(
    bundle: Bundle, report: Report, manifest: Manifest, keys: shapes.Keys
) -> SignedHead | None:
    if not bundle.present("board-head.json"):
        return None
    try:
        head = SignedHead.from_json(bundle.json("board-head.json"))
        head.verify(keys.board)
    except CryptoError as exc:
        report.fail("board-head.json", f"the final head does not verify ({exc})")
        return None
    if not head.final or head.fingerprint != manifest.fingerprint:
        report.fail("board-head.json", "not this election's final head")
    return head


def board(
    bundle: Bundle,
    report: Report,
    manifest: Manifest,
    keys: shapes.Keys,
    head: SignedHead,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    claims: Sequence[Claim],
    cluster: tuple[Cluster, Path] | None = None,
) -> Aggregate | None:
    """The chain, the final head, every ballot (streamed, on every core, or in ranges on
    a Dask ``cluster`` whose workers read the bundle at the path given)."""
    if not bundle.present("board.jsonl"):
        return None
    context = Context(manifest.canonical(), keys.election.to_bytes(), keys.credential)
    checked = 0

    def advance(n: int) -> None:
        nonlocal checked
        checked += n
        if progress is not None:
            progress(checked, head.position)

    if cluster is not None:
        on, path = cluster
        cutter = BundleRanges(bundle, path, on.parts())
        added = on.aggregate(cutter.ranges(), context, progress=advance, record=positions(claims))
        if cutter.error is not None:
            report.fail(cutter.error.member, f"{cutter.error.reason}; the rest is not read")
    else:
        added = aggregate(
            _lines(bundle, report, "board.jsonl"),
            context,
            workers=workers,
            expected=head.position,
            progress=advance,
            record=positions(claims),
        )
    for problem in added.problems:
        report.fail("board.jsonl", problem)
    if (added.ballots, added.head) != (head.position, head.entry_hash):
        report.fail(
            "board.jsonl",
            f"ends at entry {added.ballots}, but the final signed head "
            f"is entry {head.position} with another hash",
        )
    return added


def receipts(
    report: Report,
    claims: Sequence[Claim],
    manifest: Manifest,
    keys: shapes.Keys,
    head: SignedHead,
    added: Aggregate,
) -> None:
    for claim in claims:
        problem = claim.problem or check(claim, manifest.fingerprint, keys.board, head, added)
        if problem:
            report.fail(f"receipt {claim.where}", problem)
        else:
            report.confirm(
                f"receipt {claim.where}: ballot {tracking_code_short(claim.tracking_code)}"
                f" is on the final board at position {claim.position}"
            )


def unchecked(report: Report, claims: Sequence[Claim], why: str) -> None:
    for claim in claims:
        report.fail(f"receipt {claim.where}", claim.problem or f"not checked: {why}")


# Credentials, tally, result, spoiled ballots -------------------------------------------


def credentials(
    bundle: Bundle, report: Report, added: Aggregate, manifest: Manifest
) -> shapes.Credentials | None:
    """No more ballots than credentials, nor credentials and paper votes than eligible
    residents (each votes one way or the other, once); turnout tables that single nobody
    out by the manifest's ``min_cell`` (evoting/turnout.py)."""
    if not bundle.present("credentials.json"):
        return None
    credentials = shapes.credentials(bundle.json("credentials.json"))
    if added.ballots > credentials.issued:
        report.fail(
            "credentials.json", f"{added.ballots} ballots, {credentials.issued} credentials issued"
        )
    on_paper = credentials.paper_votes or 0
    if credentials.issued + on_paper > credentials.eligible:
        report.fail(
            "credentials.json",
            f"{credentials.issued} credentials issued and {on_paper} residents marked for "
            f"paper: more than the {credentials.eligible} eligible",
        )
    if any(credentials.turnout.values()) and credentials.min_cell != manifest.min_cell:
        report.fail("credentials.json", f"min_cell is {credentials.min_cell}, the manifest's "
                                        f"is {manifest.min_cell}")  # fmt: skip
    for table, cells in credentials.turnout.items():
        for problem in turnout_problems(cells, manifest.min_cell, credentials.eligible,
                                        credentials.issued + on_paper):  # fmt: skip
            report.fail("credentials.json", f"{table}: {problem}")
    return credentials


def tally(
    bundle: Bundle,
    report: Report,
    manifest: Manifest,
    ceremony: CeremonyKeys | None,
    head: SignedHead,
    added: Aggregate,
) -> dict[str, list[int]] | None:
    """The request is this board's aggregate; the decryptions check out; the totals."""
    if not bundle.present("tally.json"):
        return None
    tally = shapes.tally(bundle.json("tally.json"))
    expected = tally_request(manifest, added, head.to_json())
    if canonical_json(tally.request) != canonical_json(expected):  # 1 == True in Python
        report.fail("tally.json", "the request's aggregate is not the sum of the board's ballots")
    if added.ballots == 0:
        return {label: [0] * len(sums) for label, sums in added.sums.items()}
    if ceremony is None:
        return None
    try:
        return combine(
            read_request(expected),
            tally.partials,
            ceremony.trustee_keys,
            ceremony.verification_keys,
            params(manifest),
            largest_selection(manifest),
        )
    except DecryptionRefused as exc:
        report.fail("tally.json", str(exc))
        return None


def paper(
    bundle: Bundle, report: Report, manifest: Manifest, officials: dict[bytes, str] | None
) -> list[Any] | None:
    """paper.json's list of boxes, each signed by two different officials whose keys the
    audit log lists (build_result checks their counts, in `result`)."""
    if not bundle.present("paper.json"):
        return None
    boxes = shapes.array(bundle.json("paper.json"), "paper.json")
    try:
        check_signatures(manifest.fingerprint, boxes, officials or {})
    except PaperSignatureError as exc:
        report.fail("paper.json", str(exc))
    return boxes


def result(
    bundle: Bundle,
    report: Report,
    manifest: Manifest,
    online: dict[str, list[int]],
    added: Aggregate,
    credentials: shapes.Credentials,
    paper: list[Any],
) -> None:
    """Recomputed from the totals, the paper boxes, the eligible count and the rules."""
    if not bundle.present("result.json"):
        return
    result = bundle.json("result.json")
    try:
        recomputed = build_result(manifest, online, added.ballots, paper, credentials.eligible,
                                  credentials.paper_votes or 0)  # fmt: skip
    except TooManyParticipants as exc:
        report.fail("result.json", str(exc))
        return
    except PaperError as exc:
        report.fail("paper.json", str(exc))
        return
    for where in _differences(recomputed, result):
        report.fail("result.json", f"{where} is not what the bundle gives")


def _differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Field paths where two JSON values differ (booleans and numbers told apart)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            yield from _differences(expected.get(key), actual.get(key), f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            yield from _differences(e, a, f"{path}[{i}]")
    elif type(expected) is not type(actual) or expected != actual:
        yield path.lstrip(".") or "the whole result"


def spoiled(
    bundle: Bundle, report: Report, manifest: Manifest, keys: shapes.Keys, added: Aggregate
) -> None:
    """Each reveals what it encrypted, and none was cast."""
    for n, line in enumerate(_lines(bundle, report, "spoiled.jsonl"), start=1):
        problem = run(
            report,
            "spoiled.jsonl",
            functools.partial(_spoiled_problem, manifest, keys, added, line),
        )
        if problem:
            report.fail("spoiled.jsonl", f"entry {n}: {problem}")


def _spoiled_problem(manifest: Manifest, keys: shapes.Keys, added: Aggregate, line: bytes) -> str:
    try:
        ballot, _ = verify_spoiled(manifest, keys.election, parse_canonical(line))
    except (SpoiledMismatch, BallotRejected, CryptoError) as exc:
        return str(exc)
    return "a spoiled ballot was cast" if added.was_cast(ballot.tracking_code) else ""
