"""Before casting, the booth shows the choices in words, with a way back to change them.

The review step shows each question (and each statement of a consultation) with the
answer the encrypted ballot holds; "Change my choices" goes back to the form with the
choices kept, and the ballot made from the changed choices is a new one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import Consultation, Site
from tests.browser.test_booth import _log_in
from tests.browser.test_phone import PHONE, fits


def _review(page: Any) -> list[dict[str, Any]]:
    """What the review step shows: per question its text and its answers."""
    result: list[dict[str, Any]] = page.evaluate(
        """() => [...document.querySelectorAll('#summary .choice')].map(c => ({
              question: c.querySelector('h3').textContent,
              answers: [...c.querySelectorAll('.answer, dd')].map(e => e.textContent),
              labels: [...c.querySelectorAll('dt')].map(e => e.textContent)}))"""
    )
    return result


def test_the_review_shows_the_referendum_answer_and_goes_back_to_change_it(
    browser: Any, site: Site, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    voter = site.demo.voters[0]
    _log_in(page, site, voter.register_number, voter.code)
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    page.goto(page.url + "?lang=nl")
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    question = (page.text_content("#choose legend") or "").strip()
    page.check("input[value=no]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    assert _review(page) == [{"question": question, "answers": ["Nee"], "labels": []}]
    assert page.evaluate("() => document.activeElement.closest('#review') !== null")
    first = page.text_content("#tracking-short")
    fits(page, "review")
    page.screenshot(path=str(artifacts / "review-referendum-nl-360.png"), full_page=True)

    page.click("text=Mijn keuzes wijzigen")
    page.wait_for_selector("#choose:not([hidden])")
    assert page.is_hidden("#review")
    assert page.is_checked("input[value=no]")  # the choice is kept
    page.check("input[value=blank]")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    assert _review(page)[0]["answers"] == ["Blanco"]
    assert page.text_content("#tracking-short") != first  # a new ballot, not the old one
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])")
    context.close()


def test_the_review_shows_each_statement_of_a_consultation(
    browser: Any, site: Site, consultation: Consultation, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    voter = consultation.voters[0]
    page.goto(f"{site.url}/e/{consultation.election_id}/login?lang=fr")
    page.fill("#register_number", voter.register_number)
    page.fill("#code", voter.code)
    page.click("button[type=submit]")
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    statements = page.locator("#choose fieldset legend").all_inner_texts()
    assert len(statements) == 10
    fits(page, "booth, consultation")
    answers = ("agree", "disagree", "no_opinion")
    words = {"agree": "D’accord", "disagree": "Pas d’accord", "no_opinion": "Sans avis"}
    labels = {a: (page.text_content(f"#choose label:has(input[value={a}])") or "").strip()
              for a in answers}  # fmt: skip
    assert labels == words  # what the form says is what the review will say
    fieldsets = page.locator("#choose fieldset")
    for i in range(9):  # the last statement left unanswered
        fieldsets.nth(i).locator(f"input[value={answers[i % 3]}]").check()
    page.click("#choose button[type=submit]")
    page.wait_for_selector("[data-message=answer-all]:not([hidden])")
    assert page.is_hidden("#review")
    fieldsets.nth(9).locator("input[value=agree]").check()
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    [shown] = _review(page)
    assert shown["question"] == "Que pensez-vous de ces affirmations sur votre ville ?"
    assert shown["labels"] == statements
    chosen = [words[answers[i % 3]] for i in range(9)] + [words["agree"]]
    assert shown["answers"] == chosen
    fits(page, "review, consultation")
    page.screenshot(path=str(artifacts / "review-consultation-fr-360.png"), full_page=True)

    page.click("text=Modifier mes choix")
    page.wait_for_selector("#choose:not([hidden])")
    kept = [fieldsets.nth(i).locator("input:checked").get_attribute("value") for i in range(10)]
    assert kept == [answers[i % 3] for i in range(9)] + ["agree"]
    fieldsets.nth(0).locator("input[value=disagree]").check()
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])")
    assert _review(page)[0]["answers"][0] == words["disagree"]

    page.click("#challenge")  # an opened ballot is summed up by the same words
    page.wait_for_selector("#challenged:not([hidden])")
    revealed = page.locator("#revealed dd").all_inner_texts()
    assert revealed == [words["disagree"], *chosen[1:]]
    page.click("#spoiled-link")  # the published record of it, on the phone too
    page.wait_for_selector("#spoiled-list")
    fits(page, "spoiled, consultation")
    page.screenshot(path=str(artifacts / "spoiled-consultation-fr-360.png"), full_page=True)
    context.close()
