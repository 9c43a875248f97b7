"""The platform register: residents verify their participation-platform account against it.

An election's register lives and dies with the election; the platform's processes
run months before any vote, so the deployment keeps one register of its own
(evoting/register_schema.py), imported from the same extract (identity/register.py
reads and checks it) and with its own poll-card letters: "your code to verify your
account on the participation platform".

* **Keys apart from the elections'.** The register number's keyed hash uses the
  deployment key ``platform-register`` (an election's uses ``register-hmac``); codes
  are hashed as an election's (identity/pollcards.py) but bound to ``@platform``,
  which no election id can be; throttling subjects are bound to it too. Nothing
  computed here equals anything an election's register stores.
* **What the platform learns** (`Verified`): that the person is a verified resident,
  their age band (the turnout tables' bands, identity/issuance.py) and district, and
  ``verification_hash`` = HMAC(``platform-resident``, the entry's number hash), the
  same for one person every time and different for each, so that one resident
  cannot verify two accounts. Never the register number; no voting credential.
* **One entry verifies one account**: `verify_resident` sets ``verified_on`` with
  ``UPDATE … WHERE verified_on IS NULL``, so of two racing requests one wins; the
  same account may verify again (``verified_as``: a move changes its district), and
  `release_verification` frees the entry when that account is deleted.
* **Attempts** are throttled as election logins are (identity/providers.py): one
  answer for an unknown number and a wrong code, with the same work; 5 failures per
  number and 20 per client in 15 minutes lock that subject for 15 minutes; only
  failures are kept. Eligibility (the newest import's minimum age on the day of
  verification, Europe/Brussels; the city's municipality; not excluded) and an entry
  already used are told only after the code was right.
"""

from __future__ import annotations

import datetime
import hmac
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import ColumnElement, case, delete, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from evoting.deployment import DeploymentKeys
from evoting.qr import draw_qr
from evoting.register_schema import (
    platform_login_failures,
    platform_register,
    platform_register_imports,
)
from identity.eligibility import EligibilityRule, Reason, Resident, age_on, reasons_not_eligible
from identity.issuance import band_of_age  # one set of bands for all demographics
from identity.municipalities import municipality as municipality_on
from identity.nrn import InvalidRegisterNumber, RegisterNumber, parse
from identity.pollcards import (
    CodeFormatError,
    Letter,
    PollCardError,
    code_hasher,
    code_matches,
    display,
    new_code,
    normalise,
    wrap_text,
)
from identity.providers import (
    LIMITS,
    LOCK_OUT,
    AuthenticationFailed,
    FormError,
    IdentityError,
    LockedOut,
    client_key,
    log,
)
from identity.register import ImportSummary, Problem, RegisterError, RegisterFile

PLATFORM = "@platform"
"""Binds the platform's code hashes and throttling subjects (no election id has an @)."""
DEFAULT_MINIMUM_AGE = 16
VERIFY_PATH = "/account/verify"
"""The web page the letter's QR code opens, with the code in the URL's fragment."""
FAILURE_WINDOW = datetime.timedelta(minutes=15)
BRUSSELS = ZoneInfo("Europe/Brussels")
_WEB_ADDRESS = re.compile(r"https?://[^\s/#?]+[^\s#?]*")
_CHUNK = 500


class NotEligible(IdentityError):
    """The code was right, but this resident may not verify an account (the reasons say why)."""

    def __init__(self, reasons: tuple[Reason, ...]) -> None:
        super().__init__("; ".join(r.message for r in reasons))
        self.reasons = reasons


class EntryAlreadyUsed(IdentityError):
    def __init__(self) -> None:
        super().__init__("This register number has already verified an account on the platform.")


class PlatformLetterError(PollCardError):
    """Letters cannot be made now or from this file."""


@dataclass(frozen=True, slots=True)
class Verified:
    """All the platform keeps of a verification (participation/residents.py mark_verified)."""

    age_band: str
    district: str
    verification_hash: str


@dataclass(frozen=True, slots=True)
class PlatformCodes:
    """New codes (in the letters, to print) and who got none, by reason."""

    letters: tuple[Letter, ...]
    not_eligible: int
    verified: int
    kept: int  # already had a code (no --renew)


def platform_number_hasher(keys: DeploymentKeys) -> Callable[[RegisterNumber], str]:
    hash_bytes = keys.hasher("platform-register")
    return lambda number: hash_bytes(number.digits.encode("ascii"))


def verification_hash_of(keys: DeploymentKeys) -> Callable[[str], str]:
    """``number hash → verification hash``: what the account keeps of the person."""
    hash_bytes = keys.hasher("platform-resident")
    return lambda number_hash: hash_bytes(number_hash.encode("ascii"))


def age_band(birth_date: datetime.date, day: datetime.date) -> str:
    return band_of_age(age_on(birth_date, day))


def brussels_day(now: datetime.datetime) -> datetime.date:
    return now.astimezone(BRUSSELS).date()


# --- import ------------------------------------------------------------------------------


def _home(register: RegisterFile, given: str | None, day: datetime.date) -> str:
    if given is not None:
        if municipality_on(given, day) is None:
            raise RegisterError([Problem(None, "municipality", f"municipality {given!r} is not "
                                         f"a Belgian NIS code in force on {day}",
                                         {"code": given, "day": day.isoformat()})])  # fmt: skip
        return given
    found = Counter(r.municipality for r in register.rows)
    if len(found) != 1:
        problem = Problem(None, "municipality_ambiguous", f"the file lists residents of "
                          f"{len(found)} municipalities: name the city the platform serves",
                          {"found": len(found)})  # fmt: skip
        raise RegisterError([problem])
    return next(iter(found))


def import_platform_register(
    session: Session,
    register: RegisterFile,
    keys: DeploymentKeys,
    now: datetime.datetime,
    min_age: int = DEFAULT_MINIMUM_AGE,
    *,
    municipality: str | None = None,
) -> ImportSummary:
    """Replace the platform register with ``register`` (inside the caller's transaction).

    ``municipality`` (the city's NIS code) may be left out when every row has the same.
    Residents who stay keep their code and ``verified_on``; residents who left go.
    """
    if min_age < 0:
        raise RegisterError([Problem(None, "minimum_age", "the minimum age is negative")])
    home = _home(register, municipality, brussels_day(now))
    if session.get_bind().dialect.name == "postgresql":  # one import at a time (SQLite: IMMEDIATE)
        session.execute(text("LOCK TABLE platform_register IN SHARE ROW EXCLUSIVE MODE"))
    hash_of, r = platform_number_hasher(keys), platform_register
    incoming = {
        hash_of(row.number): (row.birth_date, row.municipality, row.district, row.excluded)
        for row in register.rows
    }
    existing = {
        row.number_hash: (row.birth_date, row.municipality, row.district, row.excluded)
        for row in session.execute(
            select(r.c.number_hash, r.c.birth_date, r.c.municipality, r.c.district, r.c.excluded)
        )
    }
    added = [h for h in incoming if h not in existing]
    removed = [h for h in existing if h not in incoming]
    changed = [h for h in incoming if h in existing and incoming[h] != existing[h]]
    for start in range(0, len(removed), _CHUNK):
        session.execute(delete(r).where(r.c.number_hash.in_(removed[start : start + _CHUNK])))
    for h in changed:
        birth, nis, district, excluded = incoming[h]
        session.execute(update(r).where(r.c.number_hash == h).values(
            birth_date=birth, municipality=nis, district=district, excluded=excluded))  # fmt: skip
    if added:
        session.execute(insert(r), [
            {"number_hash": h, "birth_date": incoming[h][0], "municipality": incoming[h][1],
             "district": incoming[h][2], "excluded": incoming[h][3]} for h in added
        ])  # fmt: skip
    session.execute(insert(platform_register_imports).values(
        imported_at=now, file_sha256=register.sha256, rows=len(register.rows), added=len(added),
        removed=len(removed), changed=len(changed), minimum_age=min_age,
        municipality=home))  # fmt: skip
    return ImportSummary(rows=len(register.rows), added=len(added), removed=len(removed),
                         changed=len(changed),
                         unchanged=len(incoming) - len(added) - len(changed))  # fmt: skip


def _rule(session: Session, day: datetime.date) -> EligibilityRule | None:
    """Who may verify on ``day``, by the newest import (None: nothing was imported)."""
    i = platform_register_imports
    newest = session.execute(
        select(i.c.minimum_age, i.c.municipality).order_by(i.c.id.desc()).limit(1)
    ).one_or_none()
    return None if newest is None else EligibilityRule(newest[0], newest[1], day)


# --- codes and letters ----------------------------------------------------------------


def generate_platform_codes(
    session: Session,
    register: RegisterFile,
    keys: DeploymentKeys,
    now: datetime.datetime,
    *,
    language: str = "nl",
    renew: bool = False,
) -> PlatformCodes:
    """A new code (stored hashed, in the caller's transaction) for each eligible resident
    of ``register`` who has not verified an account and has no code yet (``renew``:
    has one or not; their earlier letters stop working). ``register`` is the imported
    extract again, for names and addresses; ``language`` is for rows that give none.
    """
    if language not in _TEXT:
        raise PlatformLetterError(f"letters are written in nl, fr or en, not {language!r}")
    rule = _rule(session, brussels_day(now))
    if rule is None:
        raise PlatformLetterError("import the platform register first")
    r, hash_of = platform_register, platform_number_hasher(keys)
    stored = {row.number_hash: row for row in session.execute(select(r))}
    hash_code = code_hasher(keys, PLATFORM)
    problems, letters, counts = [], [], Counter[str]()
    for row in register.rows:
        h = hash_of(row.number)
        entry = stored.get(h)
        if entry is None:
            problems.append(f"line {row.line}: not in the imported platform register")
        elif (entry.birth_date, entry.municipality, entry.district, entry.excluded) != (
            row.birth_date, row.municipality, row.district, row.excluded
        ):  # fmt: skip
            problems.append(f"line {row.line}: differs from the imported platform register")
        elif reasons_not_eligible(rule, Resident(row.birth_date, row.municipality, row.excluded)):
            counts["not_eligible"] += 1
        elif entry.verified_on is not None:
            counts["verified"] += 1
        elif entry.code_hash is not None and not renew:
            counts["kept"] += 1
        else:
            code = new_code()
            code_hash = hash_code(h, code)
            session.execute(update(r).where(r.c.id == entry.id).values(code_hash=code_hash))
            letters.append(Letter(row.name, row.street, row.postal_code, row.city,
                                  row.language or language, code))  # fmt: skip
    if problems:
        raise PlatformLetterError("the file is not the imported platform register:\n"
                                  + "\n".join(problems))  # fmt: skip
    return PlatformCodes(tuple(letters), counts["not_eligible"], counts["verified"], counts["kept"])


_TEXT = {
    "nl": {
        "title": "Uw code om uw account op het participatieplatform te verifiëren",
        "intro": "Met deze code bevestigt u dat uw account op het participatieplatform van een "
        "inwoner is. De steun van geverifieerde inwoners telt mee voor een burgerinitiatief, en "
        "sommige trajecten laten alleen geverifieerde inwoners ideeën indienen.",
        "how": "Ga naar {address}, meld u aan (of maak een account aan) en vul uw "
        "rijksregisternummer (op de achterkant van uw identiteitskaart) en deze code in, of "
        "scan de QR-code.",
        "code": "Uw verificatiecode",
        "keep": "Deze code verifieert één account, één keer. Geef ze aan niemand.",
        "privacy": "Het platform bewaart alleen dat u een geverifieerde inwoner bent, uw "
        "leeftijdsgroep en uw wijk: niet uw rijksregisternummer. Met deze code kunt u niet "
        "stemmen: voor elke stemming krijgt u een aparte brief.",
    },
    "fr": {
        "title": "Votre code pour vérifier votre compte sur la plateforme de participation",
        "intro": "Ce code confirme que votre compte sur la plateforme de participation appartient "
        "à un habitant. Le soutien des habitants vérifiés compte pour une initiative citoyenne, "
        "et certains processus réservent le dépôt d'idées aux habitants vérifiés.",
        "how": "Rendez-vous sur {address}, connectez-vous (ou créez un compte) et saisissez votre "
        "numéro de registre national (au dos de votre carte d'identité) et ce code, ou scannez "
        "le code QR.",
        "code": "Votre code de vérification",
        "keep": "Ce code vérifie un seul compte, une seule fois. Ne le donnez à personne.",
        "privacy": "La plateforme conserve seulement que vous êtes un habitant vérifié, votre "
        "tranche d'âge et votre quartier : pas votre numéro de registre national. Ce code ne "
        "permet pas de voter : chaque vote a sa propre lettre.",
    },
    "en": {
        "title": "Your code to verify your account on the participation platform",
        "intro": "This code confirms that your account on the participation platform belongs to "
        "a resident. Verified residents' support counts toward a residents' initiative, and some "
        "processes let only verified residents propose ideas.",
        "how": "Go to {address}, log in (or create an account) and enter your national register "
        "number (on the back of your identity card) and this code, or scan the QR code.",
        "code": "Your verification code",
        "keep": "This code verifies one account, once. Give it to nobody.",
        "privacy": "The platform keeps only that you are a verified resident, your age band and "
        "your district: not your register number. You cannot vote with this code: every vote "
        "comes with its own letter.",
    },
}


def verify_url(web_address: str, code: str) -> str:
    """The verify page with the code in the URL's fragment (never sent to the server)."""
    return f"{web_address.rstrip('/')}{VERIFY_PATH}#code={display(code)}"


def _draw(canvas: Canvas, web_address: str, letter: Letter) -> None:
    words = _TEXT.get(letter.language, _TEXT["nl"])
    width, height = A4
    left, usable = 25 * mm, width - 50 * mm
    canvas.setFont("Helvetica", 11)  # the address block sits in a DL window envelope
    y = height - 55 * mm
    for part in (letter.name, letter.street, f"{letter.postal_code} {letter.city}"):
        canvas.drawString(left + 95 * mm, y, part)
        y -= 5 * mm
    canvas.setFont("Helvetica-Bold", 15)
    y = wrap_text(canvas, words["title"], left, height - 100 * mm, usable, 15, "Helvetica-Bold")
    canvas.setFont("Helvetica", 11)
    y = wrap_text(canvas, words["intro"], left, y - 3 * mm, usable, 11)
    y = wrap_text(canvas, words["how"].format(address=web_address), left, y - 2 * mm, usable, 11)
    y -= 8 * mm
    canvas.setFont("Helvetica", 10)
    canvas.drawString(left, y, words["code"])
    canvas.setFont("Courier-Bold", 20)
    canvas.drawString(left, y - 10 * mm, display(letter.code))
    size = 40 * mm
    draw_qr(canvas, verify_url(web_address, letter.code), width - 25 * mm - size, y - 25 * mm, size)
    canvas.setFont("Helvetica-Oblique", 9)
    y = wrap_text(canvas, words["keep"], left, y - 35 * mm, usable, 9, "Helvetica-Oblique")
    canvas.setFont("Helvetica", 8.5)
    wrap_text(canvas, words["privacy"], left, y - 4 * mm, usable, 8.5)
    canvas.showPage()


def write_platform_letters(path: Path, web_address: str, letters: Iterable[Letter]) -> int:
    """One A4 page per letter in ``path`` (mode 0600, replaced whole or not at all)."""
    if not _WEB_ADDRESS.fullmatch(web_address):
        raise PlatformLetterError("the web address is https://... (no query or fragment)")
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    count = 0
    try:
        with os.fdopen(fd, "wb") as f:
            canvas = Canvas(f, pagesize=A4, invariant=True)
            canvas.setTitle("Participation platform: verification codes")
            for letter in letters:
                _draw(canvas, web_address, letter)
                count += 1
            canvas.save()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


# --- verification ---------------------------------------------------------------------


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


class _Throttle:
    """identity/providers.py's `_Throttle` on ``platform_login_failures``: an attempt
    reserves a slot (an upsert that returns the count and locks the subject's row)
    before its code is checked, a success gives it back, and a row back at 0 goes."""

    def __init__(self, session: Session, now: datetime.datetime) -> None:
        self._session, self._now = session, now
        dialect = session.get_bind().dialect.name
        self._insert = pg_insert if dialect == "postgresql" else sqlite_insert

    @staticmethod
    def _key(kind: str, subject: str) -> tuple[ColumnElement[bool], ...]:
        t = platform_login_failures
        return t.c.kind == kind, t.c.subject == subject

    def purge(self) -> None:
        t = platform_login_failures
        self._session.execute(delete(t).where(
            t.c.window_started_at <= self._now - FAILURE_WINDOW,
            or_(t.c.locked_until.is_(None), t.c.locked_until <= self._now)))  # fmt: skip

    def reserve(self, kind: str, subject: str) -> LockedOut | None:
        t = platform_login_failures
        locked = self._session.execute(
            select(t.c.locked_until).where(*self._key(kind, subject))
        ).scalar_one_or_none()
        if locked is not None and _utc(locked) > self._now:
            return LockedOut(_utc(locked))
        expired = t.c.window_started_at <= self._now - FAILURE_WINDOW
        statement = (
            self._insert(t)
            .values(kind=kind, subject=subject, failures=1, window_started_at=self._now)
            .on_conflict_do_update(
                index_elements=[t.c.kind, t.c.subject],
                set_={
                    "failures": case((expired, 1), else_=t.c.failures + 1),
                    "window_started_at": case((expired, self._now), else_=t.c.window_started_at),
                },
            )
            .returning(t.c.failures)
        )
        count = int(self._session.execute(statement).scalar_one())
        return self._lock(kind, subject, count) if count > LIMITS[kind] else None

    def give_back(self, kind: str, subject: str) -> None:
        t = platform_login_failures
        key = self._key(kind, subject)
        self._session.execute(
            update(t).where(*key, t.c.failures > 0).values(failures=t.c.failures - 1)
        )
        self._session.execute(delete(t).where(
            *key, t.c.failures == 0,
            or_(t.c.locked_until.is_(None), t.c.locked_until <= self._now)))  # fmt: skip

    def failed(self, kind: str, subject: str) -> None:
        t = platform_login_failures
        count = self._session.execute(
            select(t.c.failures).where(*self._key(kind, subject))
        ).scalar_one()
        if count >= LIMITS[kind]:
            self._lock(kind, subject, count)

    def _lock(self, kind: str, subject: str, count: int) -> LockedOut:
        until = self._now + LOCK_OUT
        t = platform_login_failures
        self._session.execute(update(t).where(*self._key(kind, subject)).values(locked_until=until))
        log.warning("platform verification locked out: %s %s…, after %d failed attempts, "
                    "until %s", kind, subject[:12], count, until.isoformat())  # fmt: skip
        return LockedOut(until)


def _authenticate(
    session: Session, keys: DeploymentKeys, number_text: str, code_text: str, client: str,
    now: datetime.datetime,
) -> tuple[Any, str] | IdentityError:  # fmt: skip
    """The register entry and its number hash, or the error to raise once the counters commit."""
    throttle = _Throttle(session, now)
    throttle.purge()
    client_subject = keys.keyed_hash("client-address",
                                     f"{PLATFORM}\x00{client_key(client)}".encode())  # fmt: skip
    try:
        number = parse(number_text)
        code = normalise(code_text)
    except (InvalidRegisterNumber, CodeFormatError) as exc:
        what = "register number" if isinstance(exc, InvalidRegisterNumber) else "code"
        form_error = FormError(f"Check the {what}: {getattr(exc, 'reason', exc)}.")
        locked = throttle.reserve("client", client_subject)
        if locked is None:
            throttle.failed("client", client_subject)
        return locked or form_error
    number_subject = keys.keyed_hash("login-subject", f"{PLATFORM}\x00{number.digits}".encode())
    locked = throttle.reserve("client", client_subject)
    if locked is not None:
        return locked
    locked = throttle.reserve("number", number_subject)
    if locked is not None:
        throttle.give_back("client", client_subject)
        return locked
    number_hash = platform_number_hasher(keys)(number)
    r = platform_register
    entry = session.execute(select(r).where(r.c.number_hash == number_hash)).one_or_none()
    candidate = code_hasher(keys, PLATFORM)(number_hash, code)  # the same work either way
    if not code_matches(None if entry is None else entry.code_hash, candidate) or entry is None:
        throttle.failed("client", client_subject)
        throttle.failed("number", number_subject)
        return AuthenticationFailed()
    throttle.give_back("client", client_subject)
    throttle.give_back("number", number_subject)
    return entry, number_hash


def _conclude(
    session: Session, keys: DeploymentKeys, entry: Any, number_hash: str, day: datetime.date,
    verified_as: str | None,
) -> Verified | IdentityError:  # fmt: skip
    """After the code was right: eligibility, then mark the entry used (once)."""
    rule = _rule(session, day)
    assert rule is not None  # an entry comes with its import
    reasons = reasons_not_eligible(rule, Resident(entry.birth_date, entry.municipality,
                                                  entry.excluded))  # fmt: skip
    if reasons:
        return NotEligible(reasons)
    verified = Verified(age_band(entry.birth_date, day), entry.district,
                        verification_hash_of(keys)(number_hash))  # fmt: skip
    if entry.verified_on is not None:
        mine = verified.verification_hash
        same = verified_as is not None and hmac.compare_digest(verified_as, mine)
        return verified if same else EntryAlreadyUsed()
    r = platform_register
    marked = session.execute(
        update(r).where(r.c.id == entry.id, r.c.verified_on.is_(None)).values(verified_on=day)
    )
    return verified if marked.rowcount == 1 else EntryAlreadyUsed()  # type: ignore[attr-defined]


def verify_resident(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    number_text: str,
    code_text: str,
    client: str,
    now: datetime.datetime,
    *,
    then: Callable[[Session, Verified], Any] | None = None,
    verified_as: str | None = None,
) -> Verified:
    """Check a register number and platform code as typed; mark the entry used; raise
    `IdentityError`s (`FormError`, `AuthenticationFailed`, `LockedOut`, `NotEligible`,
    `EntryAlreadyUsed`) after committing the failure counters.

    ``then(session, verified)`` runs in the same transaction once the entry is marked
    (the web layer's ``mark_verified`` on the account): if it raises, nothing is
    marked. ``verified_as`` is the account's own verification hash, if it has one:
    the same person verifying it again is not refused as an entry already used.
    """
    now = now.astimezone(datetime.UTC)
    with factory() as session, session.begin():
        found = _authenticate(session, keys, number_text, code_text, client, now)
        outcome = found if isinstance(found, IdentityError) else _conclude(
            session, keys, *found, brussels_day(now), verified_as)  # fmt: skip
        if isinstance(outcome, Verified) and then is not None:
            then(session, outcome)
    if isinstance(outcome, IdentityError):
        raise outcome  # after the commit: the counters are kept
    return outcome


def release_verification(session: Session, keys: DeploymentKeys, verification_hash: str) -> bool:
    """The account verified with ``verification_hash`` was deleted: its register entry may
    verify another account. False if no entry matches (it left the register)."""
    r, hash_of = platform_register, verification_hash_of(keys)
    for entry_id, number_hash in session.execute(
        select(r.c.id, r.c.number_hash).where(r.c.verified_on.is_not(None))
    ):
        if hmac.compare_digest(hash_of(number_hash), verification_hash):
            session.execute(update(r).where(r.c.id == entry_id).values(verified_on=None))
            return True
    return False
