"""What a flood of casts may cost, per credential and per process.

Casting is not limited per client address: a library, a school or a mobile
carrier's shared address (carrier-grade NAT) carries many residents at the evening
peak. Instead:

* everything cheap is refused first (ballots/cast.py: window, size, schema,
  fingerprint, the credential's blind signature, a credential already used);
* each credential may have its signature and proofs checked `ATTEMPTS` times
  (counted in the rate-limit storage, shared by the workers through Redis): only a
  holder of a valid credential gets that far, one per eligible voter, so the work
  an attacker can buy is bounded by the credentials they hold;
* at most ``PROOF_CHECKS`` proof checks run at once in each worker process; a cast
  that waits longer than ``PROOF_WAIT_S`` for its turn gets 503 with Retry-After
  (`Busy`), so a flood degrades to clear refusals instead of a queue that stalls
  every request behind it. The cap across the service is workers × PROOF_CHECKS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from limits import parse

from ballots.ballot import BallotRejected
from web.extensions import limiter

ATTEMPTS = parse("20 per hour")
"""Signature and proof checks per credential; a re-sent ballot that is on the board
already costs none (it is answered from the board), so an honest device never nears it."""
ATTEMPTS_SCOPE = "cast-proof-checks"
RETRY_AFTER_S = 2

log = logging.getLogger(__name__)


class Busy(Exception):
    """Every proof-checking slot of this process stayed taken for PROOF_WAIT_S."""


def install(app: Flask) -> None:
    app.extensions["evoting-proof-slots"] = threading.BoundedSemaphore(
        int(app.config["PROOF_CHECKS"])
    )


def _count_attempt(credential: str) -> bool:
    """Whether this credential may have one more check (and count it)."""
    if not limiter.enabled:
        return True
    try:
        return bool(limiter.limiter.hit(ATTEMPTS, ATTEMPTS_SCOPE, credential))
    except Exception:  # the storage (Redis) is down: check now rather than refuse a voter
        log.warning("rate-limit storage unavailable: a cast's attempt was not counted")
        return True


@contextmanager
def proof_gate(credential: str) -> Iterator[None]:
    """`ballots.cast.Gate`: wait for a slot (else `Busy`), then count the attempt."""
    slots: threading.BoundedSemaphore = current_app.extensions["evoting-proof-slots"]
    if not slots.acquire(timeout=float(current_app.config["PROOF_WAIT_S"])):
        raise Busy
    try:
        if not _count_attempt(credential):
            raise BallotRejected(
                "attempts", "this credential has had too many ballots checked: try again later"
            )
        yield
    finally:
        slots.release()


STATUS = {
    "credential_used": 409,
    "already_cast": 409,
    "window": 403,
    "attempts": 429,
    "spoil_limit": 429,
}
"""HTTP status of a refusal; any other reason is 400 (the ballot itself is wrong)."""


def status_of(reason: str) -> int:
    return STATUS.get(reason, 400)
