"""residents: the participation platform's accounts and their one-time e-mail tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("age_band", sa.String(8), nullable=True),
        sa.Column("district", sa.String(64), nullable=True),
        sa.Column("verification_hash", sa.String(64), nullable=True),
        sa.CheckConstraint("language IN ('nl', 'fr', 'en')", name=op.f("ck_residents_language")),
        sa.CheckConstraint(
            "(verified_at IS NULL AND verification_hash IS NULL AND age_band IS NULL"
            " AND district IS NULL) OR (verified_at IS NOT NULL AND verification_hash IS NOT NULL"
            " AND age_band IS NOT NULL AND district IS NOT NULL)",
            name=op.f("ck_residents_verified_together"),
        ),
        sa.CheckConstraint(
            "verified_at IS NULL OR confirmed_at IS NOT NULL",
            name=op.f("ck_residents_verified_confirmed"),
        ),
        sa.CheckConstraint(
            "verification_hash IS NULL OR length(verification_hash) = 64",
            name=op.f("ck_residents_verification_hash_length"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("email", name=op.f("uq_residents_email")),
        sa.UniqueConstraint("verification_hash", name=op.f("uq_residents_verification_hash")),
    )
    op.create_table(
        "resident_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('confirm', 'reset')", name=op.f("ck_resident_tokens_purpose")
        ),
        sa.CheckConstraint(
            "length(token_hash) = 64", name=op.f("ck_resident_tokens_token_hash_length")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_resident_tokens_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_resident_tokens")),
    )
    op.create_index(
        op.f("ix_resident_tokens_resident_id"), "resident_tokens", ["resident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_resident_tokens_resident_id"), table_name="resident_tokens")
    op.drop_table("resident_tokens")
    op.drop_table("residents")
