"""Residents: log in with the register number and the poll-card code, then the booth.

After a successful login the resident learns, in plain words, whether they may
vote; if they may and have no credential yet, the session holds a one-time
issuance ticket that the booth page hands to its JavaScript. Nothing here sees
a vote: the booth encrypts in the browser and casts without the session cookie.
"""

from __future__ import annotations

import datetime

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from audit.report_text import money, ordinal
from identity.eligibility import Ineligibility, birthday_reaching
from identity.issuance import IssuanceError, issue_ticket
from identity.nrn import InvalidRegisterNumber, parse
from identity.pollcards import CodeFormatError, normalise
from identity.providers import AuthenticationFailed, LockedOut, LoginResult, PollCardProvider, login
from web.extensions import limiter, services
from web.i18n import current
from web.project_view import domain_name
from web.views import load_election, phase

blueprint = Blueprint("resident", __name__)


class LoginForm(FlaskForm):
    register_number = StringField(
        "register_number", validators=[InputRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )  # fmt: skip
    code = StringField(
        "code", validators=[InputRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )  # fmt: skip


def _form_problems(form: LoginForm) -> dict[str, str]:
    """Checks the resident can fix, before anything is looked up."""
    problems = {}
    try:
        parse(form.register_number.data or "")
    except InvalidRegisterNumber:
        problems["register_number"] = _(
            "This is not a valid national register number: it has 11 digits, "
            "as on the back of your identity card."
        )
    try:
        normalise(form.code.data or "")
    except CodeFormatError:
        problems["code"] = _(
            "This is not a valid code: your letter shows 17 letters and digits, in groups of four."
        )
    return problems


def _reasons(result: LoginResult) -> list[str]:
    """Why the resident may not vote, in the page's language."""
    election = load_election(result.voter.election_id)
    e = election.manifest.eligibility
    out = []
    for reason in result.reasons_not_eligible:
        if reason.code is Ineligibility.TOO_YOUNG:
            turns = birthday_reaching(result.voter.birth_date, e.minimum_age)
            out.append(_("You turn %(age)s on %(turns)s, after the reference date %(day)s.",
                         age=e.minimum_age, turns=f"{turns:%d/%m/%Y}",
                         day=f"{e.reference_date:%d/%m/%Y}"))  # fmt: skip
        elif reason.code is Ineligibility.NOT_RESIDENT:
            out.append(_("The population register does not list you as living in the "
                         "municipality that holds this vote."))  # fmt: skip
        else:
            out.append(_("The register marks you as excluded from voting."))
    return out


LOGIN_LIMIT = "30 per minute; 300 per hour"
"""Per client address: many residents share one at the evening peak (a library, a
carrier's NAT). Guessing one resident's code is bounded by the register number's
lock-out after 5 wrong codes (identity/), not by this."""


@blueprint.route("/e/<election_id>/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login_page(election_id: str) -> str | Response:
    election = load_election(election_id)
    form = LoginForm()
    problems: dict[str, str] = {}
    failure = None
    if form.validate_on_submit():
        problems = _form_problems(form)
        if not problems:
            fields = {"register_number": form.register_number.data or "",
                      "code": form.code.data or ""}  # fmt: skip
            s = services()
            now = s.clock()
            try:
                result = login(s.factory, PollCardProvider(s.keys), s.keys, election_id, fields,
                               request.remote_addr or "unknown", now)  # fmt: skip
            except AuthenticationFailed:
                failure = _("The register number or the code is not right. Check both and "
                            "try again.")  # fmt: skip
            except LockedOut as exc:
                failure = _("Too many attempts. You can try again after %(time)s.",
                            time=_local(exc.until))  # fmt: skip
            else:
                return _after_login(election_id, result, now)
    elif request.method == "POST":
        failure = _("The form expired. Please try again.")
    return render_template(
        "resident/login.html", election=election, phase=phase(election), form=form,
        problems=problems, failure=failure,
    )  # fmt: skip


def _local(moment: datetime.datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Brussels")).strftime("%d/%m/%Y %H:%M")


def _after_login(election_id: str, result: LoginResult, now: datetime.datetime) -> str | Response:
    election = load_election(election_id)
    voter = result.voter
    if not result.eligible:
        return render_template("resident/status.html", election=election, phase=phase(election),
                               kind="ineligible", reasons=_reasons(result))  # fmt: skip
    if voter.paper_voted_on is not None:
        return render_template("resident/status.html", election=election, phase=phase(election),
                               kind="paper")  # fmt: skip
    if voter.credential_issued_on is not None:
        return render_template("resident/status.html", election=election, phase=phase(election),
                               kind="issued", on=voter.credential_issued_on)  # fmt: skip
    if not result.vote_open:
        return render_template("resident/status.html", election=election, phase=phase(election),
                               kind="closed")  # fmt: skip
    try:
        ticket = issue_ticket(services().keys, result, now)
    except IssuanceError:
        return render_template("resident/status.html", election=election, phase=phase(election),
                               kind="closed")  # fmt: skip
    session.clear()
    session.permanent = True
    session["ticket"] = {"election": election_id, "ticket": ticket}
    return redirect(url_for("resident.booth", election_id=election_id))


@blueprint.get("/e/<election_id>/booth")
def booth(election_id: str) -> str:
    election = load_election(election_id)
    held = session.get("ticket") or {}
    ticket = held.get("ticket", "") if held.get("election") == election_id else ""
    return render_template("resident/booth.html", election=election, phase=phase(election),
                           ticket=ticket, **_project_words())  # fmt: skip


def _project_words() -> dict[str, object]:
    """What the booth's project questions (templates/resident/booth/_projects.html) print
    in the page's language: an amount (``38.000 EUR``, ``38 000 EUR``, ``EUR 38,000``;
    euros and cents for a question counted in cents), a rank (``1e``, ``1er``, ``1st``)
    and a project's domain (project_view.domain_name, as on the election page)."""
    lang = current()

    def amount(value: int, unit: str = "EUR") -> str:
        return money(value, lang, unit)

    def rank(n: int) -> str:
        return ordinal(n, lang)

    return {"money": amount, "ordinal": rank, "domain_name": domain_name}
