"""Residents' accounts on the participation platform (issue 12): register, confirm the
address, log in and out, reset the password; the account's own pages (verify as a
resident, download or delete one's data) are in web/account_page.py, on the same
blueprint (web/accounts_session.py), and the mail in web/accounts_mail.py.

* **Nothing tells whether an address has an account**: registering one that has
  shows the same "check your mailbox" page after the same work (Argon2id and one
  mail: the confirmation link, or "someone tried to register with your address");
  "forgot my password" sends its mail in the background, so the answer takes as
  long either way; a wrong password and an unknown address get one answer.
* **Links** are single use and short-lived (participation/residents.py); the
  confirmation link opens a page that asks the password chosen at registration, so
  a mail scanner that follows links confirms nothing, and nobody confirms a password
  they do not know (someone who re-registered the address meanwhile cannot get
  their password adopted by the owner's click). A wrong password leaves the link
  usable, with a limit on tries per link. A new password ends every session of the
  account (web/accounts_session.py: the session's stamp).
* **Rate limits** on every form: per client address and, where a mail goes out or a
  password is tried, per e-mail address (a keyed hash) or per link. One address gets
  at most `PER_ADDRESS_MAIL` mails whichever pages send them (register, forgot, and
  a login to an unconfirmed account, which past the limit shows the mailbox page and
  sends nothing). Nothing here logs an address, a password or a token.

Other blueprints import `current_resident` and `resident_required` from here.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from participation.errors import InvalidInput, NotFound
from participation.residents import (
    MAX_PASSWORD,
    TokenError,
    UnconfirmedAccount,
    WrongPassword,
    log_in,
    new_confirmation,
    normalise_email,
    request_reset,
    reset_password,
)
from participation.residents import confirm as confirm_address
from participation.residents import register as register_account
from web import accounts_mail
from web.account_page import account, data, delete, verify
from web.accounts_forms import (
    ForgotForm,
    LoginForm,
    NewPasswordForm,
    PasswordForm,
    RegisterForm,
    input_problem,
    password_problems,
    text,
)
from web.accounts_session import (
    FIELD,
    PER_ADDRESS_LOGIN,
    PER_CLIENT,
    PER_CLIENT_MAIL,
    PER_LINK,
    add_export_section,
    blueprint,
    current_resident,
    email_key,
    end_session,
    expired,
    mail_allowed,
    per_address_mail,
    resident_required,
    safe_next,
    start_session,
)
from web.errors import _
from web.extensions import limiter, services
from web.i18n import current

__all__ = [
    "account",  # the account's own pages (web/account_page.py), on this blueprint
    "add_export_section",
    "blueprint",
    "current_resident",
    "data",
    "delete",
    "resident_required",
    "verify",
]
Page = str | Response | tuple[str, int]
_PASSWORD = MAX_PASSWORD + 1  # read one more: the domain says it is too long


def _mail_failed() -> tuple[str, int]:
    message = _("The mail server did not take the message. Please try again in a few minutes.")
    page = render_template("error.html", title=_("The e-mail was not sent"), message=message)
    return page, 503


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_MAIL, methods=["POST"])
@per_address_mail()
def register() -> Page:
    accounts_mail.needed()
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current()
    problems: dict[str, str] = {}
    failure = None
    if form.validate_on_submit():
        email, password = text(form.email.data, FIELD), text(form.password.data, _PASSWORD)
        problems = password_problems(password, text(form.password_again.data, _PASSWORD))
        try:
            normalise_email(email)
        except InvalidInput as exc:
            problems["email"] = input_problem(exc)
        if not problems:
            s = services()
            name, language = text(form.display_name.data, FIELD), form.language.data or ""
            try:
                with s.factory() as db, db.begin():
                    done = register_account(db, email, password, name, language, s.clock())
            except InvalidInput as exc:
                problems[exc.field] = input_problem(exc)
            except NotFound:  # registered and deleted in the meantime
                failure = expired()
            else:  # the same mail-sending step whether the address was new or not
                if not accounts_mail.send(accounts_mail.registration_mail(done)):
                    return _mail_failed()
                return redirect(url_for("accounts.mailbox"))
    elif request.method == "POST":
        failure = expired()
    page = render_template("account/register.html", form=form, problems=problems,
                           failure=failure)  # fmt: skip
    return (page, 400) if problems or failure else page


@blueprint.get("/mailbox")
def mailbox() -> str:
    """The same page whether or not the address had an account."""
    about = request.args.get("about")
    shown = about if about in ("reset", "unconfirmed") else "confirm"
    return render_template("account/mailbox.html", about=shown)


def _token_problem(exc: TokenError) -> str:
    confirming = exc.purpose == "confirm"
    if exc.reason == "expired" and confirming:
        return _("This link has expired. Log in with your e-mail address and password: "
                 "we will send you a new one.")  # fmt: skip
    if exc.reason == "expired":
        return _("This link has expired: it works for one hour. Ask for a new one.")
    if exc.reason == "used" and confirming:
        return _("This link was used already. If your address is confirmed, just log in.")
    if exc.reason == "used":
        return _("This link was used already. Ask for a new one if you still need it.")
    return _("This link does not work: it may have been cut short, or a newer message "
             "replaced it. Use the link in the newest message.")  # fmt: skip


def _token_key() -> str:
    """The limit on password tries per confirmation link: a keyed hash of the link."""
    token = str((request.view_args or {}).get("token", ""))[:100]
    return "token:" + services().keys.keyed_hash("rate-limit-token", token.encode())[:32]


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@limiter.limit(PER_LINK, key_func=_token_key, methods=["POST"])
def confirm(token: str) -> Page:
    """The password chosen at registration, not the GET itself: a mail scanner that
    follows links confirms nothing, and the clicker adopts no password they do not know."""
    form = PasswordForm()
    failure = problem = None
    if form.validate_on_submit():
        s = services()
        try:
            with s.factory() as db, db.begin():
                confirm_address(db, token[:100], text(form.password.data, _PASSWORD), s.clock())
        except TokenError as exc:
            failure = _token_problem(exc)
        except WrongPassword:  # the link stays usable
            problem = _("This is not the password chosen when this address was registered. "
                        "If you do not remember it, register again or choose a new "
                        "password with “Forgot your password?”.")  # fmt: skip
        else:
            flash(_("Your e-mail address is confirmed. You can log in now."), "notice")
            return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        failure = expired()
    page = render_template("account/confirm.html", form=form, failure=failure,
                           problems={"password": problem} if problem else {})  # fmt: skip
    return (page, 400) if failure or problem else page


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@limiter.limit(PER_ADDRESS_LOGIN, key_func=email_key, methods=["POST"])
def login() -> Page:
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    failure = None
    if form.validate_on_submit():
        s = services()
        now = s.clock()
        email, password = text(form.email.data, FIELD), text(form.password.data, _PASSWORD)
        try:
            with s.factory() as db:
                found = log_in(db, email, password, now)
                if found is not None:
                    start_session(db, found)
                    return redirect(target or url_for("accounts.account"))
        except UnconfirmedAccount as exc:  # the password was right: send a new link
            accounts_mail.needed()
            if not mail_allowed():  # this address had its mails this hour: send none
                return render_template("account/mailbox.html", about="unconfirmed")
            with s.factory() as db, db.begin():
                again = new_confirmation(db, exc.resident_id, now)
            if not accounts_mail.send(accounts_mail.registration_mail(again)):
                return _mail_failed()
            return redirect(url_for("accounts.mailbox", about="unconfirmed"))
        failure = _("The e-mail address or the password is not right.")
    elif request.method == "POST":
        failure = expired()
    page = render_template("account/login.html", form=form, failure=failure)
    return (page, 400) if failure else page


@blueprint.post("/logout")
@limiter.limit("30 per minute", methods=["POST"])
def logout() -> Response:
    end_session()
    flash(_("You are logged out."), "notice")
    return redirect(url_for("accounts.login"))


@blueprint.route("/forgot", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_MAIL, methods=["POST"])
@per_address_mail()
def forgot() -> Page:
    accounts_mail.needed()
    form = ForgotForm()
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        email = text(form.email.data, FIELD)
        try:
            normalise_email(email)  # says nothing about whether it has an account
        except InvalidInput as exc:
            problems["email"] = input_problem(exc)
        else:
            s = services()
            with s.factory() as db, db.begin():
                asked = request_reset(db, email, s.clock())
            if asked is not None:
                accounts_mail.send_later(accounts_mail.reset_mail(asked))
            return redirect(url_for("accounts.mailbox", about="reset"))
    elif request.method == "POST":
        problems["email"] = expired()
    page = render_template("account/forgot.html", form=form, problems=problems)
    return (page, 400) if problems else page


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
def reset(token: str) -> Page:
    form = NewPasswordForm()
    problems: dict[str, str] = {}
    failure = None
    if form.validate_on_submit():
        password = text(form.password.data, _PASSWORD)
        problems = password_problems(password, text(form.password_again.data, _PASSWORD))
        if not problems:
            s = services()
            try:
                with s.factory() as db, db.begin():
                    reset_password(db, token[:100], password, s.clock())
            except InvalidInput as exc:
                problems["password"] = input_problem(exc)
            except TokenError as exc:
                failure = _token_problem(exc)
            else:  # every session of the account ends: its stamp changed
                end_session()
                flash(_("Your new password is set. Log in with it."), "notice")
                return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        failure = expired()
    page = render_template("account/reset.html", form=form, problems=problems, failure=failure)
    return (page, 400) if problems or failure else page
