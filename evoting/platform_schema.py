"""The participation platform's tables (issue 12), on `evoting.schema.metadata`.

Migration 0012 creates exactly these; the schema test compares the two. The
domain code is in `participation/`; docs there explain the rules these rows keep.

* Texts that residents read in several languages (a process's title, a public
  screening reason, a follow-up update) are canonical JSON ``{"nl": .., "fr": ..}``
  in a Text column; texts a resident wrote (an idea, a reaction) are stored as
  written, with their language.
* Costs are **whole euros** (the manifest's ``cost_unit: EUR``).
* Times are UTC (``DateTime(timezone=True)``); a phase's ``starts_on``/``ends_on``
  are calendar days in Europe/Brussels, both included.
* A resident's rows survive their account's deletion where the debate needs them:
  an idea's or reaction's author becomes NULL ("former participant"); their
  supports, co-authorships and reports' authorship go with the account.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from evoting.schema import metadata

PARTICIPATION_LEVELS = ("inform", "consult", "co-produce", "co-decide")
PHASE_KINDS = ("information", "proposals", "screening", "shortlist", "vote", "results",
               "follow-up")  # fmt: skip
IDEA_STATUSES = ("submitted", "threshold-reached", "eligible", "refused", "merged",
                 "shortlisted", "selected", "not-selected", "in-progress", "done")  # fmt: skip
IDEA_SOURCES = ("online", "paper")
HIDE_REASONS = ("abusive", "spam", "off-topic", "personal-data", "illegal", "other")
REPORT_REASONS = ("abusive", "spam", "off-topic", "personal-data", "illegal", "other")
REPORT_OUTCOMES = ("hidden", "kept")
SCREENING_DECISIONS = ("eligible", "refused")
UPDATE_STATUSES = ("selected", "not-selected", "in-progress", "done")
PHOTO_TYPES = ("image/jpeg", "image/png")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _resident(ondelete: str) -> ForeignKey:
    return ForeignKey("residents.id", ondelete=ondelete)


processes = Table(
    "processes",
    metadata,
    Column("id", String(64), primary_key=True),  # a slug, as an election id
    Column("title", Text, nullable=False),  # canonical JSON, per language
    Column("description", Text, nullable=False),  # canonical JSON, per language
    Column("level", String(16), nullable=False),
    Column("settings", Text, nullable=False),  # canonical JSON (participation/processes.py)
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="SET NULL"), nullable=True
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint(f"level IN ({_in(PARTICIPATION_LEVELS)})", name="level"),
)
"""A participatory process; ``election_id`` is the vote made from its shortlist."""

process_phases = Table(
    "process_phases",
    metadata,
    Column(
        "process_id", String(64), ForeignKey("processes.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),  # NULL: open-ended (the last phase only)
    Column("opened_at", DateTime(timezone=True), nullable=True),  # an official opened it
    Column("closed_at", DateTime(timezone=True), nullable=True),  # an official closed it
    PrimaryKeyConstraint("process_id", "position"),
    UniqueConstraint("process_id", "kind", name="uq_process_phases_kind"),
    CheckConstraint("position >= 1", name="position"),
    CheckConstraint(f"kind IN ({_in(PHASE_KINDS)})", name="kind"),
    CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
)

process_log = Table(
    "process_log",
    metadata,
    Column(
        "process_id", String(64), ForeignKey("processes.id", ondelete="CASCADE"), nullable=False
    ),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),  # an official, 'resident:<id>' or 'system'
    Column("action", String(64), nullable=False),
    Column("entry", Text, nullable=False),  # canonical JSON, chained (participation/log.py)
    Column("entry_hash", String(64), nullable=False),
    PrimaryKeyConstraint("process_id", "seq"),
    CheckConstraint("seq >= 1", name="seq"),
)
"""The process's audit log: every official's, moderator's and evaluator's action."""

ideas = Table(
    "ideas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "process_id", String(64), ForeignKey("processes.id", ondelete="CASCADE"), nullable=False
    ),
    Column("author_id", Integer, _resident("SET NULL"), nullable=True),
    Column("source", String(8), nullable=False),
    Column("entered_by", String(64), nullable=True),  # the official who typed a paper idea
    Column("language", String(2), nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("domain", String(64), nullable=True),
    Column("estimated_cost", Integer, nullable=True),  # whole euros, the author's estimate
    Column("final_cost", Integer, nullable=True),  # whole euros, set by screening
    Column("district", String(64), nullable=True),
    Column("address", String(200), nullable=True),
    Column("status", String(20), nullable=False),
    Column("merged_into", Integer, ForeignKey("ideas.id"), nullable=True),
    Column("project_title", Text, nullable=True),  # canonical JSON per language (shortlist)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("hidden_at", DateTime(timezone=True), nullable=True),
    Column("hidden_reason", String(16), nullable=True),  # a code, shown in the idea's place
    Column("hidden_note", Text, nullable=True),  # the moderator's words, canonical JSON
    CheckConstraint(f"source IN ({_in(IDEA_SOURCES)})", name="source"),
    CheckConstraint(f"status IN ({_in(IDEA_STATUSES)})", name="status"),
    CheckConstraint(
        "(source = 'paper' AND entered_by IS NOT NULL) OR "
        "(source = 'online' AND entered_by IS NULL)",
        name="paper_entered_by",
    ),
    CheckConstraint(
        "(status = 'merged' AND merged_into IS NOT NULL) OR "
        "(status <> 'merged' AND merged_into IS NULL)",
        name="merged_into",
    ),
    CheckConstraint("merged_into IS NULL OR merged_into <> id", name="not_into_itself"),
    CheckConstraint("estimated_cost IS NULL OR estimated_cost >= 0", name="estimated_cost"),
    CheckConstraint("final_cost IS NULL OR final_cost >= 0", name="final_cost"),
    CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_reason"),
    CheckConstraint("language IN ('nl', 'fr', 'en')", name="language"),
    Index("ix_ideas_process_status", "process_id", "status"),
)

idea_photos = Table(
    "idea_photos",
    metadata,
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("media_type", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),  # re-encoded, without metadata
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    CheckConstraint(f"media_type IN ({_in(PHOTO_TYPES)})", name="media_type"),
)
"""An idea's photo, apart so that listing ideas never loads images."""

idea_coauthors = Table(
    "idea_coauthors",
    metadata,
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    Column("resident_id", Integer, _resident("CASCADE"), nullable=False),
    Column("merged_from", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("idea_id", "resident_id"),
)
"""Authors credited on an idea because their duplicate was merged into it."""

reactions = Table(
    "reactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Integer, ForeignKey("reactions.id", ondelete="CASCADE"), nullable=True),
    Column("author_id", Integer, _resident("SET NULL"), nullable=True),
    Column("language", String(2), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("hidden_at", DateTime(timezone=True), nullable=True),
    Column("hidden_reason", String(16), nullable=True),
    Column("hidden_note", Text, nullable=True),
    CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_reason"),
    CheckConstraint("language IN ('nl', 'fr', 'en')", name="language"),
    Index("ix_reactions_idea", "idea_id", "created_at"),
)
"""Comments on an idea, with one level of replies (``parent_id``; checked in code)."""

supports = Table(
    "supports",
    metadata,
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    Column("resident_id", Integer, _resident("CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("verified", Boolean, nullable=False),  # the account was verified when it supported
    PrimaryKeyConstraint("idea_id", "resident_id"),
    Index("ix_supports_resident", "resident_id"),
)
"""One support per resident and idea (the primary key: two racing clicks make one)."""

content_reports = Table(
    "content_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=True),
    Column("reaction_id", Integer, ForeignKey("reactions.id", ondelete="CASCADE"), nullable=True),
    Column("reporter_id", Integer, _resident("SET NULL"), nullable=True),
    Column("reason", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=True),
    Column("handled_by", String(64), nullable=True),
    Column("outcome", String(8), nullable=True),
    CheckConstraint("(idea_id IS NULL) <> (reaction_id IS NULL)", name="one_target"),
    CheckConstraint(f"reason IN ({_in(REPORT_REASONS)})", name="reason"),
    CheckConstraint(f"outcome IS NULL OR outcome IN ({_in(REPORT_OUTCOMES)})", name="outcome"),
    CheckConstraint("(handled_at IS NULL) = (outcome IS NULL)", name="handled"),
    UniqueConstraint("idea_id", "reporter_id", name="uq_content_reports_idea_reporter"),
    UniqueConstraint("reaction_id", "reporter_id", name="uq_content_reports_reaction_reporter"),
)

screenings = Table(
    "screenings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    Column("evaluator", String(64), nullable=False),
    Column("decision", String(8), nullable=False),
    Column("domain_ok", Boolean, nullable=False),
    Column("cost_ok", Boolean, nullable=False),
    Column("general_interest", Boolean, nullable=False),
    Column("notes", Text, nullable=False),  # canonical JSON: technical, legal, financial
    Column("reason_code", String(32), nullable=False),
    Column("public_reason", Text, nullable=False),  # canonical JSON, per language
    Column("final_cost", Integer, nullable=True),  # whole euros
    Column("decided_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"decision IN ({_in(SCREENING_DECISIONS)})", name="decision"),
    CheckConstraint("decision = 'refused' OR final_cost IS NOT NULL", name="final_cost"),
    Index("ix_screenings_idea", "idea_id"),
)
"""Every screening decision (a re-screening adds a row; the idea shows the last)."""

initiative_answers = Table(
    "initiative_answers",
    metadata,
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("reached_at", DateTime(timezone=True), nullable=False),
    Column("supports", Integer, nullable=False),  # verified supports counted when reached
    Column("threshold", Integer, nullable=False),
    Column("answer_due", Date, nullable=False),  # a Brussels calendar day
    Column("answer", Text, nullable=True),  # canonical JSON, per language
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("answered_by", String(64), nullable=True),
    CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered"),
)
"""An idea that reached the initiative threshold, and the council's answer to it."""

idea_updates = Table(
    "idea_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idea_id", Integer, ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("text", Text, nullable=True),  # canonical JSON, per language
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(64), nullable=False),  # an official, or 'system' (the tally)
    CheckConstraint(f"status IN ({_in(UPDATE_STATUSES)})", name="status"),
    Index("ix_idea_updates_idea", "idea_id", "created_at"),
)
"""Follow-up: the vote's result for each shortlisted idea, then dated public updates."""
