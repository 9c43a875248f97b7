"""The residents' account mail: the SMTP configuration and the texts, in their language.

`configure` reads the app's ``SMTP_URL`` and ``MAIL_FROM`` (``evote serve --smtp-url
--mail-from``, or ``$EVOTE_SMTP_URL`` / ``$EVOTE_MAIL_FROM``) once, when the app is
made, and refuses a bad URL or sender then, not at a resident's first request. With
no ``SMTP_URL`` the site runs without e-mail: the pages that must send one say so
(503) and nothing else changes.

Each text is composed with Flask-Babel in the resident's own language (the account's,
not the page's), with absolute links on the site's public origin, ``PUBLIC_URL``
(``evote serve --public-url https://participation.example.be``), never on the Host
header a request claims: otherwise anyone could ask for a password reset with
``Host: attacker.example`` and have the resident mailed a link that hands the
attacker the token. Without ``PUBLIC_URL`` links are built from the request only when
it came to a loopback name (a demo, a developer's machine, the tests); elsewhere
the pages that mail say e-mail is not configured. Neither an address, a token nor a
link is ever logged: a failure is logged by its type alone.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, render_template, request, url_for
from flask_babel import force_locale

from participation.mail import Mailer, MailError
from participation.residents import Registration, ResetRequest
from web.errors import _

log = logging.getLogger(__name__)
EXTENSION = "evoting-mail"


@dataclass(frozen=True, slots=True)
class Mail:
    """One message, composed and ready to send."""

    to: str
    subject: str
    text: str


LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def public_origin(text: str) -> str:
    """``https://participation.example.be`` (or ``http://`` for a loopback test): a scheme
    and a host, no path, query, fragment or credentials (raises `MailError`)."""
    parts = urlsplit(text)
    extra = parts.username or parts.password or parts.query or parts.fragment
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or extra
        or parts.path
        not in (
            "",
            "/",
        )
    ):
        raise MailError(f"PUBLIC_URL must be a scheme and a host, such as "
                        f"https://participation.example.be, not {text!r}")  # fmt: skip
    return f"{parts.scheme}://{parts.netloc}"


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail: on ``PUBLIC_URL``, or on a loopback request's host."""
    origin = current_app.config.get("PUBLIC_URL")
    if origin:
        return public_origin(str(origin)) + url_for(endpoint, **values)
    if not _links_possible():  # needed() refused before; never a link on a claimed Host
        abort(503)
    return url_for(endpoint, _external=True, **values)


def configure(app: Flask) -> None:
    """Read ``SMTP_URL``, ``MAIL_FROM`` and ``PUBLIC_URL`` from the app's config (raises
    `MailError`)."""
    if app.config.get("PUBLIC_URL"):
        public_origin(str(app.config["PUBLIC_URL"]))
    url = app.config.get("SMTP_URL") or None
    sender = app.config.get("MAIL_FROM") or None
    if url is None:
        app.extensions[EXTENSION] = None
        return
    if sender is None:
        raise MailError("a mail server is configured (SMTP_URL) without MAIL_FROM, the sender")
    app.extensions[EXTENSION] = Mailer.from_url(str(url), str(sender))


def mailer() -> Mailer | None:
    found: Mailer | None = current_app.extensions.get(EXTENSION)
    return found


def _links_possible() -> bool:
    """Whether a mailed link can be built here: on ``PUBLIC_URL``, or on loopback."""
    if current_app.config.get("PUBLIC_URL"):
        return True
    return request.host in LOOPBACK or request.host.rsplit(":", 1)[0] in LOOPBACK


def needed() -> Mailer:
    """The mailer; without one, or without a public origin for its links (``PUBLIC_URL``,
    unless on loopback), the page says plainly that e-mail is not configured (503) —
    before anything is looked up, so the answer is the same for every address."""
    found = mailer()
    if found is None or not _links_possible():
        page = render_template("account/no_mail.html")
        abort(current_app.response_class(page, status=503))
    return found


def send(mail: Mail) -> bool:
    """Send now; False (logged by type, without the address) if the server refused."""
    try:
        needed().send(mail.to, mail.subject, mail.text)
    except MailError as exc:
        log.warning("account mail not sent: %s", type(exc.__cause__ or exc).__name__)
        return False
    return True


def send_later(mail: Mail) -> None:
    """Send in the background: the answer takes as long whether or not a mail goes out
    (forgot password: nobody learns from the timing whether an address has an account)."""
    sender = needed()

    def deliver() -> None:
        try:
            sender.send(mail.to, mail.subject, mail.text)
        except Exception as exc:  # a thread has nobody to raise to
            log.warning("account mail not sent: %s", type(exc.__cause__ or exc).__name__)

    threading.Thread(target=deliver, name="account-mail", daemon=True).start()


def _signed(paragraphs: list[str]) -> str:
    closing = _("This message was sent automatically by the participation platform; "
                "replies are not read.")  # fmt: skip
    return "\n\n".join([*paragraphs, "-- ", closing]) + "\n"


def registration_mail(registration: Registration) -> Mail:
    """The confirmation link, or (the address has an account) "someone tried"."""
    with force_locale(registration.language):
        if registration.confirm_token is not None:
            address = link("accounts.confirm", token=registration.confirm_token)
            return Mail(registration.email, _("Confirm your e-mail address"), _signed([
                _("Hello,"),
                _("To confirm your e-mail address and activate your account on the "
                  "participation platform, open this link within 48 hours:"),
                address,
                _("If you did not create this account, ignore this message: an account "
                  "that is not confirmed is deleted after 48 hours."),
            ]))  # fmt: skip
        login = link("accounts.login")
        forgot = link("accounts.forgot")
        return Mail(registration.email, _("Someone tried to register with your e-mail address"),
                    _signed([
            _("Hello,"),
            _("Someone tried to create an account on the participation platform with your "
              "e-mail address, which already has an account."),
            _("If it was you, log in with your password: %(login)s", login=login),
            _("Forgot your password? Choose a new one here: %(forgot)s", forgot=forgot),
            _("If it was not you, you need not do anything: your account has not changed."),
        ]))  # fmt: skip


def reset_mail(request: ResetRequest) -> Mail:
    with force_locale(request.language):
        address = link("accounts.reset", token=request.token)
        return Mail(request.email, _("Choose a new password"), _signed([
            _("Hello,"),
            _("Someone asked to choose a new password for your account on the participation "
              "platform. To do so, open this link within one hour:"),
            address,
            _("If you did not ask for this, ignore this message: your password stays as it is."),
        ]))  # fmt: skip
