"""`evote init` and `evote election ...`: set up a deployment, create and run elections."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from cli.context import Context, Group, pass_context
from evoting import db
from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE, DeploymentKeys, instance_dir
from evoting.election import load_manifest
from evoting.elections import change_state, get_election


@click.command()
@pass_context
def init(context: Context) -> None:
    """Create the deployment secret (instance/secret.key) and the database schema.

    With $EVOTING_SECRET_KEY set, that secret is used and no file is written.
    """
    if os.environ.get(SECRET_ENVIRONMENT_VARIABLE):
        click.echo(
            f"using the deployment secret in ${SECRET_ENVIRONMENT_VARIABLE}; no file written"
        )
    else:
        path = DeploymentKeys.generate().save(context.instance)
        click.echo(f"deployment secret written to {path} (mode 0600): back it up")
    db.upgrade(context.engine)
    context.keys  # records the secret's key check in the database  # noqa: B018
    click.echo(f"database ready at revision {db.current_revision(context.engine)}")
    click.echo(f"instance directory: {instance_dir(context.instance)}")


@click.group(cls=Group)
def election() -> None:
    """Create an election from its manifest, and open or close it."""


@election.command("create")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def create(context: Context, manifest: Path) -> None:
    """Create an election (state draft) from MANIFEST (YAML or JSON) and its credential key."""
    from services.lifecycle import set_up_election

    parsed = load_manifest(manifest)
    now, keys = context.clock(), context.keys
    with context.factory() as session, session.begin():
        created = set_up_election(session, parsed, keys, now)
    click.echo(f"election {created.id} created (draft)")
    _echo_pins(context, created.id)


def _echo_pins(context: Context, election_id: str) -> None:
    """What is published before the vote, for residents, trustees and auditors to pin."""
    from evoting.crypto.canonical import b64encode
    from evoting.elections import sealed_public_key

    with context.factory() as session:
        found = get_election(session, election_id)
        board = sealed_public_key(session, election_id, "board")
    authority = found.manifest.authority_key
    click.echo(f"fingerprint {found.fingerprint.hex()}")
    click.echo("authority key sha256 " + (hashlib.sha256(authority).hexdigest() if authority
                                           else "(none pinned in the manifest)"))  # fmt: skip
    click.echo(f"board key {b64encode(board)} (trustees pin it: evote trustee receive --board-key)")


@election.command("show")
@click.argument("election_id")
@pass_context
def show(context: Context, election_id: str) -> None:
    """Print the election's state, fingerprint and canonical manifest."""
    with context.factory() as session:
        found = get_election(session, election_id)
    click.echo(f"election {found.id}: {found.state}")
    _echo_pins(context, election_id)
    click.echo(json.dumps(found.manifest.to_json(), indent=2, ensure_ascii=False))


@election.command("open")
@click.argument("election_id")
@pass_context
def open_(context: Context, election_id: str) -> None:
    """Open the vote: the register is frozen and credentials are issued."""
    from audit.store import record

    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        change_state(session, election_id, "open")
        record(session, election_id, "opened", {}, keys, now)
    click.echo(f"election {election_id} is open; the register is frozen")


@election.command("close")
@click.argument("election_id")
@click.option("--request-out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The tally request the trustees decrypt.")  # fmt: skip
@click.option("--workers", type=int, help="Processes checking ballots (default: every core).")
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask distributed scheduler (tcp://HOST:8786, or tls:// across "
                   "hosts) whose workers check the ballots, reading the board from this "
                   "database.")  # fmt: skip
@click.option("--early", is_flag=True,
              help="Close before the manifest's closing time (audit-logged).")  # fmt: skip
@click.option("--board-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the closed board the trustees check (board.zip).")  # fmt: skip
@pass_context
def close(
    context: Context, election_id: str, request_out: Path, workers: int | None,
    scheduler: str | None, early: bool, board_out: Path | None,
) -> None:  # fmt: skip
    """Close the vote, check and add up every ballot, and write the tally request."""
    from audit.actions import close_election
    from evoting.crypto.canonical import canonical_json
    from tally.cluster import ClusterError
    from tally.service import EarlyClosing

    keys, now = context.keys, context.clock()
    try:
        with Progress(transient=True, console=Console(stderr=True)) as bar:
            task = bar.add_task("checking and adding up the ballots", total=None)
            request = close_election(
                context.factory, keys, election_id, now, workers=workers,
                progress=lambda n: bar.advance(task, n), early=early, scheduler=scheduler,
            )  # fmt: skip
    except EarlyClosing as exc:
        raise click.ClickException(
            f"the vote runs until {exc.closes.isoformat()}: closing now cuts residents off "
            "(pass --early if the authority decided to close early)"
        ) from exc
    except ClusterError as exc:
        raise click.ClickException(f"the cluster failed: {exc}") from exc
    request_out.write_bytes(canonical_json(request) + b"\n")
    click.echo(f"election {election_id} is closed: {request['ballots']} ballots checked and added")
    click.echo(f"tally request written to {request_out}")
    if board_out is not None:
        _write_board(context, election_id, board_out)


def _write_board(context: Context, election_id: str, out: Path) -> None:
    from audit.bundle import write_board_package
    from audit.export import board_package_contents

    digest = write_board_package(out, board_package_contents(context.factory, election_id))
    click.echo(f"closed board written to {out} (sha256 {digest})")
    click.echo(f"each trustee runs: evote trustee decrypt --share SHARE --board {out.name} "
               "--out PARTIAL")  # fmt: skip


@election.command("board")
@click.argument("election_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The closed board (a bundle without results) for the trustees.")  # fmt: skip
@pass_context
def board(context: Context, election_id: str, out: Path) -> None:
    """Write the closed board the trustees check before decrypting (after the close)."""
    try:
        _write_board(context, election_id, out)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@election.command("publish")
@click.argument("election_id")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def publish(context: Context, election_id: str, bundle: Path) -> None:
    """Mark the tallied election published, recording the bundle's SHA-256."""
    from audit.store import record

    keys, now = context.keys, context.clock()
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    with context.factory() as session, session.begin():
        change_state(session, election_id, "published")
        record(session, election_id, "published", {"bundle_sha256": digest}, keys, now)
    click.echo(f"election {election_id} is published (bundle sha256 {digest})")
