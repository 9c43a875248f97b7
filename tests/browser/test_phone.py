"""Every public and resident page on a 360 px phone: nothing wider than the screen.

The receipt's signed head once printed one character per line (2,300 px tall), the
board scrolled sideways with two-character hash columns: hashes now wrap in a
monospace block, and labels stand above their values on a narrow screen. Each page
is checked in the three languages (French words run longest) and photographed into
``test-artifacts/`` (``phone-<page>-<lang>.png``). The results page, which needs a
tally, is checked in ``test_tally.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Site
from tests.browser.test_booth import _log_in
from web.extensions import limiter

PHONE = {"width": 360, "height": 780}
LANGUAGES = ("nl", "fr", "en")


def fits(page: Any, what: str) -> None:
    """No horizontal scroll: the document is no wider than the phone's screen, and no
    element sticks out of it either (an overflow hidden by a parent would hide text)."""
    page.wait_for_load_state("load")
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *, header *, footer *')]
              .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY')
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""
    )
    assert not wide, f"{what}: sticks out of the screen: {wide[:5]}"
    broken = page.evaluate(
        """() => [...document.querySelectorAll('.timeline li')].filter(step => {
              const range = document.createRange();
              range.selectNodeContents(step);
              return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
            }).map(step => step.textContent)"""
    )
    assert not broken, f"{what}: a step of the timeline is cut over two lines: {broken}"


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def cast(browser: Any, site: Site) -> dict[str, Any]:
    """One resident votes, so that the board has a ballot to look up."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    voter = site.demo.voters[0]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    short = page.text_content("#receipt-short")
    context.close()
    return {"short": short}


def test_every_step_of_the_booth_fits_a_phone(browser: Any, site: Site, artifacts: Path) -> None:
    """Choose, review (the full tracking code opened), a ballot opened for checking, the
    receipt with its signed head: in French, whose words run longest."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    voter = site.demo.voters[1]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.goto(page.url + "?lang=fr")  # the ticket is spent: the key is in localStorage
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    fits(page, "booth, choose")
    shoot(page, artifacts, "booth-choose-fr")
    page.check("input[value=no]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#review summary")  # the full tracking code, opened
    fits(page, "booth, review")
    shoot(page, artifacts, "booth-review-fr")
    page.click("#challenge")
    page.wait_for_selector("#challenged:not([hidden])")
    fits(page, "booth, opened ballot")
    shoot(page, artifacts, "booth-challenged-fr")
    page.click("#fresh")
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    fits(page, "booth, receipt")
    height = page.evaluate("() => document.getElementById('receipt').offsetHeight")
    assert height < 1500, f"the receipt is {height} px tall on a phone"
    shoot(page, artifacts, "booth-receipt-fr")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone(
    browser: Any, site: Site, artifacts: Path, cast: dict[str, Any], language: str
) -> None:
    election = f"{site.url}/e/{site.demo.election_id}"
    pages = {
        "index": f"{site.url}/",
        "election": election,
        "board": f"{election}/board?code={cast['short']}",
        "board-unknown": f"{election}/board?code=AAAA-BBBB",
        "spoiled": f"{election}/spoiled",
        "results": f"{election}/results",  # no results yet; published ones: test_tally.py
        "login": f"{election}/login",
        "booth-no-key": f"{election}/booth",
    }
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for name, url in pages.items():
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
        if name == "booth-no-key":
            page.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
        if name.startswith("board"):
            assert page.text_content("#lookup")  # the board says whether it found the code
        fits(page, f"{name} ({language})")
        shoot(page, artifacts, f"{name}-{language}")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_outcomes_fit_a_phone(
    browser: Any, site: Site, artifacts: Path, cast: dict[str, Any], language: str
) -> None:
    """A refused login, an ineligible resident, and one whose key was already issued."""
    limiter.reset()  # three logins a language: more than the 10 a minute one address may
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login = f"{site.url}/e/{site.demo.election_id}/login?lang={language}"
    young = next(v for v in site.demo.voters if "under 16" in v.note)
    page.goto(login)
    page.fill("#register_number", "12345")
    page.fill("#code", "short")
    with page.expect_navigation():  # the refusal is a new page: measure it, not the old one
        page.click("button[type=submit]")
    fits(page, f"login, malformed ({language})")
    shoot(page, artifacts, f"login-malformed-{language}")
    for name, voter in (("ineligible", young), ("issued", site.demo.voters[0])):
        page.goto(login)
        page.fill("#register_number", voter.register_number)
        page.fill("#code", voter.code)
        page.click("button[type=submit]")
        page.wait_for_selector("main h2")
        fits(page, f"status, {name} ({language})")
        shoot(page, artifacts, f"status-{name}-{language}")
    context.close()
