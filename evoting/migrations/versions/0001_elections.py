"""elections: one row per election, its manifest and fingerprint

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'open', 'closed', 'tallied', 'published')",
            name=op.f("ck_elections_state"),
        ),
        sa.CheckConstraint(
            "length(fingerprint) = 64", name=op.f("ck_elections_fingerprint_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_elections_fingerprint")),
    )


def downgrade() -> None:
    op.drop_table("elections")
