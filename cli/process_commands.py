"""`evote process ...`: participation processes from the command line.

`evote process create --from-manifest` turns a consultation's manifest (Kortrijk's
"Grote Bevraging") into a whole process: its statements become the themes residents
propose ideas and react under (participation/consultation.py), and the election is
created from the same manifest (draft) and linked as the process's vote, in one
transaction: nothing is written if any step is refused.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from cli.context import Context, Group, pass_context
from cli.election_commands import _echo_pins
from evoting.accounts import Official
from evoting.election import load_manifest

# The actor the process log records when no official is named: a name no official's
# account can have (accounts' usernames have no colon), as the log's 'resident:<id>'.
COMMAND_LINE = Official(0, "cli:evote", "admin", False)


@click.group(cls=Group)
def process() -> None:
    """Participation processes: a consultation's manifest made into a whole process."""


def _phase_line(kind: str, first: datetime.date, last: datetime.date | None) -> str:
    return f"  {kind}: {first}" + (f" to {last}" if last is not None else " on, no end")


@process.command("create")
@click.option("--from-manifest", "manifest", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An election manifest with a consultation question (YAML or JSON).")  # fmt: skip
@click.option("--id", "process_id", help="The process's id (default: the manifest's id).")
@click.option("--proposals-from", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The first day of proposals (default: four weeks before the vote; "
                   "they end the day before it opens).")  # fmt: skip
@click.option("--official", "username",
              help="The official's account recorded as creating it (default: the command "
                   "line, 'cli:evote').")  # fmt: skip
@pass_context
def create(context: Context, manifest: Path, process_id: str | None,
           proposals_from: datetime.datetime | None, username: str | None) -> None:  # fmt: skip
    """Create a consultation process and its election (draft) from a manifest.

    Each statement becomes a theme: residents propose ideas and react per theme, then
    give their view on each statement in the encrypted vote over the manifest's window.
    """
    from evoting.accounts import get_official
    from participation import consultation
    from participation.errors import ParticipationError
    from services.lifecycle import set_up_election

    parsed = load_manifest(manifest)
    plan = consultation.Plan(
        process_id=process_id, proposals_from=None if proposals_from is None
        else proposals_from.date())  # fmt: skip
    now, keys = context.clock(), context.keys
    try:
        definition = consultation.consultation_process(parsed, plan)
        with context.factory() as session, session.begin():
            official = COMMAND_LINE if username is None else get_official(session, username)
            consultation.create(session, official, definition, now)
            created = set_up_election(session, parsed, keys, now, process=definition.process_id)
            consultation.link(session, official, definition, now)
    except ParticipationError as exc:
        raise click.ClickException(f"{exc}; nothing was created") from exc
    themes = definition.themes
    click.echo(f"process {definition.process_id} created ({definition.level}): "
               f"{len(themes)} themes in {', '.join(parsed.languages)}")  # fmt: skip
    for phase in definition.phases:
        click.echo(_phase_line(phase.kind, phase.starts_on, phase.ends_on))
    click.echo(f"election {created.id} created (draft), the process's vote")
    _echo_pins(context, created.id)  # the fingerprint, authority key and board key
    e = created.id
    click.echo("next, as for any election:")
    click.echo(f"  evote register import {e} REGISTER.csv; "
               f"evote register poll-cards {e} REGISTER.csv --out letters.pdf")  # fmt: skip
    click.echo(f"  the trustees' key ceremony (they pin the board key above): "
               f"evote trustee add / roster / collect / finish {e} (docs/cli.md)")  # fmt: skip
    click.echo(f"  evote election open {e} (when the vote phase starts)")


@process.command("list")
@pass_context
def list_(context: Context) -> None:
    """Every process, newest first: its id, level, current phase, vote and title."""
    from participation.processes import current_phase, list_processes

    now = context.clock()
    with context.factory() as session:
        found = list_processes(session)
    if not found:
        click.echo("no processes")
    for p in found:
        phase = current_phase(p, now)
        title = p.title.get("en") or next(iter(p.title.values()))
        click.echo(f"{p.id} ({p.level}; {'between phases' if phase is None else phase.kind}; "
                   f"vote {p.election_id or 'none'}): {title}")  # fmt: skip
