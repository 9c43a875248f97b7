"""`evote credential obtain`: the resident's side of issuance, from the command line.

It plays the voter's device (makes the credential key, blinds it, finalizes the
signature) and talks to the registrar in-process, through the same services the
web app uses. The credential file it writes holds a secret key: mode 0600.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from cli.context import Context, Group, pass_context
from evoting.crypto.credential import CredentialRequest
from evoting.elections import get_election
from identity.issuance import blind_sign, credential_public_key, issue_ticket
from identity.providers import PollCardProvider, login


@click.group(cls=Group)
def credential() -> None:
    """Voting credentials (the resident's side)."""


@credential.command("status")
@click.argument("election_id")
@click.option("--register-number", prompt="Register number")
@click.option("--code", prompt="Poll-card code", hide_input=True)
@pass_context
def status(context: Context, election_id: str, register_number: str, code: str) -> None:
    """Log in and see, without requesting anything, whether a credential was issued to you."""
    form = {"register_number": register_number, "code": code}
    result = login(context.factory, PollCardProvider(context.keys), context.keys, election_id,
                   form, "command-line", context.clock())  # fmt: skip
    voter = result.voter
    if not result.eligible:
        for reason in result.reasons_not_eligible:
            click.echo(f"not eligible: {reason.message}")
    if voter.credential_issued_on is not None:
        click.echo(f"a credential was issued in your name on {voter.credential_issued_on:%d/%m/%Y}")
        click.echo("if that was not you, tell the election officials")
    elif voter.paper_voted_on is not None:
        click.echo(f"you voted on paper on {voter.paper_voted_on:%d/%m/%Y}")
    else:
        click.echo("no credential was issued in your name")


@credential.command("obtain")
@click.argument("election_id")
@click.option("--register-number", prompt="Register number")
@click.option("--code", prompt="Poll-card code", hide_input=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def obtain(context: Context, election_id: str, register_number: str, code: str, out: Path) -> None:
    """Log in with the register number and poll-card code and obtain a credential."""
    try:  # claim the file first: a credential that cannot be written would be lost for good
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise click.ClickException(f"cannot create {out}: {exc.strerror}") from exc
    try:
        _obtain(context, election_id, register_number, code, fd)
    except BaseException:
        os.close(fd)
        out.unlink()
        raise
    click.echo(f"credential written to {out}; keep it secret until you have cast your ballot")


def _obtain(context: Context, election_id: str, register_number: str, code: str, fd: int) -> None:
    now = context.clock()
    form = {"register_number": register_number, "code": code}
    result = login(context.factory, PollCardProvider(context.keys), context.keys, election_id,
                   form, "command-line", now)  # fmt: skip
    if result.voter.credential_issued_on is not None:
        click.echo(
            f"a credential was issued to you on {result.voter.credential_issued_on:%d/%m/%Y}"
        )
    ticket = issue_ticket(context.keys, result, now)
    with context.factory() as session:
        fingerprint = get_election(session, election_id).fingerprint
        public_key = credential_public_key(session, election_id)
    request = CredentialRequest.start(public_key, fingerprint)
    blind_signature = blind_sign(context.factory, context.keys, election_id, ticket,
                                 request.blinded_message, now)  # fmt: skip
    obtained = request.finish(public_key, blind_signature)
    with os.fdopen(fd, "w", encoding="utf-8", closefd=False) as f:
        json.dump(obtained.to_json(), f)
        f.flush()
        os.fsync(f.fileno())
    os.close(fd)
