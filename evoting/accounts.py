"""The officials' accounts for the web UI: usernames, roles, Argon2id passwords.

Passwords are hashed with libsodium's Argon2id (``crypto_pwhash_str``, through
PyNaCl), whose string carries its own salt and limits. Roles: **admin** manages
accounts, **official** runs elections and participatory processes, **moderator**
hides and restores residents' ideas and reactions and handles reports, **evaluator**
screens ideas (participation/permissions.py), **observer** reads. A login for an unknown
username costs the same Argon2id work as one for a known name, so timing does not
tell which names exist.

An official signs what they enter (paper boxes: tally/paper.py) with an Ed25519
key derived from their password by Argon2id (`signing_key`), salted with a keyed
hash of their username under the deployment secret: the key exists only while
they type their password, and its public half, published in the audit log, tells
nobody without the deployment secret anything about the password.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash
import nacl.signing
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import schema
from evoting.deployment import DeploymentKeys

ROLES = schema.OFFICIAL_ROLES
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
_OPS = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEM = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


@functools.cache
def _dummy() -> bytes:
    """A hash to check an unknown account's password against (as long as a real one),
    made on first use rather than on import: a server's workers start faster."""
    return nacl.pwhash.argon2id.str(b"no such account", opslimit=_OPS, memlimit=_MEM)


class AccountError(ValueError):
    """An account cannot be made or changed as asked; says why."""


@dataclass(frozen=True, slots=True)
class Official:
    id: int
    username: str
    role: str
    disabled: bool

    def may(self, action: str) -> bool:
        """``read`` (everyone), ``run`` (officials and admins), ``manage`` (admins)."""
        allowed = {"read": ROLES, "run": ("admin", "official"), "manage": ("admin",)}
        return not self.disabled and self.role in allowed[action]


def _official(row: object) -> Official:
    return Official(row.id, row.username, row.role, row.disabled)  # type: ignore[attr-defined]


def hash_password(password: str) -> bytes:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), opslimit=_OPS, memlimit=_MEM)


def add_official(
    session: Session, username: str, password: str, role: str, now: datetime.datetime
) -> Official:
    if not USERNAME.match(username):
        raise AccountError("a username is 2 to 64 lowercase letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}")
    hashed = hash_password(password).decode("ascii")
    try:
        with session.begin_nested():
            session.execute(insert(schema.officials).values(
                username=username, password_hash=hashed, role=role, disabled=False,
                created_at=now))  # fmt: skip
    except IntegrityError as exc:
        raise AccountError(f"there is already an official {username!r}") from exc
    return get_official(session, username)


def get_official(session: Session, username: str) -> Official:
    row = session.execute(
        select(schema.officials).where(schema.officials.c.username == username)
    ).one_or_none()
    if row is None:
        raise AccountError(f"there is no official {username!r}")
    return _official(row)


def list_officials(session: Session) -> list[Official]:
    rows = session.execute(select(schema.officials).order_by(schema.officials.c.username))
    return [_official(r) for r in rows]


def set_disabled(session: Session, username: str, disabled: bool) -> None:
    get_official(session, username)
    session.execute(
        update(schema.officials)
        .where(schema.officials.c.username == username)
        .values(disabled=disabled)
    )


def authenticate(session: Session, username: str, password: str) -> Official | None:
    """The official if the password is right and the account enabled; else None."""
    row = session.execute(
        select(schema.officials).where(schema.officials.c.username == username)
    ).one_or_none()
    stored = row.password_hash.encode("ascii") if row is not None else _dummy()
    try:
        nacl.pwhash.verify(stored, password.encode("utf-8"))
    except nacl.exceptions.InvalidkeyError:
        return None
    if row is None or row.disabled:
        return None
    return _official(row)


def signing_key(keys: DeploymentKeys, username: str, password: str) -> nacl.signing.SigningKey:
    """The official's Ed25519 signing key, from their password (see the module docstring).

    Call it after `authenticate`: a wrong password gives another key, not an error.
    """
    salt = bytes.fromhex(keys.keyed_hash("official-signing-key", username.encode("utf-8")))
    seed = nacl.pwhash.argon2id.kdf(
        32,  # an Ed25519 seed
        password.encode("utf-8"),
        salt[: nacl.pwhash.argon2id.SALTBYTES],
        opslimit=_OPS,
        memlimit=_MEM,
    )
    return nacl.signing.SigningKey(seed)
