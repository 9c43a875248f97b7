"""`evote trustee ...`: the key ceremony, for trustees (offline) and officials.

Trustees run ``keygen``, ``deal``, ``receive`` and ``decrypt`` on their own machines
with the election's manifest and the files the officials hand them; officials run
``add``, ``roster``, ``collect`` and ``finish`` against the election's database.
Passphrases are asked for, or read from $EVOTING_PASSPHRASE (for automation).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import click

from audit.store import record
from cli.context import Context, Group, pass_context
from cli.files import read_json
from evoting.crypto.canonical import b64decode, canonical_json
from evoting.crypto.errors import CanonicalEncodingError
from evoting.crypto.keyfile import read_key_file, write_key_file
from evoting.election import Manifest, load_manifest
from tally import ceremony, officials

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
NEW_FILE = click.Path(dir_okay=False, path_type=Path)
PASSPHRASE_ENV = "EVOTING_PASSPHRASE"  # noqa: S105 - the variable's name


def _read_json(path: Path) -> object:
    return read_json(path)


def _write_json(path: Path, value: object) -> None:
    try:
        with path.open("xb") as f:
            f.write(canonical_json(value) + b"\n")
    except FileExistsError as exc:
        raise click.ClickException(f"{path} already exists") from exc


def _digest(document: object) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _passphrase(new: bool) -> str:
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=new))


def _trustee_keys(path: Path) -> ceremony.TrusteeKeys:
    return ceremony.TrusteeKeys.from_secret_bytes(
        read_key_file(path, "trustee", _passphrase(False))
    )


def _roster(manifest: Manifest, path: Path) -> list[ceremony.RosterEntry]:
    records = _read_json(path)
    if not isinstance(records, list):
        raise click.ClickException(f"{path} is not a roster (a list of trustee records)")
    return ceremony.read_roster(manifest, records)


@click.group(cls=Group)
def trustee() -> None:
    """The trustees' key ceremony and their share of the tally's decryption."""


@trustee.command("keygen")
@click.option("--manifest", type=FILE, required=True, help="The election's manifest.")
@click.option("--index", type=int, required=True, help="Your trustee number, 1 to n.")
@click.option("--name", required=True, help="Your name, as the officials know you.")
@click.option("--out", type=NEW_FILE, required=True, help="Your key file (keep it offline).")
@click.option(
    "--record-out", type=NEW_FILE, required=True, help="Your public record, for the officials."
)
def keygen(manifest: Path, index: int, name: str, out: Path, record_out: Path) -> None:
    """Make your keys: a key file sealed by your passphrase, and a public record."""
    keys = ceremony.TrusteeKeys.generate(load_manifest(manifest), index, name)
    write_key_file(out, "trustee", keys.secret_bytes(), _passphrase(True))
    _write_json(record_out, keys.public_record())
    click.echo(f"trustee {index}: key file {out}; give {record_out} to the officials")


@trustee.command("add")
@click.argument("election_id")
@click.argument("records", type=FILE, nargs=-1, required=True)
@pass_context
def add(context: Context, election_id: str, records: Sequence[Path]) -> None:
    """(Officials) register trustees' public records."""
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        for path in records:
            document = _read_json(path)
            entry = officials.add_trustee(session, election_id, document)
            details = {"trustee": entry.index, "record_sha256": _digest(document)}
            record(session, election_id, "trustee-registered", details, keys, now)
            click.echo(f"trustee {entry.index} ({entry.name}) registered")


@trustee.command("roster")
@click.argument("election_id")
@click.option("--out", type=NEW_FILE, required=True)
@pass_context
def roster(context: Context, election_id: str, out: Path) -> None:
    """(Officials) write the roster of all trustees, for every trustee."""
    with context.factory() as session:
        entries = officials.roster(session, election_id)
    _write_json(out, [e.record for e in entries])
    click.echo(f"roster of {len(entries)} trustees written to {out}")


@trustee.command("deal")
@click.option("--key", type=FILE, required=True, help="Your key file.")
@click.option("--manifest", type=FILE, required=True)
@click.option("--roster", "roster_file", type=FILE, required=True)
@click.option("--out", type=NEW_FILE, required=True)
def deal(key: Path, manifest: Path, roster_file: Path, out: Path) -> None:
    """Round 1: your commitments and a sealed share for every trustee."""
    parsed = load_manifest(manifest)
    keys = _trustee_keys(key)
    _write_json(out, ceremony.make_deal(keys, parsed, _roster(parsed, roster_file)))
    click.echo(f"your dealer message is in {out}; give it to the officials")


@trustee.command("collect")
@click.argument("election_id")
@click.argument("deals", type=FILE, nargs=-1, required=True)
@click.option("--out", type=NEW_FILE, help="Also write all deals, for the trustees.")
@pass_context
def collect(context: Context, election_id: str, deals: Sequence[Path], out: Path | None) -> None:
    """(Officials) check and keep the trustees' dealer messages."""
    keys, now = context.keys, context.clock()
    with context.factory() as session, session.begin():
        for path in deals:
            document = _read_json(path)
            dealer = officials.collect_deal(session, election_id, document)
            details = {"trustee": dealer, "document_sha256": _digest(document)}
            record(session, election_id, "dealer-message-received", details, keys, now)
            click.echo(f"trustee {dealer}'s dealer message checked")
        collected = officials.documents(session, election_id, "deal")
    if out is not None:
        _write_json(out, collected)
        click.echo(f"{len(collected)} dealer messages written to {out}")


@trustee.command("receive")
@click.option("--key", type=FILE, required=True, help="Your key file.")
@click.option("--manifest", type=FILE, required=True)
@click.option("--roster", "roster_file", type=FILE, required=True)
@click.option("--deals", type=FILE, required=True, help="All dealer messages (from the officials).")
@click.option("--out", type=NEW_FILE, required=True, help="Your acknowledgement.")
@click.option("--share-out", type=NEW_FILE, required=True, help="Your key-share file.")
@click.option("--board-key", required=True,
              help="The election's board key (base64url), as published.")  # fmt: skip
@click.option("--exclude", type=int, multiple=True, help="A disqualified dealer.")
def receive(key: Path, manifest: Path, roster_file: Path, deals: Path, out: Path,
            share_out: Path, board_key: str, exclude: Sequence[int]) -> None:  # fmt: skip
    """Round 2: check your shares; keep your key share; acknowledge (or complain).

    The acknowledgement pins the election's board key: later you decrypt only the
    totals of the board that key closed."""
    parsed = load_manifest(manifest)
    documents = _read_json(deals)
    if not isinstance(documents, list):
        raise click.ClickException(f"{deals} is not a list of dealer messages")
    try:
        board = b64decode(board_key.strip())
    except CanonicalEncodingError as exc:
        raise click.ClickException(f"--board-key is not base64url: {exc}") from exc
    passphrase = _passphrase(False)
    keys = ceremony.TrusteeKeys.from_secret_bytes(read_key_file(key, "trustee", passphrase))
    received = ceremony.receive(keys, parsed, _roster(parsed, roster_file), documents, board,
                                exclude)  # fmt: skip
    if received.share is not None:
        share = ceremony.encode_share(keys, received.share, received.acknowledgement)
        write_key_file(share_out, "trustee-share", share, passphrase)
    _write_json(out, received.acknowledgement)
    if received.share is None:
        raise click.ClickException(
            f"you complained about a dealer: see {out}; give it to the officials"
        )
    click.echo(f"shares checked; key share in {share_out}; give {out} to the officials")


@trustee.command("finish")
@click.argument("election_id")
@click.argument("acknowledgements", type=FILE, nargs=-1, required=True)
@click.option("--exclude", type=int, multiple=True, help="A disqualified dealer.")
@pass_context
def finish(context: Context, election_id: str, acknowledgements: Sequence[Path],
           exclude: Sequence[int]) -> None:  # fmt: skip
    """(Officials) check every acknowledgement and fix the election key."""
    keys, now = context.keys, context.clock()
    documents = [_read_json(p) for p in acknowledgements]
    with context.factory() as session, session.begin():
        key = officials.finish(session, election_id, documents, exclude)
        record(session, election_id, "ceremony-finished", {
            "election_key": key.to_bytes(), "excluded": list(exclude),
            "acknowledgements_sha256": [_digest(d) for d in documents],
        }, keys, now)  # fmt: skip
    click.echo(f"election key {key.to_bytes().hex()}: the vote can be opened")


@trustee.command("decrypt")
@click.option("--share", type=FILE, required=True, help="Your key-share file.")
@click.option(
    "--board", "board_file", type=FILE, required=True,
    help="The closed board (board.zip from the officials, or a result bundle).",
)  # fmt: skip
@click.option(
    "--request", "request_file", type=FILE,
    help="The tally request the officials published (checked; default: the board's).",
)  # fmt: skip
@click.option("--out", type=NEW_FILE, required=True, help="Your partial decryption.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation before decrypting.")
@click.option("--workers", type=int, help="Processes checking ballots (default: every core).")
def decrypt(share: Path, board_file: Path, request_file: Path | None, out: Path, yes: bool,
            workers: int | None) -> None:  # fmt: skip
    """Your share of decrypting the totals, and only the totals, with proofs.

    Before anything is decrypted, the board is checked on this machine: its head is
    final and signed by the board key you pinned in the ceremony, every ballot holds,
    and the request is exactly the sum of the board's ballots for the manifest's
    questions. Otherwise nothing is decrypted."""
    from cli.board_file import BoardFileError, open_board_file
    from evoting.election import ManifestError, parse_manifest
    from tally.closed_board import NotTheTotals, check_for_trustee
    from tally.decrypt import decrypt_request

    key_share = ceremony.decode_share(read_key_file(share, "trustee-share", _passphrase(False)))
    try:
        with board_file.open("rb") as source:
            board = open_board_file(source, board_file)
            manifest = parse_manifest(board.json("manifest.json"))
            given = (
                _read_json(request_file) if request_file else board.json("tally.json")["request"]
            )
            checked = check_for_trustee(key_share, manifest, board.json("keys.json"),
                                        board.json("board-head.json"), board.lines("board.jsonl"),
                                        given, workers=workers)  # fmt: skip
    except (BoardFileError, ManifestError, NotTheTotals, KeyError, TypeError) as exc:
        raise click.ClickException(f"refused, nothing decrypted: {_one_line(exc)}") from exc
    click.echo(f"election      {checked.election_id}")
    click.echo(f"fingerprint   {checked.fingerprint}")
    click.echo(f"ballots       {checked.ballots}")
    click.echo(f"final head    {checked.final_head}")
    click.echo("compare the ballots and the final head with the public board after the close")
    memory = share.with_name(f"{share.name}.decrypted.json")
    _one_board_only(memory, checked.fingerprint, checked.final_head, checked.ballots)
    if not yes and not click.confirm("Decrypt the totals of this closed board?", default=False):
        raise click.ClickException("nothing decrypted")
    if not memory.exists():
        _write_json(memory, {"election": checked.fingerprint, "final_head": checked.final_head,
                             "ballots": checked.ballots})  # fmt: skip
    _write_json(out, decrypt_request(key_share, checked.request))
    click.echo(f"your partial decryption is in {out}; give it to the officials")


def _one_board_only(memory: Path, fingerprint: str, final_head: str, ballots: int) -> None:
    """A trustee decrypts the totals of one closed board per election, ever: the totals
    of two boards that differ by one ballot would give that ballot away. The board
    decrypted is remembered beside the key-share file."""
    if not memory.exists():
        return
    seen = _read_json(memory)
    if not isinstance(seen, dict) or seen.get("election") != fingerprint:
        raise click.ClickException(f"{memory} is not this election's record: remove it only if "
                                   "this share file is for another election")  # fmt: skip
    if seen.get("final_head") != final_head:
        raise click.ClickException(
            f"refused, nothing decrypted: you already decrypted another closed board of this "
            f"election (final head {seen.get('final_head')}, {seen.get('ballots')} ballots); "
            "the totals of two boards could give a ballot away"
        )


def _one_line(exc: BaseException) -> str:
    from evoting.election import ManifestError

    if isinstance(exc, ManifestError) and exc.problems:
        return f"the manifest is not valid: {exc.problems[0]}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
