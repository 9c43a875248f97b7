"""Officials: log in, run an election's life cycle, manage accounts.

Roles (evoting/accounts.py): observers read, officials run elections, admins also
manage accounts. Every action is appended to the election's audit log, through the
same functions the command line uses. The key ceremony itself happens on the
trustees' machines (`evote trustee …`); this page follows it.

Every refusal is worded by `web.errors` in the official's language: no
view shows the English text of a domain error (it may name a CLI flag or a
server path). Uploads are read by `web.uploads`, which never lets odd
bytes become a 500. The election page is one template per state
(``templates/officials/election_<state>.html``), so a later step (paper boxes
entered by two officials, an offline signature) adds its own section and view.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from audit.actions import close_election
from audit.store import record
from evoting import schema
from evoting.accounts import (
    MIN_PASSWORD,
    ROLES,
    USERNAME,
    AccountError,
    Official,
    add_official,
    authenticate,
    get_official,
    list_officials,
    set_disabled,
)
from evoting.crypto.canonical import b64encode, parse_canonical
from evoting.election import ManifestError
from evoting.elections import (
    Election,
    ElectionError,
    change_state,
    election_public_key,
    get_election,
    list_elections,
)
from services.lifecycle import set_up_election
from web import errors, uploads
from web.errors import Refused
from web.extensions import limiter, services

blueprint = Blueprint("officials", __name__, url_prefix="/officials")
View = TypeVar("View", bound=Callable[..., Any])

LOG_SHOWN = 30
"""How many audit-log entries the election page shows (the newest)."""
MANIFEST_PROBLEMS_SHOWN = 50
MAX_USERNAME, MAX_PASSWORD = 64, 1024
"""What the login form reads of each field; an account is not made with longer ones."""


SESSION_KEY = "official_session"
"""The cookie holds a token; the server-side store says whose (web/official_sessions.py)."""


def current() -> Official | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    username = services().sessions.username(token)
    if username is None:
        session.pop(SESSION_KEY, None)
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


def refuse(exc: BaseException, headline: str | None = None) -> None:
    """Flash the refusal ``exc`` in the official's language (under ``headline``, a
    translated sentence with a ``%(reason)s`` slot already filled, if given)."""
    flash(headline if headline is not None else errors.message(exc), "error")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def login() -> str | Response:
    failure = None
    if request.method == "POST":
        with services().factory() as s:
            found = authenticate(s, request.form.get("username", "")[:MAX_USERNAME],
                                 request.form.get("password", "")[:MAX_PASSWORD])  # fmt: skip
        if found is not None:
            session.clear()
            session.permanent = True  # PERMANENT_SESSION_LIFETIME: 30 minutes
            session[SESSION_KEY] = services().sessions.create(found.username)
            target = request.args.get("next", "")
            safe = target.startswith("/officials/") and not target.startswith("//")
            return redirect(target if safe else url_for("officials.dashboard"))
        failure = _("The username or the password is not right.")
    return render_template("officials/login.html", failure=failure)


@blueprint.post("/logout")
def logout() -> Response:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        services().sessions.end(token)  # in every worker, and for every copy of the cookie
    session.clear()
    return redirect(url_for("officials.login"))


def _dashboard(official: Official, **refusal: Any) -> str:
    with services().factory() as s:
        elections = list_elections(s)
    return render_template("officials/dashboard.html", official=official, elections=elections,
                           **refusal)  # fmt: skip


@blueprint.get("/")
@needs("read")
def dashboard(official: Official) -> str:
    return _dashboard(official)


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


def _log_entry(text: str) -> dict[str, Any]:
    """An audit-log entry as the page shows it: when, the action's label, the raw
    action (for auditors), the trustee it concerns and the official who acted."""
    body = json.loads(text)["body"]
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    action = str(body.get("action", ""))
    try:
        moment: datetime.datetime | None = datetime.datetime.strptime(
            str(body.get("time")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)  # fmt: skip
    except ValueError:
        moment = None
    trustee = details.get("trustee")
    return {"time": moment, "raw_time": str(body.get("time", "")), "action": action,
            "label": errors.action_name(action), "by": details.get("by"),
            "trustee": trustee if isinstance(trustee, int) else None}  # fmt: skip


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
            .limit(LOG_SHOWN)
        ).scalars()
        entries = [_log_entry(e) for e in log]
    return render_template("officials/election.html", official=official, election=found,
                           figures=_figures(election_id), ceremony=_ceremony(election_id),
                           log=entries)  # fmt: skip


def _election_or_404(election_id: str) -> Election:
    with services().factory() as db:
        try:
            return get_election(db, election_id)
        except ElectionError:
            abort(404)


def _uploaded_register(election: Election) -> Any:
    """The register extract uploaded as ``register``, read as of the election's reference
    date (`RegisterError` lists the problems)."""
    from identity.register import read_register

    return read_register(uploads.uploaded("register"), election.manifest.eligibility.reference_date)


def _register_refused(official: Official, election_id: str, exc: Any) -> tuple[str, int]:
    """The register's problems, by line, in the official's language (the first ones,
    and how many more: a file of bad rows must not make a page larger than itself)."""
    problems = [errors.register_problem(p) for p in exc.found]
    return render_template("officials/register_errors.html", official=official,
                           election_id=election_id, problems=problems, total=exc.total,
                           more=exc.more), 400  # fmt: skip


def _back(election_id: str) -> Response:
    return redirect(url_for("officials.election", election_id=election_id))


@blueprint.post("/elections")
@needs("run")
def create(official: Official) -> Response | tuple[str, int]:
    found = request.files.get("manifest")
    try:
        manifest = uploads.manifest(
            uploads.uploaded("manifest"), found.filename or "" if found else ""
        )
    except Refused as exc:
        return _dashboard(official, refusal=str(exc)), 400
    except ManifestError as exc:
        details = [str(p) for p in exc.problems[:MANIFEST_PROBLEMS_SHOWN]]
        more = max(len(exc.problems) - len(details), 0)
        return _dashboard(official, refusal=errors.message(exc), details=details,
                          more=more), 400  # fmt: skip
    s, now = services(), services().clock()
    try:
        with s.factory() as db, db.begin():
            set_up_election(db, manifest, s.keys, now, by=official.username)
    except ElectionError as exc:
        return _dashboard(official, refusal=errors.message(exc)), 400
    return _back(manifest.id)


@blueprint.post("/e/<election_id>/register")
@needs("run")
def import_register_file(election_id: str, official: Official) -> Response | tuple[str, int]:
    from identity.register import RegisterError, import_register

    s, now = services(), services().clock()
    found = _election_or_404(election_id)
    try:
        parsed = _uploaded_register(found)
        with s.factory() as db, db.begin():
            summary = import_register(db, election_id, parsed, s.keys, now)
            record(db, election_id, "register-imported", {
                "file_sha256": parsed.sha256, "residents": summary.rows, "added": summary.added,
                "removed": summary.removed, "changed": summary.changed, "by": official.username,
            }, s.keys, now)  # fmt: skip
    except RegisterError as exc:
        if exc.found and exc.found[0].kind == "frozen":
            refuse(exc)
            return _back(election_id)
        return _register_refused(official, election_id, exc)
    except ElectionError as exc:
        refuse(exc)
        return _back(election_id)
    flash(_("Register imported: %(n)s residents.", n=summary.rows), "ok")
    return _back(election_id)


@blueprint.post("/e/<election_id>/poll-cards")
@needs("run")
def poll_cards(election_id: str, official: Official) -> Response | tuple[str, int]:
    from identity.pollcards import PollCardError, generate_poll_cards
    from identity.register import RegisterError

    s, now = services(), services().clock()
    found = _election_or_404(election_id)
    replace = bool(request.form.get("replace"))
    if found.state != "draft":
        refuse(Refused(_("Poll cards are made before the vote opens: the election is %(state)s.",
                         state=errors.state_name(found.state))))  # fmt: skip
        return _back(election_id)
    if _figures(election_id)["letters"] and not replace:
        refuse(Refused(_("Letters were made already. Making them again makes the letters already "
                         "printed useless: tick “Replace codes already printed” if that is "
                         "what you want.")))  # fmt: skip
        return _back(election_id)
    letters = s.instance / "letters" / f"{election_id}.pdf"
    letters.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        parsed = _uploaded_register(found)
        with s.factory() as db, db.begin():
            summary = generate_poll_cards(db, election_id, parsed, s.keys, letters,
                                          replace=replace)  # fmt: skip
            record(db, election_id, "poll-cards-issued", {
                "letters": summary.letters, "replaced": replace,
                "by": official.username}, s.keys, now)  # fmt: skip
    except RegisterError as exc:
        return _register_refused(official, election_id, exc)
    except (PollCardError, ElectionError) as exc:
        refuse(exc)
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
    s, now = services(), services().clock()
    try:
        with s.factory() as db, db.begin():
            election_public_key(db, election_id)  # the ceremony has finished
            change_state(db, election_id, "open")
            record(db, election_id, "opened", {"by": official.username}, s.keys, now)
    except ElectionError as exc:
        refuse(exc)
    return _back(election_id)


@blueprint.post("/e/<election_id>/close")
@needs("run")
def close_vote(election_id: str, official: Official) -> Response:
    from tally.service import TallyError

    s = services()
    try:
        close_election(s.factory, s.keys, election_id, s.clock(),
                       early=bool(request.form.get("early")), by=official.username)  # fmt: skip
    except (ElectionError, TallyError) as exc:
        refuse(exc)
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
        refuse(exc)
    return _back(election_id)


def _account_change(official: Official) -> None:
    """Add an account or disable one, as the form asks; `Refused` says why not."""
    s = services()
    username = request.form.get("username", "").strip()
    with s.factory() as db, db.begin():
        exists = username in {a.username for a in list_officials(db)}
        if request.form.get("action") == "disable":
            if username == official.username:
                raise Refused(_("You cannot disable your own account."))
            if not exists:
                raise Refused(_("There is no such account."))
            set_disabled(db, username, True)
            return
        password, role = request.form.get("password", ""), request.form.get("role", "")
        if not USERNAME.match(username):
            raise Refused(_("A username is 2 to 64 characters: lowercase letters, digits, “.”, "
                            "“_” or “-”, starting with a letter or a digit."))  # fmt: skip
        if exists:
            raise Refused(_("There is already an account with this username."))
        if len(password) < MIN_PASSWORD:
            raise Refused(_("A password has at least %(n)s characters.", n=MIN_PASSWORD))
        if len(password) > MAX_PASSWORD:  # the login form reads no more than this
            raise Refused(_("A password has at most %(n)s characters.", n=MAX_PASSWORD))
        if role not in ROLES:
            raise Refused(_("Choose one of the roles offered."))
        add_official(db, username, password, role, s.clock())


@blueprint.route("/accounts", methods=["GET", "POST"])
@needs("manage")
def accounts(official: Official) -> str:
    if request.method == "POST":
        try:
            _account_change(official)
        except (Refused, AccountError) as exc:
            refuse(exc)
    with services().factory() as db:
        everyone = list_officials(db)
    return render_template("officials/accounts.html", official=official, accounts=everyone,
                           roles=ROLES)  # fmt: skip
