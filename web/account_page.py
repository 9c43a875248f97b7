"""A resident's own account: the page, verifying as a resident, the data, deleting it.

Verifying checks a register number and the platform letter's code against the
platform register (identity/platform.py) and, in the same transaction, marks the
account (participation/residents.py `mark_verified`): the account keeps that it is
verified, the age band, the district and a keyed hash that stops one resident
verifying two accounts; never the register number. Deleting the account frees its
register entry (`release_verification`) so the same letter can verify a new one.
"""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from evoting.register_schema import platform_register_imports
from evoting.residents_schema import residents
from identity.platform import (
    EntryAlreadyUsed,
    NotEligible,
    Verified,
    release_verification,
    verify_resident,
)
from identity.providers import AuthenticationFailed, FormError, LockedOut
from participation.residents import (
    MAX_PASSWORD,
    AlreadyVerified,
    VerificationTaken,
    delete_account,
    export_data,
    log_in,
    mark_verified,
)
from web.accounts_forms import (
    ButtonForm,
    PasswordForm,
    VerifyForm,
    age_band,
    not_eligible,
    text,
    verify_problems,
)
from web.accounts_session import (
    EXPORT_SECTIONS,
    PER_CLIENT,
    blueprint,
    end_session,
    expired,
    logged_in,
    resident_required,
)
from web.errors import _
from web.extensions import limiter, services
from web.i18n import belgian_datetime

Page = str | Response | tuple[str, int]


def _verification_hash(db: Session, resident_id: int) -> str | None:
    found: str | None = db.execute(
        select(residents.c.verification_hash).where(residents.c.id == resident_id)
    ).scalar_one_or_none()
    return found


def _minimum_age(db: Session) -> int | None:
    i = platform_register_imports
    found: int | None = db.execute(
        select(i.c.minimum_age).order_by(i.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return found


@blueprint.get("")
@resident_required
def account() -> str:
    me = logged_in()
    return render_template(
        "account/account.html", account=me, band=age_band(me.age_band), form=ButtonForm()
    )


@blueprint.route("/verify", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@resident_required
def verify() -> Page:
    """The letter's QR code opens this page with the code in the URL's fragment, which
    static/account-verify.js fills in (the server never sees it in a URL)."""
    me = logged_in()
    form = VerifyForm()
    problems: dict[str, str] = {}
    failure, reasons = None, []
    if form.validate_on_submit():
        problems = verify_problems(form)
        if not problems:
            s = services()
            now = s.clock()
            with s.factory() as db:
                own = _verification_hash(db, me.id)

            def then(db: Session, verified: Verified) -> None:
                mark_verified(db, me.id, verified.verification_hash, verified.age_band,
                              verified.district, now)  # fmt: skip

            try:
                verify_resident(s.factory, s.keys, form.register_number.data or "",
                                form.code.data or "", request.remote_addr or "unknown", now,
                                then=then, verified_as=own)  # fmt: skip
            except (AuthenticationFailed, FormError):
                failure = _("The register number or the code is not right. Check both and "
                            "try again.")  # fmt: skip
            except LockedOut as exc:
                failure = _("Too many attempts. You can try again after %(time)s.",
                            time=belgian_datetime(exc.until))  # fmt: skip
            except NotEligible as exc:
                with s.factory() as db:
                    reasons = not_eligible(exc.reasons, _minimum_age(db))
                failure = _("The register does not let you verify an account:")
            except (EntryAlreadyUsed, VerificationTaken):
                failure = _("This register number has already verified another account. Delete "
                            "that account first, or ask the city's service desk.")  # fmt: skip
            except AlreadyVerified:
                failure = _("Your account is already verified as another resident.")
            else:
                flash(_("Your account is verified: you are a verified resident."), "notice")
                return redirect(url_for("accounts.account"))
    elif request.method == "POST":
        failure = expired()
    page = render_template("account/verify.html", form=form, problems=problems, failure=failure,
                           reasons=reasons, account=logged_in())  # fmt: skip
    return (page, 400) if problems or failure else page


@blueprint.get("/data.json")
@resident_required
def data() -> Response:
    """Everything kept about the resident, as a JSON download (no password, no hashes)."""
    sections = current_app.extensions.get(EXPORT_SECTIONS, {})
    with services().factory() as db:
        exported = export_data(db, logged_in().id, sections=sections)
    body = json.dumps(exported, ensure_ascii=False, indent=2) + "\n"
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-account.json"'
    return response


@blueprint.route("/delete", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
@resident_required
def delete() -> Page:
    """Deleting asks the password again: a session left open is not enough."""
    me = logged_in()
    form = PasswordForm()
    problem = None
    if form.validate_on_submit():
        s = services()
        now = s.clock()
        with s.factory() as db:
            same = log_in(db, me.email, text(form.password.data, MAX_PASSWORD + 1), now)
        if same is None or same.id != me.id:
            problem = _("This is not your password.")
        else:
            with s.factory() as db, db.begin():
                verification = _verification_hash(db, me.id)
                delete_account(db, me.id, now)
                if verification is not None:  # the register entry may verify another account
                    release_verification(db, s.keys, verification)
            end_session()
            flash(_("Your account is deleted. Your ideas and reactions stay, by a former "
                    "participant."), "notice")  # fmt: skip
            return redirect(url_for("public.index"))
    elif request.method == "POST":
        problem = expired()
    page = render_template("account/delete.html", form=form, problem=problem, account=me)
    return (page, 400) if problem else page
