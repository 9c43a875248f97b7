"""The served platform for test_platform_journey.py, and the election steps it runs in Python.

`journey_fixture` (the fixture ``journey``): a fresh database and deployment keys, the
officials (an admin, a moderator, an evaluator; evoting.accounts.add_official), the
platform register imported from ``examples/register-sample.csv`` with a platform code
per eligible resident (identity.platform), a real SMTP server (aiosmtpd,
tests/support/smtp.py) that the app sends its mail through, and the app served on a
free loopback port in a thread. No process exists yet: the admin creates it in the
browser.

`set_up_vote` and `close_and_tally` are the parts of the normal election flow that a
browser adds nothing to, done as the CLI and `evote simulate` do them: the vote's
register (the same CSV) and poll cards, the trustees' key ceremony in this process,
opening; then closing, k of the n trustees' partial decryptions, the tally and the
signed bundle where the officials' "Publish" looks for it.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
import pytest
from werkzeug.serving import make_server

from audit.actions import close_election, tally_election
from audit.store import record
from evoting import db
from evoting.accounts import add_official
from evoting.deployment import DeploymentKeys
from evoting.elections import change_state, election_public_key, get_election
from identity import pollcards
from identity.issuance import issuance_report
from identity.platform import generate_platform_codes, import_platform_register
from identity.register import RegisterRow, import_register, read_register_file
from tally.ceremony import KeyShare
from tally.decrypt import decrypt_request
from tally.officials import run_in_process
from tests.support.smtp import SmtpServer, running_smtp_server
from web import create_app
from web.extensions import limiter

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "examples" / "register-sample.csv"
KORTRIJK = "34022"  # the sample register's municipality
SENDER = "participatie@poperinge.example.be"
OFFICIALS = {  # username -> (password, role)
    "admin": ("the admin's long password", "admin"),
    "moderator": ("the moderator's long password", "moderator"),
    "evaluator": ("the evaluator's long password", "evaluator"),
}


@dataclass
class Journey:
    url: str
    database_url: str
    instance: Path
    directory: Path
    smtp: SmtpServer
    platform_codes: dict[str, str]  # resident's full name -> platform code (display form)
    register_numbers: dict[str, str]  # resident's full name -> register number, formatted

    def keys(self) -> DeploymentKeys:
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("EVOTING_SECRET_KEY", raising=False)
            return DeploymentKeys.load(self.instance)


@pytest.fixture(scope="module", name="journey")
def journey_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    directory = tmp_path_factory.mktemp("journey")
    database_url = f"sqlite:///{directory / 'platform.sqlite3'}"
    instance = directory / "instance"
    now = datetime.datetime.now(datetime.UTC)
    engine = db.make_engine(database_url)
    try:
        db.upgrade(engine)
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("EVOTING_SECRET_KEY", raising=False)
            DeploymentKeys.generate().save(instance)
            keys = DeploymentKeys.load(instance)
        register = read_register_file(REGISTER, now.date())
        with db.session_factory(engine)() as session, session.begin():
            for username, (password, role) in OFFICIALS.items():
                add_official(session, username, password, role, now)
            import_platform_register(session, register, keys, now, municipality=KORTRIJK)
            made = generate_platform_codes(session, register, keys, now)
    finally:
        engine.dispose()
    codes = {letter.name: pollcards.display(letter.code) for letter in made.letters}
    numbers = {row.name: row.number.formatted() for row in register.rows}
    with running_smtp_server() as smtp, pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        config = {"SMTP_URL": smtp.url, "MAIL_FROM": SENDER}
        app = create_app(database_url, instance, secure_cookies=False, config=config)
        limiter.reset()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Journey(f"http://127.0.0.1:{server.server_port}", database_url, instance,
                          directory, smtp, codes, numbers)  # fmt: skip
        finally:
            server.shutdown()
            app.extensions["evoting"].engine.dispose()


@dataclass(frozen=True)
class Vote:
    election_id: str
    poll_cards: dict[str, str]  # resident's full name -> poll-card code (display form)
    shares: list[KeyShare]  # the trustees' key shares, from the ceremony


def set_up_vote(journey: Journey, election_id: str) -> Vote:
    """The election the shortlist made (a draft): its register and poll cards, the trustees'
    key ceremony (three trustees, in this process), then open, each step in the audit log."""
    keys = journey.keys()
    now = datetime.datetime.now(datetime.UTC)
    codes: dict[str, str] = {}

    def remember(row: RegisterRow, code: str) -> None:
        codes[row.name] = pollcards.display(code)

    engine = db.make_engine(journey.database_url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            manifest = get_election(session, election_id).manifest
            assert get_election(session, election_id).state == "draft"
            register = read_register_file(REGISTER, manifest.eligibility.reference_date)
            summary = import_register(session, election_id, register, keys, now)
            imported = {"file_sha256": register.sha256, "residents": summary.rows}
            record(session, election_id, "register-imported", imported, keys, now)
            letters = pollcards.generate_poll_cards(
                session, election_id, register, keys, journey.directory / "letters.pdf",
                on_code=remember,
            )  # fmt: skip
            record(session, election_id, "poll-cards-issued", {"letters": letters.letters},
                   keys, now)  # fmt: skip
            names = [f"Trustee {i}" for i in range(1, manifest.trustees.n + 1)]
            shares = run_in_process(session, election_id, names)
            record(session, election_id, "ceremony-finished",
                   {"election_key": election_public_key(session, election_id).to_bytes()},
                   keys, now)  # fmt: skip
            change_state(session, election_id, "open")
            record(session, election_id, "opened", {"by": "admin"}, keys, now)
    finally:
        engine.dispose()
    return Vote(election_id, codes, shares)


def close_and_tally(journey: Journey, vote: Vote) -> dict[str, object]:
    """Close the vote early, decrypt with the last k trustees (the first sits out), tally,
    and sign the bundle where the officials' "Publish" finds it; the result."""
    keys = journey.keys()
    engine = db.make_engine(journey.database_url)
    try:
        factory = db.session_factory(engine)
        now = datetime.datetime.now(datetime.UTC)
        request = close_election(factory, keys, vote.election_id, now, early=True, by="admin")
        with factory() as session:
            k = get_election(session, vote.election_id).manifest.trustees.k
        partials = [decrypt_request(share, request) for share in vote.shares[-k:]]
        registrar = issuance_report(factory, vote.election_id, keys).to_json()
        registrar.pop("credential_public_key")
        bundle = journey.instance / "published" / vote.election_id / "bundle.zip"
        bundle.parent.mkdir(parents=True, exist_ok=True)
        authority = nacl.signing.SigningKey.generate()  # the manifest pins none
        tallied = tally_election(factory, keys, vote.election_id, partials, registrar,
                                 authority, bundle, now, by="admin")  # fmt: skip
    finally:
        engine.dispose()
    return tallied.result
