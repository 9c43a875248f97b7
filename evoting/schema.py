"""The database schema, as SQLAlchemy Core tables.

Alembic migrations (evoting/migrations/versions) create exactly this schema; a
test compares the two on SQLite and on PostgreSQL. Later issues add their tables
here and a migration for each change.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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
    Column("public_key", String(64), nullable=True),  # the election key K (hex), from the ceremony
    CheckConstraint("state IN ('draft', 'open', 'closed', 'tallied', 'published')", name="state"),
    CheckConstraint("length(fingerprint) = 64", name="fingerprint_length"),
)

# --- identity (issue 3) ---------------------------------------------------------------
# The register keeps no register number, name or address: a keyed hash of the
# number, and the facts eligibility and turnout statistics need. Whether and when
# (to the day) a voter took a credential, and until the close the hash of the
# blinded message signed, is all that links a voter to issuance; nothing links
# issuance to a credential. (A replayed ticket finds the voter already marked and
# gets only the same signature again; no table of tickets is kept.)

voters = Table(
    "voters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("number_hash", String(64), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("municipality", String(5), nullable=False),
    Column("district", String(64), nullable=False),
    Column("excluded", Boolean, nullable=False),
    Column("code_hash", String(64), nullable=True),
    Column("credential_issued_on", Date, nullable=True),
    # SHA-256 of the blinded message signed at issuance, so that a device whose
    # answer was lost can ask again for the same signature (identity/issuance.py);
    # blinding hides the credential in it. Cleared when the vote closes.
    Column("issued_request", String(64), nullable=True),
    Column("paper_voted_on", Date, nullable=True),
    UniqueConstraint("election_id", "number_hash", name="uq_voters_election_number"),
    CheckConstraint(
        "credential_issued_on IS NULL OR paper_voted_on IS NULL", name="one_way_of_voting"
    ),
)

register_imports = Table(
    "register_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("kind", String(8), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("election_id", "kind", "subject"),
    CheckConstraint("kind IN ('number', 'client')", name="kind"),
)

deployment = Table(
    "deployment",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)
"""Facts about the deployment; ``key_check`` is an HMAC that tells whether the
deployment secret in use is the one this database was made with."""

election_keys = Table(
    "election_keys",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("purpose", String(16), nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("sealed_private_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("election_id", "purpose"),
    CheckConstraint("purpose IN ('credential', 'board', 'operator')", name="purpose"),
)
"""The election's online keys, sealed under the deployment secret: ``credential``
(RSA-3072, blind-signs credentials), ``board`` (Ed25519, signs board heads) and
``operator`` (Ed25519, signs the audit-log entries of the election's server)."""

# --- ballots (issue 4) ----------------------------------------------------------------
# The board holds no identity data and no time: position, the ballot, the chain.

board_entries = Table(
    "board_entries",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("ballot", Text, nullable=False),
    Column("tracking_code", String(64), nullable=False),
    Column("credential", String(64), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    # The short form on receipts (ballots/ballot.py tracking_code_short): the first 80
    # bits of the tracking code in base32, 16 characters without the dashes. Indexed for
    # look-ups by what a resident types; not unique (two codes may share 80 bits).
    Column("short_code", String(16), nullable=False),
    PrimaryKeyConstraint("election_id", "position"),
    UniqueConstraint("election_id", "credential", name="uq_board_entries_credential"),
    UniqueConstraint("election_id", "tracking_code", name="uq_board_entries_tracking_code"),
    CheckConstraint("position >= 1", name="position"),
    Index("ix_board_entries_short_code", "election_id", "short_code"),
)

board_heads = Table(
    "board_heads",
    metadata,
    Column(
        "election_id",
        String(64),
        ForeignKey("elections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("final", Boolean, nullable=False),
)
"""The current head of each board; appending locks this row, so appends queue."""

spoiled_ballots = Table(
    "spoiled_ballots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("record", Text, nullable=False),
    Column("tracking_code", String(64), nullable=False),
    # The credential public key (hex, as board_entries stores it) that signed the
    # spoiled ballot: the ballot box counts a credential's challenges (at most
    # ballots/cast.py MAX_SPOILED_PER_CREDENTIAL). It is in the record too, in public.
    Column("credential", String(64), nullable=False),
    UniqueConstraint("election_id", "tracking_code", name="uq_spoiled_ballots_tracking_code"),
    Index("ix_spoiled_ballots_credential", "election_id", "credential"),
)
"""Benaloh challenges, published. A tracking code is here or on the board, never both:
appending and publishing check each other under the board head's lock (ballots/board.py)."""

# --- trustees and the audit log (issue 4) ------------------------------------------------

trustees = Table(
    "trustees",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("trustee", Integer, nullable=False),
    Column("record", Text, nullable=False),  # the trustee's self-signed public record
    PrimaryKeyConstraint("election_id", "trustee"),
    CheckConstraint("trustee >= 1", name="trustee"),
)

ceremony_messages = Table(
    "ceremony_messages",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("kind", String(8), nullable=False),
    Column("trustee", Integer, nullable=False),
    Column("document", Text, nullable=False),  # signed by the trustee
    PrimaryKeyConstraint("election_id", "kind", "trustee"),
    CheckConstraint("kind IN ('deal', 'ack')", name="kind"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("seq", Integer, nullable=False),
    Column("entry", Text, nullable=False),  # canonical JSON, signed by the acting key
    Column("entry_hash", String(64), nullable=False),
    PrimaryKeyConstraint("election_id", "seq"),
    CheckConstraint("seq >= 1", name="seq"),
)

tallies = Table(
    "tallies",
    metadata,
    Column(
        "election_id",
        String(64),
        ForeignKey("elections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("request", Text, nullable=False),  # the tally request (canonical JSON)
    Column("partials", Text, nullable=True),  # the trustees' signed partial decryptions
    Column("paper", Text, nullable=False),  # the paper boxes' totals
    Column("result", Text, nullable=True),
)

paper_entries = Table(
    "paper_entries",
    metadata,
    Column(
        "election_id", String(64), ForeignKey("elections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("box", String(64), nullable=False),
    Column("seq", Integer, nullable=False),  # 1: the first entry; 2: the confirming one
    Column("official", String(64), nullable=False),
    Column("statement", Text, nullable=False),  # canonical JSON both officials sign
    Column("key", String(64), nullable=False),  # the official's Ed25519 key, base64url
    Column("signature", String(128), nullable=False),
    PrimaryKeyConstraint("election_id", "box", "seq"),
    UniqueConstraint("election_id", "box", "official", name="uq_paper_entries_official"),
    CheckConstraint("seq IN (1, 2)", name="seq"),
)
"""Paper boxes' totals as two officials entered them (tally/paper_entry.py): a box is
confirmed once a second, different official entered the same statement."""

OFFICIAL_ROLES = ("admin", "official", "moderator", "evaluator", "observer")

officials = Table(
    "officials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),  # libsodium's Argon2id string
    Column("role", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "role IN ('admin', 'official', 'moderator', 'evaluator', 'observer')", name="role"
    ),
)

# The participation platform's tables (residents' accounts; processes, ideas, ...; the
# platform register residents verify their accounts against):
from evoting import (  # noqa: E402, F401  (registers them on metadata)
    platform_schema,
    register_schema,
    residents_schema,
)
