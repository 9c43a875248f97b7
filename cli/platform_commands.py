"""`evote platform ...`: the register residents verify their platform account against."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from cli.context import Context, Group, pass_context
from identity.platform import (
    DEFAULT_MINIMUM_AGE,
    brussels_day,
    generate_platform_codes,
    import_platform_register,
    write_platform_letters,
)
from identity.register import RegisterError, RegisterFile, read_register_file

CSV = click.Path(exists=True, dir_okay=False, path_type=Path)
reference_date_option = click.option(
    "--reference-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The extract's day: later birth dates, and municipality codes not in force on it, "
    "are refused (default: today).",
)


@click.group(cls=Group)
def platform() -> None:
    """The participation platform's register and its verification letters.

    One register per deployment, in the voter register's CSV format (docs/cli.md):
    residents verify their platform account with their register number and the
    code from the letter. It is not any election's register.
    """


def _read(context: Context, file: Path, day: datetime.datetime | None) -> RegisterFile:
    on = day.date() if day else brussels_day(context.clock())
    try:
        return read_register_file(file, on)
    except RegisterError as exc:
        click.echo(f"{exc.total} problem(s); nothing was done:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from exc


@platform.command("register")
@click.argument("file", type=CSV)
@reference_date_option
@click.option("--min-age", type=click.IntRange(0, 120), default=DEFAULT_MINIMUM_AGE,
              show_default=True, help="Residents verify from this age on.")  # fmt: skip
@click.option(
    "--municipality",
    metavar="NIS",
    help="The city's NIS code (needed if the file lists several municipalities).",
)
@pass_context
def register_(context: Context, file: Path, reference_date: datetime.datetime | None,
              min_age: int, municipality: str | None) -> None:  # fmt: skip
    """Import (or replace) the platform register from FILE.

    Residents who stay keep their code and whether they verified an account.
    """
    parsed = _read(context, file, reference_date)
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        summary = import_platform_register(session, parsed, keys, now, min_age,
                                           municipality=municipality)  # fmt: skip
    click.echo(
        f"platform register: {summary.rows} residents ({summary.added} added, "
        f"{summary.removed} removed, {summary.changed} changed, {summary.unchanged} unchanged), "
        f"verifying from age {min_age}; file sha256 {parsed.sha256}"
    )


@platform.command("letters")
@click.argument("file", type=CSV)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The PDF of letters to write (mode 0600: it holds the codes).")  # fmt: skip
@click.option("--url", "web_address", required=True,
              help="The platform's web address, https://...")  # fmt: skip
@click.option("--language", type=click.Choice(["nl", "fr", "en"]), default="nl",
              show_default=True, help="For residents whose row gives no language.")  # fmt: skip
@click.option(
    "--renew",
    is_flag=True,
    help="New codes also for those who have one (their letters stop working).",
)
@reference_date_option
@pass_context
def letters(context: Context, file: Path, out: Path, web_address: str, language: str,
            renew: bool, reference_date: datetime.datetime | None) -> None:  # fmt: skip
    """Write verification letters for eligible residents of FILE without a code.

    FILE is the extract that was imported: names and addresses are not stored,
    so they are read from it again. Residents who verified an account get none.
    """
    parsed = _read(context, file, reference_date)
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():  # no letters written: no code changes
        codes = generate_platform_codes(session, parsed, keys, now, language=language,
                                        renew=renew)  # fmt: skip
        count = write_platform_letters(out, web_address, codes.letters)
    click.echo(
        f"{count} letters written to {out}; no letter for {codes.kept} residents who have a "
        f"code, {codes.verified} who verified an account, {codes.not_eligible} not eligible"
    )
