"""Who may do what on the platform, in one place (like Decidim's Permissions classes).

**Officials** (evoting/accounts.py roles): ``run`` a process (create it, open and
close phases, enter paper ideas, shortlist, make the vote, answer initiatives,
post follow-up) — admins and officials; ``moderate`` (hide, restore, handle
reports) — admins, officials and moderators; ``screen`` (screen and merge ideas) —
admins, officials and evaluators. A disabled account may do nothing.

**Residents**: every action needs a confirmed e-mail address; proposing needs a
verified account where the process says ``proposers: verified``. What a resident
may do also depends on the process's current phase (`PHASE_ACTIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evoting.accounts import Official
from evoting.residents_schema import residents
from participation.errors import NotAllowed, NotFound

OFFICIAL_ACTIONS: dict[str, tuple[str, ...]] = {
    "run": ("admin", "official"),
    "moderate": ("admin", "official", "moderator"),
    "screen": ("admin", "official", "evaluator"),
}

PHASE_ACTIONS: dict[str, tuple[str, ...]] = {
    "propose": ("proposals",),
    "edit": ("proposals",),
    "react": ("proposals", "screening", "shortlist", "vote", "results", "follow-up"),
    "support": ("proposals", "screening"),
    "enter-paper-idea": ("proposals", "screening"),
    "screen": ("proposals", "screening"),
    "shortlist": ("screening", "shortlist"),
}
"""Resident and official actions that only some phases allow (codes the web translates)."""

PHASE_INFO: dict[str, tuple[str, ...]] = {
    "information": ("read",),
    "vote": ("vote",),
    "results": ("read-results",),
    "follow-up": ("follow-projects",),
}
"""What residents can do in a phase besides `PHASE_ACTIONS` (for the public timeline)."""

RESIDENT_ACTIONS = ("propose", "react", "support")


def resident_actions(phase: str | None) -> tuple[str, ...]:
    """What residents can do now, as codes, in a fixed order."""
    if phase is None:
        return ()
    own = tuple(a for a in RESIDENT_ACTIONS if phase in PHASE_ACTIONS[a])
    return PHASE_INFO.get(phase, ()) + own


def require_official(official: Official, action: str) -> None:
    if official.disabled:
        raise NotAllowed(action, "disabled", official.username)
    if official.role not in OFFICIAL_ACTIONS[action]:
        raise NotAllowed(action, "role", f"{official.username} is {official.role}")


@dataclass(frozen=True, slots=True)
class Resident:
    id: int
    language: str
    confirmed: bool
    verified: bool
    age_band: str | None
    district: str | None


def get_resident(session: Session, resident_id: int) -> Resident:
    row = session.execute(select(residents).where(residents.c.id == resident_id)).one_or_none()
    if row is None:
        raise NotFound("resident", resident_id)
    return Resident(row.id, row.language, row.confirmed_at is not None,
                    row.verified_at is not None, row.age_band, row.district)  # fmt: skip


def require_resident(
    session: Session, resident_id: int, action: str, *, verified: bool = False
) -> Resident:
    """The resident, if their account may ``action``: confirmed, and verified if asked."""
    resident = get_resident(session, resident_id)
    if not resident.confirmed:
        raise NotAllowed(action, "not-confirmed")
    if verified and not resident.verified:
        raise NotAllowed(action, "not-verified")
    return resident
