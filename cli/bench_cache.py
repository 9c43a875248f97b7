"""The synthetic election of `evote bench tally` / `verify --cache DIR`, kept on disk.

Generating a board costs about as much as checking it (a credential signature, an
encryption and its proofs per ballot), so a rerun takes it from ``DIR/kortrijk-N``
(N ballots) instead. An entry is plain files:

* ``manifest.json`` (canonical), ``trustees.json`` (the ceremony record: roster,
  deals, acknowledgements), ``share-1.json`` … ``share-3.json`` (each trustee's key
  share as `tally.ceremony.encode_share` writes it), ``keys.json`` (the election key,
  the credential key's DER, the board's signing key), ``board.jsonl`` and
  ``board-head.json`` (the final head, signed by that board key);
* ``cache.json`` last: the ballot count, the generation time, and each file's size
  and SHA-256;
* ``tally.json`` once a run has tallied the board: the tally request, the two
  partial decryptions and the totals, so that `bench verify` need not tally again
  before building its bundle (the verifier it times checks them all).

It is generated in ``DIR/.kortrijk-N.partial-…`` and renamed into place whole, so a
killed generation leaves only a ``.partial`` directory (ignored; delete it), never
an entry that looks complete. An entry that does not match — another count, a file
missing, a file whose size or SHA-256 differs from ``cache.json`` (an edited board),
keys or a head that do not fit together — is **refused** with the reason, not
regenerated: the benchmark deletes nothing of its user's, and a cache silently
replaced would hide whatever changed it. Delete the entry to generate it again.

The secret keys in an entry are those of a synthetic election and nothing else; the
cache is a convenience of a benchmark, not a protected store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from cli.bench import SyntheticElection, synthetic_election

FORMAT = "evote-bench-cache-1"
INDEX = "cache.json"
OUTCOME = "tally.json"
SHARES = ("share-1.json", "share-2.json", "share-3.json")
FILES = ("manifest.json", "trustees.json", *SHARES, "keys.json", "board.jsonl",
         "board-head.json")  # fmt: skip


class BenchRefused(Exception):
    """A cache entry or a database the benchmark will not use; says why and what to do."""


def entry_path(cache: Path, ballots: int) -> Path:
    return cache / f"kortrijk-{ballots}"


def cached_election(cache: Path, ballots: int, workers: int) -> SyntheticElection:
    """The cache's election of ``ballots`` ballots: read and checked, or generated into it."""
    path = entry_path(cache, ballots)
    if path.exists():
        return load(path, ballots)
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=cache))
    try:
        election = synthetic_election(ballots, workers, partial)
        _save(election, partial)
        try:
            partial.rename(path)
        except OSError:
            if not path.exists():
                raise
            return load(path, ballots)  # generated meanwhile by another run: use that one
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    election.board = path / "board.jsonl"
    election.directory = path
    return election


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _save(election: SyntheticElection, directory: Path) -> None:
    from evoting.crypto.canonical import b64encode, canonical_json

    documents: dict[str, bytes] = {
        "manifest.json": election.manifest.canonical(),
        "trustees.json": canonical_json(election.ceremony_record),
        "keys.json": canonical_json({
            "election": b64encode(election.context.election_key),
            "credential": b64encode(election.context.credential_key),
            "board_signing_key": b64encode(bytes(election.board_key)),
        }),
        "board-head.json": canonical_json(election.head.to_json()),
        **dict(zip(SHARES, election.share_files, strict=True)),
    }  # fmt: skip
    for name, data in documents.items():
        (directory / name).write_bytes(data)
    files = {name: {"bytes": (directory / name).stat().st_size, "sha256": _sha256(directory / name)}
             for name in FILES}  # fmt: skip
    index = {
        "format": FORMAT,
        "ballots": election.head.position,
        "generation_s": round(election.generation_s, 1),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": files,
    }
    (directory / INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def load(path: Path, ballots: int) -> SyntheticElection:
    """Read a cache entry, refusing it (`BenchRefused`) unless it is whole and unchanged."""
    try:
        return _load(path, ballots)
    except BenchRefused as exc:
        raise BenchRefused(f"the cache {path} is refused: {exc}; delete it to generate "
                           f"it again") from exc  # fmt: skip


def _load(path: Path, ballots: int) -> SyntheticElection:
    import nacl.exceptions
    import nacl.signing

    from ballots.chain import SignedHead
    from evoting.crypto.canonical import b64decode, parse_canonical
    from evoting.crypto.errors import CryptoError
    from evoting.election import manifest_from_canonical
    from tally import ceremony
    from tally.aggregate import Context

    started = time.perf_counter()
    try:
        index = json.loads((path / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchRefused(f"it has no {INDEX} (not a finished cache entry)") from None
    except (OSError, ValueError) as exc:
        raise BenchRefused(f"{INDEX} is unreadable ({exc})") from exc
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise BenchRefused(f"{INDEX} is not of the format {FORMAT}")
    if index.get("ballots") != ballots:
        raise BenchRefused(f"it holds {index.get('ballots')!r} ballots, not {ballots}")
    listed = index.get("files")
    for name in FILES:
        if not (path / name).is_file():
            raise BenchRefused(f"{name} is missing")
        expected = listed.get(name) if isinstance(listed, dict) else None
        if not isinstance(expected, dict):
            raise BenchRefused(f"{INDEX} does not list {name}")
        if (path / name).stat().st_size != expected.get("bytes"):
            raise BenchRefused(f"{name} has changed size since it was generated")
        if _sha256(path / name) != expected.get("sha256"):
            raise BenchRefused(f"{name} has changed since it was generated (SHA-256)")
    try:
        manifest = manifest_from_canonical((path / "manifest.json").read_bytes())
        record: Any = parse_canonical((path / "trustees.json").read_bytes())
        established = ceremony.keys_from_record(manifest, record)
        keys: Any = parse_canonical((path / "keys.json").read_bytes())
        board_key = nacl.signing.SigningKey(b64decode(keys["board_signing_key"]))
        context = Context(manifest.canonical(), b64decode(keys["election"]),
                          b64decode(keys["credential"]))  # fmt: skip
        share_files = [(path / name).read_bytes() for name in SHARES]
        shares = [ceremony.decode_share(data) for data in share_files]
        head = SignedHead.from_json(parse_canonical((path / "board-head.json").read_bytes()))
        head.verify(board_key.verify_key)
    except (ValueError, KeyError, TypeError, CryptoError, ceremony.CeremonyError,
            nacl.exceptions.CryptoError) as exc:  # fmt: skip
        raise BenchRefused(f"its files do not read ({type(exc).__name__}: {exc})") from exc
    if established.public_key.to_bytes() != context.election_key or any(
        s.public_key != established.public_key or s.board_key != bytes(board_key.verify_key)
        for s in shares
    ):
        raise BenchRefused("its keys, key shares and ceremony record do not fit together")
    if head.fingerprint != manifest.fingerprint or head.position != ballots or not head.final:
        raise BenchRefused(f"its final head is not that of {ballots} ballots of this election")
    return SyntheticElection(
        manifest=manifest,
        board=path / "board.jsonl",
        context=context,
        share_files=share_files,
        ceremony_record=record,
        board_key=board_key,
        head=head,
        generation_s=float(index.get("generation_s", 0.0)),
        cached=True,
        directory=path,
        cache_check_s=time.perf_counter() - started,
    )


def save_outcome(directory: Path, outcome: dict[str, object], partials: list[Any]) -> None:
    """Keep a tally's request, partial decryptions and totals beside the board (atomically)."""
    from evoting.crypto.canonical import canonical_json

    data = canonical_json({"request": outcome["request"], "partials": partials,
                           "totals": outcome["totals"]})  # fmt: skip
    fd, name = tempfile.mkstemp(prefix=f".{OUTCOME}.partial-", dir=directory)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(name, directory / OUTCOME)


def load_outcome(directory: Path) -> tuple[dict[str, Any], list[Any]] | None:
    """A saved tally (`save_outcome`), or None; the verifier checks what it holds."""
    from evoting.crypto.canonical import parse_canonical

    try:
        saved: Any = parse_canonical((directory / OUTCOME).read_bytes())
        outcome = {"request": saved["request"], "totals": saved["totals"]}
        partials = list(saved["partials"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchRefused(f"the cache's {directory / OUTCOME} is unreadable ({exc}); delete "
                           f"it to tally again") from exc  # fmt: skip
    return outcome, partials
