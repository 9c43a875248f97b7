"""A resident votes in Chromium: log in, encrypt in the page, cast, find it on the board."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import Site


def _log_in(page: Any, site: Site, number: str, code: str) -> None:
    page.goto(f"{site.url}/e/{site.demo.election_id}/login?lang=en")
    page.fill("#register_number", number)
    page.fill("#code", code)
    page.click("button[type=submit]")


def test_a_resident_votes_and_finds_the_ballot_on_the_board(
    browser: Any, site: Site, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, accept_downloads=True)
    page = context.new_page()
    casts: list[dict[str, str]] = []
    page.on("request", lambda r: casts.append(r.all_headers()) if r.url.endswith("/cast") else None)
    voter = site.demo.voters[0]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.screenshot(path=str(artifacts / "booth-360.png"), full_page=True)
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    short = page.text_content("#tracking-short")
    assert short is not None
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", short)
    encrypt_ms = float(page.get_attribute("#booth", "data-encrypt-ms") or "nan")
    print(f"booth encrypt + prove + sign: {encrypt_ms:.1f} ms")
    (artifacts / "booth-encrypt-ms.txt").write_text(f"{encrypt_ms:.1f}\n")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    assert page.text_content("#receipt-short") == short
    assert casts
    assert "cookie" not in casts[-1]  # the cast carries no session cookie
    with page.expect_download() as saved:
        page.click("#download-receipt")
    receipt = _saved_receipt(saved.value, site, short)
    assert receipt["position"] == int(page.text_content("#receipt-position") or "0")
    page.click("#board-link")
    assert "Found: this ballot is on the board." in page.content()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts / "board-1280.png"), full_page=True)
    context.close()


def _saved_receipt(download: Any, site: Site, short: str) -> dict[str, Any]:
    """The saved receipt is exactly the ballot box's: tracking code, position, signed head
    (what `evote verify --receipt` reads), named after the election and the short code."""
    from ballots.chain import SignedHead

    assert download.suggested_filename == f"receipt-{site.demo.election_id}-{short}.json"
    receipt: dict[str, Any] = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert set(receipt) == {"tracking_code", "position", "head"}
    assert re.fullmatch(r"[0-9a-f]{64}", receipt["tracking_code"])
    head = SignedHead.from_json(receipt["head"])
    assert head.position >= receipt["position"]
    assert not head.final
    return receipt


def test_a_refusal_in_the_booth_is_said_in_the_residents_language(browser: Any, site: Site) -> None:
    """The server refuses a forged ticket with an English message for programs; the
    booth says why in the page's language instead."""
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    booth = f"{site.url}/e/{site.demo.election_id}/booth?lang=nl"

    def forged_ticket(route: Any) -> None:
        answer = route.fetch()
        body = answer.text().replace('data-ticket=""', 'data-ticket="forged.ticket"')
        route.fulfill(response=answer, body=body)

    page.route(booth, forged_ticket)
    refusals: list[dict[str, Any]] = []
    page.on("response", lambda r: refusals.append(r.json()) if r.url.endswith("/credential")
            else None)  # fmt: skip
    page.goto(booth)
    page.wait_for_selector("[data-message=refused]:not([hidden])", timeout=30_000)
    said = (page.text_content("[data-message=refused]") or "").strip()
    assert said == "Uw aanmelding is verlopen of werd al gebruikt: meld u opnieuw aan."
    assert refusals[0]["error"] == "ticket"
    assert refusals[0]["message"] not in said  # the API's English stays for programs
    context.close()


def test_an_under_16_resident_sees_the_refusal(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    young = next(v for v in site.demo.voters if "under 16" in v.note)
    _log_in(page, site, young.register_number, young.code)
    page.wait_for_selector("#reasons")
    assert "after the reference date" in (page.text_content("#reasons") or "")
    context.close()


def test_a_resident_challenges_a_ballot_then_casts_a_fresh_one(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    voter = site.demo.voters[1]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.check("input[value=no]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    opened = page.text_content("#tracking-full")
    page.click("#challenge")
    page.wait_for_selector("#challenged:not([hidden])")
    assert page.locator("#revealed .answer").all_inner_texts() == ["No"]
    check = context.new_page()
    check.goto(site.url + (page.get_attribute("#spoiled-link", "href") or ""))
    assert check.locator("#spoiled-list dd").all_inner_texts() == ["No"]
    page.click("#fresh")
    page.wait_for_selector("#choose:not([hidden])")
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    assert page.text_content("#tracking-full") != opened  # a fresh ballot, fresh randomness
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    context.close()


def test_a_reload_between_issuance_and_cast_keeps_the_vote(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    voter = site.demo.voters[2]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.reload()  # the ticket is spent; the credential is in localStorage
    page.wait_for_selector("#choose:not([hidden])")
    page.check("input[value=blank]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    page.reload()  # after the cast, the receipt stays
    page.wait_for_selector("#receipt:not([hidden])")
    context.close()


def _tab_to(page: Any, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, which must show (focus-visible)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), f"{selector} has no visible focus"
            return
    raise AssertionError(f"Tab never reaches {selector}")


def test_a_resident_votes_with_the_keyboard_only(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    voter = site.demo.voters[4]
    page.goto(f"{site.url}/e/{site.demo.election_id}/login?lang=en")
    _tab_to(page, "#register_number")
    page.keyboard.type(voter.register_number)
    _tab_to(page, "#code")
    page.keyboard.type(voter.code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    _tab_to(page, "#choose input[value=yes]")
    page.keyboard.press("ArrowDown")  # radio groups move with the arrow keys
    assert page.is_checked("input[value=no]")
    _tab_to(page, "#choose button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review:not([hidden])")
    _tab_to(page, "#cast")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt:not([hidden])")
    assert page.text_content("#receipt-short")
    context.close()


def _axe() -> Path:
    """axe-core from the npm registry, pinned by tests/browser/package-lock.json."""
    import subprocess

    here = Path(__file__).resolve().parent
    script = here / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=here, check=True, timeout=300)  # fmt: skip
    return script


def _no_serious_violations(page: Any, where: str) -> None:
    page.add_script_tag(path=str(_axe()))
    report = page.evaluate(
        "async () => { const r = await axe.run(document);"
        " return {passes: r.passes.length, violations: r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))}; }"
    )
    assert report["passes"] > 10, where  # axe did check the page
    serious = [v for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, (where, serious)


def test_the_booth_has_no_serious_accessibility_violations(browser: Any, site: Site) -> None:
    """The choices, their review, and the key-file form of a booth without a key."""
    # axe runs as an injected script, which the booth's CSP forbids: bypass it for the check.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    voter = site.demo.voters[3]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    _no_serious_violations(page, "choose")
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    _no_serious_violations(page, "review")
    fresh = browser.new_context(bypass_csp=True).new_page()
    fresh.goto(f"{site.url}/e/{site.demo.election_id}/booth")
    fresh.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
    _no_serious_violations(fresh, "load the key file")
    fresh.context.close()
    context.close()
