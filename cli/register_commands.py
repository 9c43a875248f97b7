"""`evote register ...`: the voter register, poll cards, paper votes, issuance figures."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import click

from audit.store import record
from cli.context import Context, Group, pass_context
from evoting.elections import get_election
from identity.issuance import issuance_report, mark_paper
from identity.nrn import InvalidRegisterNumber, parse
from identity.pollcards import generate_poll_cards
from identity.register import RegisterError, import_register, read_register_file

CSV = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group(cls=Group)
def register() -> None:
    """The voter register of an election (docs/cli.md gives the CSV format)."""


def _report(exc: RegisterError) -> None:
    click.echo(f"{exc.total} problem(s); nothing was imported:", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)


@register.command("check")
@click.argument("file", type=CSV)
@click.option(
    "--on",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Check municipality codes as on this day (default: today).",
)
def check(file: Path, day: datetime.datetime | None) -> None:
    """Check FILE row by row without importing it."""
    on = day.date() if day else datetime.date.today()
    try:
        parsed = read_register_file(file, on)
    except RegisterError as exc:
        _report(exc)
        raise SystemExit(1) from exc
    click.echo(f"{len(parsed.rows)} rows, all valid (sha256 {parsed.sha256})")


@register.command("import")
@click.argument("election_id")
@click.argument("file", type=CSV)
@pass_context
def import_(context: Context, election_id: str, file: Path) -> None:
    """Import (or replace, before the vote opens) ELECTION's register from FILE."""
    with context.factory() as session:
        reference = get_election(session, election_id).manifest.eligibility.reference_date
    try:
        parsed = read_register_file(file, reference)
    except RegisterError as exc:
        _report(exc)
        raise SystemExit(1) from exc
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        summary = import_register(session, election_id, parsed, keys, now)
        record(session, election_id, "register-imported", {
            "file_sha256": parsed.sha256, "residents": summary.rows, "added": summary.added,
            "removed": summary.removed, "changed": summary.changed,
        }, keys, now)  # fmt: skip
    click.echo(
        f"register of {election_id}: {summary.rows} residents "
        f"({summary.added} added, {summary.removed} removed, {summary.changed} changed, "
        f"{summary.unchanged} unchanged); file sha256 {parsed.sha256}"
    )


@register.command("poll-cards")
@click.argument("election_id")
@click.argument("file", type=CSV)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The PDF of letters to write (mode 0600: it holds the codes).")  # fmt: skip
@click.option("--replace", is_flag=True, help="Generate new codes, invalidating earlier letters.")
@pass_context
def poll_cards(context: Context, election_id: str, file: Path, out: Path, replace: bool) -> None:
    """Generate a code for every eligible resident and write their letters.

    FILE is the register extract that was imported: names and addresses are not
    stored, so they are read from it again.
    """
    with context.factory() as session:
        reference = get_election(session, election_id).manifest.eligibility.reference_date
    try:
        parsed = read_register_file(file, reference)
    except RegisterError as exc:
        _report(exc)
        raise SystemExit(1) from exc
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        summary = generate_poll_cards(session, election_id, parsed, keys, out, replace=replace)
        record(session, election_id, "poll-cards-issued", {
            "letters": summary.letters, "replaced": replace,
        }, keys, now)  # fmt: skip
    click.echo(
        f"{summary.letters} letters written to {out}; "
        f"{summary.not_eligible} residents are not eligible and get none"
    )


@register.command("mark-paper")
@click.argument("election_id")
@click.option("--register-number", prompt="Register number", help="The resident's number.")
@pass_context
def mark_paper_(context: Context, election_id: str, register_number: str) -> None:
    """At the polling station: record that a resident votes on paper."""
    try:
        number = parse(register_number)
    except InvalidRegisterNumber as exc:
        raise click.ClickException(f"check the register number: {exc.reason}") from exc
    keys, now = context.keys, context.clock()
    mark_paper(context.factory, keys, election_id, number, now)
    with context.factory() as session, session.begin():
        record(session, election_id, "paper-vote-marked", {}, keys, now)  # names nobody
    click.echo("recorded: this resident votes on paper and can no longer vote online")


@register.command("stats")
@click.argument("election_id")
@pass_context
def stats(context: Context, election_id: str) -> None:
    """Print what auditors get: the credential key and issuance counts (JSON)."""
    report = issuance_report(context.factory, election_id, context.keys)
    click.echo(json.dumps(report.to_json(), indent=2))
