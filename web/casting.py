"""What a flood of casts may cost, per credential and per process.

Casting is not limited per client address: a library, a school or a mobile
carrier's shared address (carrier-grade NAT) carries many residents at the evening
peak. Instead:

* everything cheap is refused first (ballots/cast.py: window, size, schema,
  fingerprint, the credential's blind signature, a credential already used);
* a credential whose ballots failed the proof checks `ATTEMPTS` times is refused
  for the rest of the hour (counted in the rate-limit storage, shared by the workers
  through Redis). Only a ballot signed by the credential's key gets to the proofs,
  and a challenged (public) ballot is refused before them, so only the credential's
  holder can make a check fail: the work an attacker can buy is bounded by the
  credentials they hold, and nobody can use up another voter's attempts;
* at most ``PROOF_CHECKS`` proof checks run at once in each worker process; a cast
  that waits longer than ``PROOF_WAIT_S`` for its turn gets 503 with Retry-After
  (`Busy`), so a flood degrades to clear refusals instead of a queue that stalls
  every request behind it. The cap across the service is workers × PROOF_CHECKS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from limits import parse
from sqlalchemy.orm import Session

from ballots.ballot import BallotRejected
from ballots.cast import read_for_casting
from evoting.deployment import DeploymentKeys
from evoting.elections import BallotBoxKeys, Election
from web.extensions import limiter

ATTEMPTS = parse("20 per hour")
"""Failed proof checks per credential; an honest device's ballots never fail them."""
ATTEMPTS_SCOPE = "cast-proof-checks"
RETRY_AFTER_S = 2

log = logging.getLogger(__name__)


class Busy(Exception):
    """Every proof-checking slot of this process stayed taken for PROOF_WAIT_S."""


class ElectionCache:
    """`ballots.cast.Lookup` for one process: the election and its ballot-box keys,
    read at most once a second per election instead of on every cast.

    Safe to keep that long: the manifest and the keys never change once the vote is
    open, a vote that opened waits at most a second to take ballots, and one that
    closed is refused by the append itself (the board is final, under its lock).
    Only elections that exist are kept.
    """

    TTL_S = 1.0

    def __init__(self, factory: Callable[[], Session], keys: DeploymentKeys) -> None:
        self._factory = factory
        self._keys = keys
        self._held: dict[str, tuple[float, Election, BallotBoxKeys]] = {}

    def __call__(self, election_id: str) -> tuple[Election, BallotBoxKeys]:
        now = time.monotonic()
        held = self._held.get(election_id)
        if held is not None and now - held[0] < self.TTL_S:
            return held[1], held[2]
        with self._factory() as session:
            election, box = read_for_casting(session, self._keys, election_id)
        self._held[election_id] = (now, election, box)
        return election, box


def install(app: Flask, factory: Callable[[], Session], keys: DeploymentKeys) -> None:
    app.extensions["evoting-proof-slots"] = threading.BoundedSemaphore(
        int(app.config["PROOF_CHECKS"])
    )
    app.extensions["evoting-election-cache"] = ElectionCache(factory, keys)


def election_cache() -> ElectionCache:
    found: ElectionCache = current_app.extensions["evoting-election-cache"]
    return found


def _may_try(credential: str) -> bool:
    """Whether this credential has failed fewer than `ATTEMPTS` checks (not counting)."""
    if not limiter.enabled:
        return True
    try:
        return bool(limiter.limiter.test(ATTEMPTS, ATTEMPTS_SCOPE, credential))
    except Exception:  # the storage (Redis) is down: check now rather than refuse a voter
        log.warning("rate-limit storage unavailable: a cast's attempts were not read")
        return True


def _count_failure(credential: str) -> None:
    if not limiter.enabled:
        return
    try:
        limiter.limiter.hit(ATTEMPTS, ATTEMPTS_SCOPE, credential)
    except Exception:
        log.warning("rate-limit storage unavailable: a failed check was not counted")


@contextmanager
def proof_gate(credential: str) -> Iterator[None]:
    """`ballots.cast.Gate`: refuse a credential whose checks failed `ATTEMPTS` times,
    wait for a slot (else `Busy`), check; only a failed check counts.

    The ballot's signature is checked before the gate (ballots/cast.py), so only the
    credential's holder can make a check fail: nobody else can use up a voter's
    attempts, and an honest device's retries (after a 503, a dropped connection, a
    server restart) never count.
    """
    if not _may_try(credential):
        raise BallotRejected(
            "attempts", "this credential has had too many ballots refused: try again later"
        )
    slots: threading.BoundedSemaphore = current_app.extensions["evoting-proof-slots"]
    if not slots.acquire(timeout=float(current_app.config["PROOF_WAIT_S"])):
        raise Busy
    try:
        yield
    except BallotRejected:
        _count_failure(credential)
        raise
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
