"""The app's extensions and the services its views use, apart from the factory.

The blueprints import these (`limiter`, `csrf`, `services`) and `web.app` imports
the blueprints, so they live here: the imports run one way, app → blueprints →
extensions, with no import inside a function to break a circle.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from evoting import db
from evoting.deployment import DeploymentKeys

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")
babel = Babel()


@dataclass
class Services:
    """What the views use: the database, the deployment keys and the clock."""

    engine: Engine
    keys: DeploymentKeys
    clock: Callable[[], datetime.datetime]
    instance: Path

    @property
    def published(self) -> Path:
        """Where published bundles and reports are kept: ``<instance>/published/<election>/``."""
        return self.instance / "published"

    @property
    def factory(self) -> Callable[[], Session]:
        return db.session_factory(self.engine)


def services() -> Services:
    found: Services = current_app.extensions["evoting"]
    return found
