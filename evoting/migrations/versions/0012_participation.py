"""participation: processes and phases, ideas, reactions, supports, screening, moderation

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The participation platform's tables (evoting/platform_schema.py), and two more
officials' roles: **moderator** and **evaluator**.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('admin', 'official', 'observer')"
ROLES_AFTER = "role IN ('admin', 'official', 'moderator', 'evaluator', 'observer')"
TABLES = (  # in the order they are created; dropped in reverse
    "processes",
    "ideas",
    "process_log",
    "process_phases",
    "idea_coauthors",
    "idea_photos",
    "idea_updates",
    "initiative_answers",
    "reactions",
    "screenings",
    "supports",
    "content_reports",
)


def _roles(check: str) -> None:
    with op.batch_alter_table("officials") as batch:
        batch.drop_constraint(op.f("ck_officials_role"), type_="check")
        batch.create_check_constraint(op.f("ck_officials_role"), check)


def upgrade() -> None:
    _roles(ROLES_AFTER)
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("election_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "level IN ('inform', 'consult', 'co-produce', 'co-decide')",
            name=op.f("ck_processes_level"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_processes_election_id_elections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
    )
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("estimated_cost", sa.Integer(), nullable=True),
        sa.Column("final_cost", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("project_title", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=16), nullable=True),
        sa.Column("hidden_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(source = 'paper' AND entered_by IS NOT NULL) OR "
            "(source = 'online' AND entered_by IS NULL)",
            name=op.f("ck_ideas_paper_entered_by"),
        ),
        sa.CheckConstraint(
            "(status = 'merged' AND merged_into IS NOT NULL) OR "
            "(status <> 'merged' AND merged_into IS NULL)",
            name=op.f("ck_ideas_merged_into"),
        ),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en')", name=op.f("ck_ideas_language")),
        sa.CheckConstraint("source IN ('online', 'paper')", name=op.f("ck_ideas_source")),
        sa.CheckConstraint(
            "status IN ('submitted', 'threshold-reached', 'eligible', 'refused', 'merged', "
            "'shortlisted', 'selected', 'not-selected', 'in-progress', 'done')",
            name=op.f("ck_ideas_status"),
        ),
        sa.CheckConstraint(
            "(hidden_at IS NULL) = (hidden_reason IS NULL)", name=op.f("ck_ideas_hidden_reason")
        ),
        sa.CheckConstraint(
            "estimated_cost IS NULL OR estimated_cost >= 0", name=op.f("ck_ideas_estimated_cost")
        ),
        sa.CheckConstraint(
            "final_cost IS NULL OR final_cost >= 0", name=op.f("ck_ideas_final_cost")
        ),
        sa.CheckConstraint(
            "merged_into IS NULL OR merged_into <> id", name=op.f("ck_ideas_not_into_itself")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["residents.id"],
            name=op.f("fk_ideas_author_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["ideas.id"], name=op.f("fk_ideas_merged_into_ideas")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_ideas_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
    )
    op.create_index("ix_ideas_process_status", "ideas", ["process_id", "status"], unique=False)
    op.create_table(
        "process_log",
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_process_log_seq")),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_process_log_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", "seq", name=op.f("pk_process_log")),
    )
    op.create_table(
        "process_phases",
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('information', 'proposals', 'screening', 'shortlist', 'vote', 'results', "
            "'follow-up')",
            name=op.f("ck_process_phases_kind"),
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_process_phases_dates")
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_process_phases_position")),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_process_phases_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", "position", name=op.f("pk_process_phases")),
        sa.UniqueConstraint("process_id", "kind", name="uq_process_phases_kind"),
    )
    op.create_table(
        "idea_coauthors",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("merged_from", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_coauthors_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merged_from"],
            ["ideas.id"],
            name=op.f("fk_idea_coauthors_merged_from_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_idea_coauthors_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "resident_id", name=op.f("pk_idea_coauthors")),
    )
    op.create_table(
        "idea_photos",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png')", name=op.f("ck_idea_photos_media_type")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_photos_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_idea_photos")),
    )
    op.create_table(
        "idea_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "status IN ('selected', 'not-selected', 'in-progress', 'done')",
            name=op.f("ck_idea_updates_status"),
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_updates_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_updates")),
    )
    op.create_index("ix_idea_updates_idea", "idea_updates", ["idea_id", "created_at"], unique=False)
    op.create_table(
        "initiative_answers",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supports", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(answer IS NULL) = (answered_at IS NULL)", name=op.f("ck_initiative_answers_answered")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_initiative_answers_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_initiative_answers")),
    )
    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=16), nullable=True),
        sa.Column("hidden_note", sa.Text(), nullable=True),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en')", name=op.f("ck_reactions_language")),
        sa.CheckConstraint(
            "(hidden_at IS NULL) = (hidden_reason IS NULL)", name=op.f("ck_reactions_hidden_reason")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["residents.id"],
            name=op.f("fk_reactions_author_id_residents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_reactions_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["reactions.id"],
            name=op.f("fk_reactions_parent_id_reactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
    )
    op.create_index("ix_reactions_idea", "reactions", ["idea_id", "created_at"], unique=False)
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("evaluator", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("domain_ok", sa.Boolean(), nullable=False),
        sa.Column("cost_ok", sa.Boolean(), nullable=False),
        sa.Column("general_interest", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("public_reason", sa.Text(), nullable=False),
        sa.Column("final_cost", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision = 'refused' OR final_cost IS NOT NULL", name=op.f("ck_screenings_final_cost")
        ),
        sa.CheckConstraint(
            "decision IN ('eligible', 'refused')", name=op.f("ck_screenings_decision")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_screenings_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    op.create_index("ix_screenings_idea", "screenings", ["idea_id"], unique=False)
    op.create_table(
        "supports",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_supports_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_supports_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "resident_id", name=op.f("pk_supports")),
    )
    op.create_index("ix_supports_resident", "supports", ["resident_id"], unique=False)
    op.create_table(
        "content_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("reaction_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('hidden', 'kept')",
            name=op.f("ck_content_reports_outcome"),
        ),
        sa.CheckConstraint(
            "reason IN ('abusive', 'spam', 'off-topic', 'personal-data', 'illegal', 'other')",
            name=op.f("ck_content_reports_reason"),
        ),
        sa.CheckConstraint(
            "(handled_at IS NULL) = (outcome IS NULL)", name=op.f("ck_content_reports_handled")
        ),
        sa.CheckConstraint(
            "(idea_id IS NULL) <> (reaction_id IS NULL)", name=op.f("ck_content_reports_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_content_reports_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reaction_id"],
            ["reactions.id"],
            name=op.f("fk_content_reports_reaction_id_reactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["residents.id"],
            name=op.f("fk_content_reports_reporter_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_reports")),
        sa.UniqueConstraint("idea_id", "reporter_id", name="uq_content_reports_idea_reporter"),
        sa.UniqueConstraint(
            "reaction_id", "reporter_id", name="uq_content_reports_reaction_reporter"
        ),
    )


def downgrade() -> None:
    # The two roles go: their holders keep what every official may do, read.
    op.execute("UPDATE officials SET role = 'observer' WHERE role IN ('moderator', 'evaluator')")
    op.drop_index("ix_supports_resident", table_name="supports")
    op.drop_index("ix_screenings_idea", table_name="screenings")
    op.drop_index("ix_reactions_idea", table_name="reactions")
    op.drop_index("ix_idea_updates_idea", table_name="idea_updates")
    op.drop_index("ix_ideas_process_status", table_name="ideas")
    for table in reversed(TABLES):
        op.drop_table(table)
    _roles(ROLES_BEFORE)
