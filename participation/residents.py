"""Residents' accounts on the participation platform (issue 12): no Flask, no mail texts.

A resident registers with an e-mail address, a password, a display name (shown on
their ideas) and a language; confirms the address with a link; logs in; may reset
the password by e-mail; may become a **verified resident** (the web layer checks a
register number and poll-card code, then calls `mark_verified` with a keyed hash of
the number); and may download (`export_data`) and delete (`delete_account`) their
data. Nothing here links an account to a voter, a credential or a ballot.

* **E-mail addresses** are stored normalised (`normalise_email`): surrounding
  whitespace stripped, then the whole address lowercased, so the database's unique
  constraint compares them case-insensitively and race-free. (RFC 5321 lets a
  mailbox's local part be case-sensitive; no provider residents use makes it so.)
  Only ASCII addresses are accepted (participation/mail.py `ADDRESS`).
* **Passwords**: 10 to 1,024 characters, not one character repeated, NFKC-normalised
  (NIST SP 800-63B: é typed two ways is one password), stored as libsodium's Argon2id
  string as for the officials (evoting/accounts.py). A login for an unknown address
  costs the same Argon2id work as for a known one; so does registering an address that
  already has an account.
* **Registering an existing address** never says so: `register` returns a
  `Registration` either way, and the web layer shows the same "check your mailbox"
  page. With ``confirm_token`` set it mails the confirmation link; with
  ``already_registered`` it mails "someone tried to register with your address: log in
  or reset your password". An address registered but never confirmed is registered
  anew (new password, name, language; older links void), so whoever registered it
  first cannot keep the address from its owner.
* **Confirming** takes the mailed link *and* the password chosen at registration
  (`confirm`, Argon2id): holding the mailbox is not enough to adopt a password, so an
  owner who clicks the newest link after someone else re-registered their address
  confirms nothing (`WrongPassword`, the link stays usable) and registers again or
  resets the password instead.
* **Tokens** are 256 bits from `secrets` (43 base64url characters), mailed once and
  stored only as SHA-256, looked up by that hash (which an attacker cannot steer, so
  the lookup's timing tells nothing), single use (a conditional UPDATE: two clicks
  racing, one wins) and short-lived: `CONFIRM_LIFETIME` (48 h), `RESET_LIFETIME` (1 h).
  A new link voids the resident's older ones of its kind; a password reset voids all,
  and confirms the address (the link came through it).
* **Deleting** an account deletes the row; its tokens go with it (ON DELETE CASCADE)
  and the platform's ideas, reactions and supports keep their text with no author
  (ON DELETE SET NULL): the pages show "former participant".

Every function takes the caller's `Session` and writes nothing it does not say; the
caller commits (evoting/db.py `UnitOfWork`). ``now`` is timezone-aware. Refusals are
`participation.errors` types with codes the web layer translates: `InvalidInput`
(``field``, ``reason``), `NotFound` (``resident``), and the account's own below:
`TokenError` (``reason``: unknown, expired, used), `WrongPassword`,
`UnconfirmedAccount`, `VerificationTaken`, `AlreadyVerified`.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting.residents_schema import RESIDENT_LANGUAGES, resident_tokens, residents
from participation.errors import AlreadyExists, InvalidInput, NotFound, ParticipationError
from participation.fields import language as _language
from participation.fields import plain
from participation.fields import utc as _aware
from participation.mail import is_address

LANGUAGES = RESIDENT_LANGUAGES
CONFIRM_LIFETIME = datetime.timedelta(hours=48)
RESET_LIFETIME = datetime.timedelta(hours=1)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_DISPLAY_NAME = 80
MAX_DISTRICT = 64
MAX_EMAIL = 254
EXPORT_FORMAT = "EVOTING-V1-resident-export"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_HASH = re.compile(r"[0-9a-f]{64}")
_AGE_BAND = re.compile(r"under [0-9]{1,2}|[0-9]{1,3}-[0-9]{1,3}|[0-9]{1,3}\+")  # "18-24", "75+"
_OPS = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEM = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


@functools.cache
def _dummy() -> bytes:
    """A hash to check an unknown resident's password against (as long as a real one),
    made on first use rather than on import: a server's workers start faster."""
    return nacl.pwhash.argon2id.str(b"no such resident", opslimit=_OPS, memlimit=_MEM)


class TokenError(ParticipationError):
    """A mailed link that does not work; ``reason`` is ``unknown``, ``expired`` or ``used``."""

    reason = "unknown"

    def __init__(self, purpose: str) -> None:
        super().__init__(f"this {purpose} link is {self.reason}")
        self.purpose = purpose


class TokenUnknown(TokenError):
    """No such link (mistyped, cut short, or voided by a newer one)."""

    reason = "unknown"


class TokenExpired(TokenError):
    reason = "expired"


class TokenUsed(TokenError):
    reason = "used"


class WrongPassword(ParticipationError):
    """`confirm`: not the password chosen at registration (the link is not spent)."""

    def __init__(self, resident_id: int) -> None:
        super().__init__(f"resident {resident_id}: not the password of the registration")
        self.resident_id = resident_id


class UnconfirmedAccount(ParticipationError):
    """The account's address is not confirmed yet (from `log_in`: the password was
    right; the web layer may offer `new_confirmation`)."""

    def __init__(self, resident_id: int) -> None:
        super().__init__(f"resident {resident_id} has not confirmed their e-mail address")
        self.resident_id = resident_id


class VerificationTaken(ParticipationError):
    """This resident (by the register's keyed hash) verified another account already."""

    def __init__(self, resident_id: int) -> None:
        super().__init__(f"resident {resident_id}: the person verified another account already")
        self.resident_id = resident_id


class AlreadyVerified(ParticipationError):
    """The account was verified as another person (another keyed hash)."""

    def __init__(self, resident_id: int) -> None:
        super().__init__(f"resident {resident_id} is verified as another person already")
        self.resident_id = resident_id


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    display_name: str
    language: str
    confirmed_at: datetime.datetime | None
    verified_at: datetime.datetime | None
    age_band: str | None
    district: str | None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(frozen=True, slots=True)
class Registration:
    """What `register` did, for the web layer to choose the mail (never the page)."""

    resident_id: int
    email: str  # the normalised address to mail
    language: str  # the language to mail in (the existing account's, if any)
    confirm_token: str | None  # None: the address already has a confirmed account

    @property
    def already_registered(self) -> bool:
        return self.confirm_token is None


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """A password-reset token to mail to ``email`` in ``language``."""

    resident_id: int
    email: str
    language: str
    token: str


# --- input ------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """The address as stored: stripped and lowercased; `InvalidInput` if it is not one."""
    address = email.strip() if len(email) <= 4 * MAX_EMAIL else email
    if not address:
        raise InvalidInput("email", "missing")
    if len(address) > MAX_EMAIL:
        raise InvalidInput("email", "too-long", f"at most {MAX_EMAIL} characters")
    if not address.isascii():
        raise InvalidInput("email", "invalid", "not in plain letters (ASCII)")
    address = address.lower()
    if not is_address(address):
        raise InvalidInput("email", "invalid", "not an e-mail address")
    return address


def _password(password: str, field: str = "password") -> bytes:
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(field, "too-long", f"at most {MAX_PASSWORD} characters")
    normal = unicodedata.normalize("NFKC", password)
    if len(normal) < MIN_PASSWORD:
        raise InvalidInput(field, "too-short", f"at least {MIN_PASSWORD} characters")
    if len(normal) > MAX_PASSWORD:
        raise InvalidInput(field, "too-long", f"at most {MAX_PASSWORD} characters")
    if len(set(password)) == 1 or len(set(normal)) == 1:
        raise InvalidInput(field, "invalid", "one character repeated")
    return normal.encode("utf-8")


def _text(value: str, field: str, limit: int) -> str:
    """Stripped, NFC, 1 to ``limit`` characters, no control or invisible character."""
    if len(value) > 4 * limit:  # refused before any work on it
        raise InvalidInput(field, "too-long", f"at most {limit} characters")
    return plain(unicodedata.normalize("NFC", value), field, limit)


def _utc(now: datetime.datetime) -> datetime.datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(datetime.UTC)


def _hash_password(password: bytes) -> str:
    return nacl.pwhash.argon2id.str(password, opslimit=_OPS, memlimit=_MEM).decode("ascii")


def _password_matches(stored: str, password: str) -> bool:
    """Argon2id verify of ``password`` (NFKC) against the stored string."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return False  # never a stored password: no need to hash it
    given = unicodedata.normalize("NFKC", password).encode("utf-8")
    try:
        return bool(nacl.pwhash.verify(stored.encode("ascii"), given))
    except nacl.exceptions.InvalidkeyError:
        return False


# --- tokens -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _new_token(session: Session, resident_id: int, purpose: str, now: datetime.datetime) -> str:
    """A fresh token; the resident's unused older ones of this purpose are void."""
    lifetime = CONFIRM_LIFETIME if purpose == "confirm" else RESET_LIFETIME
    session.execute(
        delete(resident_tokens).where(
            resident_tokens.c.resident_id == resident_id,
            resident_tokens.c.purpose == purpose,
            resident_tokens.c.used_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    session.execute(insert(resident_tokens).values(
        token_hash=_token_hash(token), resident_id=resident_id, purpose=purpose,
        expires_at=now + lifetime, used_at=None))  # fmt: skip
    return token


def _use_token(session: Session, token: str, purpose: str, now: datetime.datetime) -> int:
    """The resident whose valid ``purpose`` token this is; marks it used."""
    resident_id = _valid_token(session, token, purpose, now)
    _spend_token(session, token, purpose, now)
    return resident_id


def _valid_token(session: Session, token: str, purpose: str, now: datetime.datetime) -> int:
    """The resident whose valid (unused, unexpired) ``purpose`` token this is; spends nothing."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise TokenUnknown(purpose)
    digest = _token_hash(token)
    row = session.execute(
        select(resident_tokens).where(
            resident_tokens.c.token_hash == digest, resident_tokens.c.purpose == purpose
        )
    ).one_or_none()
    if row is None:
        raise TokenUnknown(purpose)
    if row.used_at is not None:
        raise TokenUsed(purpose)
    if _aware(row.expires_at) <= now:
        raise TokenExpired(purpose)
    return int(row.resident_id)


def _spend_token(session: Session, token: str, purpose: str, now: datetime.datetime) -> None:
    """Mark a token `_valid_token` accepted as used (a conditional UPDATE: one click wins)."""
    digest = _token_hash(token)
    t = resident_tokens.c
    used = session.execute(
        update(resident_tokens)
        .where(t.token_hash == digest, t.purpose == purpose, t.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]  # another request came first
        gone = session.execute(select(t.token_hash).where(t.token_hash == digest)).first() is None
        raise TokenUnknown(purpose) if gone else TokenUsed(purpose)


# --- accounts ---------------------------------------------------------------------------


def _account(row: Row[Any]) -> Account:
    def when(moment: datetime.datetime | None) -> datetime.datetime | None:
        return None if moment is None else _aware(moment)

    return Account(row.id, row.email, row.display_name, row.language, when(row.confirmed_at),
                    when(row.verified_at), row.age_band, row.district)  # fmt: skip


def _row(session: Session, resident_id: int, *, lock: bool = False) -> Row[Any]:
    query = select(residents).where(residents.c.id == resident_id)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound("resident", resident_id)
    return row


def get_account(session: Session, resident_id: int) -> Account:
    return _account(_row(session, resident_id))


def register(session: Session, email: str, password: str, display_name: str, language: str,
             now: datetime.datetime) -> Registration:  # fmt: skip
    """Register ``email`` (see the module docstring for an address already registered)."""
    now = _utc(now)
    address = normalise_email(email)
    hashed = _hash_password(_password(password))  # the same work whatever follows
    name = _text(display_name, "display_name", MAX_DISPLAY_NAME)
    language = _language(language)
    try:
        with session.begin_nested():
            created = session.execute(insert(residents).values(
                email=address, password_hash=hashed, display_name=name, language=language,
                created_at=now).returning(residents.c.id)).scalar_one()  # fmt: skip
    except IntegrityError:
        row = session.execute(
            select(residents).where(residents.c.email == address).with_for_update()
        ).one_or_none()
        if row is None:  # registered and deleted in the meantime
            raise NotFound("resident", address) from None
        if row.confirmed_at is not None:
            return Registration(row.id, address, row.language, None)
        session.execute(update(residents).where(residents.c.id == row.id).values(
            password_hash=hashed, display_name=name, language=language,
            created_at=now))  # fmt: skip
        created = row.id
    return Registration(created, address, language, _new_token(session, created, "confirm", now))


def confirm(session: Session, token: str, password: str, now: datetime.datetime) -> int:
    """Confirm the address the ``token`` was mailed to; the resident's id.

    ``password`` must be the one stored by the newest registration (`WrongPassword`
    if not, and the link stays usable: the web layer rate-limits the tries). The
    account's row is locked before the password is checked, so a re-registration
    racing this one either comes first (and voids the link) or waits.
    """
    now = _utc(now)
    resident_id = _valid_token(session, token, "confirm", now)
    row = _row(session, resident_id, lock=True)
    if not _password_matches(row.password_hash, password):
        raise WrongPassword(resident_id)
    _spend_token(session, token, "confirm", now)
    session.execute(
        update(residents)
        .where(residents.c.id == resident_id, residents.c.confirmed_at.is_(None))
        .values(confirmed_at=now)
    )
    return resident_id


def log_in(session: Session, email: str, password: str, now: datetime.datetime) -> Account | None:
    """The account if the password is right; None if not (or no such account).

    Raises `UnconfirmedAccount` if the password is right but the address not confirmed
    (never for a wrong one: that would tell the address is registered). An account
    left unconfirmed past `CONFIRM_LIFETIME` counts as none (`purge_expired` deletes
    it). Writes nothing.
    """
    now = _utc(now)
    try:
        address: str | None = normalise_email(email)
    except InvalidInput:
        address = None
    if len(password) > MAX_PASSWORD:  # never a stored password: no need to hash it
        return None
    row = None
    if address is not None:
        row = session.execute(select(residents).where(residents.c.email == address)).one_or_none()
    stored = row.password_hash.encode("ascii") if row is not None else _dummy()
    given = unicodedata.normalize("NFKC", password).encode("utf-8")
    try:
        nacl.pwhash.verify(stored, given)
    except nacl.exceptions.InvalidkeyError:
        return None
    if row is None:
        return None
    if row.confirmed_at is None:
        if _aware(row.created_at) + CONFIRM_LIFETIME <= now:
            return None
        raise UnconfirmedAccount(row.id)
    return _account(row)


def new_confirmation(session: Session, resident_id: int, now: datetime.datetime) -> Registration:
    """A fresh confirmation token for an unconfirmed account (older ones are void).

    For "send me the link again" after `log_in` raised `UnconfirmedAccount`; the
    account's registration time restarts, so `purge_expired` waits for the new link.
    """
    now = _utc(now)
    row = _row(session, resident_id, lock=True)
    if row.confirmed_at is not None:
        raise AlreadyExists("confirmation", resident_id)
    session.execute(update(residents).where(residents.c.id == resident_id).values(created_at=now))
    token = _new_token(session, resident_id, "confirm", now)
    return Registration(resident_id, row.email, row.language, token)


def request_reset(session: Session, email: str, now: datetime.datetime) -> ResetRequest | None:
    """A reset token to mail, or None if no account has this address (say the same)."""
    now = _utc(now)
    try:
        address = normalise_email(email)
    except InvalidInput:
        return None
    row = session.execute(select(residents).where(residents.c.email == address)).one_or_none()
    if row is None:
        return None
    return ResetRequest(row.id, address, row.language, _new_token(session, row.id, "reset", now))


def reset_password(session: Session, token: str, new_password: str, now: datetime.datetime) -> int:
    """Set the password of the ``token``'s resident; the resident's id.

    The address counts as confirmed (the link came through it); every other link the
    resident was mailed is void.
    """
    now = _utc(now)
    password = _password(new_password, "new_password")
    resident_id = _use_token(session, token, "reset", now)
    row = _row(session, resident_id, lock=True)
    session.execute(update(residents).where(residents.c.id == resident_id).values(
        password_hash=_hash_password(password),
        confirmed_at=row.confirmed_at if row.confirmed_at is not None else now))  # fmt: skip
    t = resident_tokens.c
    session.execute(delete(resident_tokens).where(
        t.resident_id == resident_id, t.used_at.is_(None)))  # fmt: skip
    return resident_id


def mark_verified(session: Session, resident_id: int, verification_hash: str, age_band: str,
                  district: str, now: datetime.datetime) -> Account:  # fmt: skip
    """Mark the account as a verified resident's.

    ``verification_hash`` is the web layer's keyed hash (64 hex digits) of the
    resident's register number: if it already verified another account, raises
    `VerificationTaken` (the unique constraint decides between racing requests; the
    caller's session stays usable). The same resident verifying again updates the age
    band and district; another resident's hash on a verified account raises
    `AlreadyVerified`.
    """
    now = _utc(now)
    if not isinstance(verification_hash, str) or not _HASH.fullmatch(verification_hash):
        raise InvalidInput("verification_hash", "invalid", "64 lowercase hex digits")
    if not isinstance(age_band, str) or not _AGE_BAND.fullmatch(age_band):
        raise InvalidInput("age_band", "invalid", "like 18-24, 75+ or under 16")
    district = _text(district, "district", MAX_DISTRICT)
    row = _row(session, resident_id, lock=True)
    if row.confirmed_at is None:
        raise UnconfirmedAccount(resident_id)
    if row.verification_hash is not None and not hmac.compare_digest(
        row.verification_hash, verification_hash
    ):
        raise AlreadyVerified(resident_id)
    try:
        with session.begin_nested():
            session.execute(update(residents).where(residents.c.id == resident_id).values(
                verified_at=now, verification_hash=verification_hash, age_band=age_band,
                district=district))  # fmt: skip
    except IntegrityError:
        raise VerificationTaken(resident_id) from None
    return get_account(session, resident_id)


_EXPORTED = ("id", "email", "display_name", "language", "age_band", "district")
_EXPORTED_TIMES = ("created_at", "confirmed_at", "verified_at")  # not: the two hashes
ExportSection = Callable[[Session, int], object]
"""A platform module's part of a resident's export: (session, resident id) -> JSON-ready."""


def export_data(
    session: Session, resident_id: int, sections: Mapping[str, ExportSection] | None = None
) -> dict[str, object]:
    """Everything kept about the resident, JSON-ready (GDPR art. 15 and 20).

    ``{"format": ..., "account": {...}, <section>: ...}``: the account without its
    password hash or verification hash, then one entry per ``sections`` item (the web
    layer passes the ideas', reactions' and supports' exporters), in the given order.
    """
    row = _row(session, resident_id)

    def when(moment: datetime.datetime | None) -> str | None:
        return None if moment is None else _aware(moment).isoformat()

    account = {name: getattr(row, name) for name in _EXPORTED}
    account |= {name: when(getattr(row, name)) for name in _EXPORTED_TIMES}
    account["verified"] = row.verified_at is not None
    exported: dict[str, object] = {"format": EXPORT_FORMAT, "account": account}
    for name, section in (sections or {}).items():
        if name in exported:
            raise ValueError(f"an export section may not be called {name!r}")
        exported[name] = section(session, resident_id)
    return exported


def delete_account(session: Session, resident_id: int, now: datetime.datetime) -> None:
    """Delete the account; its tokens go with it, its contributions stay without author.

    ``now`` is taken for the platform's modules, which may stamp what they keep; the
    account itself leaves nothing behind.
    """
    _utc(now)
    if session.execute(delete(residents).where(residents.c.id == resident_id)).rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("resident", resident_id)


def purge_expired(session: Session, now: datetime.datetime) -> tuple[int, int]:
    """Housekeeping: delete dead tokens and accounts never confirmed in time.

    Returns (tokens deleted, accounts deleted). An account is deleted when it was
    registered more than `CONFIRM_LIFETIME` ago and never confirmed.
    """
    now = _utc(now)
    t, r = resident_tokens.c, residents.c
    tokens = session.execute(delete(resident_tokens).where(
        (t.expires_at <= now) | t.used_at.is_not(None)))  # fmt: skip
    accounts = session.execute(delete(residents).where(
        r.confirmed_at.is_(None), r.created_at <= now - CONFIRM_LIFETIME))  # fmt: skip
    return int(tokens.rowcount), int(accounts.rowcount)  # type: ignore[attr-defined]
