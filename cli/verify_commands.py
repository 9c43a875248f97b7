"""`evote verify` and `evote verify-spoiled`: the auditors' commands (no database)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click
from rich.console import Console
from rich.progress import Progress

if TYPE_CHECKING:
    from ballots.ballot import Ballot
    from evoting.crypto.group import Point
    from evoting.election import Manifest

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(1, 1024),
              help="Processes checking ballots (default: every core).")  # fmt: skip
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask distributed scheduler (tcp://HOST:8786, or tls:// across "
                   "hosts) whose workers check the ballots, each reading the bundle at "
                   "this same path.")  # fmt: skip
@click.option("--fingerprint", metavar="HEX",
              help="The election's fingerprint as the city published it (64 hex digits); "
                   "any other is a failure.")  # fmt: skip
@click.option("--authority-key", metavar="SHA256HEX",
              help="SHA-256 of the authority's public key as the city published it (64 hex "
                   "digits); a bundle signed by any other key fails.")  # fmt: skip
@click.option("--receipt", "receipts", multiple=True, type=FILE, metavar="FILE",
              help="A receipt from the ballot box (the booth's saved receipt, `evote cast "
                   "--receipt-out`), or JSON lines of many: each must be on the final "
                   "board. Repeatable.")  # fmt: skip
def verify(
    bundle: Path,
    workers: int | None,
    scheduler: str | None,
    fingerprint: str | None,
    authority_key: str | None,
    receipts: tuple[Path, ...],
) -> None:
    """Recheck a result bundle from the bundle alone: PASS, or every failure."""
    from audit.receipts import read_receipts
    from audit.verify import ClusterError, Pins, Report, UnreadableBundle, pin, verify_file

    try:
        pins = Pins(
            None if fingerprint is None else pin(fingerprint, "--fingerprint"),
            None if authority_key is None else pin(authority_key, "--authority-key"),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    claims = read_receipts(receipts)

    def identified(report: Report) -> None:
        for line in report.heading():
            click.echo(line)

    try:
        with Progress(transient=True, console=Console(stderr=True)) as bar:
            task = bar.add_task("checking ballots", total=None)
            report = verify_file(
                bundle,
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                pins=pins,
                receipts=claims,
                identified=identified,
                scheduler=scheduler,
            )
    except UnreadableBundle as exc:
        click.echo(f"cannot read {bundle}: {exc}", err=True)
        sys.exit(2)
    except ClusterError as exc:
        click.echo(f"no verdict: the cluster failed ({exc})", err=True)
        sys.exit(3)
    for note in report.notes:
        click.echo(f"note: {note}")
    for line in report.confirmed:
        click.echo(f"OK {line}")
    if report.passed:
        click.echo(f"note: {report.meaning()}")
        what = ("internally consistent" if not report.pinned
                else f"matches {' and '.join(report.pinned)}")  # fmt: skip
        click.echo(f"PASS: {what} ({bundle}, sha256 {report.bundle_sha256})")
        return
    for failure in report.failures:
        click.echo(f"FAIL {failure}")
    sys.exit(1)


@click.command("verify-spoiled")
@click.argument("spoiled", type=FILE)
@click.option("--manifest", "manifest_file", type=FILE, required=True,
              help="The election's manifest (its fingerprint binds the ballots).")  # fmt: skip
@click.option("--election-key", required=True,
              help="The election key (base64url), as on the spoiled-ballots page.")  # fmt: skip
def verify_spoiled_command(spoiled: Path, manifest_file: Path, election_key: str) -> None:
    """Re-encrypt every challenged ballot of SPOILED.jsonl with its revealed randomness."""
    from audit.reader import LIMITS
    from audit.verdict import shown
    from ballots.ballot import tracking_code_short
    from evoting.crypto.canonical import b64decode
    from evoting.crypto.errors import CryptoError
    from evoting.crypto.group import Point
    from evoting.election import load_manifest

    manifest = load_manifest(manifest_file)
    try:
        key = Point.from_bytes(b64decode(election_key))
    except CryptoError as exc:
        raise click.ClickException(f"the election key is not a valid point: {exc}") from exc
    failures = 0
    try:
        with spoiled.open("rb") as f:
            lines = _bounded_lines(f, LIMITS["spoiled.jsonl"].line)
            for n, line in enumerate(lines, start=1):
                try:
                    ballot, revealed = _spoiled(manifest, key, line)
                except ValueError as exc:
                    failures += 1
                    click.echo(f"line {n}: FAIL: {shown(str(exc))}")
                    continue
                answers = ", ".join(f"{label}={sel}" for label, sel in revealed.items())
                click.echo(f"line {n}: {tracking_code_short(ballot.tracking_code)} "
                           f"encrypts {shown(answers)}: OK")  # fmt: skip
    except OSError as exc:
        raise click.ClickException(f"cannot read {spoiled}: {exc.strerror}") from exc
    if failures:
        raise SystemExit(1)
    click.echo("PASS")


def _bounded_lines(f: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Each non-blank line, or None for one longer than ``limit`` (skipped unread)."""
    while line := f.readline(limit + 2):
        if len(line.rstrip(b"\n")) > limit:
            while line and not line.endswith(b"\n"):
                line = f.readline(limit)
            yield None
        elif line.strip():
            yield line


def _spoiled(
    manifest: Manifest, key: Point, line: bytes | None
) -> tuple[Ballot, dict[str, list[int]]]:
    """One spoiled-ballot record checked; `ValueError` says why it fails."""
    from ballots.ballot import BallotRejected
    from ballots.spoil import SpoiledMismatch, verify_spoiled
    from evoting.crypto.errors import CryptoError

    if line is None:
        raise ValueError("longer than any spoiled-ballot record")
    try:
        return verify_spoiled(manifest, key, json.loads(line))
    except (SpoiledMismatch, BallotRejected, CryptoError) as exc:
        raise ValueError(str(exc)) from exc
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
