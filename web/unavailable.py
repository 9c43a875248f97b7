"""A clear 503 with Retry-After when the database is away or cannot write, never a 500.

PostgreSQL stopped, refusing connections or dropping one mid-request, the pool
giving no connection in time, SQLite still locked after its busy timeout, a
database opened read-only, a full disk, an I/O error: each is a 503 with
``Retry-After``, ``{"error": "unavailable", "message": ...}`` under ``/api/`` and
the error page elsewhere, saying in the reader's language whether the database is
unreachable, busy, read-only or full, and nothing internal. The transaction that
failed was rolled back by its ``with`` block, so nothing is half-written; casting
is idempotent, so the booth may send the same ballot again.

One WARNING line is logged with the kind only: the exception's text can hold SQL
and its parameters (ballots, credentials). Each such 503 is counted in
``evote_unavailable_total{kind}`` (`record_unavailable`; web/health.py serves it
and explains when metrics are created under several worker processes).

Any other exception, a database error that means a bug (a constraint, SQLite's
"no such table") included, goes on to the app's usual 500 handling, unchanged.
"""

from __future__ import annotations

import logging
import sqlite3

import redis
from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

logger = logging.getLogger(__name__)

OTHER = "other"
UNAVAILABLE_KINDS = frozenset(
    {"connection", "pool_timeout", "busy", "read_only", "full", "disk_io"}
)
"""Why the database could not serve a request (`unavailable_kind`); else ``other``."""

RETRY_AFTER = {"busy": 5, "pool_timeout": 5, "connection": 15}
"""Seconds a client is asked to wait, by kind; `RETRY_AFTER_DEFAULT` for the rest."""
RETRY_AFTER_DEFAULT = 60

UNAVAILABLE = Counter("evote_unavailable", "Requests answered 503: the database is away, "
                      "read-only, full or busy.", ["kind"])  # fmt: skip
for _kind in sorted(UNAVAILABLE_KINDS):  # every known series exists from the start, at 0
    UNAVAILABLE.labels(_kind)


def record_unavailable(kind: str) -> None:
    """One 503 because the database could not serve (`UNAVAILABLE_KINDS`, else ``other``)."""
    UNAVAILABLE.labels(kind if kind in UNAVAILABLE_KINDS else OTHER).inc()


def retry_after(kind: str) -> int:
    """Seconds for the ``Retry-After`` header of a 503 of this kind."""
    return RETRY_AFTER.get(kind, RETRY_AFTER_DEFAULT)


_SQLITE_KINDS = {
    5: "busy",  # SQLITE_BUSY: "database is locked" after the busy timeout
    6: "busy",  # SQLITE_LOCKED
    8: "read_only",  # SQLITE_READONLY: "attempt to write a readonly database"
    10: "disk_io",  # SQLITE_IOERR: "disk I/O error"
    13: "full",  # SQLITE_FULL: "database or disk is full"
    14: "connection",  # SQLITE_CANTOPEN: "unable to open database file"
}
_SQLITE_MESSAGES = (
    ("database is locked", "busy"),
    ("database table is locked", "busy"),
    ("readonly database", "read_only"),
    ("database or disk is full", "full"),
    ("disk i/o error", "disk_io"),
    ("unable to open database", "connection"),
)
_POSTGRES_STATES = {
    "25006": "read_only",  # read_only_sql_transaction (a standby, default_transaction_read_only)
    "53100": "full",  # disk_full
    "58030": "disk_io",  # io_error
    "40001": "busy",  # serialization_failure
    "40P01": "busy",  # deadlock_detected
    "55P03": "busy",  # lock_not_available
    "57014": "busy",  # query_canceled (statement_timeout)
    "53300": "busy",  # too_many_connections
    "57P01": "connection",  # admin_shutdown
    "57P02": "connection",  # crash_shutdown
    "57P03": "connection",  # cannot_connect_now (starting up, shutting down)
}


def _sqlite_kind(error: sqlite3.Error) -> str | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _SQLITE_KINDS:
        return _SQLITE_KINDS[code & 0xFF]
    said = str(error).lower()
    return next((kind for words, kind in _SQLITE_MESSAGES if words in said), None)


def unavailable_kind(error: BaseException) -> str | None:
    """Why ``error`` means the database cannot serve now, or None if it means a bug.

    ``connection`` (PostgreSQL stopped, refused, dropped mid-request), ``pool_timeout``
    (no pooled connection in time), ``busy`` (SQLite's lock after its busy timeout,
    PostgreSQL's lock, serialization and statement timeouts), ``read_only``, ``full``,
    ``disk_io``. SQLite reports syntax errors and missing tables as OperationalError
    too: those stay None (a bug, a 500), as does every other exception.
    """
    if isinstance(error, PoolTimeout):
        return "pool_timeout"
    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return "connection"  # officials' sessions live in Redis (web/official_sessions.py)
    if isinstance(error, sqlite3.Error):  # not wrapped by SQLAlchemy: a raw connection's
        return _sqlite_kind(error)
    if not isinstance(error, DBAPIError):
        return None
    if isinstance(error.orig, sqlite3.Error):
        return _sqlite_kind(error.orig)
    return _server_kind(error)


def _server_kind(error: DBAPIError) -> str | None:
    """PostgreSQL's (psycopg's) errors, by SQLSTATE, else by the DB-API class."""
    state = getattr(error.orig, "sqlstate", None)
    if isinstance(state, str) and state in _POSTGRES_STATES:
        return _POSTGRES_STATES[state]
    if isinstance(state, str) and state.startswith("08"):  # connection_exception's class
        return "connection"
    if error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError)):
        return "connection"  # refused, dropped, server gone: no SQLSTATE from a server
    return None


def _(text: str) -> str:
    """`gettext`, typed (the catalogues are extracted from ``_`` calls: docs/web.md)."""
    return str(gettext(text))


def message(kind: str) -> str:
    """What the reader is told, by kind (`unavailable_kind`)."""
    if kind == "connection":
        return _("The database cannot be reached at the moment. Try again in a few minutes.")
    if kind in ("busy", "pool_timeout"):
        return _("The server is too busy at the moment. Try again in a minute.")
    if kind == "read_only":
        return _("The database is read-only at the moment, so nothing can be saved. "
                 "Try again later.")  # fmt: skip
    if kind == "full":
        return _("The database is full, so nothing can be saved. Try again later.")
    if kind == "disk_io":
        return _("The database's storage cannot be read or written at the moment. "
                 "Try again later.")  # fmt: skip
    return _("The service is unavailable at the moment. Try again later.")


def response(kind: str) -> Response:
    """The 503 for ``kind``: JSON under /api/, else the error page; with Retry-After."""
    text = message(kind)
    if request.path.startswith("/api/"):
        answer = jsonify(error="unavailable", message=text)
    else:
        title = _("Temporarily unavailable")
        answer = make_response(render_template("error.html", title=title, message=text))
    answer.status_code = 503
    answer.headers["Retry-After"] = str(retry_after(kind))
    return answer


def register(app: Flask) -> None:
    """Install the handlers on ``app`` (web/health.py `register` calls this)."""

    def database_unavailable(error: Exception) -> Response:
        kind = unavailable_kind(error)
        if kind is None:
            raise error  # a bug, not an outage: the usual 500 handling
        logger.warning("database unavailable: %s", kind)
        record_unavailable(kind)
        return response(kind)

    for exception in (DBAPIError, PoolTimeout, sqlite3.Error, redis.RedisError):
        app.register_error_handler(exception, database_unavailable)
