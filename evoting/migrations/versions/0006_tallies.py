"""tallies: the tally request, the trustees' decryptions, paper totals, the result

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tallies",
        sa.Column(
            "election_id",
            sa.String(64),
            sa.ForeignKey("elections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("partials", sa.Text(), nullable=True),
        sa.Column("paper", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_tallies")),
    )


def downgrade() -> None:
    op.drop_table("tallies")
