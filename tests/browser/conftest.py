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

from cli.demo import Demo, build
from evoting.web import create_app
from evoting.web.app import limiter

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
