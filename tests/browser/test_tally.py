"""An official closes and tallies the demo in Chromium; the public sees the verdict.

This module has its own demo (the ``site`` fixture is per module), so closing the
vote here does not end the vote for the other browser tests. The trustees' part
runs as the demo prints it: `evote trustee decrypt` on their key-share files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.demo import OFFICIAL, PASSPHRASE, PASSWORD
from cli.main import evote
from tests.browser.conftest import Site
from tests.browser.test_booth import _log_in
from tests.browser.test_phone import fits


def _vote(browser: Any, site: Site, index: int, answer: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    voter = site.demo.voters[index]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.check(f"input[value={answer}]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    context.close()


def _decrypt(share: Path, request: Path, out: Path) -> None:
    arguments = ["trustee", "decrypt", "--share", str(share), "--board", str(request),
                 "--out", str(out), "--yes"]  # fmt: skip
    made = CliRunner().invoke(evote, arguments, env={"EVOTING_PASSPHRASE": PASSPHRASE})
    assert made.exit_code == 0, made.output


def test_an_official_closes_and_tallies_and_the_results_say_advisory(
    browser: Any, site: Site, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVOTING_SECRET_KEY", raising=False)
    for index, answer in ((0, "yes"), (1, "yes"), (2, "no")):
        _vote(browser, site, index, answer)

    official = browser.new_context(accept_downloads=True)
    page = official.new_page()
    page.goto(f"{site.url}/officials/login?lang=en")
    page.fill("#username", OFFICIAL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    election = f"{site.url}/officials/e/{site.demo.election_id}"
    page.goto(election)
    page.check("input[name=early]")
    page.click("text=Close and count")
    page.wait_for_selector("text=Download the tally request for the trustees")

    with page.expect_download() as download:
        page.click("text=Download the tally request for the trustees")
    request = tmp_path / download.value.suggested_filename
    download.value.save_as(request)
    partials = [tmp_path / f"partial-{i}.json" for i in (1, 3)]  # any two of the three
    for share, out in zip((site.demo.trustee_shares[0], site.demo.trustee_shares[2]), partials,
                          strict=True):  # fmt: skip
        _decrypt(share, request, out)

    page.set_input_files("#partials", [str(p) for p in partials])
    page.check("#sign-here")  # the demo keeps the authority's key: sign on the server
    page.set_input_files("#authority_key", str(site.demo.authority_key))
    page.fill("#passphrase", PASSPHRASE)
    page.click("button:has-text('Decrypt the totals')")
    page.wait_for_selector("text=Tallied: the bundle and the report are ready to publish.",
                           timeout=60_000)  # fmt: skip

    public = browser.new_context(viewport={"width": 360, "height": 780})
    resident = public.new_page()
    results = f"{site.url}/e/{site.demo.election_id}/results"
    resident.goto(results + "?lang=en")
    assert "There are no results yet" in resident.content()  # tallied, not yet published
    page.click("text=Check the results page first")
    assert page.text_content("#preview")

    page.goto(election)
    page.click("text=Publish the results, the bundle and the report")
    page.wait_for_selector("text=published")
    official.close()

    resident.goto(results + "?lang=en")
    verdict = resident.text_content("#verdict-car-free-sunday") or ""
    assert re.match(r"\s*Advisory:\s+yes wins", verdict), verdict
    rows = resident.locator("table.totals tbody tr").all_inner_texts()
    assert [r.split() for r in rows] == [["Yes", "2"], ["No", "1"], ["Blank", "0"]]
    reasons = resident.text_content(".reasons") or ""
    assert "Participants: 3, at least 2000 required – not met" in reasons
    assert "Difference between yes and no: 33.33 points, at least 2.5 required – met" in reasons
    assert (resident.text_content("#participants") or "").startswith("3 ")
    resident.screenshot(path=str(artifacts / "results-360.png"), full_page=True)
    for language in ("nl", "fr", "en"):  # the published results, the closed board: on a phone
        for name in ("results", "board"):
            resident.goto(f"{site.url}/e/{site.demo.election_id}/{name}?lang={language}")
            fits(resident, f"{name}, published ({language})")
            shot = artifacts / f"phone-{name}-published-{language}.png"
            resident.screenshot(path=str(shot), full_page=True)
    resident.goto(results + "?lang=nl")
    assert "Adviserend" in (resident.text_content("#verdict-car-free-sunday") or "")
    assert "33,33 procentpunt" in (resident.text_content(".reasons") or "")
    resident.set_viewport_size({"width": 1280, "height": 900})
    resident.screenshot(path=str(artifacts / "results-1280.png"), full_page=True)
    with resident.expect_download() as bundle:
        resident.click("text=Resultatenbundel downloaden")
    saved = tmp_path / "bundle.zip"
    bundle.value.save_as(saved)
    checked = CliRunner().invoke(evote, ["verify", str(saved), "--workers", "1"])
    assert checked.exit_code == 0, checked.output
    public.close()
