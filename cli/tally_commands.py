"""`evote authority`, `evote tally`, `evote cast` and `evote report`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import nacl.signing

from cli.context import Context, Group, pass_context
from cli.files import read_json
from evoting.crypto.canonical import b64encode, canonical_json
from evoting.crypto.credential import Credential
from evoting.crypto.keyfile import read_key_file, write_key_file

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
NEW_FILE = click.Path(dir_okay=False, path_type=Path)


def _passphrase(new: bool) -> str:
    from cli.trustee_commands import _passphrase as ask

    return ask(new)


@click.group(cls=Group)
def authority() -> None:
    """The election authority's key, which signs the result bundle."""


@authority.command("keygen")
@click.option("--out", type=NEW_FILE, required=True, help="The key file (keep it offline).")
def authority_keygen(out: Path) -> None:
    """Make the authority's Ed25519 key; put the printed public key in the manifest."""
    key = nacl.signing.SigningKey.generate()
    write_key_file(out, "authority", bytes(key), _passphrase(True))
    click.echo(f"authority key file {out}")
    click.echo(f"authority_key: {b64encode(bytes(key.verify_key))}")


def authority_key(path: Path) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(read_key_file(path, "authority", _passphrase(False)))


def _read(path: Path) -> object:
    return read_json(path)


@click.command("tally")
@click.argument("election_id")
@click.argument("partials", type=FILE, nargs=-1)
@click.option("--authority-key", "authority_key_file", type=FILE,
              help="The authority's key file (or --unsigned).")  # fmt: skip
@click.option("--unsigned", is_flag=True,
              help="Leave the bundle for the authority to sign on its own machine.")  # fmt: skip
@click.option("--out", type=NEW_FILE, required=True, help="The result bundle to write.")
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask distributed scheduler (tcp://HOST:8786, or tls:// across "
                   "hosts) whose workers re-add the closed board and check every ballot "
                   "again, reading it from this database.")  # fmt: skip
@pass_context
def tally(context: Context, election_id: str, partials: Sequence[Path],
          authority_key_file: Path | None, unsigned: bool, out: Path,
          scheduler: str | None) -> None:  # fmt: skip
    """Combine the trustees' partial decryptions, add the paper boxes two officials entered
    (evote paper enter), apply the rules, write the signed (or unsigned) bundle."""
    from audit.actions import tally_election
    from identity.issuance import issuance_report
    from tally.cluster import ClusterError

    if unsigned == (authority_key_file is not None):
        raise click.UsageError("give --authority-key, or --unsigned (not both)")
    signer = authority_key(authority_key_file) if authority_key_file else None
    documents = [_read(p) for p in partials]
    registrar = issuance_report(context.factory, election_id, context.keys).to_json()
    registrar.pop("credential_public_key")  # it is in keys.json
    try:
        tallied = tally_election(context.factory, context.keys, election_id, documents,
                                 registrar, signer, out, context.clock(),
                                 scheduler=scheduler)  # fmt: skip
    except ClusterError as exc:
        raise click.ClickException(f"the cluster failed: {exc}") from exc
    for q in tallied.result["questions"]:  # type: ignore[attr-defined]
        if q["type"] == "referendum":
            verdict = "binding" if q["binding"] else "advisory"
            click.echo(f"{q['id']}: {q['totals']} → {q['outcome']} ({verdict})")
            for reason in q["reasons"]:
                click.echo(f"  {reason}")
    if signer is None:
        click.echo(f"unsigned bundle written to {out}, sha256 {tallied.bundle_sha256}: the "
                   "authority runs `evote authority sign` on it")  # fmt: skip
    else:
        click.echo(f"bundle written to {out}, sha256 {tallied.bundle_sha256}")


@authority.command("sign")
@click.argument("unsigned", type=FILE)
@click.option("--key", "key_file", type=FILE, required=True, help="The authority's key file.")
@click.option("--out", type=NEW_FILE, required=True, help="signatures.json, for the officials.")
@click.option("--fingerprint", help="The election's fingerprint, as published before the vote.")
@click.option("--yes", is_flag=True, help="Do not ask before signing.")
@click.option("--workers", type=int, help="Processes checking ballots (default: every core).")
def authority_sign(unsigned: Path, key_file: Path, out: Path, fingerprint: str | None,
                   yes: bool, workers: int | None) -> None:  # fmt: skip
    """On the authority's own machine: verify an unsigned bundle, then sign it.

    The bundle is checked as `evote verify` would check the signed one, pinned to
    this key (and to --fingerprint if given); only if it passes is signatures.json
    written, for the officials to attach. It shows the election key, the board key
    and the result: compare them with what was published before and after the vote
    (a server could make a self-consistent bundle of the same election otherwise)."""
    import hashlib
    import tempfile

    from audit.bundle import SignatureRefused, attach_signature, member_hashes, signature_document
    from audit.verify import Pins, UnreadableBundle, pin, verify_file

    try:
        pinned = pin(fingerprint, "--fingerprint") if fingerprint else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    signer = authority_key(key_file)
    mine = hashlib.sha256(bytes(signer.verify_key)).hexdigest()
    pins = Pins(fingerprint=pinned, authority_key=mine)
    try:
        election, hashes = member_hashes(unsigned)
    except (SignatureRefused, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot sign {unsigned}: {exc}") from exc
    document = signature_document(election, hashes, signer)
    with tempfile.TemporaryDirectory() as directory:
        signed = Path(directory) / "bundle.zip"
        try:
            attach_signature(unsigned, document, signed)
            report = verify_file(signed, workers=workers, pins=pins)
            shown = _what_is_signed(signed)
        except (SignatureRefused, UnreadableBundle) as exc:
            raise click.ClickException(f"refused, not signed: {exc}") from exc
    if not report.passed:
        for failure in report.failures:
            click.echo(f"FAIL {failure}")
        raise click.ClickException("refused, not signed: the bundle does not verify")
    click.echo(f"election      {report.election}")
    click.echo(f"fingerprint   {election.hex()}")
    for line in shown:
        click.echo(line)
    click.echo(f"signed by     {mine}")
    click.echo("the unsigned bundle verifies; compare the keys and the result with what was "
               "published")  # fmt: skip
    if not yes and not click.confirm("Sign this result bundle?", default=False):
        raise click.ClickException("not signed")
    out.write_bytes(canonical_json(document) + b"\n")
    click.echo(f"signature written to {out}: the officials attach it (evote authority attach)")


def _what_is_signed(bundle: Path) -> list[str]:
    """The election and board keys, the ballots and each question's totals, to compare."""
    from audit.reader import Bundle

    with bundle.open("rb") as f:
        members = Bundle(f)
        keys, result = members.json("keys.json"), members.json("result.json")
    lines = [f"election key  {keys['election']}", f"board key     {keys['board']}",
             f"participants  {result['participants']}"]  # fmt: skip
    for q in result["questions"]:
        if q["type"] == "referendum":
            verdict = "binding" if q["binding"] else "advisory"
            lines.append(f"{q['id']}: {q['totals']} → {q['outcome']} ({verdict})")
        else:
            lines += [f"{q['id']}/{s['id']}: {s['totals']}" for s in q["statements"]]
    return lines


@authority.command("attach")
@click.argument("unsigned", type=FILE)
@click.argument("signatures", type=FILE)
@click.option("--out", type=NEW_FILE, required=True, help="The signed result bundle.")
def authority_attach(unsigned: Path, signatures: Path, out: Path) -> None:
    """Complete an unsigned bundle with the authority's signatures.json."""
    from audit.bundle import SignatureRefused, attach_signature

    try:
        digest = attach_signature(unsigned, _read(signatures), out)
    except (SignatureRefused, OSError, ValueError) as exc:
        raise click.ClickException(f"not attached: {exc}") from exc
    click.echo(f"bundle written to {out}, sha256 {digest}")


@click.command("cast")
@click.argument("election_id")
@click.option("--answer", "answers", multiple=True, required=True,
              help="QUESTION=OPTION (repeat per question; OPTION 'blank' or an id).")  # fmt: skip
@click.option("--credential", "credential_file", type=FILE,
              help="A credential file from `evote credential obtain`.")  # fmt: skip
@click.option("--register-number", help="Log in and take a credential now instead.")
@click.option("--code", help="The poll-card code (with --register-number).")
@click.option("--receipt-out", type=NEW_FILE, help="Write the receipt here.")
@pass_context
def cast(
    context: Context,
    election_id: str,
    answers: Sequence[str],
    credential_file: Path | None,
    register_number: str | None,
    code: str | None,
    receipt_out: Path | None,
) -> None:
    """The Python voter client: encrypt your answers, cast them, print the receipt."""
    from ballots.ballot import encrypt_ballot, tracking_code_short
    from ballots.cast import cast as cast_ballot
    from evoting.elections import election_public_key, get_election

    if credential_file is not None:
        credential = Credential.from_json(_read(credential_file))
    elif register_number and code:
        credential = _credential_now(context, election_id, register_number, code)
    else:
        raise click.ClickException("give --credential, or --register-number and --code")
    parsed: dict[str, object] = {}
    for answer in answers:
        question, _, option = answer.partition("=")
        parsed[question] = None if option in ("", "blank") else option
    with context.factory() as session:
        election = get_election(session, election_id)
        key = election_public_key(session, election_id)
    ballot, _ = encrypt_ballot(election.manifest, key, credential, parsed)
    receipt = cast_ballot(context.factory, context.keys, election_id, ballot.canonical(),
                          context.clock())  # fmt: skip
    click.echo(f"cast: tracking code {tracking_code_short(receipt.tracking_code)} "
               f"({receipt.tracking_code}), board position {receipt.position}")  # fmt: skip
    if receipt_out is not None:
        receipt_out.write_bytes(canonical_json(receipt.to_json()) + b"\n")


def _credential_now(context: Context, election_id: str, number: str, code: str) -> Credential:
    from evoting.crypto.credential import CredentialRequest
    from evoting.elections import get_election
    from identity.issuance import blind_sign, credential_public_key, issue_ticket
    from identity.providers import PollCardProvider, login

    keys, now = context.keys, context.clock()
    form = {"register_number": number, "code": code}
    result = login(context.factory, PollCardProvider(keys), keys, election_id, form,
                   "command-line", now)  # fmt: skip
    ticket = issue_ticket(keys, result, now)
    with context.factory() as session:
        fingerprint = get_election(session, election_id).fingerprint
        public_key = credential_public_key(session, election_id)
    request = CredentialRequest.start(public_key, fingerprint)
    blind = blind_sign(context.factory, keys, election_id, ticket, request.blinded_message, now)
    return request.finish(public_key, blind)


@click.command("report")
@click.argument("bundle", type=FILE)
@click.option("--out", type=NEW_FILE, required=True, help="The PDF to write.")
def report(bundle: Path, out: Path) -> None:
    """Print the official PDF report of a result bundle (a part per language)."""
    from audit.report import ReportError, write_report
    from cli.city import city_of

    data = bundle.read_bytes()
    try:
        pages = write_report(data, out, city=city_of(data))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"report written to {out} ({pages} pages)")
