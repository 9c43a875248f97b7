"""The participation platform in the resident's words: levels, phases, statuses, reasons,
and every refusal of `participation.errors`, in the page's language.

The domain raises typed errors with codes (``reason``, ``phase``, ``field``) and English
messages for the command line; residents never see those. `refusal` words each one.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext

from participation.errors import (
    AlreadyExists,
    AlreadySupported,
    InvalidInput,
    NotAllowed,
    NotFound,
    ParticipationError,
    PhotoRefused,
    ReplyTooDeep,
    WrongPhase,
    WrongStatus,
)
from participation.photos import MAX_BYTES, MAX_SIDE


def _(text: str, **variables: object) -> str:
    """`gettext`, typed (the catalogues are extracted from ``_`` calls: docs/web.md)."""
    return str(gettext(text, **variables))


def level_name(level: str) -> str:
    names = {
        "inform": _("Inform"),
        "consult": _("Consult"),
        "co-produce": _("Co-produce"),
        "co-decide": _("Co-decide"),
    }
    return names.get(level, level)


def level_explained(level: str) -> str:
    """The participation level in one line: what residents' part is."""
    lines = {
        "inform": _("The city informs you: you can follow the process, not change it."),
        "consult": _("The city asks your opinion and takes it into account before deciding."),
        "co-produce": _("Residents and the city shape the plans together."),
        "co-decide": _("Residents decide: the result of the vote is carried out."),
    }
    return lines.get(level, "")


def phase_name(kind: str | None) -> str:
    names = {
        "information": _("Information"),
        "proposals": _("Proposals"),
        "screening": _("Screening"),
        "shortlist": _("Shortlist"),
        "vote": _("Vote"),
        "results": _("Results"),
        "follow-up": _("Follow-up"),
    }
    if kind is None:
        return _("Between two phases")
    return names.get(kind, kind)


def phase_explained(kind: str) -> str:
    """What happens in a phase, in plain words (for "what happens next")."""
    lines = {
        "information": _("The city explains the process and its rules."),
        "proposals": _("Residents propose ideas, react to them and support them."),
        "screening": _("The city checks each idea against the criteria and says why."),
        "shortlist": _("The city draws up the list of projects put to the vote."),
        "vote": _("Residents vote on the shortlisted projects, with an encrypted ballot."),
        "results": _("The results of the vote are published."),
        "follow-up": _("The city reports how the selected projects are carried out."),
    }
    return lines.get(kind, "")


def action_words(action: str) -> str:
    """What a resident can do now (codes from permissions.resident_actions)."""
    words = {
        "read": _("Read how the process works and what is planned."),
        "vote": _("Vote on the shortlisted projects."),
        "read-results": _("Read the results of the vote."),
        "follow-projects": _("Follow how the selected projects are carried out."),
        "propose": _("Propose an idea."),
        "react": _("React to ideas and reply to reactions."),
        "support": _("Support the ideas you like."),
    }
    return words.get(action, action)


def status_name(status: str) -> str:
    names = {
        "submitted": _("Proposed"),
        "threshold-reached": _("Threshold reached"),
        "eligible": _("Eligible"),
        "refused": _("Not eligible"),
        "merged": _("Merged with another idea"),
        "shortlisted": _("On the shortlist"),
        "selected": _("Selected"),
        "not-selected": _("Not selected"),
        "in-progress": _("In progress"),
        "done": _("Done"),
    }
    return names.get(status, status)


def hide_reason(reason: str | None) -> str:
    names = {
        "abusive": _("abusive or insulting"),
        "spam": _("spam or advertising"),
        "off-topic": _("off topic"),
        "personal-data": _("it revealed personal data"),
        "illegal": _("against the law"),
        "other": _("another reason"),
    }
    return names.get(reason or "other", reason or "")


def report_reason(reason: str) -> str:
    names = {
        "abusive": _("It is abusive or insulting"),
        "spam": _("It is spam or advertising"),
        "off-topic": _("It is off topic"),
        "personal-data": _("It reveals personal data"),
        "illegal": _("It is against the law"),
        "other": _("Another reason"),
    }
    return names.get(reason, reason)


def refusal_reason(code: str) -> str:
    """A screening's refusal code (participation/screening.py REFUSAL_REASONS)."""
    names = {
        "over-cap": _("It costs more than the maximum per project."),
        "out-of-domain": _("It is not in one of the process's domains."),
        "not-general-interest": _("It does not serve the general interest."),
        "not-feasible": _("It cannot be carried out technically."),
        "not-legal": _("It is not legally possible."),
        "not-municipal": _("It is not something the city decides."),
        "already-planned": _("The city has already planned it."),
        "other": _("Another reason."),
    }
    return names.get(code, "")


def field_name(field: str) -> str:
    names = {
        "title": _("Title"),
        "text": _("Your idea"),
        "domain": _("Domain"),
        "estimated_cost": _("Estimated cost"),
        "district": _("District"),
        "address": _("Address"),
        "search": _("Search"),
        "note": _("Explanation"),
        "reason": _("Reason"),
        "parent_id": _("Reply"),
    }
    return names.get(field.split(".", maxsplit=1)[0], field)


def _invalid(exc: InvalidInput, text_name: str | None) -> str:
    name = text_name if text_name and exc.field == "text" else field_name(exc.field)
    if exc.field == "parent_id":
        return _("You can only reply to a reaction to this idea.")
    if exc.field == "estimated_cost" and exc.reason == "invalid":
        return _("Estimated cost: give a whole number of euros, without cents.")
    by_reason = {
        "missing": _("%(field)s: please fill this in.", field=name),
        "too-short": _("%(field)s: this is too short.", field=name),
        "too-long": _("%(field)s: this is too long.", field=name),
        "unknown": _("%(field)s: choose one of the options offered.", field=name),
    }
    return by_reason.get(exc.reason) or _(
        "%(field)s: this is not valid (invisible or control characters are not allowed).",
        field=name,
    )


def _not_allowed(exc: NotAllowed) -> str:
    reasons = {
        "not-confirmed": _(
            "Confirm your e-mail address first: follow the link in the message we sent you."
        ),
        "not-verified": _(
            "Only verified residents can propose ideas in this process. Verify your account "
            "with your register number and poll-card code."
        ),
        "not-author": _("Only the author of an idea can change it."),
        "screening-started": _("This idea can no longer be changed: its screening has started."),
        "hidden": _("A moderator hid this; it can no longer be changed or answered."),
        "merged": _("This idea was merged with another one: support or react to that one instead."),
        "status": _("This idea can no longer be supported at this stage."),
    }
    return reasons.get(exc.reason, _("You cannot do this."))


def _wrong_phase(exc: WrongPhase) -> str:
    allowed = ", ".join(phase_name(p) for p in exc.allowed)
    if exc.current is None:
        return _(
            "This is not possible now: the process is between two phases. It is possible "
            "during: %(phases)s.",
            phases=allowed,
        )
    return _(
        "This is not possible in the %(phase)s phase. It is possible during: %(phases)s.",
        phase=phase_name(exc.current),
        phases=allowed,
    )


def _photo(exc: PhotoRefused) -> str:
    if exc.reason == "too-large":
        return _("The photo is too large: at most %(mib)s MB.", mib=MAX_BYTES // (1024 * 1024))
    if exc.reason in ("too-wide", "too-many-pixels"):
        return _("The photo has too many pixels: at most %(side)s pixels a side.", side=MAX_SIDE)
    if exc.reason == "wrong-type":
        return _("The photo must be a JPEG or PNG file.")
    return _("This file could not be read as a photo: choose a JPEG or PNG file.")


def _other(exc: ParticipationError) -> str:
    if isinstance(exc, AlreadySupported):
        return _("You support this idea already.")
    if isinstance(exc, ReplyTooDeep):
        return _(
            "You can only reply to a reaction, not to a reply: reply to the reaction above "
            "it instead."
        )
    if isinstance(exc, AlreadyExists) and exc.kind == "report":
        return _("You have reported this already: a moderator will look at it.")
    if isinstance(exc, WrongStatus):
        return _(
            "This is not possible at this stage: the idea is %(status)s.",
            status=status_name(exc.status).lower(),
        )
    if isinstance(exc, NotFound):
        return _("This no longer exists.")
    return _("This is not possible.")


def refusal(exc: ParticipationError, *, text_name: str | None = None) -> str:
    """What the resident reads when the platform refuses ``exc``; ``text_name`` names the
    ``text`` field where it is not an idea's (a reaction)."""
    if isinstance(exc, InvalidInput):
        return _invalid(exc, text_name)
    if isinstance(exc, NotAllowed):
        return _not_allowed(exc)
    if isinstance(exc, WrongPhase):
        return _wrong_phase(exc)
    if isinstance(exc, PhotoRefused):
        return _photo(exc)
    return _other(exc)


def supports_line(count: int) -> str:
    return str(ngettext("%(num)d support", "%(num)d supports", count))
