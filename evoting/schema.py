"""The database schema, as SQLAlchemy Core tables.

Alembic migrations (evoting/migrations/versions) create exactly this schema; a
test compares the two on SQLite and on PostgreSQL. Later issues add their tables
here and a migration for each change.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, MetaData, String, Table, Text

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ELECTION_STATES = ("draft", "open", "closed", "tallied", "published")

elections = Table(
    "elections",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("manifest", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state IN ('draft', 'open', 'closed', 'tallied', 'published')", name="state"),
    CheckConstraint("length(fingerprint) = 64", name="fingerprint_length"),
)
