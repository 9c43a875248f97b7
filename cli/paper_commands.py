"""`evote paper ...`: paper-box totals, entered by two officials who both sign.

Each official runs `evote paper enter` with their own account (`evote official
add`); the password is asked for (or read from $EVOTING_OFFICIAL_PASSWORD, as
`evote official add` does, for automation) and gives the key that signs the
entry (evoting/accounts.py). The second official types the box's totals again
without seeing the first's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from cli.context import Context, Group, pass_context
from cli.files import read_json

PASSWORD_ENV = "EVOTING_OFFICIAL_PASSWORD"  # noqa: S105 - the variable's name
MAX_BOX_FILE = 1 << 20


def _password() -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return str(click.prompt("Your password (it signs the entry)", hide_input=True))


def _box(path: Path) -> object:
    return read_json(path, MAX_BOX_FILE)


@click.group(cls=Group)
def paper() -> None:
    """Paper boxes' totals: two officials enter each box; both sign."""


@paper.command("enter")
@click.argument("election_id")
@click.argument("box_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--official", required=True, help="Your username (evote official add).")
@pass_context
def enter(context: Context, election_id: str, box_file: Path, official: str) -> None:
    """Enter one box's totals from BOX_FILE: {"box": name, "ballots": n, "contests":
    {question: [count per option]}} (after the close, before the tally)."""
    from audit.actions import enter_paper_box

    entered = enter_paper_box(context.factory, context.keys, election_id, _box(box_file),  # type: ignore[arg-type]
                              official, _password(), context.clock())  # fmt: skip
    if entered.confirmed:
        click.echo(f"box {entered.box}: confirmed by two officials")
    else:
        click.echo(f"box {entered.box}: entered; a second official must enter it too")


@paper.command("discard")
@click.argument("election_id")
@click.argument("box")
@click.option("--official", required=True, help="Your username.")
@pass_context
def discard(context: Context, election_id: str, box: str, official: str) -> None:
    """Withdraw a box's first entry (before a second official confirmed it), to recount."""
    from audit.actions import discard_paper_box

    discard_paper_box(context.factory, context.keys, election_id, box, official, _password(),
                      context.clock())  # fmt: skip
    click.echo(f"box {box}: the waiting entry is withdrawn")


@paper.command("status")
@click.argument("election_id")
@pass_context
def status(context: Context, election_id: str) -> None:
    """Every box entered so far: by whom, and its totals once confirmed."""
    from tally.paper_entry import paper_voters
    from tally.paper_entry import status as boxes

    with context.factory() as session:
        found = boxes(session, election_id)
        voters = paper_voters(session, election_id)
    click.echo(f"{voters} residents were marked as voting on paper")
    counted = 0
    for box in found:
        who = " and ".join(box.entered_by)
        if box.totals is None:
            click.echo(f"{box.box}: entered by {who}; waiting for a second official")
        else:
            counted += int(box.totals["ballots"])
            click.echo(f"{box.box}: confirmed by {who}: {json.dumps(box.totals['contests'])}")
    click.echo(f"{counted} paper ballots in confirmed boxes")
