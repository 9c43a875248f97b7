"""The registrar's answer is lost on the way: the resident still gets their one key.

The registrar marks the resident and signs; the answer never reaches the browser
(the connection drops). The booth kept its request before sending it, so the next
visit sends the same request again and gets the same signature — even after a new
login, which the registrar answers with "already issued" and a link to the booth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import Site
from tests.browser.test_booth import _log_in


def test_a_lost_issuance_answer_is_asked_for_again(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    signed: list[int] = []

    def lose_the_answer(route: Any) -> None:
        answer = route.fetch()  # the server marks the resident and signs...
        signed.append(answer.status)
        route.abort("connectionreset")  # ...and the browser never hears of it

    page.route("**/credential", lose_the_answer)
    voter = site.demo.voters[0]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("[data-message=network]:not([hidden])", timeout=30_000)
    assert signed == [200]
    page.unroute("**/credential")

    page.context.clear_cookies()  # the session is gone too: the resident logs in again
    _log_in(page, site, voter.register_number, voter.code)
    assert "You already received your voting key" in page.content()
    page.get_by_role("link", name="Go to the booth").click()
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.check("input[value=yes]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    context.close()


def test_a_kept_request_is_not_a_second_key(browser: Any, site: Site, tmp_path: Path) -> None:
    """Another blinded message with the same ticket is refused: one key per resident."""
    context = browser.new_context()
    page = context.new_page()
    voter = site.demo.voters[1]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('evote:demo-kortrijk:credential'))")
    assert "credential" in kept  # the request was replaced by the key once it came
    page.evaluate(  # a fresh request under the same (spent) ticket
        "() => localStorage.removeItem('evote:demo-kortrijk:credential')"
    )
    page.reload()
    page.wait_for_selector("[data-message=refused]:not([hidden])", timeout=30_000)
    assert "already issued" in (page.text_content("[data-message=refused]") or "")
    context.close()
