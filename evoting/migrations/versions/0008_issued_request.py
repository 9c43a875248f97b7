"""voters.issued_request: the hash of the blinded message signed, for a lost answer

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.add_column(sa.Column("issued_request", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("issued_request")
