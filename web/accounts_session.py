"""The residents' accounts blueprint and who is logged in (web/accounts.py has the views).

A logged-in resident's session holds ``session["resident"] = {"id", "stamp"}``, apart
from an official's ``session["official_session"]`` and a voter's ``session["ticket"]``;
logging in clears the session first (no fixation). The ``stamp`` is a keyed hash
(deployment key ``resident-session``) of the account's stored password hash, checked
on every request by `current_resident`: a new password (a reset) changes it, so
every session of the account ends, and a deleted account ends its sessions too. The
cookie is signed, not encrypted: the stamp tells nothing about the password.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask.blueprints import BlueprintSetupState
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import Session

from evoting.residents_schema import residents
from participation import export
from participation.residents import MAX_EMAIL, Account, ExportSection, get_account
from web.errors import _
from web.extensions import limiter, services

blueprint = Blueprint("accounts", __name__, url_prefix="/account")
View = TypeVar("View", bound=Callable[..., Any])
SESSION_KEY = "resident"
EXPORT_SECTIONS = "evoting-resident-export"
FIELD = 4 * MAX_EMAIL
"""What is read of an e-mail address or a name field (the domain refuses longer)."""
_UNSET = object()

# Per client address (generous enough for a town hall's or a library's shared
# connection) and, where a mail goes out, per e-mail address (nobody floods a mailbox).
PER_CLIENT = "10 per minute; 60 per hour"
PER_CLIENT_MAIL = "5 per minute; 30 per hour"
PER_ADDRESS_MAIL = "3 per hour"
PER_ADDRESS_LOGIN = "20 per hour"
PER_LINK = "5 per 15 minutes; 20 per hour"  # password tries on one confirmation link
MAIL_SCOPE = "account-mail-to-address"
"""One count of PER_ADDRESS_MAIL per address, shared by every page that mails it."""


def _stamp(password_hash: str) -> str:
    return services().keys.keyed_hash("resident-session", password_hash.encode("ascii"))[:32]


def current_resident() -> Account | None:
    """The logged-in resident's account (confirmed), or None; looked up once per request."""
    found: Any = g.get("evoting_resident", _UNSET)
    if found is not _UNSET:
        return found  # type: ignore[no-any-return]
    account = None
    held = session.get(SESSION_KEY)
    if isinstance(held, dict):
        resident_id, stamp = held.get("id"), held.get("stamp")
        if isinstance(resident_id, int) and isinstance(stamp, str):
            r = residents.c
            with services().factory() as db:
                row = db.execute(
                    select(r.password_hash, r.confirmed_at).where(r.id == resident_id)
                ).one_or_none()
                if (
                    row is not None
                    and row.confirmed_at is not None
                    and hmac.compare_digest(_stamp(row.password_hash), stamp)
                ):
                    account = get_account(db, resident_id)
        if account is None:  # a new password or a deleted account: this session ends
            session.pop(SESSION_KEY, None)
    g.evoting_resident = account
    return account


def start_session(db: Session, account: Account) -> None:
    """Log ``account`` in: a cleared session holding its id and stamp."""
    stored = db.execute(
        select(residents.c.password_hash).where(residents.c.id == account.id)
    ).scalar_one()
    session.clear()
    session.permanent = True  # PERMANENT_SESSION_LIFETIME
    session[SESSION_KEY] = {"id": account.id, "stamp": _stamp(stored)}
    g.evoting_resident = account


def end_session() -> None:
    session.pop(SESSION_KEY, None)
    g.evoting_resident = None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/…``), else None: no open redirect."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(c < " " or c == "\x7f" for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def resident_required(view: View) -> View:
    """The view needs a logged-in resident; else the login page, which comes back here."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if current_resident() is None:
            query = request.query_string.decode("utf-8", "replace")
            here = request.path + (f"?{query}" if query else "")
            return redirect(url_for("accounts.login", next=here))
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def logged_in() -> Account:
    """The resident of a `resident_required` view."""
    account = current_resident()
    assert account is not None
    return account


def add_export_section(app: Flask, name: str, section: ExportSection) -> None:
    """A platform module's part of the resident's data download (their ideas, reactions…)."""
    app.extensions.setdefault(EXPORT_SECTIONS, {})[name] = section


@blueprint.record_once
def _platform_sections(state: BlueprintSetupState) -> None:
    """The participation platform's parts of the data download (participation/export.py),
    on every app this blueprint is registered on."""
    state.app.extensions.setdefault(EXPORT_SECTIONS, {}).update(export.SECTIONS)


def per_address_mail() -> Callable[[View], View]:
    """The limit on mails to one address (a keyed hash), shared by register and forgot
    and counted by `mail_allowed` too: over it, the request gets 429."""
    return limiter.shared_limit(  # type: ignore[return-value]
        PER_ADDRESS_MAIL, scope=MAIL_SCOPE, key_func=email_key, methods=["POST"]
    )


def mail_allowed() -> bool:
    """Count one mail to the form's address against `per_address_mail`'s limit; False
    (send nothing) when the address had its share this hour."""
    if not limiter.enabled:
        return True
    key = email_key()
    return all(limiter.limiter.hit(item, key, MAIL_SCOPE) for item in parse_many(PER_ADDRESS_MAIL))


def email_key() -> str:
    """The rate limits' key per e-mail address: a keyed hash, never the address."""
    address = request.form.get("email", "")[:FIELD].strip().lower()
    return "email:" + services().keys.keyed_hash("rate-limit-email", address.encode())[:32]


def expired() -> str:
    return _("The form expired. Please try again.")
