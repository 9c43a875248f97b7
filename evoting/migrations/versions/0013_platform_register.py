"""platform_register: the deployment's register for verifying residents' platform accounts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

The tables of evoting/register_schema.py: the register (keyed hashes of register
numbers, the facts eligibility needs, poll-card code hashes, the day an entry
verified an account), its imports, and the verification attempts' failure counters.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_register",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("municipality", sa.String(5), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_register")),
        sa.UniqueConstraint("number_hash", name=op.f("uq_platform_register_number_hash")),
    )
    op.create_table(
        "platform_register_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("minimum_age", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(5), nullable=False),
        sa.CheckConstraint(
            "minimum_age >= 0", name=op.f("ck_platform_register_imports_minimum_age")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_register_imports")),
    )
    op.create_table(
        "platform_login_failures",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('number', 'client')", name=op.f("ck_platform_login_failures_kind")
        ),
        sa.PrimaryKeyConstraint("kind", "subject", name=op.f("pk_platform_login_failures")),
    )


def downgrade() -> None:
    for table in ("platform_login_failures", "platform_register_imports", "platform_register"):
        op.drop_table(table)
