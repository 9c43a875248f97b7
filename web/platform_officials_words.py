"""The participation platform's codes and refusals in the officials' language.

The domain (participation/) names phases, statuses, reasons and log actions by codes
and refuses with typed errors whose English text is for the command line; the
officials' pages say them with these functions. `field_errors` turns a refusal into
a message next to the form field it concerns (``fields`` maps the domain's field
path to the form's field name), so that a form is shown again with nothing lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext

from evoting import platform_schema as ps
from participation import screening
from participation.errors import (
    AlreadyExists,
    InvalidInput,
    LogTampered,
    NotAllowed,
    NotFound,
    ParticipationError,
    PhaseError,
    PhotoRefused,
    ShortlistError,
    WrongPhase,
    WrongStatus,
)
from web import platform_words

# One wording for residents and officials (the officials' templates call them as w.…).
level_name = platform_words.level_name
phase_name = platform_words.phase_name


def _(text: str, **variables: Any) -> str:
    return str(gettext(text, **variables))


def status_name(status: str) -> str:
    names = {
        "submitted": _("submitted"),
        "threshold-reached": _("threshold reached"),
        "eligible": _("eligible"),
        "refused": _("refused"),
        "merged": _("merged"),
        "shortlisted": _("shortlisted"),
        "selected": _("selected"),
        "not-selected": _("not selected"),
        "in-progress": _("in progress"),
        "done": _("done"),
    }
    return names.get(status, status)


def hide_reason_name(reason: str) -> str:
    names = {
        "abusive": _("abusive"),
        "spam": _("spam"),
        "off-topic": _("off topic"),
        "personal-data": _("personal data"),
        "illegal": _("illegal"),
        "other": _("other reason"),
    }
    return names.get(reason, reason)


def refusal_name(code: str) -> str:
    names = {
        "eligible": _("eligible"),
        "over-cap": _("over the cost cap"),
        "out-of-domain": _("outside the process's domains"),
        "not-general-interest": _("not in the general interest"),
        "not-feasible": _("not feasible"),
        "not-legal": _("not legal"),
        "not-municipal": _("not a municipal competence"),
        "already-planned": _("already planned"),
        "other": _("other reason"),
    }
    return names.get(code, code)


def action_name(action: str) -> str:
    """A process-log action (participation/log.py) in plain words."""
    names = {
        "process-created": _("Process created"),
        "phase-opened": _("Phase opened"),
        "phase-closed": _("Phase closed"),
        "idea-submitted": _("Idea submitted"),
        "paper-idea-entered": _("Paper idea entered"),
        "idea-hidden": _("Idea hidden"),
        "idea-restored": _("Idea restored"),
        "reaction-hidden": _("Reaction hidden"),
        "reaction-restored": _("Reaction restored"),
        "report-handled": _("Report handled"),
        "idea-screened": _("Idea screened"),
        "ideas-merged": _("Ideas merged"),
        "idea-shortlisted": _("Idea put on the shortlist"),
        "idea-unshortlisted": _("Idea taken off the shortlist"),
        "vote-created": _("Vote made from the shortlist"),
        "results-recorded": _("Results recorded"),
        "idea-updated": _("Follow-up update"),
        "initiative-threshold-reached": _("Initiative threshold reached"),
        "initiative-answered": _("Initiative answered"),
    }
    return names.get(action, action)


def _reason_words(reason: str) -> str:
    words = {
        "missing": _("This is needed."),
        "too-short": _("This is too short."),
        "too-long": _("This is too long."),
        "unknown": _("This is not one of the choices offered."),
        "invalid": _("This value is not valid."),
        "already-hidden": _("This is hidden already."),
        "not-hidden": _("This is not hidden."),
        "already-handled": _("This report was handled already."),
    }
    return words.get(reason, _("This value is not valid."))


_FIELD_WORDS: list[tuple[str, str, Callable[[], str]]] = [
    (
        r"id",
        "invalid",
        lambda: _(
            "1 to 63 lowercase letters, digits and dashes, starting with a letter or a digit."
        ),
    ),
    (r"phases", "invalid", lambda: _("Each phase at most once, in the order shown.")),
    (r"phases\[\d+\]\.ends_on", "invalid", lambda: _("The last day is before the first day.")),
    (
        r"phases\[\d+\]\.ends_on",
        "missing",
        lambda: _("Only the last phase may be left without a last day."),
    ),
    (
        r"phases\[\d+\]\.starts_on",
        "invalid",
        lambda: _("A phase starts after the phase before it ends."),
    ),
    (r"phases", "missing", lambda: _("Choose at least one phase.")),
    (r"settings\.domains", "invalid", lambda: _("A domain id is used twice.")),
    (
        r"settings\.domains\[\d+\]\.id",
        "invalid",
        lambda: _("1 to 63 lowercase letters, digits and dashes."),
    ),
    (r"settings\.districts", "invalid", lambda: _("A district is named twice.")),
    (
        r"settings\.initiative",
        "invalid",
        lambda: _("Give either a number of supports or a share of the population, not both."),
    ),
    (
        r"settings\.initiative\.percent",
        "invalid",
        lambda: _("A share of the population above 0 and at most 100, such as 1.5."),
    ),
    (r"settings\.initiative\.ends_on", "invalid", lambda: _("The period ends before it starts.")),
    (r"settings\.languages", "invalid", lambda: _("Choose at least one language.")),
    (r"final_cost", "missing", lambda: _("An eligible idea needs its final cost.")),
    (
        r"cost_ok",
        "invalid",
        lambda: _("The final cost is above the process's cap: an idea over the cap is refused."),
    ),
    (
        r"domain_ok",
        "invalid",
        lambda: _("The idea is not in one of the process's domains: such an idea is refused."),
    ),
    (
        r"general_interest",
        "invalid",
        lambda: _("An idea that is not in the general interest is refused."),
    ),
    (r"reason_code", "unknown", lambda: _("A refused idea needs the reason it was refused.")),
    (
        r"public_reason\.\w+",
        "missing",
        lambda: _("A refused idea needs the public reason in this language."),
    ),
]


def input_words(exc: InvalidInput) -> str:
    for pattern, reason, words in _FIELD_WORDS:
        if exc.reason == reason and re.fullmatch(pattern, exc.field):
            return words()
    return _reason_words(exc.reason)


def _phase_error(exc: PhaseError) -> str:
    words = {
        "already-open": _("The phase %(phase)s is open already."),
        "not-open": _("The phase %(phase)s is not open."),
        "invalid-end": _("The last day of %(phase)s is before its first day."),
        "ends-in-past": _("The phase %(phase)s would end in the past: give a later last day."),
    }
    template = words.get(exc.reason, _("The phase %(phase)s cannot change now."))
    return template % {"phase": phase_name(exc.kind)}


def _not_allowed(exc: NotAllowed) -> str:
    words = {
        "role": _("Your role does not allow this."),
        "disabled": _("Your account is disabled."),
        "hidden": _("The idea is hidden."),
        "status": _("Not possible for an idea with this status."),
    }
    return words.get(exc.reason, _("This is not allowed."))


def _wordings() -> list[tuple[type[BaseException], Callable[[Any], str]]]:
    return [
        (InvalidInput, input_words),
        (
            WrongPhase,
            lambda e: _(
                "Not possible in the current phase (%(current)s): this needs the phase "
                "%(allowed)s.",
                current=phase_name(e.current),
                allowed=", ".join(phase_name(p) for p in e.allowed),
            ),
        ),
        (PhaseError, _phase_error),
        (
            WrongStatus,
            lambda e: _("Not possible: the idea is %(status)s.", status=status_name(e.status)),
        ),
        (NotAllowed, _not_allowed),
        (
            AlreadyExists,
            lambda e: (
                _("A process with this id exists already.")
                if e.kind == "process"
                else _("This was done already.")
            ),
        ),
        (NotFound, lambda e: _("There is no such %(kind)s.", kind=e.kind)),
        (
            ShortlistError,
            lambda e: _("The shortlist cannot become a vote as it is: see the details below."),
        ),
        (
            LogTampered,
            lambda e: _(
                "The process log does not check out at entry %(seq)s. Stop and alert the technical "
                "team.",
                seq=e.seq,
            ),
        ),
        (
            PhotoRefused,
            lambda e: _("The photo was refused: a JPEG or PNG image of reasonable size."),
        ),
        (ParticipationError, lambda e: _("This is not possible now.")),
    ]


def message(exc: BaseException) -> str:
    """A participation refusal in the page's language (never its English text)."""
    for kind, wording in _wordings():
        if isinstance(exc, kind):
            return wording(exc)
    return _("The request could not be handled.")


def field_errors(exc: BaseException, fields: Mapping[str, str], default: str) -> dict[str, str]:
    """The refusal as {form field: message}: the domain's field path mapped by ``fields``
    (an exact path, else its longest mapped prefix), else ``default``."""
    field = exc.field if isinstance(exc, InvalidInput) else ""
    target = fields.get(field)
    if target is None:
        prefixes = [p for p in fields if field.startswith(p + ".") or field.startswith(p + "[")]
        target = fields[max(prefixes, key=len)] if prefixes else default
    return {target: message(exc)}


HIDE_REASONS = ps.HIDE_REASONS
REFUSAL_REASONS = screening.REFUSAL_REASONS
