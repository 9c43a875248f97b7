"""The participation platform's residents' accounts (issue 12), on `evoting.schema.metadata`.

Migration 0011 creates exactly these tables. Nothing here links an account to a
voter, a credential or a ballot: ``verification_hash`` is a keyed hash the web
layer computes from the register number after checking it with the poll-card
code, kept only so that one resident cannot verify two accounts.

* **email** is stored normalised (participation/residents.py `normalise_email`):
  surrounding whitespace stripped and the *whole* address in lowercase, so the
  unique constraint compares addresses case-insensitively on both back ends, with
  no functional index.
* **password_hash** is libsodium's Argon2id string (``crypto_pwhash_str``), as for
  the officials (evoting/accounts.py).
* **verified_at**, **verification_hash**, **age_band** and **district** are set
  together or not at all, and only on a confirmed account.
* **resident_tokens** holds the SHA-256 of each one-time token mailed to a resident
  (``confirm``: the e-mail address, ``reset``: the password), never the token itself;
  a resident's tokens go with the resident (ON DELETE CASCADE).

Other participation tables (ideas, reactions, supports) refer to ``residents.id``
with ON DELETE SET NULL: a deleted account's contributions stay, by a "former
participant".
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table

from evoting.schema import metadata

RESIDENT_LANGUAGES = ("nl", "fr", "en")
TOKEN_PURPOSES = ("confirm", "reset")

residents = Table(
    "residents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("display_name", String(80), nullable=False),
    Column("language", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("age_band", String(8), nullable=True),
    Column("district", String(64), nullable=True),
    Column("verification_hash", String(64), nullable=True, unique=True),
    CheckConstraint("language IN ('nl', 'fr', 'en')", name="language"),
    CheckConstraint(
        "(verified_at IS NULL AND verification_hash IS NULL AND age_band IS NULL"
        " AND district IS NULL) OR (verified_at IS NOT NULL AND verification_hash IS NOT NULL"
        " AND age_band IS NOT NULL AND district IS NOT NULL)",
        name="verified_together",
    ),
    CheckConstraint("verified_at IS NULL OR confirmed_at IS NOT NULL", name="verified_confirmed"),
    CheckConstraint(
        "verification_hash IS NULL OR length(verification_hash) = 64",
        name="verification_hash_length",
    ),
)
"""Residents' accounts on the participation platform (see the module docstring)."""

resident_tokens = Table(
    "resident_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the token, hex
    Column(
        "resident_id",
        Integer,
        ForeignKey("residents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("purpose", String(8), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("purpose IN ('confirm', 'reset')", name="purpose"),
    CheckConstraint("length(token_hash) = 64", name="token_hash_length"),
)
"""One-time tokens mailed to residents, by their SHA-256 only."""
