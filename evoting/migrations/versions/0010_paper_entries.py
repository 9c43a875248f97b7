"""paper_entries: each paper box entered by two officials, both signatures kept

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_entries",
        sa.Column("election_id", sa.String(64), nullable=False),
        sa.Column("box", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("official", sa.String(64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.CheckConstraint("seq IN (1, 2)", name="ck_paper_entries_seq"),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name="fk_paper_entries_election_id_elections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("election_id", "box", "seq", name="pk_paper_entries"),
        sa.UniqueConstraint("election_id", "box", "official", name="uq_paper_entries_official"),
    )


def downgrade() -> None:
    op.drop_table("paper_entries")
