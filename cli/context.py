"""What every `evote` command shares: the database, the deployment secret, the clock,
and one place that turns domain errors into one-line messages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evoting import db
from evoting.crypto.errors import CryptoError
from evoting.deployment import DeploymentError, DeploymentKeys
from evoting.election import ManifestError
from evoting.elections import ElectionError, check_deployment_secret

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    CryptoError,
    db.DatabaseError,
    DeploymentError,
    ElectionError,
    ManifestError,
)


def expected_errors() -> tuple[type[Exception], ...]:
    from audit.actions import NotAllowedToSign
    from audit.bundle import SignatureRefused
    from ballots.ballot import BallotRejected
    from evoting.accounts import AccountError
    from identity.pollcards import PollCardError
    from identity.providers import IdentityError
    from identity.register import RegisterError
    from tally.ceremony import CeremonyError
    from tally.decrypt import DecryptionRefused
    from tally.paper_entry import PaperEntryRefused
    from tally.result import PaperError
    from tally.service import TallyError
    from tally.winners import WinnerError

    return (*EXPECTED_ERRORS, AccountError, BallotRejected, CeremonyError, DecryptionRefused,
            IdentityError, NotAllowedToSign, PaperEntryRefused, PaperError, PollCardError,
            RegisterError, SignatureRefused, TallyError, WinnerError)  # fmt: skip


@dataclass
class Context:
    url: str | None
    instance: Path | None
    clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)
    _engine: Engine | None = field(default=None, repr=False)
    _keys: DeploymentKeys | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = db.make_engine(self.url)
            if db.current_revision(engine) != db.head_revision():
                if engine.dialect.name != "sqlite":
                    engine.dispose()
                    raise db.DatabaseError(
                        "the database schema is not current: run `evote db upgrade` first"
                    )
                db.upgrade(engine)  # the embedded default migrates itself
            self._engine = engine
        return self._engine

    @property
    def factory(self) -> Callable[[], Session]:
        return db.session_factory(self.engine)

    @property
    def keys(self) -> DeploymentKeys:
        """The deployment secret, checked against the database it is used with.

        The first use runs its own transaction: read it before opening a session.
        """
        if self._keys is None:
            keys = DeploymentKeys.load(self.instance)
            with self.factory() as session, session.begin():
                check_deployment_secret(session, keys)
            self._keys = keys
        return self._keys

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


class Group(click.Group):
    """A click group whose commands report expected errors in one line, exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:
            # Only a domain error loads the modules that define them all: `evote verify`,
            # which fails by exiting, never needs the database layer's services.
            if isinstance(exc, expected_errors()):
                raise click.ClickException(str(exc)) from exc
            raise


pass_context = click.make_pass_decorator(Context)
