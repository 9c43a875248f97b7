"""Authentication: who is this resident? Pluggable providers, one throttled login.

A provider turns what the resident submitted into a voter of the register, or
nothing. The default provider takes the national-register number and the
one-time poll-card code from the letter; an eID or itsme OpenID Connect provider
would implement the same two methods from a verified ID token.

`login` wraps any provider with what must not depend on it:

* one answer for every failure — unknown number, wrong code, no code — so the
  form never reveals whether a number is in the register (format errors in what
  was typed, like a wrong check digit, are told: they say nothing about the register);
* the same work on every path (the code's hash is computed and compared even when
  the number is unknown);
* failures counted per register number (5 within 15 minutes) and per client
  address (20; an IPv6 client counts by its /64) lock that subject for 15 minutes,
  and each lock-out is logged (by keyed hash, never the number or address). Every
  attempt takes a slot before its code is checked, so concurrent requests cannot
  exceed the limit; a success gives its slot back and resets nothing, so the
  counters never tell an attacker whether someone else logged in;
* a successful login leaves no row behind: login order is board order, so a row
  with the moment of each success would link residents to ballots for anyone
  holding the database and the deployment secret. Counters hold failures only
  (keyed hashes of the subject, when the window of failures started, a lock's
  end), disappear once their window and lock have run out (at the next login),
  and are all deleted when the vote closes (tally/service.py close_vote);
* eligibility reasons, and whether a credential was already taken, only after
  success.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from evoting import schema
from evoting.deployment import DeploymentKeys
from evoting.elections import get_election
from identity.eligibility import EligibilityRule, Reason, Resident, reasons_not_eligible
from identity.nrn import InvalidRegisterNumber, parse
from identity.pollcards import CodeFormatError, code_hasher, code_matches, normalise
from identity.register import number_hasher

log = logging.getLogger("evoting.identity")

MAX_FAILURES = 5
"""Failed attempts per register number within FAILURE_WINDOW before it is locked."""
MAX_CLIENT_FAILURES = 20
"""Per client address: higher, since many residents can share one address."""
LIMITS = {"number": MAX_FAILURES, "client": MAX_CLIENT_FAILURES}
FAILURE_WINDOW = datetime.timedelta(minutes=15)
LOCK_OUT = datetime.timedelta(minutes=15)
GENERIC_FAILURE = "The register number or the code is not right."


class IdentityError(Exception):
    """A login or issuance the resident must be told about, in plain words."""


class AuthenticationFailed(IdentityError):
    def __init__(self) -> None:
        super().__init__(GENERIC_FAILURE)


class LockedOut(IdentityError):
    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(
            f"Too many attempts. Try again after {until.astimezone(datetime.UTC):%H:%M} UTC."
        )
        self.until = until


class FormError(IdentityError):
    """What was typed cannot be right (a format error): says nothing about the register."""


@dataclass(frozen=True, slots=True)
class Voter:
    id: int
    election_id: str
    number_hash: str
    birth_date: datetime.date
    municipality: str
    district: str
    excluded: bool
    code_hash: str | None
    credential_issued_on: datetime.date | None
    paper_voted_on: datetime.date | None


def voter_from_row(row: object) -> Voter:
    return Voter(**{f: getattr(row, f) for f in Voter.__slots__})


class IdentityProvider(Protocol):
    name: str

    def subject(self, form: Mapping[str, str]) -> str:
        """What identifies the person claimed (for throttling).

        Checks the whole form's format first: `FormError` if anything typed cannot be
        right, before any attempt is counted against a register number.
        """

    def identify(self, session: Session, election_id: str, form: Mapping[str, str]) -> Voter | None:
        """The voter the form proves to be, or None."""


class PollCardProvider:
    """Register number + the poll-card code from the letter."""

    name = "poll-card"

    def __init__(self, keys: DeploymentKeys) -> None:
        self._keys = keys

    def subject(self, form: Mapping[str, str]) -> str:
        try:
            digits = parse(form.get("register_number", "")).digits
        except InvalidRegisterNumber as exc:
            raise FormError(f"Check the register number: {exc.reason}.") from exc
        try:
            normalise(form.get("code", ""))
        except CodeFormatError as exc:
            raise FormError(f"Check the code: {exc}.") from exc
        return digits

    def identify(self, session: Session, election_id: str, form: Mapping[str, str]) -> Voter | None:
        number = parse(form.get("register_number", ""))
        code = normalise(form.get("code", ""))  # checked by subject() first
        number_hash = number_hasher(self._keys, election_id)(number)
        v = schema.voters
        row = session.execute(
            select(v).where(v.c.election_id == election_id, v.c.number_hash == number_hash)
        ).one_or_none()
        candidate = code_hasher(self._keys, election_id)(number_hash, code)
        expected = None if row is None else row.code_hash
        if not code_matches(expected, candidate) or row is None:
            return None
        return voter_from_row(row)


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a resident may learn after proving who they are."""

    voter: Voter
    reasons_not_eligible: tuple[Reason, ...]
    vote_open: bool

    @property
    def eligible(self) -> bool:
        return not self.reasons_not_eligible

    @property
    def may_request_credential(self) -> bool:
        return (
            self.vote_open
            and self.eligible
            and self.voter.credential_issued_on is None
            and self.voter.paper_voted_on is None
        )


def client_key(address: str) -> str:
    """What is rate-limited for a client: its IPv4 address, its IPv6 /64, or the text given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class _Throttle:
    """Failure counters per subject, updated atomically (an upsert that returns the count).

    An attempt *reserves* a slot before its code is checked, so concurrent
    attempts cannot check more codes than the limit; a success gives its slot back,
    a failure keeps it. Nothing resets a counter but time, so a success leaves no
    trace an attacker could read off the counters — and none in the table: a row
    whose count comes back to 0 is deleted (a missing row is a count of 0).

    The reserving upsert locks the subject's row until the login's transaction
    ends (SQLite: the whole database, BEGIN IMMEDIATE), so reserve, check and give
    back are one step for each subject; a concurrent attempt on it waits, and finds
    the row as this one left it, or inserts afresh if it was deleted.
    """

    def __init__(self, session: Session, election_id: str, now: datetime.datetime) -> None:
        self._session = session
        self._election_id = election_id
        self._now = now
        self._insert = (
            pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )

    def _key(self, kind: str, subject: str) -> tuple[ColumnElement[bool], ...]:
        t = schema.login_failures
        return (t.c.election_id == self._election_id, t.c.kind == kind, t.c.subject == subject)

    def purge(self) -> None:
        """Forget counters whose window and lock have both run out."""
        t = schema.login_failures
        self._session.execute(
            delete(t).where(
                t.c.election_id == self._election_id,
                t.c.window_started_at <= self._now - FAILURE_WINDOW,
                or_(t.c.locked_until.is_(None), t.c.locked_until <= self._now),
            )
        )

    def reserve(self, kind: str, subject: str) -> LockedOut | None:
        """Take one attempt for ``subject``; a `LockedOut` (to raise) if it has none left."""
        t = schema.login_failures
        locked = self._session.execute(
            select(t.c.locked_until).where(*self._key(kind, subject))
        ).scalar_one_or_none()
        if locked is not None and _utc(locked) > self._now:
            return LockedOut(_utc(locked))
        expired = t.c.window_started_at <= self._now - FAILURE_WINDOW
        statement = (
            self._insert(t)
            .values(
                election_id=self._election_id,
                kind=kind,
                subject=subject,
                failures=1,
                window_started_at=self._now,
                locked_until=None,
            )
            .on_conflict_do_update(
                index_elements=[t.c.election_id, t.c.kind, t.c.subject],
                set_={
                    "failures": case((expired, 1), else_=t.c.failures + 1),
                    "window_started_at": case((expired, self._now), else_=t.c.window_started_at),
                },
            )
            .returning(t.c.failures)
        )
        count = int(self._session.execute(statement).scalar_one())
        if count > LIMITS[kind]:  # counts only grow within a window, so no race resets them
            return self._lock(kind, subject, count)
        return None

    def give_back(self, kind: str, subject: str) -> None:
        """Return the slot `reserve` took: the attempt succeeded (or was not checked).

        Back at 0, the row is deleted (unless a lock is still running, which a count
        of 0 cannot have reached): it counted no failure, and it may carry this
        login's moment — `reserve` starts a new window at ``now`` when the old one
        has run out. A row that stays holds others' failures, with the moment the
        first of them started the window; only if a failed attempt on the same
        subject overlapped this one can that be this login's moment, shared with
        that failure's own.
        """
        t = schema.login_failures
        key = self._key(kind, subject)
        self._session.execute(
            update(t).where(*key, t.c.failures > 0).values(failures=t.c.failures - 1)
        )
        self._session.execute(
            delete(t).where(
                *key,
                t.c.failures == 0,
                or_(t.c.locked_until.is_(None), t.c.locked_until <= self._now),
            )
        )

    def failed(self, kind: str, subject: str) -> None:
        """The reserved attempt failed: lock the subject if that was its last one."""
        t = schema.login_failures
        count = self._session.execute(
            select(t.c.failures).where(*self._key(kind, subject))
        ).scalar_one()
        if count >= LIMITS[kind]:
            self._lock(kind, subject, count)

    def _lock(self, kind: str, subject: str, count: int) -> LockedOut:
        """Lock for LOCK_OUT. The count is kept: the window (which started before the
        lock) runs out no later than the lock, and then the count starts again."""
        until = self._now + LOCK_OUT
        t = schema.login_failures
        self._session.execute(update(t).where(*self._key(kind, subject)).values(locked_until=until))
        log.warning(
            "login locked out: election %s, %s %s…, after %d failed attempts, until %s",
            self._election_id, kind, subject[:12], count, until.isoformat(),
        )  # fmt: skip
        return LockedOut(until)


def _hold_election(session: Session, election_id: str) -> None:
    """A key-share lock on the election's row, before any counter's row is locked.

    Closing the vote locks that row (FOR UPDATE) and then deletes the counters;
    inserting a counter takes a key-share lock on it (the foreign key). Taken first,
    a login racing the close waits for it, or the close for the login, instead of
    each holding what the other waits for (a deadlock on PostgreSQL; SQLite's
    BEGIN IMMEDIATE serialises whole transactions and ignores FOR UPDATE). Key-share
    locks do not block each other: logins still run side by side.
    """
    e = schema.elections
    session.execute(
        select(e.c.id).where(e.c.id == election_id).with_for_update(key_share=True)
    ).first()


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """SQLite keeps no time zone; we store UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _attempt(
    session: Session,
    throttle: _Throttle,
    provider: IdentityProvider,
    keys: DeploymentKeys,
    election_id: str,
    form: Mapping[str, str],
    client_subject: str,
) -> Voter | IdentityError:
    """One login attempt inside the caller's transaction; the error is returned, not raised,
    so that the counters it updated are committed."""
    try:
        claimed = provider.subject(form)
    except FormError as exc:
        return throttle.reserve("client", client_subject) or _fail(throttle, exc, client_subject)
    number_subject = keys.keyed_hash("login-subject", f"{election_id}\x00{claimed}".encode())
    locked = throttle.reserve("client", client_subject)
    if locked is not None:
        return locked
    locked = throttle.reserve("number", number_subject)
    if locked is not None:
        throttle.give_back("client", client_subject)
        return locked
    voter = provider.identify(session, election_id, form)
    if voter is None:
        return _fail(throttle, AuthenticationFailed(), client_subject, number_subject)
    throttle.give_back("client", client_subject)
    throttle.give_back("number", number_subject)
    return voter


def _fail(
    throttle: _Throttle, error: IdentityError, client: str, number: str | None = None
) -> IdentityError:
    throttle.failed("client", client)
    if number is not None:
        throttle.failed("number", number)
    return error


def login(
    factory: Callable[[], Session],
    provider: IdentityProvider,
    keys: DeploymentKeys,
    election_id: str,
    form: Mapping[str, str],
    client: str,
    now: datetime.datetime,
) -> LoginResult:
    """Authenticate a resident (see the module docstring); raises `IdentityError`s."""
    now = now.astimezone(datetime.UTC)
    client_subject = keys.keyed_hash(
        "client-address", f"{election_id}\x00{client_key(client)}".encode()
    )
    with factory() as session, session.begin():
        _hold_election(session, election_id)
        election = get_election(session, election_id)  # an unknown election is no login failure
        throttle = _Throttle(session, election_id, now)
        throttle.purge()
        outcome = _attempt(session, throttle, provider, keys, election_id, form, client_subject)
    if isinstance(outcome, IdentityError):
        raise outcome  # after the commit: the counters are kept
    e = election.manifest.eligibility
    rule = EligibilityRule(e.minimum_age, e.municipality, e.reference_date)
    resident = Resident(outcome.birth_date, outcome.municipality, outcome.excluded)
    vote_open = election.state == "open" and election.manifest.window.contains(now)
    return LoginResult(outcome, reasons_not_eligible(rule, resident), vote_open)
