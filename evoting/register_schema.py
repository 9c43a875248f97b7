"""The platform register (issue 12, "verified resident"), on `evoting.schema.metadata`.

Migration 0013 creates exactly these tables. An election's register (``voters``)
exists only once the vote is set up; the participation platform runs months before
any vote, so the deployment keeps one register of its own, imported from the same
extract format (identity/platform.py), with its own poll-card codes. It stores what
``voters`` stores and nothing more — a keyed hash of the register number (deployment
key ``platform-register``, not an election's ``register-hmac``), the birth date,
municipality, district and the exclusion mark — and, instead of a credential mark,
**verified_on**: the day this entry verified a platform account (one entry verifies
one account). Nothing here refers to an election, a voter or a residents' account.

``platform_login_failures`` throttles verification attempts as ``login_failures``
throttles an election's logins (identity/providers.py): failures only, by keyed
hash of the subject, never the number or the address.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from evoting.schema import metadata

platform_register = Table(
    "platform_register",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number_hash", String(64), nullable=False, unique=True),
    Column("birth_date", Date, nullable=False),
    Column("municipality", String(5), nullable=False),
    Column("district", String(64), nullable=False),
    Column("excluded", Boolean, nullable=False),
    Column("code_hash", String(64), nullable=True),
    Column("verified_on", Date, nullable=True),
)
"""The deployment's register for verifying residents' platform accounts."""

platform_register_imports = Table(
    "platform_register_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("minimum_age", Integer, nullable=False),
    Column("municipality", String(5), nullable=False),
    CheckConstraint("minimum_age >= 0", name="minimum_age"),
)
"""Each import, newest last; the newest one's ``minimum_age`` and ``municipality``
(the city's NIS code) decide who may verify."""

platform_login_failures = Table(
    "platform_login_failures",
    metadata,
    Column("kind", String(8), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("kind", "subject"),
    CheckConstraint("kind IN ('number', 'client')", name="kind"),
)
"""Failed verification attempts per register number and per client (keyed hashes)."""
