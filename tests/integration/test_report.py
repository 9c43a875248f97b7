"""The official PDF report, read back with pypdf: what a city would publish.

Real bundles: `evote simulate` runs (a referendum closed on time, the Grote
Bevraging, a consultation of 40 statements), and a referendum closed early by
the officials with a paper box, made step by step as officials would.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
import yaml

from audit.actions import close_election, tally_election
from audit.report import ReportError, write_report
from audit.report_layout import BLUE, FOOTER, LEFT, ORANGE
from audit.verify import verify_bundle
from ballots.ballot import encrypt_ballot
from ballots.cast import cast
from cli.simulate import run as simulate
from evoting import db
from evoting.crypto.canonical import b64decode, canonical_json
from evoting.election import parse_manifest
from tally.decrypt import decrypt_request
from tests.integration.conftest import NOW, make_setup, obtain_credential
from tests.support.pdf import filled_rectangles, page_size, placed_text, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PAGE = {"nl": "pagina {} van {}", "fr": "page {} sur {}", "en": "page {} of {}"}
FINGERPRINT = {
    "nl": "Vingerafdruk van de stemming",
    "fr": "Empreinte du scrutin",
    "en": "Election fingerprint",
}
AUTHORITY = {
    "nl": "Sleutel van de verkiezingsautoriteit",
    "fr": "Clé de l’autorité électorale",
    "en": "Election authority key",
}
EARLY = {"nl": "Vervroegd afgesloten", "fr": "Clôture anticipée", "en": "Closed early"}


def _simulated(tmp: Path, manifest: Path, answers: Sequence[Mapping[str, object]]) -> bytes:
    ballots = tmp / "ballots.jsonl"
    ballots.write_text("".join(json.dumps(a) + "\n" for a in answers))
    sim = simulate(manifest, tmp / "out", ballots_file=ballots, workers=1)
    assert sim.passed, sim.failures
    return (tmp / "out" / "bundle.zip").read_bytes()


@pytest.fixture(scope="module")
def on_time(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Kortrijk, closed at the manifest's closing time: 7 yes, 2 no, 1 blank."""
    answers = [{"car-free-sunday": a} for a in ["yes"] * 7 + ["no"] * 2 + [None]]
    return _simulated(tmp_path_factory.mktemp("on-time"), EXAMPLES / "kortrijk-2019.yaml", answers)


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Kortrijk, closed two days early by the officials: 2 yes, 1 no."""
    tmp = tmp_path_factory.mktemp("early")
    engine = db.make_engine(f"sqlite:///{tmp / 'e.sqlite3'}")
    db.upgrade(engine)
    monkeypatch = pytest.MonkeyPatch()
    try:
        setup = make_setup(engine, tmp, monkeypatch, trustees=True)
        for name, answer in {"An": "yes", "Bram": "no", "Chantal": "yes"}.items():
            credential = obtain_credential(setup, name)
            answers = {"car-free-sunday": answer}
            ballot, _ = encrypt_ballot(setup.manifest, setup.public_key, credential, answers)
            cast(setup.factory, setup.keys, setup.election_id, ballot.canonical(), NOW)
        closing = datetime.datetime(2019, 5, 25, 15, 30, tzinfo=datetime.UTC)  # 17:30 Brussels
        request = close_election(
            setup.factory, setup.keys, setup.election_id, closing, workers=1, early=True
        )
        partials = [decrypt_request(s, request) for s in setup.shares[:2]]
        tally_election(
            setup.factory,
            setup.keys,
            setup.election_id,
            partials=partials,
            registrar={"credentials_issued": 3, "eligible": 9, "paper_votes": 0},
            authority=nacl.signing.SigningKey(bytes(range(32))),
            out=tmp / "bundle.zip",
            now=closing,
        )
        return (tmp / "bundle.zip").read_bytes()
    finally:
        monkeypatch.undo()
        engine.dispose()


@pytest.fixture(scope="module")
def consultation(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The Grote Bevraging (ten statements), four residents."""
    manifest = EXAMPLES / "grote-bevraging.yaml"
    statements = [
        s["id"] for s in yaml.safe_load(manifest.read_text())["questions"][0]["statements"]
    ]
    answers = [
        {
            "statements": {
                s: ("agree", "disagree", "no_opinion", "agree")[(i + k) % 4]
                for k, s in enumerate(statements)
            }
        }
        for i in range(4)
    ]
    return _simulated(tmp_path_factory.mktemp("consultation"), manifest, answers)


LONG = (
    "Statement {n}: the city should look again at how it plans its streets, squares, parks, "
    "schools and services in every district, and publish what it finds, so that residents "
    "can follow each step and say what they think before anything is decided."
)


@pytest.fixture(scope="module")
def long_consultation(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[str]]:
    """A consultation of 40 statements, some of them long: it takes several pages."""
    tmp = tmp_path_factory.mktemp("long")
    doc = yaml.safe_load((EXAMPLES / "grote-bevraging.yaml").read_text())
    texts_en = [
        LONG.format(n=n) if n % 3 == 0 else f"Statement {n} is short." for n in range(1, 41)
    ]
    doc["questions"][0]["statements"] = [
        {"id": f"s{n}", "text": dict.fromkeys(("nl", "fr", "en"), text)}
        for n, text in enumerate(texts_en, start=1)
    ]
    manifest = tmp / "long.yaml"
    manifest.write_text(yaml.safe_dump(doc, allow_unicode=True))
    answers = [{"statements": {f"s{n}": "agree" if n % 2 else "disagree" for n in range(1, 41)}}]
    return _simulated(tmp, manifest, answers * 2), texts_en


def _report(bundle: bytes, tmp_path: Path, name: str = "report.pdf") -> tuple[Path, int]:
    out = tmp_path / name
    return out, write_report(bundle, out)


def _parts(pages: list[str]) -> dict[str, list[str]]:
    """The pages of each language's part, known by their page numbers' wording."""
    parts: dict[str, list[str]] = {"nl": [], "fr": [], "en": []}
    for text in pages:
        langs = [
            lang for lang, form in PAGE.items() if re.search(form.format(r"\d+", r"\d+"), text)
        ]
        assert len(langs) == 1, text
        parts[langs[0]].append(text)
    return parts


def _member(bundle: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return archive.read(name)


def _changed(bundle: bytes, name: str, change: Callable[[dict[str, Any]], None]) -> bytes:
    """A copy of the bundle with one JSON member changed (the report checks no signature)."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                doc = json.loads(data)
                change(doc)
                data = canonical_json(doc) + b"\n"  # as bundles hold it
            target.writestr(info, data)
    return out.getvalue()


def test_every_page_has_the_header_and_its_number(
    long_consultation: tuple[bytes, list[str]], tmp_path: Path
) -> None:
    pdf, count = _report(long_consultation[0], tmp_path)
    pages = texts(pdf)
    assert len(pages) == count
    manifest = json.loads(_member(long_consultation[0], "manifest.json"))
    for lang, part in _parts(pages).items():
        assert len(part) >= 3  # 40 statements do not fit on one page
        for n, text in enumerate(part, start=1):
            head = text.splitlines()[:6]
            assert manifest["title"][lang] in head
            assert any("34022" in line for line in head)  # the municipality (NIS code)
            assert PAGE[lang].format(n, len(part)) in text


def test_the_city_named_by_the_caller_heads_every_page(on_time: bytes, tmp_path: Path) -> None:
    out = tmp_path / "named.pdf"
    write_report(on_time, out, city={"nl": "Kortrijk", "fr": "Courtrai", "en": "Kortrijk"})
    for lang, part in _parts(texts(out)).items():
        city = "Courtrai" if lang == "fr" else "Kortrijk"
        assert all(text.splitlines()[0] == city for text in part)


def test_a_long_consultation_flows_over_pages_inside_the_margins(
    long_consultation: tuple[bytes, list[str]], tmp_path: Path
) -> None:
    bundle, statements = long_consultation
    pdf, count = _report(bundle, tmp_path)
    pages = texts(pdf)
    english = "\n".join(_parts(pages)["en"]).replace("\n", " ")
    for n, statement in enumerate(statements, start=1):
        assert english.count(f"{n}. {statement}") == 1  # wrapped, yet whole, and once
    width, height = page_size(pdf, 0)
    for page in range(count):
        for piece in placed_text(pdf, page):
            assert piece.x >= LEFT - 0.5, piece
            assert piece.x + piece.width <= width - LEFT + 0.5, piece
            assert 20 <= piece.y <= height - 20, piece
        # Each page's statements stay above the footer: only the page number is below it.
        below = [p.text for p in placed_text(pdf, page) if p.y < FOOTER - 3]
        assert len(below) == 1
        assert re.fullmatch(r"(pagina|page) \d+ (van|sur|of) \d+", below[0])


def test_a_consultation_has_a_chart(consultation: bytes, tmp_path: Path) -> None:
    pdf, count = _report(consultation, tmp_path)
    parts = _parts(texts(pdf))
    first_nl = 0  # the Dutch part comes first: its first page holds the first statements
    agree = filled_rectangles(pdf, first_nl, BLUE.rgb())
    disagree = filled_rectangles(pdf, first_nl, ORANGE.rgb())
    assert agree >= 5  # a legend swatch, and a bar segment and a swatch per statement
    assert disagree >= 5
    english = " ".join(parts["en"])
    assert "Agree" in english
    assert "Disagree" in english
    assert "No opinion" in english
    total = sum(filled_rectangles(pdf, page, BLUE.rgb()) for page in range(count))
    assert total >= 3 * (10 * 2 + 1)  # every statement of every language has its bar


def test_a_referendum_has_a_chart_and_percentages_beside_the_counts(
    on_time: bytes, tmp_path: Path
) -> None:
    pdf, _ = _report(on_time, tmp_path)
    parts = _parts(texts(pdf))
    assert filled_rectangles(pdf, 0, BLUE.rgb()) >= 1
    assert filled_rectangles(pdf, 0, ORANGE.rgb()) >= 1
    assert re.search(r"Ja\s+7\s+70,00%", parts["nl"][0])
    assert re.search(r"Nee\s+2\s+20,00%", parts["nl"][0])
    assert re.search(r"Blanco\s+1\s+10,00%", parts["nl"][0])
    assert re.search(r"Oui\s+7\s+70,00 %", parts["fr"][0])
    assert re.search(r"Yes\s+7\s+70\.00%", parts["en"][0])


def test_numbers_follow_each_language(on_time: bytes, tmp_path: Path) -> None:
    def big(result: dict[str, Any]) -> None:
        result["eligible"] = 64_210
        question = result["questions"][0]
        question["totals"] = {"yes": 1025, "no": 975, "blank": 0}
        question["online"] = dict(question["totals"])
        question["checks"][1]["actual"] = "2.50"
        result["participants"] = {"online": 2000, "paper": 0, "total": 2000}
        result["turnout_percent"] = "3.11"

    pdf, _ = _report(_changed(on_time, "result.json", big), tmp_path)
    parts = {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}
    assert "64.210" in parts["nl"]
    assert "Ja 1.025 51,25%" in parts["nl"]
    assert "Opkomst 3,11%" in parts["nl"]
    assert "2,50 procentpunt, vereist minstens 2,5" in parts["nl"]
    assert "64 210" in parts["fr"]
    assert "Oui 1 025 51,25 %" in parts["fr"]
    assert "2,50 points, au moins 2,5 requis" in parts["fr"]
    assert "64,210" in parts["en"]
    assert "Yes 1,025 51.25%" in parts["en"]
    assert "2.50 points, at least 2.5 required" in parts["en"]
    assert "Turnout 3.11%" in parts["en"]


def test_the_verdict_and_each_rule_in_words(on_time: bytes, tmp_path: Path) -> None:
    pdf, _ = _report(on_time, tmp_path)
    parts = {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}
    assert "Adviserend: ja wint" in parts["nl"]
    assert "Deelnemers: 10, vereist minstens 2.000 – niet voldaan" in parts["nl"]
    assert (
        "Verschil tussen ja en nee: 55,56 procentpunt, vereist minstens 2,5 – voldaan"
        in (parts["nl"])
    )
    assert "Consultatif : le oui l’emporte" in parts["fr"]
    assert "Participants : 10, au moins 2 000 requis – non rempli" in parts["fr"]
    assert "Advisory: yes wins" in parts["en"]
    assert "Participants: 10, at least 2,000 required – not met" in parts["en"]
    assert "at least 2.5 required – met" in parts["en"]


def test_closing_on_time_gives_the_time_and_no_note(on_time: bytes, tmp_path: Path) -> None:
    pdf, _ = _report(on_time, tmp_path)
    parts = {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}
    assert "Afgesloten op 27 mei 2019, 20:00" in parts["nl"]
    assert "Clôturé le 27 mai 2019, 20:00" in parts["fr"]
    assert "Closed on 27 May 2019, 20:00" in parts["en"]
    for lang, note in EARLY.items():
        assert note not in parts[lang]


def test_an_early_closure_is_noted_with_the_actual_time(early: bytes, tmp_path: Path) -> None:
    pdf, _ = _report(early, tmp_path)
    parts = {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}
    assert "Afgesloten op 25 mei 2019, 17:30" in parts["nl"]  # 15:30 UTC, in Brussels
    assert "Vervroegd afgesloten" in parts["nl"]
    assert "vóór het geplande sluitingsuur (27 mei 2019, 20:00)" in parts["nl"]
    assert "Clôturé le 25 mai 2019, 17:30" in parts["fr"]
    assert "Clôture anticipée" in parts["fr"]
    assert "Closed on 25 May 2019, 17:30" in parts["en"]
    assert (
        "Closed early: the vote was closed before its planned closing time (27 May 2019, "
        "20:00)" in parts["en"]
    )


def test_paper_and_online_counts_apart(on_time: bytes, tmp_path: Path) -> None:
    def with_a_paper_box(result: dict[str, Any]) -> None:  # as tally/result.py adds one up
        question = result["questions"][0]
        question["paper"] = {"yes": 1, "no": 2, "blank": 0}
        question["totals"] = {
            o: question["online"][o] + question["paper"][o] for o in question["paper"]
        }
        result["participants"] = {"online": 10, "paper": 3, "total": 13}

    pdf, _ = _report(_changed(on_time, "result.json", with_a_paper_box), tmp_path)
    parts = {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}
    assert "Antwoord Online Op papier Stemmen Aandeel" in parts["nl"]
    assert "Ja 7 1 8 61,54%" in parts["nl"]
    assert "Nee 2 2 4 30,77%" in parts["nl"]
    assert "Blanco 1 0 1 7,69%" in parts["nl"]
    assert "Totaal 10 3 13 100,00%" in parts["nl"]
    assert "Namen deel 13 (10 online, 3 op papier)" in parts["nl"]
    assert "Réponse En ligne Sur papier Votes Part" in parts["fr"]
    assert "Answer Online On paper Votes Share" in parts["en"]
    plain, _ = _report(on_time, tmp_path, "plain.pdf")
    assert "Op papier" not in " ".join(_parts(texts(plain))["nl"])  # no paper box, no column


def test_a_consultation_shows_paper_counts_apart(consultation: bytes, tmp_path: Path) -> None:
    def with_a_paper_box(result: dict[str, Any]) -> None:
        for statement in result["questions"][0]["statements"]:
            statement["paper"] = {"agree": 1, "disagree": 0, "no_opinion": 0}
            statement["totals"]["agree"] += 1
        result["participants"]["paper"] = 1
        result["participants"]["total"] += 1

    pdf, _ = _report(_changed(consultation, "result.json", with_a_paper_box), tmp_path)
    english = " ".join(_parts(texts(pdf))["en"]).replace("\n", " ")
    assert english.count("Agree: online ") == 10
    assert "Agree: online 2; on paper 1" in english


@pytest.mark.parametrize("which", ["on_time", "consultation"])
def test_the_fingerprint_and_the_authority_key_in_each_language(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bundle: bytes = request.getfixturevalue(which)
    fingerprint = hashlib.sha256(_member(bundle, "manifest.json").rstrip(b"\n")).hexdigest()
    key = json.loads(_member(bundle, "signatures.json"))["authority"]
    authority = hashlib.sha256(b64decode(key)).hexdigest()
    verdict = verify_bundle(bundle, workers=1)
    assert verdict.passed
    assert (verdict.fingerprint, verdict.authority) == (fingerprint, authority)  # same form
    manifest = parse_manifest(json.loads(_member(bundle, "manifest.json")))
    assert manifest.fingerprint.hex() == fingerprint  # what the poll-card letters print
    pdf, _ = _report(bundle, tmp_path)
    for lang, part in _parts(texts(pdf)).items():
        lines = "\n".join(part).splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(FINGERPRINT[lang]))
        assert lines[at + 1] == fingerprint
        at = next(i for i, line in enumerate(lines) if line.startswith(AUTHORITY[lang]))
        assert lines[at + 1] == authority
        assert hashlib.sha256(bundle).hexdigest() in lines  # the bundle's own, beside its QR
        command = [line.strip() for line in lines if line.strip().startswith("--")]
        assert command == [f"--fingerprint {fingerprint} \\", f"--authority-key {authority}"]


def test_the_report_is_deterministic(consultation: bytes, tmp_path: Path) -> None:
    first, _ = _report(consultation, tmp_path, "a.pdf")
    second, _ = _report(consultation, tmp_path, "b.pdf")
    assert first.read_bytes() == second.read_bytes()


def test_what_is_not_a_bundle_is_refused(on_time: bytes, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not a result bundle"):
        write_report(b"PK not a zip", tmp_path / "x.pdf")

    def broken(result: dict[str, Any]) -> None:
        del result["questions"]

    with pytest.raises(ReportError, match="incomplete"):
        write_report(_changed(on_time, "result.json", broken), tmp_path / "y.pdf")


def test_an_unsigned_bundle_is_reported_as_not_signed_yet(on_time: bytes, tmp_path: Path) -> None:
    source = zipfile.ZipFile(io.BytesIO(on_time))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "signatures.json":  # the authority signs it later, offline
                target.writestr(info, source.read(info))
    pdf, _ = _report(out.getvalue(), tmp_path)
    for lang, part in _parts(texts(pdf)).items():
        lines = "\n".join(part).splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(AUTHORITY[lang]))
        assert lines[at + 1] == {"nl": "nog niet ondertekend", "fr": "pas encore signé",
                                 "en": "not signed yet"}[lang]  # fmt: skip


def test_a_hostile_bundle_is_refused_not_read_whole(on_time: bytes, tmp_path: Path) -> None:
    """The report reads with the verifier's bounded reader: a second result.json (which
    `unzip` and Python would each read differently) or a member that inflates past its
    limit is refused by name, never read whole."""
    source = zipfile.ZipFile(io.BytesIO(on_time))
    for name, extra in (("twice", ("result.json", source.read("result.json"))),
                        ("bomb", ("audit-log.jsonl", b"{}" + b" " * (200 << 20)))):  # fmt: skip
        out = io.BytesIO()
        with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            warnings.simplefilter("ignore")  # a duplicate name is the point
            for info in source.infolist():
                if name == "twice" or info.filename != extra[0]:
                    z.writestr(info.filename, source.read(info))
            z.writestr(extra[0], extra[1])
        with pytest.raises(ReportError, match=extra[0]):
            write_report(out.getvalue(), tmp_path / f"{name}.pdf")
