"""board: sealed election keys, the election key, board entries and heads, spoiled ballots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

credential_keys becomes election_keys (purpose 'credential'), which also holds the
board's signing key; existing credential keys are moved over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _election_fk() -> sa.ForeignKey:
    return sa.ForeignKey("elections.id", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("public_key", sa.String(64), nullable=True))
    op.create_table(
        "election_keys",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("election_id", "purpose", name=op.f("pk_election_keys")),
        sa.CheckConstraint(
            "purpose IN ('credential', 'board')", name=op.f("ck_election_keys_purpose")
        ),
    )
    op.execute(
        "INSERT INTO election_keys (election_id, purpose, public_key, sealed_private_key, "
        "created_at) SELECT election_id, 'credential', public_key, sealed_private_key, "
        "created_at FROM credential_keys"
    )
    op.drop_table("credential_keys")
    op.create_table(
        "board_entries",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ballot", sa.Text(), nullable=False),
        sa.Column("tracking_code", sa.String(64), nullable=False),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("election_id", "position", name=op.f("pk_board_entries")),
        sa.UniqueConstraint("election_id", "credential", name="uq_board_entries_credential"),
        sa.UniqueConstraint("election_id", "tracking_code", name="uq_board_entries_tracking_code"),
        sa.CheckConstraint("position >= 1", name=op.f("ck_board_entries_position")),
    )
    op.create_table(
        "board_heads",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_board_heads")),
    )
    op.create_table(
        "spoiled_ballots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("tracking_code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spoiled_ballots")),
        sa.UniqueConstraint(
            "election_id", "tracking_code", name="uq_spoiled_ballots_tracking_code"
        ),
    )


def downgrade() -> None:
    op.drop_table("spoiled_ballots")
    op.drop_table("board_heads")
    op.drop_table("board_entries")
    op.create_table(
        "credential_keys",
        sa.Column("election_id", sa.String(64), _election_fk(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_credential_keys")),
    )
    op.execute(
        "INSERT INTO credential_keys (election_id, public_key, sealed_private_key, created_at) "
        "SELECT election_id, public_key, sealed_private_key, created_at FROM election_keys "
        "WHERE purpose = 'credential'"
    )
    op.drop_table("election_keys")
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("public_key")
