"""`evote serve` and `evote demo`: the web UI."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import Context, Group, pass_context
from evoting.db import database_url
from evoting.schema import OFFICIAL_ROLES

if TYPE_CHECKING:
    from flask import Flask

    from cli.demo import Demo

HOST = click.option("--host", default="127.0.0.1", show_default=True,
                    help="The address to listen on (0.0.0.0: every interface).")  # fmt: skip


def serve_app(app: Flask, host: str, port: int) -> None:
    import waitress

    waitress.serve(app, host=host, port=port, threads=8, ident="evote")


@click.command("serve")
@HOST
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--insecure-http", is_flag=True,
              help="Plain http, no TLS proxy: cookies without Secure.")  # fmt: skip
@click.option("--proxies", default=0, show_default=True, type=click.IntRange(0, 5),
              help="Trusted reverse proxies in front (for the client's address).")  # fmt: skip
@click.option("--smtp-url", envvar="EVOTE_SMTP_URL", metavar="URL",
              help="Mail server for residents' accounts: smtp://host:port, "
              "smtps://user:password@host or smtp://user:password@host:587?starttls=1 "
              "(or $EVOTE_SMTP_URL, which keeps a password out of the process list). "
              "Without it, residents cannot register.")  # fmt: skip
@click.option("--mail-from", envvar="EVOTE_MAIL_FROM", metavar="ADDRESS",
              help="The sender address of that mail (or $EVOTE_MAIL_FROM).")  # fmt: skip
@click.option("--public-url", envvar="EVOTE_PUBLIC_URL", metavar="URL",
              help="The site's public origin, e.g. https://participation.example.be: the "
              "links mailed to residents point there, never to a request's Host header "
              "(or $EVOTE_PUBLIC_URL).")  # fmt: skip
@click.option("--workers", default=0, show_default=True, type=click.IntRange(0, 64),
              help="Worker processes under gunicorn (production; docs/deploy.md). 0: one "
              "process under waitress, the embedded default.")  # fmt: skip
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Threads per gunicorn worker (and its PostgreSQL connections).")  # fmt: skip
@click.option("--proof-checks", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Ballot proof checks at once per process; casts that wait over 5 s "
              "for a turn get 503 (web/casting.py). About one per core.")  # fmt: skip
@click.option("--redis-url", envvar="EVOTE_REDIS_URL", metavar="URL",
              help="Redis for rate limits and officials' sessions shared by the workers, "
              "e.g. redis://127.0.0.1:6379/0 (or $EVOTE_REDIS_URL); needed with "
              "--workers 2 or more.")  # fmt: skip
@click.option("--metrics-token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="EVOTE_METRICS_TOKEN_FILE",
              help="A file holding the bearer token that lets a Prometheus server elsewhere "
              "read /metrics (or $EVOTE_METRICS_TOKEN_FILE). Without it, /metrics answers "
              "only a scrape on this machine.")  # fmt: skip
@pass_context
def serve(context: Context, host: str, port: int, insecure_http: bool, proxies: int,
          smtp_url: str | None, mail_from: str | None, public_url: str | None,
          workers: int, threads: int, proof_checks: int,
          redis_url: str | None, metrics_token_file: Path | None) -> None:  # fmt: skip
    """Serve the web UI for residents, officials and the public.

    In production it runs behind a TLS-terminating proxy (cookies are Secure), under
    gunicorn with --workers N on PostgreSQL and Redis (docs/deploy.md).
    """
    if smtp_url and not mail_from:
        raise click.UsageError("--smtp-url needs --mail-from (or $EVOTE_MAIL_FROM)")
    if workers > 1 and not redis_url:
        raise click.UsageError(
            "--workers 2 or more need --redis-url: the workers share rate limits and "
            "officials' sessions through Redis"
        )
    if workers > 1 and database_url(context.url).startswith("sqlite"):
        click.echo("warning: several workers on SQLite queue on one writer's lock; "
                   "use PostgreSQL in production", err=True)  # fmt: skip
    token = None
    if metrics_token_file is not None:
        token = metrics_token_file.read_text(encoding="utf-8").strip()
        if len(token) < 32:
            raise click.UsageError("the metrics token must be at least 32 characters")
    settings = {"METRICS_TOKEN": token, "SMTP_URL": smtp_url or None,
                "MAIL_FROM": mail_from or None, "PUBLIC_URL": public_url or None,
                "REDIS_URL": redis_url or None, "PROOF_CHECKS": proof_checks}  # fmt: skip
    if workers:
        settings["DATABASE_POOL_SIZE"] = threads
        from cli.gunicorn_server import prepare_metrics, serve_gunicorn

        metrics = prepare_metrics()  # before the web package is imported (metrics mode)
    from participation.mail import MailError
    from web import create_app

    def make() -> Flask:
        return create_app(context.url, context.instance, secure_cookies=not insecure_http,
                          proxies=proxies, config=settings)  # fmt: skip

    try:
        app = make()  # checks the set-up once, before any worker starts
    except MailError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"serving on http://{host}:{port}/ (stop with Ctrl-C)")
    if not workers:
        serve_app(app, host, port)
        return
    app.extensions["evoting"].engine.dispose()  # no connection crosses the fork
    serve_gunicorn(make, host=host, port=port, workers=workers, threads=threads,
                   metrics_dir=metrics)  # fmt: skip


@click.command("demo")
@HOST
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo"), show_default=True,
              help="Where the demo keeps its database and secret (made afresh).")  # fmt: skip
@click.option("--no-serve", is_flag=True, help="Set up and print, but do not serve.")
@click.option("--manifest", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Another election as the demo (e.g. examples/rueil-2019.yaml).")  # fmt: skip
@click.option("--platform", is_flag=True,
              help="The participation platform instead: processes, ideas, accounts, a vote "
              "on a shortlist, e-mail into DIR/outbox (cli/demo_platform.py).")  # fmt: skip
def demo(host: str, port: int, directory: Path, no_serve: bool, source: Path | None,
         platform: bool) -> None:  # fmt: skip
    """A demo election (the Kortrijk referendum, or --manifest), open now, with test
    residents, or (--platform) the participation platform to click through; then serve it."""
    from cli.demo import DemoError, build
    from web import create_app

    os.environ.pop("EVOTING_SECRET_KEY", None)  # the demo has its own secret
    if platform:
        if source is not None:
            raise click.UsageError("--platform makes its own vote: leave out --manifest")
        from cli.demo_platform import run

        run(directory, host, port, no_serve)
        return
    try:
        made = build(directory, datetime.datetime.now(datetime.UTC), source=source)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name
    address = f"http://{shown}:{port}"
    click.echo(f"\nDemo election '{made.election_id}' is open: {address}/e/{made.election_id}")
    click.echo(f"Letters with every poll card: {made.letters}\n")
    click.echo("Test residents (register number, code):")
    for v in made.voters:
        click.echo(f"  {v.register_number}  {v.code}  {v.name} ({v.note})")
    how_to_tally(made, address)
    if no_serve:
        return
    app = create_app(made.database_url, made.instance, secure_cookies=False)
    click.echo(f"\nserving on {address}/ (stop with Ctrl-C)")
    serve_app(app, host, port)


def how_to_tally(made: Demo, address: str) -> None:
    from cli.demo import OFFICIAL, PASSPHRASE, PASSWORD

    here = Path.cwd()

    def shown(path: Path) -> str:
        path = path.resolve()
        return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

    program = shown(Path(sys.argv[0])) if sys.argv[0].endswith("evote") else "evote"
    request = f"{made.election_id}-board.zip"
    click.echo(f"\nTo close and tally (demo only: every key is here, sealed by '{PASSPHRASE}'):")
    click.echo(f"  1. log in at {address}/officials as '{OFFICIAL}', password '{PASSWORD}';")
    click.echo("     close the vote (early) and download the tally request (the closed board)")
    k, n = made.trustees_needed, len(made.trustee_shares)
    click.echo(f"  2. {k} of the {n} trustees decrypt it (each on their own machine, really):")
    for i, share in enumerate(made.trustee_shares[:k], start=1):
        click.echo(
            f"     EVOTING_PASSPHRASE={PASSPHRASE} {program} trustee decrypt "
            f"--share {shown(share)} --board {request} --out partial-{i}.json"
        )
    click.echo("  3. upload the partial files on the tally form; choose to sign there (a demo's")
    click.echo(f"     convenience) with {shown(made.authority_key)} and the passphrase, or sign on")
    click.echo("     the authority's machine with `evote authority sign`; then publish and see the")
    click.echo("     results page")


@click.group("official", cls=Group)
def official() -> None:
    """The web UI's accounts for officials (admin, official, moderator, evaluator, observer)."""


@official.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(OFFICIAL_ROLES), required=True)
@pass_context
def official_add(context: Context, username: str, role: str) -> None:
    """Add an account; the password is asked for (or read from $EVOTING_OFFICIAL_PASSWORD)."""
    from evoting.accounts import add_official

    password = os.environ.get("EVOTING_OFFICIAL_PASSWORD") or click.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    with context.factory() as session, session.begin():
        added = add_official(session, username, password, role, context.clock())
    click.echo(f"official {added.username} ({added.role}) added")


@official.command("list")
@pass_context
def official_list(context: Context) -> None:
    """Every account, its role and whether it is disabled."""
    from evoting.accounts import list_officials

    with context.factory() as session:
        for a in list_officials(session):
            state = "disabled" if a.disabled else "active"
            click.echo(f"{a.username}\t{a.role}\t{state}")


@official.command("disable")
@click.argument("username")
@pass_context
def official_disable(context: Context, username: str) -> None:
    """Disable an account (it can no longer log in)."""
    from evoting.accounts import set_disabled

    with context.factory() as session, session.begin():
        set_disabled(session, username, True)
    click.echo(f"official {username} disabled")
