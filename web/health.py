"""Health and metrics: ``GET /healthz`` for the load balancer, ``GET /metrics`` for Prometheus.

``/healthz`` asks the database two cheap questions (is it there, can the board
heads be read) and answers 200 ``{"status": "ok", "database": "ok", "boards": n}``
or 503 ``{"status": "unavailable", "database": kind}`` with ``Retry-After``; the
kind is a short class (web/unavailable.py `unavailable_kind`, or ``error``), never
the exception's text. No
personal data, never cached (the app sets ``Cache-Control: no-store``), not rate
limited.

``/metrics`` is Prometheus's text exposition of:

* ``evote_casts_total{outcome}``, ``evote_spoils_total{outcome}``,
  ``evote_issuance_total{outcome}``: ``accepted`` (cast, published, issued) or a
  refusal code (ballots/cast.py, identity/issuance as web/api.py names them);
* ``evote_cast_seconds``: how long a cast took, whatever its outcome;
* ``evote_unavailable_total{kind}``: 503s because the database is away, read-only,
  full or busy (defined and counted in web/unavailable.py);
* ``evote_busy_total``: requests refused by the proof-checking concurrency cap.

Label values come from fixed allow-lists (`OUTCOMES`, `UNAVAILABLE_KINDS`); any
other value is counted as ``other``, so no caller (and no request) can grow the
label set. Nothing is labelled by election, and nothing personal is recorded.

Who may read it: the counters show when casts happen, a timing side channel, so
``/metrics`` answers only a request that carries ``Authorization: Bearer
<METRICS_TOKEN>`` (app config), or, when no token is configured, a scrape on the
machine itself: the direct TCP peer is loopback (read before ProxyFix rewrote it)
and the request has no X-Forwarded-For, Forwarded or X-Real-IP header (it did not
come through the reverse proxy, which must set X-Forwarded-For). Anyone else gets
the ordinary 404. Behind a proxy that reaches the app over loopback, set a token.

Several worker processes (gunicorn): set the environment variable
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (wiped at every start of the
service) **before** ``prometheus_client`` is first imported in the process, that
is before importing `web` (this module creates its metrics at import, and
web/unavailable.py too; prometheus_client chooses its value store when it is
imported). Each worker then
writes its values to files there, ``/metrics`` sums them with a
`multiprocess.MultiProcessCollector` over a fresh registry, and gunicorn's
``child_exit`` hook calls `worker_exited` so a dead worker's live values go. In one
process (``evote serve``, tests) the default registry is used.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import os
import sqlite3

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from evoting import schema
from web import unavailable
from web.extensions import limiter, services
from web.unavailable import OTHER, record_unavailable, retry_after, unavailable_kind

__all__ = [
    "OUTCOMES", "blueprint", "may_scrape", "record_busy", "record_cast", "record_issuance",
    "record_spoil", "record_unavailable", "register", "worker_exited",
]  # fmt: skip

blueprint = Blueprint("health", __name__)
logger = logging.getLogger(__name__)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
OUTCOMES = frozenset({
    "accepted",
    # ballots/cast.py's checks and ballots/ballot.py's BallotRejected codes
    "window", "schema", "fingerprint", "credential", "credential_used", "signature", "proof",
    "spoiled", "already_cast", "spoil_limit",
    # the web's own refusals (web/api.py)
    "busy", "unavailable", "ticket", "already_issued", "refused", "attempts",
})  # fmt: skip
"""The ``outcome`` label's values; anything else is counted as ``other``."""

CAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

CASTS = Counter("evote_casts", "Ballots sent to the ballot box, by outcome.", ["outcome"])
CAST_SECONDS = Histogram("evote_cast_seconds", "Time to check and append a ballot.",
                         buckets=CAST_BUCKETS)  # fmt: skip
SPOILS = Counter("evote_spoils", "Benaloh challenges sent to be published, by outcome.",
                 ["outcome"])  # fmt: skip
ISSUANCE = Counter("evote_issuance", "Credential requests (blind signatures), by outcome.",
                   ["outcome"])  # fmt: skip
BUSY = Counter("evote_busy", "Requests refused by the proof-checking concurrency cap.")

for _outcome in sorted(OUTCOMES):  # every known series exists from the start, at 0
    CASTS.labels(_outcome)
    SPOILS.labels(_outcome)
    ISSUANCE.labels(_outcome)


def _allowed(outcome: str) -> str:
    return outcome if outcome in OUTCOMES else OTHER


def record_cast(outcome: str, seconds: float) -> None:
    """One cast: ``accepted`` or the refusal code, and how long it took."""
    CASTS.labels(_allowed(outcome)).inc()
    if math.isfinite(seconds):
        CAST_SECONDS.observe(max(seconds, 0.0))


def record_spoil(outcome: str) -> None:
    """One Benaloh challenge: ``accepted`` (published) or the refusal code."""
    SPOILS.labels(_allowed(outcome)).inc()


def record_issuance(outcome: str) -> None:
    """One credential request: ``accepted`` (signed) or the refusal code."""
    ISSUANCE.labels(_allowed(outcome)).inc()


def record_busy() -> None:
    """One request refused by the proof-checking concurrency cap."""
    BUSY.inc()


def worker_exited(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: drop the dead worker's live values."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


@blueprint.get("/healthz")
@limiter.exempt
def healthz() -> Response | tuple[Response, int, dict[str, str]]:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
            boards = connection.execute(
                select(func.count()).select_from(schema.board_heads)
            ).scalar_one()
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        kind = unavailable_kind(exc) or "error"
        logger.warning("health check: the database is unavailable (%s)", kind)
        answer = jsonify(status="unavailable", database=kind)
        return answer, 503, {"Retry-After": str(retry_after(kind))}
    return jsonify(status="ok", database="ok", boards=int(boards))


def _direct_peer() -> str:
    """The TCP peer's address as the server saw it, before ProxyFix replaced it."""
    original = request.environ.get("werkzeug.proxy_fix.orig")
    if isinstance(original, dict):
        return str(original.get("REMOTE_ADDR") or "")
    return str(request.environ.get("REMOTE_ADDR") or "")


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # a Unix socket, or nothing
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
"""A request carrying any of these came through a proxy: no tokenless scrape."""


def may_scrape() -> bool:
    """Whether this request may read ``/metrics`` (see the module's docstring)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8"), str(token).encode("utf-8")
        )
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    return _is_loopback(_direct_peer())


@blueprint.get("/metrics")
@limiter.exempt
def metrics() -> Response:
    if not may_scrape():
        abort(404)
    if os.environ.get(MULTIPROCESS_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    """``/healthz`` and ``/metrics``, and the 503s when the database is away
    (web/unavailable.py `register`)."""
    app.register_blueprint(blueprint)
    unavailable.register(app)
