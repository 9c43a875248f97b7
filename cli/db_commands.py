"""`evote db`: the schema's migrations, backups and restores (evoting/backup.py)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from cli.context import Context, Group, pass_context


@click.group("db", cls=Group)
def db_group() -> None:
    """The database: SQLite file by default, or --db / $EVOTING_DATABASE_URL."""


@db_group.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    from evoting import db

    # Its own engine: the context's refuses a PostgreSQL schema that is not current,
    # which is what this command is for.
    engine = db.make_engine(context.url)
    try:
        db.upgrade(engine)
        click.echo(f"schema at revision {db.current_revision(engine)}")
    finally:
        engine.dispose()


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def db_backup(context: Context, path: Path) -> None:
    """Back the database up into the new file PATH, while the server runs.

    PostgreSQL: pg_dump's custom format (a pg_dump at least as new as the server is
    needed: PATH, /usr/lib/postgresql/*/bin or $EVOTING_PG_BINDIR). SQLite: SQLite's
    online backup, a consistent copy. The file is written with mode 0600 and holds
    everything in the database, sealed keys included: keep it safe.

    The deployment secret (instance/secret.key or $EVOTING_SECRET_KEY) is NOT in the
    database: back it up separately, and keep it apart from the database backups.
    """
    from evoting import backup, db

    url = db.database_url(context.url)
    try:
        done = backup.backup(url, path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {backup.shown(url)} (schema revision {done.revision}) into {path}: "
               f"{done.size} bytes, by {done.how}")  # fmt: skip
    click.echo(backup.NOT_IN_THE_BACKUP)


@db_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Replace a database that holds data already (everything in it is lost).",
)
@pass_context
def db_restore(context: Context, path: Path, replace: bool) -> None:
    """Restore the backup PATH into the database (stop the server first).

    PATH is a file `evote db backup` made. Stop the server first: a SQLite database
    file is replaced under it (a temporary copy next to it is checked with PRAGMA
    integrity_check, then renamed into place); PostgreSQL restores in one transaction
    (pg_restore, at least as new as the server).
    A database that holds data already is refused unless --replace is given. A
    SQLite backup never goes into PostgreSQL, nor the reverse.

    Afterwards each election's board is re-chained from its stored entries: the exit
    status is 1 if a chain is broken. A backup from an older schema revision restores
    as it was: then run `evote db upgrade`.

    The deployment secret is NOT in the database: restore instance/secret.key (or
    $EVOTING_SECRET_KEY) from its own backup.
    """
    from evoting import backup, db

    url = db.database_url(context.url)
    try:
        done = backup.restore(url, path, replace=replace)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path} into {backup.shown(url)}, by {done.how}")
    click.echo(backup.schema_note(done.revision))
    engine = db.make_engine(url)  # as restored: no migration before it is checked
    try:
        broken = _check_boards(engine)
        click.echo(backup.secret_note(engine, context.instance))
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the restored boards cannot be read: {exc}") from exc
    finally:
        engine.dispose()
    click.echo(backup.NOT_IN_THE_BACKUP)
    if broken:
        raise click.ClickException(f"the board chain is broken in: {', '.join(broken)}")


def _check_boards(engine: Engine) -> list[str]:
    """Print each election's board: entries and whether its chain is intact; the broken."""
    from ballots.board import check_chain
    from evoting import backup, db

    elections = backup.elections(engine)
    if not elections:
        click.echo("no elections")
    broken = []
    with db.session_factory(engine)() as session:
        for election_id, fingerprint in elections:
            checked = check_chain(session, election_id, fingerprint)
            if checked.intact:
                click.echo(f"election {election_id}: {checked.entries} board entries, "
                           "chain intact")  # fmt: skip
            else:
                click.echo(f"election {election_id}: {checked.entries} board entries, "
                           f"chain BROKEN: {checked.problem}")  # fmt: skip
                broken.append(election_id)
    return broken
