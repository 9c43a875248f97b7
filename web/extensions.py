"""The app's extensions and the services its views use, apart from the factory.

The blueprints import these (`limiter`, `csrf`, `services`) and `web.app` imports
the blueprints, so they live here: the imports run one way, app → blueprints →
extensions, with no import inside a function to break a circle.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ballots.appender import BatchAppender
from evoting import db
from evoting.deployment import DeploymentKeys
from web.official_sessions import MemorySessions, SessionStore

csrf = CSRFProtect()
# The storage comes from the app's RATELIMIT_STORAGE_URI: memory:// in one process,
# Redis when several workers must share the counts (web/app.py).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


@dataclass
class Services:
    """What the views use: the database, the deployment keys, the clock, and where
    officials' sessions are kept (web/official_sessions.py)."""

    engine: Engine
    keys: DeploymentKeys
    clock: Callable[[], datetime.datetime]
    instance: Path
    sessions: SessionStore = field(default_factory=MemorySessions)
    appender: BatchAppender | None = None  # the board's group commit (ballots/appender.py)

    @property
    def published(self) -> Path:
        """Where published bundles and reports are kept: ``<instance>/published/<election>/``."""
        return self.instance / "published"

    @functools.cached_property
    def factory(self) -> Callable[[], Session]:
        return db.session_factory(self.engine)


def services() -> Services:
    found: Services = current_app.extensions["evoting"]
    return found
