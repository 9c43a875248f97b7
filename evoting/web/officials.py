"""Officials: log in, run an election's life cycle, manage accounts.

Roles (evoting/accounts.py): observers read, officials run elections, admins also
manage accounts. Every action is appended to the election's audit log, through the
same functions the command line uses. The key ceremony itself happens on the
trustees' machines (`evote trustee …`); this page follows it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import nacl.exceptions
import nacl.signing
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from audit.actions import close_election, tally_election
from audit.store import record
from evoting import schema
from evoting.accounts import (
    ROLES,
    AccountError,
    Official,
    add_official,
    authenticate,
    get_official,
    list_officials,
    set_disabled,
)
from evoting.crypto.canonical import b64encode, canonical_json, parse_canonical
from evoting.crypto.errors import CryptoError, KeyFileError
from evoting.crypto.keyfile import read_key_file
from evoting.election import ManifestError, parse_manifest
from evoting.elections import (
    ElectionError,
    change_state,
    election_public_key,
    get_election,
    list_elections,
)
from evoting.lifecycle import set_up_election
from evoting.web.app import limiter, services

blueprint = Blueprint("officials", __name__, url_prefix="/officials")
View = TypeVar("View", bound=Callable[..., Any])


def current() -> Official | None:
    username = session.get("official")
    if not isinstance(username, str):
        return None
    with services().factory() as s:
        try:
            found = get_official(s, username)
        except AccountError:
            return None
    return None if found.disabled else found


def needs(action: str) -> Callable[[View], View]:
    """The view needs a logged-in official who may ``action`` (read, run, manage)."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            official = current()
            if official is None:
                return redirect(url_for("officials.login", next=request.path))
            if not official.may(action):
                abort(403)
            return view(*args, official=official, **kwargs)

        return checked  # type: ignore[return-value]

    return wrap


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def login() -> str | Response:
    failure = None
    if request.method == "POST":
        with services().factory() as s:
            found = authenticate(s, request.form.get("username", "")[:64],
                                 request.form.get("password", "")[:1024])  # fmt: skip
        if found is not None:
            session.clear()
            session.permanent = True  # PERMANENT_SESSION_LIFETIME: 30 minutes
            session["official"] = found.username
            target = request.args.get("next", "")
            safe = target.startswith("/officials/") and not target.startswith("//")
            return redirect(target if safe else url_for("officials.dashboard"))
        failure = _("The username or the password is not right.")
    return render_template("officials/login.html", failure=failure)


@blueprint.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("officials.login"))


@blueprint.get("/")
@needs("read")
def dashboard(official: Official) -> str:
    with services().factory() as s:
        elections = list_elections(s)
    return render_template("officials/dashboard.html", official=official, elections=elections)


def _figures(election_id: str) -> dict[str, int]:
    with services().factory() as s:

        def count(table: Any, *where: Any) -> int:
            return int(s.execute(select(func.count()).select_from(table).where(
                table.c.election_id == election_id, *where)).scalar_one())  # fmt: skip

        v = schema.voters
        return {
            "residents": count(v),
            "letters": count(v, v.c.code_hash.is_not(None)),
            "credentials": count(v, v.c.credential_issued_on.is_not(None)),
            "paper": count(v, v.c.paper_voted_on.is_not(None)),
            "ballots": count(schema.board_entries),
            "trustees": count(schema.trustees),
        }


def _ceremony(election_id: str) -> dict[str, Any]:
    """Where the key ceremony stands: who registered, dealt (round 1), acknowledged (round 2)."""
    from tally.ceremony import read_record

    t, m = schema.trustees, schema.ceremony_messages
    with services().factory() as s:
        fingerprint = get_election(s, election_id).fingerprint
        records = s.execute(
            select(t.c.record).where(t.c.election_id == election_id).order_by(t.c.trustee)
        ).scalars()
        registered = [read_record(parse_canonical(r.encode()), fingerprint) for r in records]
        done: dict[str, set[int]] = {"deal": set(), "ack": set()}
        for kind, index in s.execute(
            select(m.c.kind, m.c.trustee).where(m.c.election_id == election_id)
        ):
            done.setdefault(kind, set()).add(index)
        try:
            key: str | None = b64encode(election_public_key(s, election_id).to_bytes())
        except ElectionError:
            key = None
    rows = {e.index: {"name": e.name, "dealt": e.index in done["deal"],
                      "acknowledged": e.index in done["ack"]} for e in registered}  # fmt: skip
    return {"trustees": rows, "key": key}


@blueprint.get("/e/<election_id>")
@needs("read")
def election(election_id: str, official: Official) -> str:
    with services().factory() as s:
        try:
            found = get_election(s, election_id)
        except ElectionError:
            abort(404)
        log = s.execute(
            select(schema.audit_log.c.entry)
            .where(schema.audit_log.c.election_id == election_id)
            .order_by(schema.audit_log.c.seq.desc())
            .limit(30)
        ).scalars()
        entries = [json.loads(e)["body"] for e in log]
    return render_template("officials/election.html", official=official, election=found,
                           figures=_figures(election_id), ceremony=_ceremony(election_id),
                           log=entries)  # fmt: skip


def _election_or_404(election_id: str) -> Any:
    with services().factory() as db:
        try:
            return get_election(db, election_id)
        except ElectionError:
            abort(404)


def _uploaded_register(election_id: str) -> Any:
    """The register extract uploaded as ``register``, read as of the election's reference
    date (`RegisterError` lists every problem)."""
    from identity.register import read_register

    reference = _election_or_404(election_id).manifest.eligibility.reference_date
    upload = request.files.get("register")
    return read_register(upload.read() if upload else b"", reference)


def _back(election_id: str) -> Response:
    return redirect(url_for("officials.election", election_id=election_id))


@blueprint.post("/elections")
@needs("run")
def create(official: Official) -> Response:
    import yaml

    upload = request.files.get("manifest")
    try:
        manifest = parse_manifest(yaml.safe_load((upload.read() if upload else b"").decode()))
    except (ManifestError, UnicodeDecodeError, yaml.YAMLError) as exc:
        flash(_("The manifest was refused:") + f" {exc}", "error")
        return redirect(url_for("officials.dashboard"))
    s, now = services(), services().clock()
    try:
        with s.factory() as db, db.begin():
            set_up_election(db, manifest, s.keys, now, by=official.username)
    except ElectionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("officials.dashboard"))
    return _back(manifest.id)


@blueprint.post("/e/<election_id>/register")
@needs("run")
def import_register_file(election_id: str, official: Official) -> Response | str:
    from identity.register import RegisterError, import_register

    s, now = services(), services().clock()
    try:
        parsed = _uploaded_register(election_id)
        with s.factory() as db, db.begin():
            summary = import_register(db, election_id, parsed, s.keys, now)
            record(db, election_id, "register-imported", {
                "file_sha256": parsed.sha256, "residents": summary.rows, "added": summary.added,
                "removed": summary.removed, "changed": summary.changed, "by": official.username,
            }, s.keys, now)  # fmt: skip
    except RegisterError as exc:
        return render_template("officials/register_errors.html", official=official,
                               election_id=election_id, problems=exc.problems), 400  # type: ignore[return-value]  # fmt: skip
    except ElectionError as exc:
        flash(str(exc), "error")
        return _back(election_id)
    flash(_("Register imported: %(n)s residents.", n=summary.rows), "ok")
    return _back(election_id)


@blueprint.post("/e/<election_id>/poll-cards")
@needs("run")
def poll_cards(election_id: str, official: Official) -> Response:
    from identity.pollcards import PollCardError, generate_poll_cards
    from identity.register import RegisterError

    s, now = services(), services().clock()
    letters = s.instance / "letters" / f"{election_id}.pdf"
    letters.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        parsed = _uploaded_register(election_id)
        with s.factory() as db, db.begin():
            summary = generate_poll_cards(db, election_id, parsed, s.keys, letters,
                                          replace=bool(request.form.get("replace")))  # fmt: skip
            record(db, election_id, "poll-cards-issued", {
                "letters": summary.letters, "replaced": bool(request.form.get("replace")),
                "by": official.username}, s.keys, now)  # fmt: skip
    except (RegisterError, PollCardError, ElectionError) as exc:
        flash(str(exc), "error")
        return _back(election_id)
    flash(_("%(n)s letters are ready to print.", n=summary.letters), "ok")
    return _back(election_id)


@blueprint.get("/e/<election_id>/letters.pdf")
@needs("run")
def letters(election_id: str, official: Official) -> Response:
    from flask import send_file

    path = services().instance / "letters" / f"{election_id}.pdf"
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{election_id}-letters.pdf")


@blueprint.post("/e/<election_id>/open")
@needs("run")
def open_vote(election_id: str, official: Official) -> Response:
    from evoting.elections import election_public_key

    s, now = services(), services().clock()
    try:
        with s.factory() as db, db.begin():
            election_public_key(db, election_id)  # the ceremony has finished
            change_state(db, election_id, "open")
            record(db, election_id, "opened", {"by": official.username}, s.keys, now)
    except ElectionError as exc:
        flash(str(exc), "error")
    return _back(election_id)


@blueprint.post("/e/<election_id>/close")
@needs("run")
def close_vote(election_id: str, official: Official) -> Response:
    from tally.service import TallyError

    s = services()
    try:
        close_election(s.factory, s.keys, election_id, s.clock(),
                       early=bool(request.form.get("early")))  # fmt: skip
    except (ElectionError, TallyError) as exc:
        flash(str(exc), "error")
    return _back(election_id)


@blueprint.get("/e/<election_id>/tally-request.json")
@needs("read")
def tally_request_file(election_id: str, official: Official) -> Response:
    from tally.service import TallyError, tally_record

    with services().factory() as db:
        try:
            found = tally_record(db, election_id)["request"]
        except (TallyError, ElectionError):
            abort(404)
    name = f"{election_id}-tally-request.json"
    return Response(canonical_json(found) + b"\n", mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@blueprint.get("/e/<election_id>/board.zip")
@needs("read")
def board_file(election_id: str, official: Official) -> Response:
    """The closed board the trustees check before decrypting (with the tally request)."""
    from flask import send_file

    from audit.bundle import write_board_package
    from audit.export import board_package_contents
    from tally.service import TallyError

    s = services()
    path = s.published / election_id / "board.zip"
    if not path.is_file():  # the board is final once closed: made once, then served
        try:
            contents = board_package_contents(s.factory, election_id)
        except (ValueError, TallyError, ElectionError):
            abort(404)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_board_package(path, contents)
    return send_file(path, as_attachment=True, download_name=f"{election_id}-board.zip")


@blueprint.post("/e/<election_id>/tally")
@needs("run")
def tally(election_id: str, official: Official) -> Response:
    """Combine the trustees' partial decryptions; sign the bundle with the authority key."""
    from identity.issuance import issuance_report
    from tally.decrypt import DecryptionRefused
    from tally.result import PaperError
    from tally.service import TallyError

    s = services()
    try:
        partials = [json.loads(f.read()) for f in request.files.getlist("partials") if f]
        paper_file = request.files.get("paper")
        paper = json.loads(paper_file.read()) if paper_file and paper_file.filename else []
        key_file = request.files.get("authority_key")
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "authority.key"
            path.write_bytes(key_file.read() if key_file else b"")
            path.chmod(0o600)
            secret = read_key_file(path, "authority", request.form.get("passphrase", ""))
        signer = nacl.signing.SigningKey(secret)
        registrar = issuance_report(s.factory, election_id, s.keys).to_json()
        registrar.pop("credential_public_key")
        if _election_or_404(election_id).state != "closed":
            raise ElectionError(_("only a closed vote is tallied"))
        out = s.published / election_id / "bundle.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        written = out.with_name(f".bundle-{secrets.token_hex(8)}.zip")
        try:  # the bundle appears whole, or the one before stays
            tally_election(s.factory, s.keys, election_id, partials, paper, registrar, signer,
                           written, s.clock())  # fmt: skip
            written.replace(out)
        finally:
            written.unlink(missing_ok=True)
    except (ValueError, KeyFileError, CryptoError, DecryptionRefused, PaperError, TallyError,
            ElectionError, RecursionError, nacl.exceptions.CryptoError) as exc:  # fmt: skip
        flash(_("The tally was refused:") + f" {exc}", "error")
        return _back(election_id)
    from audit.report import write_report

    write_report(out.read_bytes(), out.parent / "report.pdf")
    flash(_("Tallied: the bundle and the report are ready to publish."), "ok")
    return _back(election_id)


@blueprint.post("/e/<election_id>/publish")
@needs("run")
def publish(election_id: str, official: Official) -> Response:
    s, now = services(), services().clock()
    bundle = s.published / election_id / "bundle.zip"
    if not bundle.is_file():
        flash(_("There is no bundle to publish: tally first."), "error")
        return _back(election_id)
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    try:
        with s.factory() as db, db.begin():
            change_state(db, election_id, "published")
            details = {"bundle_sha256": digest, "by": official.username}
            record(db, election_id, "published", details, s.keys, now)
    except ElectionError as exc:
        flash(str(exc), "error")
    return _back(election_id)


@blueprint.route("/accounts", methods=["GET", "POST"])
@needs("manage")
def accounts(official: Official) -> str:
    s = services()
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            with s.factory() as db, db.begin():
                if request.form.get("action") == "disable":
                    if username == official.username:
                        raise AccountError(_("You cannot disable your own account."))
                    set_disabled(db, username, True)
                else:
                    add_official(db, username, request.form.get("password", ""),
                                 request.form.get("role", ""), s.clock())  # fmt: skip
        except AccountError as exc:
            flash(str(exc), "error")
    with s.factory() as db:
        everyone = list_officials(db)
    return render_template("officials/accounts.html", official=official, accounts=everyone,
                           roles=ROLES)  # fmt: skip
