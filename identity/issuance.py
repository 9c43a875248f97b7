"""Issuing credentials: one per eligible voter, unlinkable to the voter.

1. After `identity.providers.login`, while the vote is open, an eligible voter who
   has no credential and did not vote on paper gets an **issuance ticket**:
   itsdangerous-signed, 10 minutes, naming the election and the keyed hash of the
   voter's register number.
2. The voter's device sends the ticket and one blinded message; `blind_sign`
   checks the ticket and, in one transaction, locks the voter's row, checks again
   that they are in the register and eligible, marks them with the day of issuance
   by a conditional UPDATE that matches only if no credential was issued and no
   paper vote recorded, and only then signs. The signature is returned only if
   that commits. Two concurrent requests for one voter: the database lets exactly
   one UPDATE match; the others get `AlreadyIssued`, as does a replayed ticket
   with another blinded message.

3. If the answer is lost on the way (a dropped connection, a closed tab), the
   device asks again with the same ticket and the same blinded message, which it
   kept: the voter row holds the SHA-256 of the blinded message it was marked for,
   and only that message is signed again (RSA signing is deterministic, so it is
   the same signature: no second credential). A retry may come after the ticket's
   ten minutes, while the vote is open; a first request may not.

What is stored about issuance: the voter row's ``credential_issued_on`` (a day,
not a time) and, until the vote closes, ``issued_request``, the hash of the
blinded message. The blinding (RFC 9474) makes that message independent of the
credential it carries, so it links nothing: the registrar saw it anyway when it
signed. Never the ticket, the signature, or the credential key: no table or log
can join issuance and ballots.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Update, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto.blind import BlindSignatureError, BlindSigner, PublicKey
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest, local_date
from evoting.elections import (
    checked_credential_public_key,
    get_election,
    sealed_public_key,
    store_sealed_key,
    unsealed_private_key,
)
from evoting.turnout import suppressed
from identity.eligibility import EligibilityRule, Resident, age_on, reasons_not_eligible
from identity.nrn import RegisterNumber
from identity.providers import IdentityError, LoginResult, Voter, voter_from_row
from identity.register import number_hasher

TICKET_LIFETIME = datetime.timedelta(minutes=10)
_TICKET_SALT = "EVOTING-V1-issuance-ticket"
AGE_BANDS = ((16, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, None))


class IssuanceError(IdentityError):
    """A credential request that is refused; the message says why."""


class AlreadyIssued(IssuanceError):
    pass


class TicketRefused(IssuanceError):
    pass


# --- the election's signing key ------------------------------------------------------


def create_credential_key(
    session: Session, election_id: str, keys: DeploymentKeys, now: datetime.datetime
) -> PublicKey:
    """Make the election's RSA-3072 key; the private half is stored sealed."""
    signer = BlindSigner.generate()
    store_sealed_key(session, election_id, "credential", signer.public_key.to_der(),
                     signer.private_pem(), keys, now)  # fmt: skip
    return signer.public_key


def credential_public_key(session: Session, election_id: str) -> PublicKey:
    """The stored public key, as anyone reads it (devices, auditors)."""
    return PublicKey.from_der(sealed_public_key(session, election_id, "credential"))


def _signer(session: Session, election_id: str, keys: DeploymentKeys) -> BlindSigner:
    return _loaded_signer(unsealed_private_key(session, election_id, "credential", keys))


@functools.lru_cache(maxsize=8)
def _loaded_signer(private_pem: bytes) -> BlindSigner:
    """Loading (and validating) an RSA-3072 key costs about 0.1 s: once per process per key."""
    return BlindSigner.from_pem(private_pem)


# --- tickets ---------------------------------------------------------------------------


def _serializer(keys: DeploymentKeys, now: datetime.datetime) -> URLSafeTimedSerializer:
    """itsdangerous with the time as an input (it reads the clock in its signer)."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(keys.key("issuance-ticket"), salt=_TICKET_SALT, signer=Signer)


def issue_ticket(keys: DeploymentKeys, result: LoginResult, now: datetime.datetime) -> str:
    """A ticket for one credential request, if the voter may request one now.

    The ticket names the voter by the keyed hash of their register number (never a
    row id, which a re-import may give to someone else); itsdangerous signs it and
    dates it. Nothing in it means anything without the deployment secret.
    """
    voter = result.voter
    if not result.eligible:
        raise IssuanceError("; ".join(r.message for r in result.reasons_not_eligible))
    if voter.credential_issued_on is not None:
        raise AlreadyIssued(
            f"a credential was already issued to you on {voter.credential_issued_on:%d/%m/%Y}"
        )
    if voter.paper_voted_on is not None:
        raise IssuanceError("you voted on paper; there is no online vote for you")
    if not result.vote_open:
        raise IssuanceError("the vote is not open now: credentials are issued while it is")
    return _serializer(keys, now).dumps({"e": voter.election_id, "n": voter.number_hash})


def blind_sign(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    ticket: str,
    blinded_message: bytes,
    now: datetime.datetime,
) -> bytes:
    """Check the ticket, then in one transaction: re-check the voter, mark them, sign.

    The private key is used only after the database matched the conditional UPDATE
    (at most once per voter), and the signature leaves only if that commits.
    """
    serializer = _serializer(keys, now)
    expired = False
    try:
        payload = serializer.loads(ticket, max_age=int(TICKET_LIFETIME.total_seconds()))
    except SignatureExpired:
        expired = True  # good for a retry only (below)
        payload = serializer.loads(ticket)
    except BadSignature as exc:
        raise TicketRefused("this is not a valid ticket") from exc
    if not isinstance(payload, dict) or payload.get("e") != election_id:
        raise TicketRefused("the ticket is for another election")
    request = hashlib.sha256(blinded_message).hexdigest()
    v = schema.voters
    with factory() as session, session.begin():
        election = get_election(session, election_id)
        if election.state != "open" or not election.manifest.window.contains(now):
            raise IssuanceError("the vote is not open now: no credentials are issued")
        row = session.execute(
            select(v)
            .where(v.c.election_id == election_id, v.c.number_hash == payload.get("n"))
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise IssuanceError("you are not in the register of this vote (any more)")
        voter = voter_from_row(row)
        reasons = reasons_not_eligible(_rule(election.manifest), _resident(voter))
        if reasons:
            raise IssuanceError("; ".join(r.message for r in reasons))
        retry = row.issued_request is not None and hmac.compare_digest(row.issued_request, request)
        if not retry:
            if expired:
                raise TicketRefused("the ticket has expired: log in again")
            if not _mark_once(session, voter.id, credential_issued_on=local_date(now),
                              issued_request=request):  # fmt: skip
                raise AlreadyIssued(
                    "a credential was already issued to you (or you voted on paper)"
                )
        checked_credential_public_key(session, election_id, keys)  # stop if the key was swapped
        try:
            return _signer(session, election_id, keys).blind_sign(blinded_message)
        except BlindSignatureError as exc:
            raise IssuanceError(f"the request cannot be signed: {exc}") from exc


def _rule(manifest: Manifest) -> EligibilityRule:
    e = manifest.eligibility
    return EligibilityRule(e.minimum_age, e.municipality, e.reference_date)


def _resident(voter: Voter) -> Resident:
    return Resident(voter.birth_date, voter.municipality, voter.excluded)


def _mark_once(session: Session, voter_id: int, **values: object) -> bool:
    """Mark the voter as having voted one way (credential or paper), if neither yet.

    A conditional UPDATE: the database decides, not a prior read, so of concurrent
    requests for one voter exactly one matches.
    """
    v = schema.voters
    statement: Update = (
        update(v)
        .where(v.c.id == voter_id, v.c.credential_issued_on.is_(None),
               v.c.paper_voted_on.is_(None))
        .values(**values)
    )  # fmt: skip
    return int(cast(CursorResult[Any], session.execute(statement)).rowcount) == 1


# --- paper ----------------------------------------------------------------------------


def mark_paper(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    number: RegisterNumber,
    now: datetime.datetime,
) -> None:
    """Record at the polling station that this resident votes on paper.

    Refused, with the reason, if they are not in the register, not eligible, hold an
    online credential, or were already marked.
    """
    v = schema.voters
    with factory() as session, session.begin():
        election = get_election(session, election_id)
        if election.state != "open":
            raise IssuanceError(
                f"the vote is {election.state}: paper votes are recorded while it is open"
            )
        number_hash = number_hasher(keys, election_id)(number)
        row = session.execute(
            select(v).where(v.c.election_id == election_id, v.c.number_hash == number_hash)
        ).one_or_none()
        if row is None:
            raise IssuanceError("this register number is not in the register of this vote")
        voter = voter_from_row(row)
        reasons = reasons_not_eligible(_rule(election.manifest), _resident(voter))
        if reasons:
            raise IssuanceError("not eligible: " + "; ".join(r.message for r in reasons))
        if not _mark_once(session, voter.id, paper_voted_on=local_date(now)):
            current = session.execute(select(v).where(v.c.id == voter.id)).one()
            if current.credential_issued_on is not None:
                raise AlreadyIssued(
                    "this resident took an online credential on "
                    f"{current.credential_issued_on:%d/%m/%Y}: no paper ballot"
                )
            raise AlreadyIssued(
                f"this resident already voted on paper on {current.paper_voted_on:%d/%m/%Y}"
            )


# --- published for auditors ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuanceReport:
    """Counts only, from the issuance records (docs/threat-model.md says why): turnout by
    age band and by district from credentials taken and paper marks, small cells
    suppressed (evoting/turnout.py)."""

    public_key_pem: str
    eligible: int
    credentials_issued: int
    paper_votes: int
    min_cell: int
    turnout_by_age_band: dict[str, dict[str, int] | None]
    turnout_by_district: dict[str, dict[str, int] | None]

    def to_json(self) -> dict[str, object]:
        return {
            "credential_public_key": self.public_key_pem,
            "eligible": self.eligible,
            "credentials_issued": self.credentials_issued,
            "paper_votes": self.paper_votes,
            "min_cell": self.min_cell,
            "turnout_by_age_band": self.turnout_by_age_band,
            "turnout_by_district": self.turnout_by_district,
        }


def band_of_age(age: int) -> str:
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return f"under {AGE_BANDS[0][0]}"


def issuance_report(
    factory: Callable[[], Session], election_id: str, keys: DeploymentKeys
) -> IssuanceReport:
    v = schema.voters
    with factory() as session:
        election = get_election(session, election_id)
        public_key = checked_credential_public_key(session, election_id, keys)
        e = election.manifest.eligibility
        rule = EligibilityRule(e.minimum_age, e.municipality, e.reference_date)
        cells: dict[str, dict[str, list[int]]] = {"band": {}, "district": {}}
        issued = paper = 0
        for row in session.execute(
            select(v.c.birth_date, v.c.municipality, v.c.excluded, v.c.district,
                   v.c.credential_issued_on, v.c.paper_voted_on)
            .where(v.c.election_id == election_id)
        ):  # fmt: skip
            if reasons_not_eligible(rule, Resident(row.birth_date, row.municipality,
                                                   row.excluded)):  # fmt: skip
                continue
            took = row.credential_issued_on is not None or row.paper_voted_on is not None
            issued += row.credential_issued_on is not None
            paper += row.paper_voted_on is not None
            for table, key in (("band", band_of_age(age_on(row.birth_date, e.reference_date))),
                               ("district", row.district)):  # fmt: skip
                cell = cells[table].setdefault(key, [0, 0])
                cell[0] += 1
                cell[1] += took
    min_cell = election.manifest.min_cell
    return IssuanceReport(
        public_key.to_pem(),
        sum(c[0] for c in cells["band"].values()),
        issued,
        paper,
        min_cell,
        suppressed({k: (c[0], c[1]) for k, c in cells["band"].items()}, min_cell),
        suppressed({k: (c[0], c[1]) for k, c in cells["district"].items()}, min_cell),
    )
