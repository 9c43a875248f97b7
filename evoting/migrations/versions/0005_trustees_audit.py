"""trustees, ceremony messages, the audit log; the operator key purpose

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _election_fk() -> sa.ForeignKey:
    return sa.ForeignKey("elections.id", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("election_keys") as batch:
        batch.drop_constraint(op.f("ck_election_keys_purpose"), type_="check")
        batch.create_check_constraint(
            op.f("ck_election_keys_purpose"), "purpose IN ('credential', 'board', 'operator')"
        )
    op.create_table(
        "trustees",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("trustee", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("election_id", "trustee", name=op.f("pk_trustees")),
        sa.CheckConstraint("trustee >= 1", name=op.f("ck_trustees_trustee")),
    )
    op.create_table(
        "ceremony_messages",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("trustee", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "election_id", "kind", "trustee", name=op.f("pk_ceremony_messages")
        ),
        sa.CheckConstraint("kind IN ('deal', 'ack')", name=op.f("ck_ceremony_messages_kind")),
    )
    op.create_table(
        "audit_log",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("election_id", "seq", name=op.f("pk_audit_log")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_audit_log_seq")),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("ceremony_messages")
    op.drop_table("trustees")
    with op.batch_alter_table("election_keys") as batch:
        batch.drop_constraint(op.f("ck_election_keys_purpose"), type_="check")
        batch.create_check_constraint(
            op.f("ck_election_keys_purpose"), "purpose IN ('credential', 'board')"
        )
