"""Opened project ballots on the public page, in Chromium on a 360 px phone.

A resident ranks three of Rueil's projects, another fills a basket and shares out
points (projects_site.py's votes); each opens the ballot in the booth, and the
published record (the booth's "see the check") says the same lines as the booth's
review of it — the ranks with their points, the basket with its costs and total,
each project's points — in nl, fr and en, with no part of the page wider than the
phone (``projects-spoiled-*.png``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.projects_site import Vote, Votes, votes_fixture
from tests.browser.test_phone import fits
from tests.browser.test_projects_booth import PHONE, _box, _card, _encrypt, _open_booth, _review

__all__ = ["votes_fixture"]  # the served votes, as the fixture `votes`

LANGUAGES = ("nl", "fr", "en")


def _opened_in_booth(page: Any) -> tuple[dict[str, Any], str]:
    """Open the ballot under review; the booth's lines of it and the page of its record."""
    page.click("#challenge")
    page.wait_for_selector("#challenged:not([hidden])", timeout=30_000)
    return _review(page, "#revealed"), str(page.get_attribute("#spoiled-link", "href"))


def _published(page: Any) -> dict[str, Any]:
    """The record on the public page: per question, its summary and lines (in the
    booth's form: a line ``label: answer`` as [label, answer] where the booth has both)."""
    found: dict[str, Any] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#spoiled-list dt')].map(t => {
              const dd = t.nextElementSibling;
              const lines = [...dd.querySelectorAll('li')].map(li => li.textContent);
              return [t.textContent,
                      {summary: dd.querySelector('.summary')?.textContent ?? null, lines}];
            }))"""
    )
    return {q: {**v, "lines": [line.replace("\u00a0", " ") for line in v["lines"]],
                "summary": v["summary"] and v["summary"].replace("\u00a0", " ")}
            for q, v in found.items()}  # fmt: skip


def _as_published(review: dict[str, Any], colon: str) -> dict[str, Any]:
    """The booth's review as the public page words it: ``label: answer`` on one line."""
    return {q: {"summary": v["summary"],
                "lines": [answer if label is None else f"{label}{colon} {answer}"
                          for label, answer in v["lines"]]}
            for q, v in review.items()}  # fmt: skip


def _check_pages(browser: Any, votes: Votes, vote: Vote, link: str, booth: dict[str, Any],
                 booth_lang: str, artifacts: Path, name: str) -> None:  # fmt: skip
    """The record's public page in each language: it fits the phone; in the booth's
    language it says exactly what the booth's review of the opened ballot said."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for lang in LANGUAGES:
        page.goto(f"{votes.url}{link}&lang={lang}")
        page.wait_for_selector("#spoiled-list")
        shown = _published(page)
        assert len(shown) == len(vote.manifest.questions), lang
        if lang == booth_lang:
            assert shown == _as_published(booth, " :" if lang == "fr" else ":")
        fits(page, f"spoiled {name}, {lang}")
        page.screenshot(path=str(artifacts / f"projects-spoiled-{name}-{lang}.png"),
                        full_page=True)  # fmt: skip
    context.close()


def test_an_opened_project_ballot_is_published_in_the_booths_words(
    browser: Any, votes: Votes, artifacts: Path
) -> None:
    rueil = votes.rueil
    page = _open_booth(browser, votes, rueil, rueil.voters[3], "fr")
    for project, rank in (("pietons-ecoles", "1"), ("bornes-recharge", "2"), ("fontaines", "3")):
        _card(page, "projects", project).locator("select").select_option(rank)
    _encrypt(page)
    booth, link = _opened_in_booth(page)
    [lines] = booth.values()
    assert lines["lines"][0] == [
        "1er choix (3 points)",
        "Cheminements piétons sûrs vers les écoles",
    ]
    page.context.close()
    _check_pages(browser, votes, rueil, link, booth, "fr", artifacts, "points")

    wijk = votes.wijk
    page = _open_booth(browser, votes, wijk, wijk.voters[3], "en")
    for project in ("moestuin", "zaal"):
        _box(page, project).check()
    for _ in range(3):
        _card(page, "spread", "speeltuin").locator("button[data-step='1']").click()
    _card(page, "spread", "bank").locator("button[data-step='1']").click()
    _encrypt(page)
    booth, link = _opened_in_booth(page)
    assert booth["Which projects do you put in your basket?"]["summary"] == (
        "Basket: 2 projects, EUR 108,000 of EUR 200,000"
    )
    assert booth["How do you share out your points?"]["lines"] == [
        ["Playground", "3 points"], ["Bench", "1 point"]]  # fmt: skip
    page.context.close()
    _check_pages(browser, votes, wijk, link, booth, "en", artifacts, "basket")
