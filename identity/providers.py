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
* failures counted per register number and per client address: 5 within
  15 minutes lock that subject for 15 minutes, and each lock-out is logged (by
  keyed hash, never the number or address);
* eligibility reasons, and whether a credential was already taken, only after
  success.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, insert, select, update
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
        """What identifies the person being claimed (for throttling); `FormError` if malformed."""

    def identify(self, session: Session, election_id: str, form: Mapping[str, str]) -> Voter | None:
        """The voter the form proves to be, or None."""


class PollCardProvider:
    """Register number + the poll-card code from the letter."""

    name = "poll-card"

    def __init__(self, keys: DeploymentKeys) -> None:
        self._keys = keys

    def subject(self, form: Mapping[str, str]) -> str:
        try:
            return parse(form.get("register_number", "")).digits
        except InvalidRegisterNumber as exc:
            raise FormError(f"Check the register number: {exc.reason}.") from exc

    def identify(self, session: Session, election_id: str, form: Mapping[str, str]) -> Voter | None:
        number = parse(form.get("register_number", ""))
        try:
            code = normalise(form.get("code", ""))
        except CodeFormatError as exc:
            raise FormError(f"Check the code: {exc}.") from exc
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

    @property
    def eligible(self) -> bool:
        return not self.reasons_not_eligible

    @property
    def may_request_credential(self) -> bool:
        return (
            self.eligible
            and self.voter.credential_issued_on is None
            and self.voter.paper_voted_on is None
        )


class _Throttle:
    def __init__(self, session: Session, election_id: str) -> None:
        self._session = session
        self._election_id = election_id

    def _row(self, kind: str, subject: str) -> _Failures | None:
        t = schema.login_failures
        row = self._session.execute(
            select(t.c.failures, t.c.window_started_at, t.c.locked_until).where(
                t.c.election_id == self._election_id, t.c.kind == kind, t.c.subject == subject
            )
        ).one_or_none()
        if row is None:
            return None
        return _Failures(row.failures, _utc(row.window_started_at), _utc_or_none(row.locked_until))

    def locked_until(
        self, kind: str, subject: str, now: datetime.datetime
    ) -> datetime.datetime | None:
        row = self._row(kind, subject)
        until = None if row is None else row.locked_until
        return until if until is not None and until > now else None

    def fail(self, kind: str, subject: str, now: datetime.datetime) -> None:
        t = schema.login_failures
        key = (t.c.election_id == self._election_id, t.c.kind == kind, t.c.subject == subject)
        row = self._row(kind, subject)
        if row is None or row.window_started_at + FAILURE_WINDOW <= now:
            failures, started = 1, now
            self._session.execute(delete(t).where(*key))
            self._session.execute(
                insert(t).values(
                    election_id=self._election_id,
                    kind=kind,
                    subject=subject,
                    failures=1,
                    window_started_at=now,
                    locked_until=None,
                )
            )
        else:
            failures, started = row.failures + 1, row.window_started_at
            self._session.execute(update(t).where(*key).values(failures=failures))
        if failures >= MAX_FAILURES:
            until = now + LOCK_OUT
            self._session.execute(
                update(t).where(*key).values(locked_until=until, failures=0, window_started_at=now)
            )
            log.warning(
                "login locked out: election %s, %s %s…, %d failures since %s, until %s",
                self._election_id, kind, subject[:12], failures, started.isoformat(),
                until.isoformat(),
            )  # fmt: skip

    def succeed(self, kind: str, subject: str) -> None:
        t = schema.login_failures
        self._session.execute(
            delete(t).where(
                t.c.election_id == self._election_id, t.c.kind == kind, t.c.subject == subject
            )
        )


@dataclass(frozen=True, slots=True)
class _Failures:
    failures: int
    window_started_at: datetime.datetime
    locked_until: datetime.datetime | None


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """SQLite keeps no time zone; we store UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _utc_or_none(moment: datetime.datetime | None) -> datetime.datetime | None:
    return None if moment is None else _utc(moment)


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
    client_subject = keys.keyed_hash("client-address", f"{election_id}\x00{client}".encode())
    with factory() as session, session.begin():
        throttle = _Throttle(session, election_id)
        get_election(session, election_id)  # an unknown election is not a login failure
        locked = throttle.locked_until("client", client_subject, now)
        try:
            claimed = provider.subject(form)
        except FormError:
            if locked is None:
                throttle.fail("client", client_subject, now)
            raise
        number_subject = keys.keyed_hash("login-subject", f"{election_id}\x00{claimed}".encode())
        locked = locked or throttle.locked_until("number", number_subject, now)
        if locked is not None:
            raise LockedOut(locked)
        try:
            voter = provider.identify(session, election_id, form)
        except FormError:
            throttle.fail("client", client_subject, now)
            raise
        if voter is None:
            throttle.fail("client", client_subject, now)
            throttle.fail("number", number_subject, now)
        else:
            throttle.succeed("client", client_subject)
            throttle.succeed("number", number_subject)
    # The failures are committed above, whatever is raised here.
    if voter is None:
        raise AuthenticationFailed
    with factory() as session:
        manifest = get_election(session, election_id).manifest
    rule = EligibilityRule(
        manifest.eligibility.minimum_age,
        manifest.eligibility.municipality,
        manifest.eligibility.reference_date,
    )
    resident = Resident(voter.birth_date, voter.municipality, voter.excluded)
    return LoginResult(voter, reasons_not_eligible(rule, resident))
