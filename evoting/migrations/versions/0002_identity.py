"""identity: voter register, login throttling, issuance tickets, credential keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _election_fk() -> sa.ForeignKey:
    return sa.ForeignKey("elections.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "voters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("municipality", sa.String(5), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("credential_issued_on", sa.Date(), nullable=True),
        sa.Column("paper_voted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voters")),
        sa.UniqueConstraint("election_id", "number_hash", name="uq_voters_election_number"),
        sa.CheckConstraint(
            "credential_issued_on IS NULL OR paper_voted_on IS NULL",
            name=op.f("ck_voters_one_way_of_voting"),
        ),
    )
    op.create_table(
        "register_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_imports")),
    )
    op.create_table(
        "login_failures",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("election_id", "kind", "subject", name=op.f("pk_login_failures")),
        sa.CheckConstraint("kind IN ('number', 'client')", name=op.f("ck_login_failures_kind")),
    )
    op.create_table(
        "issuance_tickets",
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_issuance_tickets")),
    )
    op.create_table(
        "credential_keys",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_credential_keys")),
    )


def downgrade() -> None:
    for table in ("credential_keys", "issuance_tickets", "login_failures", "register_imports",
                  "voters"):  # fmt: skip
        op.drop_table(table)
