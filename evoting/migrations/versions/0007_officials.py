"""officials: the web UI's accounts (Argon2id password hashes, roles)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'official', 'observer')", name=op.f("ck_officials_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officials")),
        sa.UniqueConstraint("username", name=op.f("uq_officials_username")),
    )


def downgrade() -> None:
    op.drop_table("officials")
