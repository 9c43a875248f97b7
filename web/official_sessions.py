"""Officials' sessions, kept on the server so that logging out ends them everywhere.

The signed cookie holds only a random token (``session["official_session"]``); the
store maps the token's SHA-256 to the username, for 30 minutes after the last
request (sliding). Logging out deletes the entry, so a copy of the cookie, or the
same cookie sent to another gunicorn worker, is logged out too; with a signed
cookie alone, a copied cookie would have stayed valid until it expired.

* `RedisSessions`: several worker processes (`evote serve --workers N` with
  ``--redis-url``), or several machines, share one Redis.
* `MemorySessions`: the embedded default, one process (waitress); a restart logs
  everyone out.

The store keeps the token's hash, never the token, so a copy of Redis's memory
does not hand out live sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Protocol

TOKEN_BYTES = 32
LIFETIME_S = 30 * 60
"""Half an hour after the last request, as PERMANENT_SESSION_LIFETIME."""


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore(Protocol):
    def create(self, username: str) -> str:
        """A new session for ``username``; returns the token for the cookie."""
        ...

    def username(self, token: str) -> str | None:
        """Whose session this is, extending it; None if it ended or never was."""
        ...

    def end(self, token: str) -> None:
        """Log this session out, in every process."""
        ...


class MemorySessions:
    """One process's sessions (the embedded default)."""

    def __init__(self, lifetime_s: int = LIFETIME_S) -> None:
        self._lifetime = lifetime_s
        self._held: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def create(self, username: str) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = time.monotonic()
        with self._lock:
            self._held = {k: v for k, v in self._held.items() if v[1] > now}  # drop the ended
            self._held[_key(token)] = (username, now + self._lifetime)
        return token

    def username(self, token: str) -> str | None:
        key, now = _key(token), time.monotonic()
        with self._lock:
            held = self._held.get(key)
            if held is None or held[1] <= now:
                self._held.pop(key, None)
                return None
            self._held[key] = (held[0], now + self._lifetime)
            return held[0]

    def end(self, token: str) -> None:
        with self._lock:
            self._held.pop(_key(token), None)


class RedisSessions:
    """Sessions in Redis, shared by every worker; each entry expires on its own."""

    PREFIX = "evote:official-session:"

    def __init__(self, url: str, lifetime_s: int = LIFETIME_S) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._lifetime = lifetime_s

    def create(self, username: str) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self._redis.set(self.PREFIX + _key(token), username.encode("utf-8"), ex=self._lifetime)
        return token

    def username(self, token: str) -> str | None:
        key = self.PREFIX + _key(token)
        value = self._redis.getex(key, ex=self._lifetime)
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def end(self, token: str) -> None:
        self._redis.delete(self.PREFIX + _key(token))


def make_store(redis_url: str | None) -> SessionStore:
    return RedisSessions(redis_url) if redis_url else MemorySessions()
