"""`evote`: the command line of officials and auditors."""

from __future__ import annotations

import json
import sys

import click

from evoting import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evote")
def evote() -> None:
    """Secure digital referendums and e-voting: run, tally and verify elections."""


@evote.group()
def bench() -> None:
    """Benchmarks that print measured figures (scripts, not timed tests)."""


@bench.command("crypto")
@click.option("--runs", default=300, show_default=True, help="Runs per ballot figure.")
@click.option("--quick", is_flag=True, help="Few runs: a smoke test of the benchmark itself.")
def bench_crypto(runs: int, quick: bool) -> None:
    """Time the group operations, ballot encryption and verification, and a tally."""
    from cli.bench import run_crypto_benchmark

    figures = run_crypto_benchmark(runs=10 if quick else runs, quick=quick)
    click.echo(json.dumps(figures, indent=2))


@evote.group("db")
def db_group() -> None:
    """The database: SQLite file by default, or $EVOTING_DATABASE_URL / --url."""


@db_group.command("upgrade")
@click.option("--url", help="Database URL (default: $EVOTING_DATABASE_URL or ./evoting.sqlite3).")
def db_upgrade(url: str | None) -> None:
    """Create or migrate the schema to the newest revision."""
    from evoting import db

    try:
        engine = db.make_engine(url)
    except db.DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        db.upgrade(engine)
        click.echo(f"schema at revision {db.current_revision(engine)}")
    finally:
        engine.dispose()


def main() -> None:
    try:
        evote(prog_name="evote")
    except KeyboardInterrupt:
        sys.exit(130)
