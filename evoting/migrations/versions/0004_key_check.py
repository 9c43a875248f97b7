"""deployment key check; drop issuance_tickets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

issuance_tickets only repeated what the conditional UPDATE of the voter row
already enforces, and on PostgreSQL its rows shared a transaction id with that
update: a join between issuance and voters. It goes. The deployment table holds
the key check that refuses a deployment secret this database was not made with.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("issuance_tickets")
    op.create_table(
        "deployment",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployment")),
    )


def downgrade() -> None:
    op.drop_table("deployment")
    op.create_table(
        "issuance_tickets",
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column(
            "election_id",
            sa.String(64),
            sa.ForeignKey("elections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_issuance_tickets")),
    )
