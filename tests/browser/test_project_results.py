"""Rueil's published participatory budget in Chromium: on a 360 px phone, in nl, fr and en.

The election is simulated end to end and published (tests/web/test_project_results.py,
`publish_rueil`), then served on a free port. Each page is checked as test_phone.py
checks the others (no horizontal scroll, no element sticking out), photographed into
``test-artifacts/`` (``phone-rueil-<page>-<lang>.png``, and ``rueil-results-1280.png``)
and checked by axe-core for serious or critical accessibility violations.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE
from tests.browser.test_booth import _no_serious_violations
from tests.browser.test_phone import LANGUAGES, PHONE, fits
from tests.web.test_project_results import Published, publish_rueil


@pytest.fixture(scope="module")
def rueil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Published]]:
    from web import create_app
    from web.extensions import limiter

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_ENVIRONMENT_VARIABLE, raising=False)
        published = publish_rueil(tmp_path_factory.mktemp("rueil"), patch)
        app = create_app(published.database_url, published.instance, secure_cookies=False)
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", published
    finally:
        server.shutdown()
        app.extensions["evoting"].engine.dispose()


def test_the_published_rueil_results_fit_a_phone_in_every_language(
    browser: Any, rueil: tuple[str, Published], artifacts: Path
) -> None:
    url, published = rueil
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # axe is an injected script
    page = context.new_page()
    results = f"{url}/e/{published.election_id}/results"
    for language in LANGUAGES:
        page.goto(f"{results}?lang={language}")
        fits(page, f"rueil results ({language})")
        page.screenshot(path=str(artifacts / f"phone-rueil-results-{language}.png"),
                        full_page=True)  # fmt: skip
        _no_serious_violations(page, f"rueil results ({language})")
    page.goto(f"{results}?lang=en")
    # On a phone each project is a block: "7. Its title" on the first line, every figure
    # under its label, then what became of it and why.
    row = page.locator("tr[data-project=jardin-partage]")
    cells = ("td.rank", "th", "td >> nth=1", "td.status")
    rank, title, cost, status = (row.locator(s).bounding_box() for s in cells)
    assert rank is not None
    assert title is not None
    assert cost is not None
    assert status is not None
    assert abs(rank["y"] - title["y"]) < 4
    assert rank["x"] < title["x"]
    assert title["y"] + title["height"] <= cost["y"] < status["y"]
    assert row.locator("td.rank").inner_text() == "7"
    said = (row.locator("td.status").inner_text() or "").replace("\xa0", " ")
    assert said.split("\n") == ["Skipped", "did not fit: EUR 500 left"]
    label = page.evaluate("""() => getComputedStyle(
        document.querySelectorAll('tr[data-project=jardin-partage] td')[1], '::before'
    ).content""")
    assert label == '"Cost"'
    page.set_viewport_size({"width": 1280, "height": 900})
    fits(page, "rueil results on a wide screen (en)")
    page.screenshot(path=str(artifacts / "rueil-results-1280.png"), full_page=True)
    headers = page.locator("#projects-projects thead th").all_inner_texts()
    assert headers == ["Rank", "Project", "Cost", "Online", "On paper", "Points", "1st", "2nd",
                       "3rd", "Result"]  # fmt: skip
    context.close()


def test_the_rueil_election_page_fits_a_phone_with_its_projects_by_domain(
    browser: Any, rueil: tuple[str, Published], artifacts: Path
) -> None:
    url, published = rueil
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    election = f"{url}/e/{published.election_id}"
    for language in LANGUAGES:
        page.goto(f"{election}?lang={language}")
        fits(page, f"rueil election ({language})")
        _no_serious_violations(page, f"rueil election ({language})")
        page.screenshot(path=str(artifacts / f"phone-rueil-election-{language}.png"),
                        full_page=True)  # fmt: skip
    page.goto(f"{election}?lang=fr")
    groups = page.locator("details.group")
    assert groups.count() == 7  # the seven domains, folded: 20 projects
    assert not page.is_visible("#project-projects-ruches")
    page.click("details[data-domain=environment] summary")
    assert page.is_visible("#project-projects-ruches")
    assert "6\xa0500\xa0EUR" in (page.text_content("#project-projects-ruches") or "")
    fits(page, "rueil election, a domain opened (fr)")
    page.screenshot(path=str(artifacts / "phone-rueil-election-open-fr.png"), full_page=True)
    context.close()
