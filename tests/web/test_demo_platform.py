"""`evote demo --platform`: what it prints is what it set up, and a new user can click through."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from cli.main import evote
from evoting import db
from evoting import platform_schema as ps
from evoting.accounts import authenticate
from evoting.residents_schema import residents
from participation.ideas import get_idea, list_ideas
from participation.mail import Mailer
from participation.processes import current_phase, get_process, list_processes
from participation.reactions import reactions, support
from participation.residents import confirm, log_in, register
from participation.screening import latest_screening
from participation.text import IdeaText, duplicate_pairs
from web import create_app

NOW = datetime.datetime.now(datetime.UTC)
ACCOUNT = re.compile(r"^  (\S+@example\.be) +password '([^']+)'  \((.+), (nl|fr|en)\)$", re.M)
OFFICIAL = re.compile(r"^  ([a-z]+) +password '([^']+)' +\((admin|moderator|evaluator)\)$", re.M)
CODE = re.compile(r"^ +(\d\d\.\d\d\.\d\d-\d{3}\.\d\d)  (\S+)  (.+)$", re.M)


@dataclass
class Made:
    directory: Path
    output: str
    url: str

    @property
    def outbox(self) -> Path:
        return self.directory / "outbox"

    def smtp_url(self) -> str:
        found = re.search(r"\(SMTP_URL (file://\S+)\)", self.output)
        assert found is not None, self.output
        return found.group(1)


def make(directory: Path) -> Made:
    made = CliRunner().invoke(evote, ["demo", "--platform", "--no-serve", "--dir", str(directory)])
    assert made.exit_code == 0, made.output
    return Made(directory, made.output, f"sqlite:///{directory / 'evoting.sqlite3'}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        yield make(tmp_path_factory.mktemp("platform") / "demo")


@contextmanager
def session_of(made: Made) -> Iterator[Session]:
    engine = db.make_engine(made.url)
    try:
        with db.session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def test_it_prints_accounts_officials_codes_and_what_to_click(demo: Made) -> None:
    accounts = ACCOUNT.findall(demo.output)
    assert [(a[0], a[2]) for a in accounts] == [
        ("an@example.be", "verified resident"), ("chantal@example.be", "verified resident"),
        ("bram@example.be", "confirmed, not verified"),
    ]  # fmt: skip
    assert [o[0] for o in OFFICIAL.findall(demo.output)] == ["demo", "moderator", "evaluator"]
    assert len(CODE.findall(demo.output)) == 3 + 5  # verification codes, then poll cards
    for step in ("/account/register", "outbox/", "/account/verify",
                 "/participate/poperinge-ideeen", "'moderator'", "'evaluator'",
                 "/e/buurtbudget-vote", "trustee decrypt --share"):  # fmt: skip
        assert step in demo.output
    assert demo.smtp_url() == demo.outbox.resolve().as_uri()
    assert (demo.directory / "platform-letters.pdf").read_bytes().startswith(b"%PDF")
    assert (demo.directory / "letters.pdf").read_bytes().startswith(b"%PDF")


def test_the_database_holds_the_processes_and_ideas_printed(demo: Made) -> None:
    with session_of(demo) as session:
        processes = {p.id: p for p in list_processes(session)}
        assert set(processes) == {"poperinge-ideeen", "buurtbudget"}
        ideas = processes["poperinge-ideeen"]
        assert (current := current_phase(ideas, NOW)) is not None
        assert current.kind == "proposals"
        assert [p.kind for p in ideas.phases] == [
            "information", "proposals", "screening", "shortlist", "vote", "results", "follow-up",
        ]  # fmt: skip
        assert ideas.level == "co-decide"
        assert set(ideas.title) == {"nl", "fr", "en"}
        settings = ideas.settings
        assert settings.domain_ids() == ("mobility", "environment", "culture", "sport",
                                         "solidarity", "public-space", "education")  # fmt: skip
        assert settings.cost_cap == 40_000
        assert settings.proposers == "verified"
        assert settings.initiative is not None
        assert settings.initiative.threshold == 3
        page = list_ideas(session, "poperinge-ideeen", limit=100).ideas
        assert len(page) == 12
        assert {i.language for i in page} == {"nl", "fr"}
        assert sum(i.source == "paper" for i in page) == 2
        reached = [i.title for i in page if i.status == "threshold-reached"]
        assert reached == ["Zitbanken langs de wandelroute in Proven"]
        pairs = duplicate_pairs([IdeaText(i.id, i.title, i.text) for i in page])
        titles: dict[str | int, str] = {i.id: i.title for i in page}
        assert {titles[pairs[0].first], titles[pairs[0].second]} == {
            "Overdekte fietsenstalling aan het station",
            "Meer overdekte fietsenstallingen bij het station",
        }
        assert sum(len(reactions(session, i.id)) for i in page) == 4  # and two replies
        reported = session.execute(select(func.count()).select_from(ps.content_reports))
        assert reported.scalar_one() == 1

        vote = processes["buurtbudget"]
        assert vote.election_id == "buurtbudget-vote"
        assert (current := current_phase(vote, NOW)) is not None
        assert current.kind == "vote"
        screened = list_ideas(session, "buurtbudget", limit=100, status=("refused", "shortlisted"))
        statuses = sorted(i.status for i in screened.ideas)
        assert statuses == ["refused"] + ["shortlisted"] * 5
        refused = next(i for i in screened.ideas if i.status == "refused")
        decision = latest_screening(session, refused.id)
        assert decision is not None
        assert decision.reason_code == "over-cap"
        assert not decision.cost_ok
        assert set(decision.public_reason) == {"nl", "fr", "en"}


def test_the_printed_accounts_log_in(demo: Made) -> None:
    with session_of(demo) as session:
        for address, password, state, _ in ACCOUNT.findall(demo.output):
            account = log_in(session, address, password, NOW)
            assert account is not None, address
            assert account.verified == (state == "verified resident")
        for username, password, role in OFFICIAL.findall(demo.output):
            official = authenticate(session, username, password)
            assert official is not None
            assert official.role == role


def test_a_new_user_clicks_through(demo: Made) -> None:
    """Register, open the mail in the outbox, confirm, log in, verify, support: the idea
    that had 2 of 3 verified supports becomes an initiative."""
    config = {"SMTP_URL": demo.smtp_url(), "MAIL_FROM": "noreply@beslist.example.be"}
    app = create_app(demo.url, demo.directory / "instance", secure_cookies=False, config=config)
    try:
        for address, password, _, _ in ACCOUNT.findall(demo.output):
            answer = post(browser(app), "/account/login", {"email": address, "password": password})
            assert answer.headers.get("Location") == "/account", address
        for username, password, _ in OFFICIAL.findall(demo.output):
            answer = post(browser(app), "/officials/login",
                          {"username": username, "password": password})  # fmt: skip
            assert answer.headers.get("Location") == "/officials/", username
        client = browser(app)
        for path, title in (("/participate/poperinge-ideeen", "Poperinge decides with you"),
                            ("/participate/buurtbudget", "Neighbourhood budget")):  # fmt: skip
            page = client.get(path)
            assert page.status_code == 200, path
            assert title in page.get_data(as_text=True)

        me = "new.resident@example.be"
        form = {"email": me, "password": "my own password", "password_again": "my own password",
                "display_name": "New Resident", "language": "en"}  # fmt: skip
        assert post(client, "/account/register", form).headers["Location"] == "/account/mailbox"
        (mail,) = demo.outbox.iterdir()
        message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        assert message["To"] == me
        found = re.search(r"http://localhost(/account/confirm/[A-Za-z0-9_-]{43})", mail.read_text())
        assert found is not None, mail.read_text()
        confirmed = post(client, found.group(1), {"password": "my own password"})
        assert confirmed.headers["Location"] == "/account/login"
        assert post(client, "/account/login", {"email": me, "password": "my own password"}
                    ).headers["Location"] == "/account"  # fmt: skip
        number, code, _ = CODE.findall(demo.output)[0]
        verified = post(client, "/account/verify", {"register_number": number, "code": code})
        assert verified.headers.get("Location") == "/account", verified.get_data(as_text=True)

        with session_of(demo) as session, session.begin():
            resident = session.execute(select(residents.c.id, residents.c.verified_at)
                                       .where(residents.c.email == me)).one()  # fmt: skip
            assert resident.verified_at is not None
            bikes = next(i for i in list_ideas(session, "poperinge-ideeen", limit=100).ideas
                         if i.title == "Overdekte fietsenstalling aan het station")  # fmt: skip
            assert bikes.status == "submitted"
            support(session, bikes.id, resident.id, datetime.datetime.now(datetime.UTC))
            assert get_idea(session, bikes.id).status == "threshold-reached"
    finally:
        app.extensions["evoting"].engine.dispose()


def test_the_outbox_receives_a_confirmation_mail(demo: Made) -> None:
    """The domain and mail layers alone: register, mail the link to the outbox, confirm."""
    before = set(demo.outbox.iterdir())
    mailer = Mailer.from_url(demo.smtp_url(), "noreply@beslist.example.be")
    with session_of(demo) as session:
        with session.begin():
            made = register(session, "outbox@example.be", "another password", "O", "nl", NOW)
        assert made.confirm_token is not None
        mailer.send(made.email, "Bevestig uw e-mailadres",
                    f"http://localhost:8000/account/confirm/{made.confirm_token}\n")  # fmt: skip
        (mail,) = set(demo.outbox.iterdir()) - before
        token = re.search(r"/account/confirm/([A-Za-z0-9_-]{43})", mail.read_text())
        assert token is not None
        with session.begin():
            assert confirm(session, token.group(1), "another password", NOW) == made.resident_id


def test_the_vote_takes_a_printed_poll_card(demo: Made) -> None:
    app = create_app(demo.url, demo.directory / "instance", secure_cookies=False)
    try:
        client = browser(app)
        number, code, _ = CODE.findall(demo.output)[3]  # the first poll card
        login = "/e/buurtbudget-vote/login"
        answer = post(client, login, {"register_number": number, "code": code})
        assert answer.headers.get("Location") == "/e/buurtbudget-vote/booth"
    finally:
        app.extensions["evoting"].engine.dispose()


def test_a_second_run_starts_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVOTING_SECRET_KEY", raising=False)
    first = make(tmp_path / "demo")
    (first.outbox / "left-over.eml").write_text("x")
    second = make(tmp_path / "demo")
    assert list(second.outbox.iterdir()) == []
    assert ACCOUNT.findall(first.output) == ACCOUNT.findall(second.output)
    assert CODE.findall(first.output) != CODE.findall(second.output)  # new codes, new secret
    with session_of(second) as session:
        assert session.execute(select(func.count()).select_from(ps.ideas)).scalar_one() == 18
        assert session.execute(select(func.count()).select_from(residents)).scalar_one() == 10
        assert get_process(session, "buurtbudget").election_id == "buurtbudget-vote"
    refused = CliRunner().invoke(evote, ["demo", "--platform", "--no-serve", "--dir",
                                         str(tmp_path / "demo"), "--manifest",
                                         "examples/poperinge.yaml"])  # fmt: skip
    assert refused.exit_code == 2
    assert "leave out --manifest" in refused.output


def browser(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page)
    assert found is not None, f"{path} has a form with a CSRF token"
    return found.group(1)


def post(client: FlaskClient, path: str, form: dict[str, str]) -> TestResponse:
    return client.post(path, data={**form, "csrf_token": csrf(client, path)})
