"""Poll-card codes and the letters that carry them.

A code is 16 random symbols from a 30-symbol alphabet without look-alikes
(no 0/O, 1/I/L, U), about 78 bits, plus one check symbol (ISO 7064 hybrid
system Mod 31,30, through python-stdnum), which catches every single wrong
symbol and every swap of two neighbours. Written ``ABCD-EFGH-JKMN-PQRS-T``.

Only an HMAC of each code is stored (deployment key ``poll-card-code``, bound to
the election and the voter's register hash); the code itself exists only in the
letter. Letters are one A4 page per voter (reportlab): the question, the voting
period, the web address, the code, and a QR code that opens the login page with
the code filled in (in the URL's fragment, which never reaches the server; never
the register number), and the election fingerprint (full lowercase hex, as the
official report and `evote verify` print it) for the resident to compare.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from stdnum.iso7064 import mod_37_36

from evoting import schema
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest
from evoting.elections import get_election
from evoting.qr import draw_qr
from identity.eligibility import EligibilityRule, Resident, reasons_not_eligible
from identity.register import RegisterFile, RegisterRow, number_hasher

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 symbols; Mod 31,30 (31 is prime)
BODY_LENGTH = 16


class CodeFormatError(ValueError):
    """A typed code that cannot be a poll-card code (wrong symbols or check symbol)."""


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + mod_37_36.calc_check_digit(body, alphabet=ALPHABET)


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(text: str) -> str:
    """The code as typed (any case, spaces or dashes) → 17 symbols, checked."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != BODY_LENGTH + 1:
        raise CodeFormatError(f"a code has {BODY_LENGTH + 1} letters and digits")
    if any(c not in ALPHABET for c in code):
        raise CodeFormatError("a code has no 0, 1, I, L, O or U: check the letter")
    if not mod_37_36.is_valid(code, alphabet=ALPHABET):
        raise CodeFormatError("this code has a typing error: check it against the letter")
    return code


def code_hasher(keys: DeploymentKeys, election_id: str) -> Callable[[str, str], str]:
    """``(voter's register hash, code) → stored hash``."""
    hash_bytes = keys.hasher("poll-card-code")
    prefix = election_id.encode("ascii") + b"\x00"
    return lambda number_hash, code: hash_bytes(
        prefix + number_hash.encode("ascii") + b"\x00" + code.encode("ascii")
    )


def code_matches(expected_hash: str | None, candidate_hash: str) -> bool:
    """Constant-time comparison; a voter without a code never matches."""
    reference = expected_hash or "0" * 64
    return hmac.compare_digest(reference, candidate_hash) and expected_hash is not None


# --- letters --------------------------------------------------------------------------

_TEXT = {
    "nl": {
        "intro": "U mag stemmen in deze volksraadpleging:",
        "period": "U kunt stemmen van {opens} tot {closes}.",
        "how": "Ga naar {address}, log in met uw rijksregisternummer (op de achterkant "
        "van uw identiteitskaart) en deze persoonlijke code, of scan de QR-code.",
        "code": "Uw persoonlijke code",
        "keep": "Bewaar deze brief. Geef de code aan niemand: ze is uw stem.",
        "fingerprint": "Vingerafdruk van de stemming: vergelijk ze met de vingerafdruk die de "
        "stad publiceert. Zijn ze gelijk, dan stemt u over dezelfde vraag als iedereen.",
    },
    "fr": {
        "intro": "Vous êtes invité(e) à voter dans cette consultation populaire :",
        "period": "Vous pouvez voter du {opens} au {closes}.",
        "how": "Rendez-vous sur {address}, connectez-vous avec votre numéro de registre "
        "national (au dos de votre carte d'identité) et ce code personnel, ou scannez le code QR.",
        "code": "Votre code personnel",
        "keep": "Conservez cette lettre. Ne donnez ce code à personne : c'est votre voix.",
        "fingerprint": "Empreinte du scrutin : comparez-la avec l'empreinte que publie la ville. "
        "Si elles sont identiques, vous votez sur la même question que tout le monde.",
    },
    "en": {
        "intro": "You may vote in this referendum:",
        "period": "You can vote from {opens} to {closes}.",
        "how": "Go to {address}, log in with your national register number (on the back of "
        "your identity card) and this personal code, or scan the QR code.",
        "code": "Your personal code",
        "keep": "Keep this letter. Give the code to nobody: it is your vote.",
        "fingerprint": "Election fingerprint: compare it with the fingerprint the city "
        "publishes. If they are the same, you vote on the same question as everyone else.",
    },
}


@dataclass(frozen=True, slots=True)
class Letter:
    name: str
    street: str
    postal_code: str
    city: str
    language: str
    code: str


def login_url(manifest: Manifest, code: str) -> str:
    """The login page with the code in the URL's fragment: browsers never send a
    fragment to the server, so the code stays out of access logs and Referer headers."""
    return f"{manifest.web_address.rstrip('/')}/e/{manifest.id}/login#code={display(code)}"


def wrap_text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    width: float,
    size: float,
    font: str = "Helvetica",
) -> float:
    """Draw ``text`` wrapped to ``width`` in the canvas's current font; returns the y below it.

    ``font`` must be that font: it measures the words. A word wider than the line
    (the fingerprint) is cut between characters.
    """
    words: list[str] = []
    line = ""
    for word in text.split():
        rest = word
        while len(rest) > 1 and canvas.stringWidth(rest, font, size) > width:
            cut = len(rest) - 1
            while cut > 1 and canvas.stringWidth(rest[:cut], font, size) > width:
                cut -= 1
            words.append(rest[:cut])
            rest = rest[cut:]
        words.append(rest)
    for word in words:
        trial = f"{line} {word}".strip()
        if canvas.stringWidth(trial, font, size) > width and line:
            canvas.drawString(x, y, line)
            y -= size * 1.35
            line = word
        else:
            line = trial
    if line:
        canvas.drawString(x, y, line)
        y -= size * 1.35
    return y


def _draw_letter(canvas: Canvas, manifest: Manifest, letter: Letter) -> None:
    lang = letter.language if letter.language in manifest.languages else manifest.languages[0]
    text = _TEXT[lang]
    zone = ZoneInfo("Europe/Brussels")
    opens = manifest.window.opens.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    closes = manifest.window.closes.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    width, height = A4
    left, usable = 25 * mm, width - 50 * mm
    canvas.setFont("Helvetica", 11)  # the address block sits in a DL window envelope
    y = height - 55 * mm
    for part in (letter.name, letter.street, f"{letter.postal_code} {letter.city}"):
        canvas.drawString(left + 95 * mm, y, part)
        y -= 5 * mm
    y = height - 100 * mm
    canvas.setFont("Helvetica-Bold", 15)
    y = wrap_text(canvas, manifest.title[lang], left, y, usable, 15) - 3 * mm
    canvas.setFont("Helvetica", 11)
    y = wrap_text(canvas, text["intro"], left, y, usable, 11)
    question = manifest.questions[0].text[lang]
    canvas.setFont("Helvetica-Bold", 12)
    y = wrap_text(canvas, question, left, y - 2 * mm, usable, 12) - 3 * mm
    canvas.setFont("Helvetica", 11)
    y = wrap_text(canvas, text["period"].format(opens=opens, closes=closes), left, y, usable, 11)
    y = wrap_text(canvas, text["how"].format(address=manifest.web_address), left, y, usable, 11)
    y -= 8 * mm
    canvas.setFont("Helvetica", 10)
    canvas.drawString(left, y, text["code"])
    canvas.setFont("Courier-Bold", 20)
    canvas.drawString(left, y - 10 * mm, display(letter.code))
    size = 40 * mm
    draw_qr(canvas, login_url(manifest, letter.code), width - 25 * mm - size, y - 25 * mm, size)
    canvas.setFont("Helvetica-Oblique", 9)
    y = wrap_text(canvas, text["keep"], left, y - 35 * mm, usable, 9, "Helvetica-Oblique")
    # The fingerprint binds every ballot to this manifest: the resident compares it
    # with what the city publishes (and the official report prints).
    canvas.setFont("Helvetica", 8.5)
    y = wrap_text(canvas, text["fingerprint"], left, y - 6 * mm, usable, 8.5)
    canvas.setFont("Courier", 8.5)
    wrap_text(canvas, manifest.fingerprint.hex(), left, y - 1 * mm, usable, 8.5, "Courier")
    canvas.showPage()


def write_letters(path: Path, manifest: Manifest, letters: Iterable[Letter]) -> int:
    """Write the letters to ``path`` (mode 0600, replaced whole or not at all)."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    count = 0
    try:
        with os.fdopen(fd, "wb") as f:
            canvas = Canvas(f, pagesize=A4, invariant=True)
            canvas.setTitle(f"{manifest.id}: poll cards")
            for letter in letters:
                _draw_letter(canvas, manifest, letter)
                count += 1
            canvas.save()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


@dataclass(frozen=True, slots=True)
class PollCardSummary:
    letters: int
    not_eligible: int


def generate_poll_cards(
    session: Session,
    election_id: str,
    register: RegisterFile,
    keys: DeploymentKeys,
    out: Path,
    *,
    replace: bool = False,
    on_code: Callable[[RegisterRow, str], None] | None = None,
) -> PollCardSummary:
    """A new code for every eligible resident of ``register`` and their letters in ``out``.

    ``register`` is the same extract that was imported (names and addresses are
    not stored, so they come from the file again); every row must match the
    imported register. Codes are stored (hashed) in the caller's transaction:
    if writing the letters fails, the caller rolls back and no code changes.
    ``on_code`` sees each resident's code: only the simulation, which plays the
    residents, uses it.
    """
    election = get_election(session, election_id, lock=True)
    if election.state != "draft":
        raise PollCardError(f"the vote is {election.state}: poll cards are printed before it opens")
    manifest = election.manifest
    rule = EligibilityRule(
        manifest.eligibility.minimum_age,
        manifest.eligibility.municipality,
        manifest.eligibility.reference_date,
    )
    v = schema.voters
    stored = {
        row.number_hash: row
        for row in session.execute(select(v).where(v.c.election_id == election_id))
    }
    if not replace and any(row.code_hash for row in stored.values()):
        raise PollCardError(
            "codes were already generated; generating again invalidates the letters "
            "already printed (use --replace if that is what you want)"
        )
    hash_of, hash_code = number_hasher(keys, election_id), code_hasher(keys, election_id)
    problems, eligible, skipped = [], [], 0
    for row in register.rows:
        h = hash_of(row.number)
        voter = stored.get(h)
        if voter is None:
            problems.append(f"line {row.line}: not in the imported register")
            continue
        stored_facts = (voter.birth_date, voter.municipality, voter.district, voter.excluded)
        if stored_facts != (row.birth_date, row.municipality, row.district, row.excluded):
            problems.append(f"line {row.line}: differs from the imported register")
            continue
        if reasons_not_eligible(rule, Resident(row.birth_date, row.municipality, row.excluded)):
            skipped += 1
            continue
        eligible.append((row, h))
    if problems:
        raise PollCardError("the file is not the imported register:\n" + "\n".join(problems))
    letters = []
    for row, h in eligible:
        code = new_code()
        if on_code is not None:
            on_code(row, code)
        session.execute(
            update(v)
            .where(v.c.election_id == election_id, v.c.number_hash == h)
            .values(code_hash=hash_code(h, code))
        )
        language = row.language or manifest.languages[0]
        letters.append(Letter(row.name, row.street, row.postal_code, row.city, language, code))
    count = write_letters(out, manifest, letters)
    return PollCardSummary(letters=count, not_eligible=skipped)


class PollCardError(Exception):
    """Poll cards cannot be generated now or from this file."""
