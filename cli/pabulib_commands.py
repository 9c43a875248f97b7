"""`evote pabulib ...`: Pabulib files (pabulib.org), the research community's format.

``import`` turns a real participatory budget into a manifest and its ballots, to be
replayed through the whole encrypted pipeline by ``evote simulate``; ``export``
writes a verified bundle's result as a Pabulib file. audit/pabulib_import.py and
audit/pabulib_export.py say what maps to what and what is refused; each refusal
is one line, exit code 1.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from cli.context import Group

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all (a temporary file renamed over ``path``)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _points(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(p) for p in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter("expected whole numbers separated by commas, e.g. 5,3,1") from exc


@click.group(cls=Group)
def pabulib() -> None:
    """Pabulib files (.pb): import a participatory budget, export a verified result."""


@pabulib.command("import")
@click.argument("file", type=FILE)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for manifest.yaml and ballots.jsonl (created if needed).",
)
@click.option(
    "--points",
    "points_text",
    metavar="P1,P2,...",
    help="Ordinal files: the points per rank, first rank first (default k, ..., 1).",
)
@click.option(
    "--rule", type=click.Choice(["greedy"]), help="Replay with greedy whatever rule the file names."
)
def import_command(file: Path, out: Path, points_text: str | None, rule: str | None) -> None:
    """Turn FILE.pb into DIR/manifest.yaml and DIR/ballots.jsonl for `evote simulate`."""
    from audit.pabulib import MAX_FILE, PabulibError
    from audit.pabulib_import import import_file

    points = _points(points_text)
    try:
        with file.open("rb") as f:
            data = f.read(MAX_FILE + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    try:
        imported = import_file(data, file.name, points=points, rule=rule)
    except PabulibError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write(out / "manifest.yaml", imported.manifest)
        _write(out / "ballots.jsonl", imported.ballots_jsonl())
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out}: {exc.strerror}") from exc
    click.echo(
        f"{file.name}: {imported.vote_type}, {imported.projects} projects, "
        f"{len(imported.ballots)} ballots"
    )
    for note in imported.notes:
        click.echo(f"note: {note}")
    click.echo(f"wrote {out / 'manifest.yaml'} and {out / 'ballots.jsonl'}; replay it with")
    click.echo(f"  evote simulate {out / 'manifest.yaml'} --ballots {out / 'ballots.jsonl'} --json")


@pabulib.command("export")
@click.argument("bundle", type=FILE)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The Pabulib file to write (result.pb).",
)
@click.option("--question", help="The project question's id, if the bundle has several.")
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    help="Processes checking ballots (default: every core).",
)
@click.option("--fingerprint", metavar="HEX",
              help="The election's fingerprint as the city published it.")  # fmt: skip
@click.option("--authority-key", metavar="SHA256HEX",
              help="SHA-256 of the authority's public key as the city published it.")  # fmt: skip
def export_command(bundle: Path, out: Path, question: str | None, workers: int | None,
                   fingerprint: str | None, authority_key: str | None) -> None:  # fmt: skip
    """Verify BUNDLE.zip, then write its result as a Pabulib file (without votes). The
    file says whether the bundle was pinned to the published fingerprint or key."""
    from audit.pabulib_export import ExportRefused, read_verified, to_pabulib
    from audit.verify import Pins, pin
    from identity.municipalities import names

    try:
        pins = Pins(
            None if fingerprint is None else pin(fingerprint, "--fingerprint"),
            None if authority_key is None else pin(authority_key, "--authority-key"),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        verified = read_verified(bundle, workers=workers, pins=pins)
        eligibility = verified.manifest.eligibility
        city = names(eligibility.municipality, eligibility.reference_date)
        language = verified.manifest.languages[0]
        text = to_pabulib(verified, question, city[language] if city else None)
    except ExportRefused as exc:
        raise click.ClickException(f"cannot export: {exc}") from exc
    try:
        _write(out, text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from exc
    click.echo(f"{bundle} verified (sha256 {verified.sha256}); wrote {out}")
