"""A resident changes browser between receiving the voting key and casting.

In browser A they log in, receive the key and save the key file, and do not vote.
Browser B (fresh storage, a phone) has no session and no key: logging in again says
the key was issued and how to vote with it; the booth offers to load the key file,
refuses another election's, a changed one and a file that is no key in words, then
takes the right one, and the resident votes there and finds the ballot on the board.
Browser A's copy of the key can then no longer vote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Consultation, Site
from tests.browser.test_booth import _log_in
from tests.browser.test_phone import PHONE, fits


def _saved_key(page: Any, folder: Path) -> Path:
    with page.expect_download() as download:
        page.click("#download-credential")
    path: Path = folder / str(download.value.suggested_filename)
    download.value.save_as(path)
    return path


def _key_problem(page: Any, path: Path | None = None, content: bytes = b"") -> str:
    """Load a file in the booth and return the refusal it shows."""
    if path is not None:
        page.set_input_files("#key-file", str(path))
    else:
        upload = {"name": "voting-key.json", "mimeType": "application/json", "buffer": content}
        page.set_input_files("#key-file", files=[upload])
    page.wait_for_selector("[data-key-problem]:not([hidden])")
    assert page.get_attribute("#key-file", "aria-invalid") == "true"
    assert page.is_hidden("#choose")
    return (page.text_content("[data-key-problem]:not([hidden])") or "").strip()


def test_a_resident_votes_in_another_browser_with_the_saved_key_file(
    browser: Any, site: Site, consultation: Consultation, artifacts: Path, tmp_path: Path
) -> None:
    voter = site.demo.voters[0]
    first = browser.new_context(accept_downloads=True)
    a = first.new_page()
    _log_in(a, site, voter.register_number, voter.code)
    a.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    key_file = _saved_key(a, tmp_path)
    assert key_file.name == f"voting-key-{site.demo.election_id}.json"
    saved = json.loads(key_file.read_text(encoding="utf-8"))
    assert saved["election"] == site.demo.election_id
    assert set(saved) == {"format", "secret_key", "prefix", "signature", "election"}

    elsewhere = browser.new_context(accept_downloads=True)  # another vote's key file
    c = elsewhere.new_page()
    neighbour = consultation.voters[0]
    c.goto(f"{site.url}/e/{consultation.election_id}/login?lang=en")
    c.fill("#register_number", neighbour.register_number)
    c.fill("#code", neighbour.code)
    c.click("button[type=submit]")
    c.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    other_key = _saved_key(c, tmp_path)
    elsewhere.close()

    second = browser.new_context(viewport=PHONE, accept_downloads=True)
    b = second.new_page()
    b.goto(f"{site.url}/e/{site.demo.election_id}/login?lang=nl")
    b.fill("#register_number", voter.register_number)
    b.fill("#code", voter.code)
    b.click("button[type=submit]")
    said = b.text_content("main") or ""
    assert "U hebt uw stemsleutel al ontvangen" in said
    assert "in de browser, op het toestel, waar u hem hebt ontvangen" in said
    name = f"voting-key-{site.demo.election_id}.json"
    assert f"laad het sleutelbestand dat u toen hebt opgeslagen ({name})" in said
    fits(b, "status, key issued")
    b.screenshot(path=str(artifacts / "key-file-status-nl-360.png"), full_page=True)
    b.get_by_role("link", name="Naar het stemhokje").click()
    b.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
    assert b.is_visible("[data-message=need-login]")
    assert b.is_hidden("#choose")

    assert _key_problem(b, other_key) == (
        "Deze stemsleutel hoort bij een andere stemming. Kies het sleutelbestand van deze stemming."
    )
    changed = dict(saved, secret_key=json.loads(other_key.read_text())["secret_key"])
    assert _key_problem(b, content=json.dumps(changed).encode()) == (
        "Dit bestand bevat geen stemsleutel die voor deze stemming werd uitgereikt: hij hoort bij "
        "een andere stemming, of het bestand werd gewijzigd."
    )
    assert _key_problem(b, content=b"\x89PNG not a key").startswith(
        "Dit bestand is geen stemsleutel."
    )
    assert _key_problem(b, content=b"{" * 20_000).startswith("Dit bestand is geen stemsleutel.")
    fits(b, "booth, key file refused")
    b.screenshot(path=str(artifacts / "key-file-refused-nl-360.png"), full_page=True)

    b.set_input_files("#key-file", str(key_file))
    b.wait_for_selector("#choose:not([hidden])")
    assert b.is_hidden("[data-key-problem]:not([hidden])")
    assert b.is_hidden("#load-key")
    assert b.is_hidden("[data-message=need-login]")
    b.check("input[value=no]")
    b.click("#choose button[type=submit]")
    b.wait_for_selector("#review:not([hidden])")
    b.click("#cast")
    b.wait_for_selector("#receipt:not([hidden])")
    fits(b, "booth, receipt after a key file")
    b.screenshot(path=str(artifacts / "key-file-receipt-nl-360.png"), full_page=True)
    short = b.text_content("#receipt-short")
    b.click("#board-link")
    assert "Gevonden: dit stembiljet staat op het bord." in b.content()
    assert b.text_content("#lookup dd.code") == short
    second.close()

    a.check("input[value=yes]")  # browser A still holds the key, which has voted now
    a.click("#choose button[type=submit]")
    a.wait_for_selector("#review:not([hidden])")
    a.click("#cast")
    a.wait_for_selector("[data-message=credential-used]:not([hidden])")
    first.close()


def test_a_loaded_key_file_is_kept_nowhere_in_the_new_browser(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    """The other browser may not be the resident's (a library's, a friend's): the key
    loaded from the file stays in the page's memory, never in its storage, so the next
    person to open the booth there finds no key; the resident loads the file again."""
    voter = site.demo.voters[1]
    first = browser.new_context(accept_downloads=True)
    a = first.new_page()
    _log_in(a, site, voter.register_number, voter.code)
    a.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    key_file = _saved_key(a, tmp_path)
    first.close()
    second = browser.new_context()
    b = second.new_page()
    b.goto(f"{site.url}/e/{site.demo.election_id}/booth?lang=en")
    b.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
    b.set_input_files("#key-file", str(key_file))
    b.wait_for_selector("#choose:not([hidden])")
    assert "loaded from your file and is not kept in this browser" in (
        b.text_content("#keep") or ""
    )
    assert b.is_hidden("#download-credential")
    stored = b.evaluate("() => Object.keys(localStorage).concat(Object.keys(sessionStorage))")
    assert stored == []
    b.reload()  # the page is closed: no key here any more
    b.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
    b.set_input_files("#key-file", str(key_file))
    b.wait_for_selector("#choose:not([hidden])")
    b.check("input[value=yes]")
    b.click("#choose button[type=submit]")
    b.wait_for_selector("#review:not([hidden])")
    b.click("#cast")
    b.wait_for_selector("#receipt:not([hidden])")
    second.close()


def test_on_a_friends_browser_the_key_file_is_used_and_the_friends_key_kept(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    """A friend's browser keeps the friend's own, uncast key, and nobody is logged in:
    the booth still offers the key file, the resident's file is the key that votes,
    and the friend's key is left as it was (it votes afterwards, a second ballot). Once
    the friend has voted, their receipt is shown with the key-file offer beside it."""
    election = f"{site.url}/e/{site.demo.election_id}"
    resident = browser.new_context(accept_downloads=True)
    r = resident.new_page()
    _log_in(r, site, site.demo.voters[3].register_number, site.demo.voters[3].code)
    r.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    key_file = _saved_key(r, tmp_path)
    resident.close()

    friends = browser.new_context()
    f = friends.new_page()
    _log_in(f, site, site.demo.voters[2].register_number, site.demo.voters[2].code)
    f.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    stored_key = "() => localStorage.getItem('evote:demo-kortrijk:credential')"
    friends_key = f.evaluate(stored_key)
    friends.clear_cookies()  # the friend is not logged in any more
    f.goto(f"{election}/booth?lang=en")
    f.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    assert f.is_visible("#load-key")  # beside the friend's key: "Do you have your key file?"
    f.set_input_files("#key-file", str(key_file))
    f.wait_for_selector("[data-kept=file]:not([hidden])")
    f.check("input[value=no]")
    f.click("#choose button[type=submit]")
    f.wait_for_selector("#review:not([hidden])")
    f.click("#cast")
    f.wait_for_selector("#receipt:not([hidden])")
    assert "this receipt is not kept in this browser" in (f.text_content("#receipt") or "")
    assert f.evaluate(stored_key) == friends_key  # untouched
    assert f.evaluate("() => localStorage.getItem('evote:demo-kortrijk:receipt')") is None

    f.reload()  # the friend's key is still there, and votes: it is another credential
    f.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    f.check("input[value=yes]")
    f.click("#choose button[type=submit]")
    f.wait_for_selector("#review:not([hidden])")
    f.click("#cast")
    f.wait_for_selector("#receipt:not([hidden])")
    f.reload()  # the friend's receipt, and the key file still offered
    f.wait_for_selector("#receipt:not([hidden])", timeout=30_000)
    f.wait_for_selector("#load-key:not([hidden])", timeout=30_000)
    friends.close()
