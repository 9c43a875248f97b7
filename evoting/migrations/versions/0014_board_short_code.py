"""board_entries.short_code: the receipt's short tracking code, indexed for look-ups

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

The column holds the short form printed on receipts (the first 80 bits of the
tracking code in base32, 16 characters, without the dashes), so that a resident's
look-up by it is an index search instead of a scan of the board. Existing entries
are filled in batches, in primary-key order, before the column becomes NOT NULL and
the index (election_id, short_code) is created.
"""

from __future__ import annotations

import base64

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 1000


def _short(tracking_code: str) -> str:
    """As ballots/ballot.py's tracking_code_short, without the dashes (frozen here: a
    migration does not change when the code does)."""
    return base64.b32encode(bytes.fromhex(tracking_code)[:10]).decode("ascii")


def _backfill(bind: sa.Connection) -> None:
    after_election, after_position = "", 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT election_id, position, tracking_code FROM board_entries "
                "WHERE election_id > :e OR (election_id = :e AND position > :p) "
                "ORDER BY election_id, position LIMIT :n"
            ),
            {"e": after_election, "p": after_position, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text(
                "UPDATE board_entries SET short_code = :s WHERE election_id = :e AND position = :p"
            ),
            [{"s": _short(code), "e": e, "p": p} for e, p, code in rows],
        )
        after_election, after_position = rows[-1][0], rows[-1][1]


def upgrade() -> None:
    with op.batch_alter_table("board_entries") as batch:
        batch.add_column(sa.Column("short_code", sa.String(16), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("board_entries") as batch:
        batch.alter_column("short_code", existing_type=sa.String(16), nullable=False)
        batch.create_index("ix_board_entries_short_code", ["election_id", "short_code"])


def downgrade() -> None:
    with op.batch_alter_table("board_entries") as batch:
        batch.drop_index("ix_board_entries_short_code")
        batch.drop_column("short_code")
