"""The poll-card letter's layout: the election fingerprint for residents to compare."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from evoting.election import load_manifest
from identity.pollcards import Letter, display, new_code, write_letters
from tests.support.pdf import page_size, placed_text, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LABEL = {
    "nl": "Vingerafdruk van de stemming",
    "fr": "Empreinte du scrutin",
    "en": "Election fingerprint",
}


@pytest.mark.parametrize("example", ["kortrijk-2019.yaml", "grote-bevraging.yaml"])
def test_each_letter_prints_the_full_fingerprint_labelled(example: str, tmp_path: Path) -> None:
    manifest = load_manifest(EXAMPLES / example)
    codes = [new_code() for _ in LABEL]
    letters = [
        Letter("An Peeters", "Grote Markt 1", "8500", "Kortrijk", lang, code)
        for lang, code in zip(LABEL, codes, strict=True)
    ]
    out = tmp_path / "letters.pdf"
    assert write_letters(out, manifest, letters) == 3
    fingerprint = manifest.fingerprint.hex()
    assert fingerprint == fingerprint.lower()
    assert len(fingerprint) == 64
    for page, (lang, code) in enumerate(zip(LABEL, codes, strict=True)):
        text = texts(out)[page]
        lines = text.splitlines()
        assert display(code) in text
        assert any(line.startswith(LABEL[lang]) for line in lines)
        assert text.index(LABEL[lang]) < text.index(fingerprint)
        assert fingerprint in lines  # whole, on a line of its own
        hashes = [p for p in placed_text(out, page) if p.text == fingerprint]
        assert len(hashes) == 1
        width, _ = page_size(out, page)
        assert hashes[0].x + hashes[0].width <= width - 20  # inside the right margin


def test_a_long_title_and_question_still_leave_the_fingerprint_on_the_page(
    tmp_path: Path,
) -> None:
    manifest = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    long = "Moet het stadscentrum één zondag per maand autovrij worden, " * 8
    question = dataclasses.replace(manifest.questions[0], text={"nl": long, "fr": long, "en": long})
    manifest = dataclasses.replace(manifest, title={"nl": long, "fr": long, "en": long},
                                   questions=(question,))  # fmt: skip
    out = tmp_path / "letters.pdf"
    write_letters(out, manifest, [Letter("An", "Straat 1", "8500", "Kortrijk", "nl", new_code())])
    placed = placed_text(out, 0)
    width, _ = page_size(out, 0)
    for piece in placed:
        assert piece.x + piece.width <= width - 20, piece
        assert piece.y > 20, piece
    assert manifest.fingerprint.hex() in texts(out)[0]
