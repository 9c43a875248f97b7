"""The public election page on a phone: what to pin before the vote, readable at 360 px,
and the manifest it offers is the one the fingerprint names."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from evoting.election import load_manifest
from tests.browser.conftest import Site


def _fits(page: Any) -> None:
    """Nothing makes the page wider than the phone's screen."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_resident_notes_what_identifies_the_vote_on_a_phone(
    browser: Any, site: Site, artifacts: Path, tmp_path: Path
) -> None:
    manifest = load_manifest(site.demo.letters.parent / f"{site.demo.election_id}.yaml")
    assert manifest.authority_key is not None  # the demo pins the authority's key
    context = browser.new_context(viewport={"width": 360, "height": 780}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site.url}/e/{site.demo.election_id}?lang=nl")
    assert page.text_content("#fingerprint") == manifest.fingerprint.hex()
    assert page.text_content("#authority-key") == hashlib.sha256(manifest.authority_key).hexdigest()
    assert "vergelijk ze met de oproepingsbrief" in (page.text_content("#pins") or "")
    _fits(page)
    page.locator("#pins").screenshot(path=str(artifacts / "election-pins-360.png"))
    with page.expect_download() as download:
        page.click("text=Manifest downloaden (JSON)")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{site.demo.election_id}-manifest.json"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == manifest.fingerprint.hex()
    page.goto(f"{site.url}/e/{site.demo.election_id}/spoiled?lang=fr")
    _fits(page)
    context.close()
