"""The participation platform's errors, in one place.

Each refusal has its own type with the facts as fields, so that the web layer can
say it in the reader's language (Flask-Babel) and the command line can print the
English message. Codes (``reason``, ``phase``, ``status``) are the ids the web layer
translates; nothing here is a sentence shown to residents.
"""

from __future__ import annotations


class ParticipationError(Exception):
    """Something the platform refuses; the subclass and its fields say what."""


class InvalidInput(ParticipationError, ValueError):
    """A field that is missing, too long or not one of the allowed values.

    ``field``: the field's name (``title``, ``settings.domains[2].id``); ``reason``:
    a code (``missing``, ``too-long``, ``unknown``, ``invalid``).
    """

    def __init__(self, field: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{field}: {reason}" + (f" ({detail})" if detail else ""))
        self.field, self.reason, self.detail = field, reason, detail


class NotFound(ParticipationError, LookupError):
    """No ``kind`` (process, idea, reaction, resident, report) with this ``key``."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"there is no {kind} {key!r}")
        self.kind, self.key = kind, key


class AlreadyExists(ParticipationError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"a {kind} {key!r} exists already")
        self.kind, self.key = kind, key


class NotAllowed(ParticipationError, PermissionError):
    """The actor may not do ``action``: ``reason`` is a code such as ``role``,
    ``not-verified``, ``not-confirmed``, ``not-author``, ``disabled``."""

    def __init__(self, action: str, reason: str, detail: str = "") -> None:
        super().__init__(f"not allowed to {action}: {reason}" + (f" ({detail})" if detail else ""))
        self.action, self.reason, self.detail = action, reason, detail


class WrongPhase(ParticipationError):
    """``action`` needs one of the ``allowed`` phases; the process is in ``current``
    (None: between phases, before the first or after the last)."""

    def __init__(self, process_id: str, action: str, current: str | None,
                 allowed: tuple[str, ...]) -> None:  # fmt: skip
        where = f"in its {current} phase" if current else "between phases"
        super().__init__(
            f"process {process_id!r} is {where}; {action} needs the {' or '.join(allowed)} phase"
        )
        self.process_id, self.action, self.current, self.allowed = (
            process_id, action, current, allowed)  # fmt: skip


class PhaseError(ParticipationError):
    """An official's phase action that cannot be done (``reason`` is a code)."""

    def __init__(self, process_id: str, kind: str, reason: str, detail: str = "") -> None:
        super().__init__(f"process {process_id!r}, {kind} phase: {reason}"
                         + (f" ({detail})" if detail else ""))  # fmt: skip
        self.process_id, self.kind, self.reason = process_id, kind, reason


class WrongStatus(ParticipationError):
    """The idea is ``status``; ``wanted`` can only follow one of ``allowed_from``."""

    def __init__(self, idea_id: int, status: str, wanted: str,
                 allowed_from: tuple[str, ...]) -> None:  # fmt: skip
        super().__init__(
            f"idea {idea_id} is {status}; it can become {wanted} only from "
            f"{' or '.join(allowed_from) or 'nowhere'}"
        )
        self.idea_id, self.status, self.wanted, self.allowed_from = (
            idea_id, status, wanted, allowed_from)  # fmt: skip


class AlreadySupported(ParticipationError):
    def __init__(self, idea_id: int, resident_id: int) -> None:
        super().__init__(f"resident {resident_id} supports idea {idea_id} already")
        self.idea_id, self.resident_id = idea_id, resident_id


class ReplyTooDeep(ParticipationError):
    """Reactions have one level of replies: a reply cannot be replied to."""

    def __init__(self, parent_id: int) -> None:
        super().__init__(f"reaction {parent_id} is itself a reply: reply to its parent instead")
        self.parent_id = parent_id


class PhotoRefused(ParticipationError, ValueError):
    """A photo that is not accepted: ``reason`` is ``too-large`` (bytes),
    ``too-many-pixels``, ``too-wide``, ``not-an-image``, ``wrong-type``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"photo refused: {reason}" + (f" ({detail})" if detail else ""))
        self.reason, self.detail = reason, detail


class LogTampered(ParticipationError):
    """The process log's chain is broken at ``seq``: an entry was altered, removed or
    reordered."""

    def __init__(self, process_id: str, seq: int, detail: str) -> None:
        super().__init__(f"process {process_id!r} log, entry {seq}: {detail}")
        self.process_id, self.seq, self.detail = process_id, seq, detail


class ShortlistError(ParticipationError):
    """The shortlist cannot become a vote: ``problems`` lists why (manifest paths)."""

    def __init__(self, process_id: str, problems: list[str]) -> None:
        super().__init__(f"process {process_id!r}: " + "; ".join(problems))
        self.process_id, self.problems = process_id, problems
