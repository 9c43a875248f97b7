"""`evote`: the command line of officials and auditors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli.context import Context, Group, pass_context
from cli.credential_commands import credential
from cli.election_commands import election, init
from cli.register_commands import register
from cli.tally_commands import authority, cast, tally, verify
from cli.trustee_commands import trustee
from evoting import __version__


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evote")
@click.option(
    "--db",
    "url",
    envvar="EVOTING_DATABASE_URL",
    help="Database URL (default: ./evoting.sqlite3; postgresql://... for production).",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="EVOTING_INSTANCE",
    help="Instance directory holding the deployment secret (default: ./instance).",
)
@click.pass_context
def evote(ctx: click.Context, url: str | None, instance: Path | None) -> None:
    """Secure digital referendums and e-voting: run, tally and verify elections."""
    context = Context(url=url, instance=instance)
    ctx.obj = context
    ctx.call_on_close(context.close)


@evote.group(cls=Group)
def bench() -> None:
    """Benchmarks that print measured figures (scripts, not timed tests)."""


@bench.command("crypto")
@click.option("--runs", default=300, show_default=True, help="Ballots per figure.")
@click.option("--quick", is_flag=True, help="Few runs: a smoke test of the benchmark itself.")
def bench_crypto(runs: int, quick: bool) -> None:
    """Time the group operations, ballot encryption and verification, and a tally."""
    from cli.bench import run_crypto_benchmark

    figures = run_crypto_benchmark(runs=10 if quick else runs, quick=quick)
    click.echo(json.dumps(figures, indent=2))


@evote.group("db", cls=Group)
def db_group() -> None:
    """The database: SQLite file by default, or --db / $EVOTING_DATABASE_URL."""


@db_group.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    from evoting import db

    db.upgrade(context.engine)
    click.echo(f"schema at revision {db.current_revision(context.engine)}")


evote.add_command(init)
evote.add_command(election)
evote.add_command(register)
evote.add_command(credential)
evote.add_command(trustee)
evote.add_command(authority)
evote.add_command(tally)
evote.add_command(verify)
evote.add_command(cast)


def main() -> None:
    try:
        evote(prog_name="evote")
    except KeyboardInterrupt:
        sys.exit(130)
