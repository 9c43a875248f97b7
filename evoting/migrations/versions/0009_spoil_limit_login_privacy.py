"""spoiled_ballots.credential (a credential's challenges are counted); login rows of successes go

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

The credential of each spoiled ballot already published is read from its record.
Login counters that successful logins left behind (failures = 0) are deleted, as
are all counters of elections whose vote has closed: the throttle no longer keeps
them (identity/providers.py), and their times would link residents to the board.
"""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _credential_hex(row_id: int, record: str) -> str:
    try:
        text = json.loads(record)["ballot"]["credential"]["public_key"]
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"spoiled_ballots row {row_id}: unreadable record ({exc})") from exc
    if len(raw) != 32:
        raise RuntimeError(f"spoiled_ballots row {row_id}: the credential key is not 32 bytes")
    return raw.hex()


def upgrade() -> None:
    with op.batch_alter_table("spoiled_ballots") as batch:
        batch.add_column(sa.Column("credential", sa.String(64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, record FROM spoiled_ballots")).all()
    for row_id, record in rows:
        bind.execute(
            sa.text("UPDATE spoiled_ballots SET credential = :c WHERE id = :id"),
            {"c": _credential_hex(row_id, record), "id": row_id},
        )
    with op.batch_alter_table("spoiled_ballots") as batch:
        batch.alter_column("credential", existing_type=sa.String(64), nullable=False)
        batch.create_index("ix_spoiled_ballots_credential", ["election_id", "credential"])
    op.execute("DELETE FROM login_failures WHERE failures = 0")
    op.execute(
        "DELETE FROM login_failures WHERE election_id IN "
        "(SELECT id FROM elections WHERE state IN ('closed', 'tallied', 'published'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("spoiled_ballots") as batch:
        batch.drop_index("ix_spoiled_ballots_credential")
        batch.drop_column("credential")
