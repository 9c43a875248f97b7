"""A real server and a real browser: the demo referendum served on a free port,
Debian's Chromium driven by Playwright (headless, no sandbox: CI runs as root).

Screenshots go to ``test-artifacts/`` (kept by CI, ignored by git).
"""

from __future__ import annotations

import datetime
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from cli.demo import Demo, TestVoter, build
from web import create_app
from web.extensions import limiter

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Site:
    url: str
    demo: Demo


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("site") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        demo = build(directory, datetime.datetime.now(datetime.UTC))
        app = create_app(demo.database_url, demo.instance, secure_cookies=False)
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", demo)
    finally:
        server.shutdown()
        app.extensions["evoting"].engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is needed for the browser tests (./dev test installs chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass(frozen=True)
class Consultation:
    election_id: str
    voters: tuple[TestVoter, ...]


@pytest.fixture(scope="module")
def consultation(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Consultation:
    """The Grote Bevraging (ten statements), open now beside the demo referendum on the
    same server: its own register, poll cards and registrar key; an election key made
    directly (nothing here is ever decrypted)."""
    import random

    from cli.demo import demo_register
    from evoting import db
    from evoting.crypto.elgamal import KeyPair
    from evoting.deployment import DeploymentKeys
    from evoting.election import load_manifest
    from evoting.elections import change_state, set_election_public_key
    from identity import pollcards
    from identity.register import RegisterRow, import_register, read_register
    from services.lifecycle import set_up_election

    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    text = (ROOT / "examples" / "grote-bevraging.yaml").read_text(encoding="utf-8")
    text = text.replace("id: grote-bevraging-2026", "id: demo-bevraging")
    opens, closes = today - datetime.timedelta(days=1), today + datetime.timedelta(days=6)
    text = text.replace("opens: 2026-09-14T08:00", f"opens: {opens}T08:00")
    text = text.replace("closes: 2026-10-05T20:00", f"closes: {closes}T20:00")
    reference = f'  municipality: "34022"\n  reference_date: {today}'
    text = text.replace('  municipality: "34022"', reference)
    directory = tmp_path_factory.mktemp("consultation")
    path = directory / "demo-bevraging.yaml"
    path.write_text(text, encoding="utf-8")
    manifest = load_manifest(path)
    register = read_register(demo_register(today, random.Random(2026)), today)
    codes: list[tuple[RegisterRow, str]] = []

    def remember(row: RegisterRow, code: str) -> None:
        codes.append((row, code))

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        keys = DeploymentKeys.load(site.demo.instance)
    engine = db.make_engine(site.demo.database_url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            set_up_election(session, manifest, keys, now)
            set_election_public_key(session, manifest.id, KeyPair.generate().public)
            import_register(session, manifest.id, register, keys, now)
            letters = directory / "letters.pdf"
            pollcards.generate_poll_cards(session, manifest.id, register, keys, letters,
                                          on_code=remember)  # fmt: skip
            change_state(session, manifest.id, "open")
    finally:
        engine.dispose()
    voters = tuple(TestVoter(row.name, row.number.formatted(), pollcards.display(code), "may vote")
                   for row, code in codes[:5])  # fmt: skip
    return Consultation(manifest.id, voters)
