"""An election with its register and poll cards, on each database back end."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evoting import db
from evoting.crypto.credential import Credential, CredentialRequest
from evoting.crypto.elgamal import KeyPair
from evoting.crypto.group import Point
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest, load_manifest
from evoting.elections import (
    change_state,
    election_public_key,
    set_election_public_key,
)
from identity import pollcards
from identity.issuance import blind_sign, credential_public_key, issue_ticket
from identity.providers import PollCardProvider, login
from identity.register import RegisterFile, import_register, read_register_file
from services.lifecycle import set_up_election
from tally.ceremony import KeyShare
from tally.officials import run_in_process

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime.datetime(2019, 5, 21, 10, 0, tzinfo=datetime.UTC)  # during the vote
CLOSED = datetime.datetime(2019, 5, 27, 18, 0, tzinfo=datetime.UTC)  # 20:00 in Kortrijk: it closes


@dataclass
class Setup:
    engine: Engine
    factory: Callable[[], Session]
    keys: DeploymentKeys
    manifest: Manifest
    register: RegisterFile
    codes: dict[str, str]  # register number digits -> poll-card code
    letters: Path
    public_key: Point
    shares: list[KeyShare]  # the trustees' key shares (empty: the key was made directly)

    @property
    def election_id(self) -> str:
        return self.manifest.id

    def number(self, name: str) -> str:
        """The register number of the resident called ``name`` in the sample register."""
        return next(r.number.digits for r in self.register.rows if r.name.startswith(name))

    def form(self, name: str, code: str | None = None) -> dict[str, str]:
        number = self.number(name)
        return {"register_number": number, "code": code or self.codes[number]}


def make_setup(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    trustees: bool = False,
    manifest_path: Path = EXAMPLES / "kortrijk-2019.yaml",
) -> Setup:
    """Create, import, print poll cards (with codes we can read back) and open.

    With ``trustees``, three trustees run the key ceremony (k = 2); otherwise the
    election key is made directly (enough for tests that never decrypt).
    """
    factory = db.session_factory(engine)
    keys = DeploymentKeys.generate()
    manifest = load_manifest(manifest_path)
    register = read_register_file(EXAMPLES / "register-sample.csv",
                                  manifest.eligibility.reference_date)  # fmt: skip
    issued: list[str] = []
    real_new_code = pollcards.new_code

    def recording_new_code() -> str:
        issued.append(real_new_code())
        return issued[-1]

    monkeypatch.setattr(pollcards, "new_code", recording_new_code)
    letters = tmp_path / "letters.pdf"
    created_at = NOW - datetime.timedelta(days=30)
    shares: list[KeyShare] = []
    with factory() as session, session.begin():
        set_up_election(session, manifest, keys, created_at)
        if trustees:
            shares = run_in_process(session, manifest.id, ["Trustee 1", "Trustee 2", "Trustee 3"])
        else:
            set_election_public_key(session, manifest.id, KeyPair.generate().public)
        public_key = election_public_key(session, manifest.id)
        import_register(session, manifest.id, register, keys, created_at)
        pollcards.generate_poll_cards(session, manifest.id, register, keys, letters)
    monkeypatch.setattr(pollcards, "new_code", real_new_code)
    eligible = [r for r in register.rows if r.name not in
                ("Emma Jacobs", "Greet Willems", "Hans Mertens")]  # fmt: skip
    codes = {r.number.digits: c for r, c in zip(eligible, issued, strict=True)}
    with factory() as session, session.begin():
        change_state(session, manifest.id, "open")
    return Setup(engine, factory, keys, manifest, register, codes, letters, public_key, shares)


@pytest.fixture
def setup(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return make_setup(engine, tmp_path, monkeypatch)


@pytest.fixture
def clock() -> Callable[[], datetime.datetime]:
    """A clock that moves one second per reading, from NOW."""
    ticks = itertools.count()
    return lambda: NOW + datetime.timedelta(seconds=next(ticks))


def obtain_credential(s: Setup, name: str, now: datetime.datetime = NOW) -> Credential:
    """Log in as the resident called ``name`` and take their credential (the device's side)."""
    result = login(s.factory, PollCardProvider(s.keys), s.keys, s.election_id, s.form(name),
                   f"client-{name}", now)  # fmt: skip
    ticket = issue_ticket(s.keys, result, now)
    with s.factory() as session:
        public_key = credential_public_key(session, s.election_id)
    request = CredentialRequest.start(public_key, s.manifest.fingerprint)
    blind = blind_sign(s.factory, s.keys, s.election_id, ticket, request.blinded_message, now)
    return request.finish(public_key, blind)
