"""What the web UI says when the domain refuses something, in the page's language.

The domain raises typed errors whose messages are English and written for the
command line: they may name a CLI flag, an internal detail or a server path (a key
file's temporary name). The web never shows them. `message` words each error from
its type and fields; an error type that carries no fields yet gets a generic but
accurate sentence. `Refused` is the web's own refusal, already worded.

Errors worded generically until their modules give them fields (wanted): a
`ManifestError` whose problems carry a path, a kind and facts; `PollCardError`
split into frozen (state), codes-already-issued and register-mismatch (lines);
`DecryptionRefused` with the trustee and a kind (another request, not signed by
them, twice, a proof); `PaperError` with the box and a kind; `TallyError` split into
board-does-not-check (problems) and not-added-up; `KeyFileError` split into
not-a-key-file and wrong-purpose; `InvalidRegisterNumber` with a kind;
`IssuanceError` with a kind; `AccountError` with a kind.

Also here, in the reader's language: the names of election states, officials'
roles and audit-log actions (`register` makes them template filters), and the
register's problems (`identity.register.Problem`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import gettext

from web.i18n import belgian_date, belgian_datetime


def _(text: str, **variables: Any) -> str:
    """`gettext`, typed (the catalogues are extracted from ``_`` calls: docs/web.md)."""
    return str(gettext(text, **variables))


class Refused(Exception):
    """A refusal the web words itself; ``str()`` is the message, already translated."""


def state_name(state: str) -> str:
    """An election state as officials and residents read it (unknown ones as they are)."""
    names = {
        "draft": _("in preparation"),
        "open": _("open"),
        "closed": _("closed"),
        "tallied": _("tallied"),
        "published": _("published"),
    }
    return names.get(state, state)


def role_name(role: str) -> str:
    """An official's role (evoting/accounts.py) in plain words."""
    names = {
        "admin": _("administrator"),
        "official": _("official"),
        "moderator": _("moderator"),
        "evaluator": _("evaluator"),
        "observer": _("observer"),
    }
    return names.get(role, role)


def action_name(action: str) -> str:
    """An audit-log action in plain words; an unknown action is shown as it is."""
    names = {
        "election-created": _("Election created"),
        "register-imported": _("Register imported"),
        "poll-cards-issued": _("Poll-card letters made"),
        "trustee-registered": _("Trustee registered"),
        "dealer-message-received": _("Trustee's shares received (round 1)"),
        "ceremony-finished": _("Key ceremony finished: the election key is set"),
        "opened": _("Vote opened"),
        "paper-vote-marked": _("Paper vote recorded"),
        "closed": _("Vote closed"),
        "tally-requested": _("Ballots added up: tally request ready for the trustees"),
        "partial-decryption-received": _("Trustee's partial decryption received"),
        "tallied": _("Totals decrypted and counted"),
        "published": _("Results published"),
    }
    return names.get(action, action)


def _when(moment: datetime.datetime) -> str:
    return belgian_datetime(moment)  # dd/MM/yyyy HH:mm in Europe/Brussels


def _day(iso: str) -> str:
    try:
        return belgian_date(datetime.date.fromisoformat(iso))
    except ValueError:
        return iso


def wrong_state(state: str, wanted: str) -> str:
    """Why a step that needs the election to become ``wanted`` cannot be taken now."""
    shown = state_name(state)
    if wanted == "open":
        return _("Only an election in preparation can be opened: this one is %(state)s.",
                 state=shown)  # fmt: skip
    if wanted == "closed":
        return _("Only an open vote can be closed: this one is %(state)s.", state=shown)
    if wanted == "tallied":
        return _("Only a closed vote can be tallied: this one is %(state)s.", state=shown)
    if wanted == "published":
        return _("Only tallied results can be published: this election is %(state)s.",
                 state=shown)  # fmt: skip
    return _("This step is not possible now: the election is %(state)s.", state=shown)


Wording = Callable[[Any], str]


def _wordings() -> list[tuple[type[BaseException] | tuple[type[BaseException], ...], Wording]]:
    """Each error type with how to say it, most specific first."""
    import nacl.exceptions

    from ballots.ballot import BallotRejected
    from evoting import elections
    from evoting.accounts import AccountError
    from evoting.crypto.errors import CryptoError, KeyFileError, WrongPassphrase
    from evoting.election import ManifestError
    from identity.pollcards import PollCardError
    from identity.register import RegisterError, RegisterFrozen
    from tally.ceremony import CeremonyError
    from tally.decrypt import DecryptionRefused
    from tally.paper_entry import BoxWaiting
    from tally.result import PaperError
    from tally.service import EarlyClosing, TallyError

    return [
        (Refused, str),
        (EarlyClosing, lambda e: _(
            "The vote runs until %(closes)s. Closing it now would cut residents off: tick "
            "“Close before the closing time” only if the authority decided so.",
            closes=_when(e.closes))),
        (elections.WrongState, lambda e: wrong_state(e.state, e.wanted)),
        (elections.NoElectionKey, lambda e: _(
            "The election has no key yet: the trustees' key ceremony has not finished.")),
        (elections.ElectionExists, lambda e: _(
            "An election with the id %(id)s, or with this very manifest, exists already.",
            id=e.election_id)),
        (elections.NoSuchElection, lambda e: _("There is no such election.")),
        (elections.KeyFixed, lambda e: _(
            "The election key can no longer change: the election is %(state)s.",
            state=state_name(e.state))),
        (elections.ManifestAltered, lambda e: _(
            "The stored manifest of this election no longer matches its fingerprint. "
            "Stop and alert the technical team.")),
        (elections.MissingKey, lambda e: _(
            "One of the election's own keys is missing. Stop and alert the technical team.")),
        (elections.ElectionError, lambda e: _("The election does not allow this step now.")),
        (RegisterFrozen, lambda e: _(
            "The register can no longer change: the election is %(state)s.",
            state=state_name(e.state))),
        (RegisterError, lambda e: _(
            "The register extract was refused: %(n)s problems.", n=e.total)),
        (PollCardError, lambda e: _(
            "The letters were not made: the file must be the very register extract that was "
            "imported, unchanged, and the vote must not be open yet.")),
        (WrongPassphrase, lambda e: _("The authority's key file or its passphrase is not right.")),
        ((KeyFileError, nacl.exceptions.CryptoError), lambda e: _(
            "This is not the authority's key file, or it is damaged.")),
        (DecryptionRefused, lambda e: _(
            "A partial decryption was refused: each must be a trustee's decryption of this "
            "election's tally request, signed by that trustee, one per trustee, with proofs "
            "that hold.")),
        (BoxWaiting, lambda e: _(
            "Paper box %(box)s was entered by one official only: a second official must enter "
            "it before the tally.", box=e.box)),
        (PaperError, lambda e: _(
            "A paper box was refused: it has a name of at most 64 characters, its number of "
            "ballots and, for every question, one count per answer, adding up to that number.")),
        (TallyError, lambda e: _(
            "The ballot board or the tally request does not check out, so nothing was "
            "decrypted. Alert the technical team; the closing is in the audit log.")),
        (CeremonyError, lambda e: _(
            "The record of the trustees' key ceremony does not check out. Stop and alert the "
            "technical team.")),
        (ManifestError, lambda e: _(
            "The manifest was refused: it does not follow the manifest format.")),
        (AccountError, lambda e: _("The account was not changed.")),
        (BallotRejected, lambda e: _("The ballot box refused this ballot.")),
        ((CryptoError, ValueError, RecursionError), lambda e: _(
            "A file is not in the expected format.")),
    ]  # fmt: skip


def message(exc: BaseException) -> str:
    """``exc`` in the page's language, never its English text."""
    for kinds, wording in _wordings():
        if isinstance(exc, kinds):
            return wording(exc)
    return _("The request could not be handled.")


def register_problem(problem: object) -> str:
    """One problem of a register extract (`identity.register.Problem`), by line."""
    from identity.register import Problem

    assert isinstance(problem, Problem)
    f, kind = problem.facts, problem.kind
    texts = {
        "not_utf8": _(
            "The file is not UTF-8 text (byte %(byte)s). Save it as CSV UTF-8.",
            byte=f.get("byte", "?"),
        ),
        "empty_file": _("The file is empty."),
        "no_residents": _("The file has a header row but no residents."),
        "csv": _("This is not valid CSV (a quote that is not closed, for example)."),
        "missing_column": _("The column %(column)s is missing.", column=f.get("column", "?")),
        "unknown_column": _(
            "Column %(position)s has an unknown name (is the header row missing or misspelt?).",
            position=f.get("position", "?"),
        ),
        "duplicate_column": _("The column %(column)s appears twice.", column=f.get("column", "?")),
        "field_count": _(
            "%(fields)s fields, but the header row has %(header)s.",
            fields=f.get("fields", "?"),
            header=f.get("header", "?"),
        ),
        "too_long": _(
            "%(column)s is longer than %(limit)s characters.",
            column=f.get("column", "?"),
            limit=f.get("limit", "?"),
        ),
        "control_character": _(
            "%(column)s holds a control or invisible character (a NUL, a tab, "
            "a line break, a direction mark…).",
            column=f.get("column", "?"),
        ),
        "number_missing": _("The register number is missing."),
        "number_not_digits": _(
            "The register number has other characters than digits (and . - or spaces)."
        ),
        "number_length": _(
            "The register number has %(digits)s digits instead of 11.", digits=f.get("digits", "?")
        ),
        "number_check_digits": _(
            "The register number's check digits do not match the rest of "
            "the number (a typing error?)."
        ),
        "number_invalid": _(
            "This is not a valid register number (its birth date is impossible, for example)."
        ),
        "birth_date_format": _("The birth date is not a date (YYYY-MM-DD or DD/MM/YYYY)."),
        "birth_date_implausible": _(
            "The birth date is not plausible (before %(earliest)s or after the reference date).",
            earliest=f.get("earliest", "?"),
        ),
        "birth_date_disagrees": _("The birth date does not agree with the register number."),
        "municipality": _(
            "The municipality %(code)s is not a Belgian NIS code in force on %(day)s.",
            code=f.get("code", ""),
            day=_day(str(f.get("day", ""))),
        )
        if f.get("code")
        else _("The municipality is not a NIS code of 5 digits."),
        "district": _(
            "The district is empty or longer than %(limit)s characters.", limit=f.get("limit", 64)
        ),
        "empty": _(
            "%(column)s is empty (the poll-card letter needs it).", column=f.get("column", "?")
        ),
        "postal_code": _("The postal code is not 4 digits."),
        "excluded": _("excluded must be empty, 0 or 1, yes or no."),
        "language": _("language must be nl, fr or en, or empty."),
        "duplicate_number": _(
            "The same register number as line %(earlier)s.", earlier=f.get("earlier", "?")
        ),
        "frozen": _(
            "The register can no longer change: the election is %(state)s.",
            state=state_name(str(f.get("state", "?"))),
        ),
    }
    text = texts.get(kind, _("This line is not right."))
    if problem.line is None:
        return text
    return _("Line %(line)s: %(problem)s", line=problem.line, problem=text)


def register(app: Flask) -> None:
    app.jinja_env.filters["state"] = state_name
    app.jinja_env.filters["role"] = role_name
    app.jinja_env.filters["action"] = action_name
