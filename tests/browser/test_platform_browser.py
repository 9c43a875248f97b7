"""The participation platform in Chromium on a 360 px phone: a resident logs in, proposes
an idea and is shown the near-duplicate before posting, posts anyway, supports another
idea and reacts to it; no page scrolls sideways (``platform-*.png`` in test-artifacts/)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from evoting import db
from evoting.deployment import DeploymentKeys
from evoting.residents_schema import residents
from participation.fields import local_day
from participation.ideas import Draft, submit_idea
from participation.processes import PhasePlan, create_process
from participation.residents import confirm, register
from tests.integration.participation_world import official, settings, texts, tx
from web import create_app
from web.extensions import limiter

PASSWORD = "a long enough password"
DAY = datetime.timedelta(days=1)


@dataclass
class Platform:
    url: str
    process: str
    email: str
    skatepark: int


def _resident(engine: Any, email: str, name: str, now: datetime.datetime) -> int:
    with tx(engine) as s:
        made = register(s, email, PASSWORD, name, "en", now)
        assert made.confirm_token is not None
        resident_id = confirm(s, made.confirm_token, PASSWORD, now)
        s.execute(
            update(residents)
            .where(residents.c.id == resident_id)
            .values(
                verified_at=now,
                age_band="30-44",
                district="centrum",
                verification_hash=f"{resident_id:064x}",
            )
        )
    return resident_id


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A process in its proposals phase today, two ideas in it, a verified resident."""
    directory = tmp_path_factory.mktemp("platform")
    url = f"sqlite:///{directory / 'platform.sqlite3'}"
    now = datetime.datetime.now(datetime.UTC)
    today = local_day(now)
    engine = db.make_engine(url)
    db.upgrade(engine)
    admin = official(engine)
    phases = [
        PhasePlan("information", today - 30 * DAY, today - 10 * DAY),
        PhasePlan("proposals", today - 9 * DAY, today + 20 * DAY),
        PhasePlan("screening", today + 21 * DAY, today + 40 * DAY),
        PhasePlan("vote", today + 50 * DAY, today + 60 * DAY),
    ]
    initiative = {
        "supports": 2,
        "starts_on": str(today - 9 * DAY),
        "ends_on": str(today + 20 * DAY),
    }
    with tx(engine) as s:
        create_process(
            s,
            admin,
            "phone-2026",
            texts("Phone participates"),
            texts("About"),
            "co-decide",
            settings(initiative=initiative),
            phases,
            now - 40 * DAY,
        )
    other = _resident(engine, "other@example.be", "Other Resident", now)
    with tx(engine) as s:
        submit_idea(
            s,
            "phone-2026",
            other,
            Draft(
                "Lime trees on the market square",
                "Plant lime trees around the market square, for shade in summer.",
                "en",
                "environment",
                12_000,
                "centrum",
            ),
            now - DAY,
        )
        skatepark = submit_idea(
            s,
            "phone-2026",
            other,
            Draft(
                "A skatepark near the station",
                "A small concrete skatepark for teenagers.",
                "en",
                "mobility",
                30_000,
                "watou",
            ),
            now - DAY,
        )
    _resident(engine, "me@example.be", "Me Myself", now)
    engine.dispose()
    instance = directory / "instance"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        DeploymentKeys.generate().save(instance)
        app = create_app(url, instance, secure_cookies=False)
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Platform(
            f"http://127.0.0.1:{server.server_port}", "phone-2026", "me@example.be", skatepark.id
        )
    finally:
        server.shutdown()
        app.extensions["evoting"].engine.dispose()


def no_sideways_scroll(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what}: the page is {width} px wide on a 360 px screen"
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
             .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert not wider, f"{what}: sticking out: {wider}"


def test_a_resident_proposes_supports_and_reacts_on_a_phone(
    platform: Platform, browser: Any, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="en-GB")
    page = context.new_page()
    base = f"{platform.url}/participate/{platform.process}"
    try:
        page.goto(f"{platform.url}/participate/?lang=en")
        page.get_by_role("link", name="Phone participates (en)").click()
        assert page.locator("li[aria-current=step]").inner_text().startswith("●")
        assert "Proposals" in page.locator("li[aria-current=step]").inner_text()
        no_sideways_scroll(page, "process page")
        page.screenshot(path=str(artifacts / "platform-process-360.png"), full_page=True)

        page.get_by_role("link", name="Propose an idea", exact=True).click()
        page.get_by_role("link", name="Log in", exact=True).click()
        page.fill("input[name=email]", platform.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base}/ideas/new")

        page.get_by_label("Title").fill("Trees on the market square")
        page.get_by_label("Your idea").fill("More trees around the market square, for shade.")
        page.get_by_role("button", name="Check").click()
        similar = page.locator(".pp-similar")
        assert "These ideas look similar" in similar.inner_text()
        assert "Lime trees on the market square" in similar.inner_text()
        assert "A skatepark" not in similar.inner_text()
        no_sideways_scroll(page, "similar ideas")
        page.screenshot(path=str(artifacts / "platform-similar-360.png"), full_page=True)
        page.get_by_label("Domain").select_option("environment")
        page.get_by_label("Estimated cost (optional)").fill("8000")
        page.get_by_role("button", name="Post my idea anyway").click()
        assert page.locator("h1").inner_text() == "Trees on the market square"
        assert "Your idea is posted." in page.locator("main").inner_text()
        assert "EUR" in page.locator(".facts").inner_text()
        no_sideways_scroll(page, "my idea")

        page.goto(f"{base}/ideas/{platform.skatepark}")
        assert "0 of 2 verified supports" in page.locator(".pp-progress").inner_text()
        page.get_by_role("button", name="Support this idea").click()
        assert "You support this idea." in page.locator(".pp-support").inner_text()
        assert "1 of 2 verified supports" in page.locator(".pp-progress").inner_text()
        assert page.locator("progress#initiative").get_attribute("value") == "1"

        page.get_by_label("Your reaction").fill("Yes please, with a bench for parents.")
        page.get_by_role("button", name="Post my reaction").click()
        assert "Yes please, with a bench for parents." in page.locator(".pp-thread").inner_text()
        assert "Me Myself" in page.locator(".pp-thread").inner_text()
        no_sideways_scroll(page, "idea with a reaction")
        page.screenshot(path=str(artifacts / "platform-idea-360.png"), full_page=True)

        page.goto(f"{base}?lang=fr")
        assert page.locator("html").get_attribute("lang") == "fr"
        no_sideways_scroll(page, "process page in French")
    finally:
        context.close()
