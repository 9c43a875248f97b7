"""The official PDF report, read back with pypdf: what a city would publish.

Real bundles: `evote simulate` runs (a referendum closed on time, the Grote
Bevraging, a consultation of 40 statements, Rueil's participatory budget by points,
Poperinge's shortlist of 50 by approval, with and without a paper box), and a
referendum closed early by the officials, made step by step as officials would.
Variants (a paper box, another rule, costs in cents) change a real bundle's
result.json or manifest.json: the report checks no signature.
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
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
import yaml
from reportlab.lib.pagesizes import A4

from audit.actions import close_election, tally_election
from audit.report import ReportError, write_report
from audit.report_layout import BLUE, FOOTER, GREY, LEFT, ORANGE, SHADE
from audit.verify import verify_bundle
from ballots.ballot import encrypt_ballot
from ballots.cast import cast
from cli.simulate import run as simulate
from evoting import db
from evoting.crypto.canonical import b64decode, canonical_json
from evoting.election import parse_manifest
from tally.decrypt import decrypt_request
from tests.integration.conftest import NOW, make_setup, obtain_credential
from tests.support.pdf import filled_rectangles, page_size, placed_text, rectangles, texts

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


def _simulated(
    tmp: Path,
    manifest: Path,
    answers: Sequence[Mapping[str, object]],
    paper: Sequence[Mapping[str, object]] = (),
) -> bytes:
    ballots = tmp / "ballots.jsonl"
    ballots.write_text("".join(json.dumps(a) + "\n" for a in answers))
    boxes = None
    if paper:
        boxes = tmp / "paper.json"
        boxes.write_text(json.dumps(list(paper)))
    voters = sum(int(box["ballots"]) for box in paper)  # type: ignore[call-overload]
    sim = simulate(manifest, tmp / "out", ballots_file=ballots, workers=1, paper_file=boxes,
                   paper_voters=voters)  # fmt: skip
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


# -- project questions: a participatory budget (points) and a shortlist vote (approval) --

RUEIL = [  # ranked first, second, third: 3, 2 and 1 points
    ["pietons-ecoles", "eclairage-led", "bornes-recharge"],
    ["pietons-ecoles", "eclairage-led", "terrain-basket"],
    ["pietons-ecoles", "bornes-recharge", "aire-jeux"],
    ["eclairage-led", "terrain-basket", "arbres-ecoles"],
    ["bornes-recharge", "aire-jeux", "jardin-partage"],
    ["arbres-ecoles", "jardin-partage", "ruches"],
]
POPERINGE = [  # approval of at most five; the last resident approves none
    ["speelplein-poperinge", "speelplein-watou", "speelplein-proven", "speelplein-roesbrugge",
     "speelplein-krombeke"],
    ["speelplein-poperinge", "speelplein-watou", "speelplein-proven", "speelplein-roesbrugge",
     "ledverlichting-poperinge"],
    ["speelplein-poperinge", "speelplein-watou", "speelplein-proven", "ledverlichting-poperinge",
     "zitbanken-poperinge"],
    ["speelplein-poperinge", "speelplein-watou", "zitbanken-poperinge", "trage-weg-poperinge",
     "bloemenweide-poperinge"],
    [],
]  # fmt: skip
STATUS = {
    "funded": {"nl": "Gefinancierd", "fr": "Financé", "en": "Funded"},
    "skipped": {"nl": "Overgeslagen", "fr": "Écarté", "en": "Skipped"},
    "elected": {"nl": "Verkozen", "fr": "Retenu", "en": "Elected"},
    "not_elected": {"nl": "Niet verkozen", "fr": "Non retenu", "en": "Not elected"},
}
DID_NOT_FIT = {"nl": "paste niet: nog {} over", "fr": "ne rentrait pas : il restait {}",
               "en": "did not fit: {} left"}  # fmt: skip
LOWER_COST = {"nl": "gelijke stand: goedkoopste eerst", "fr": "égalité : moins cher d’abord",
              "en": "tie decided by lower cost"}  # fmt: skip


def _euros(amount: int, lang: str) -> str:
    """The money forms the report must use, written out here independently."""
    grouped = f"{amount:,}"
    return {"nl": grouped.replace(",", ".") + " EUR", "fr": grouped.replace(",", " ") + " EUR",
            "en": "EUR " + grouped}[lang]  # fmt: skip


def _titles(manifest: Path) -> dict[str, dict[str, str]]:
    question = yaml.safe_load(manifest.read_text())["questions"][0]
    return {p["id"]: p["title"] for p in question["projects"]}


def _words(pdf: Path) -> dict[str, str]:
    """Each language's part as one line of text (wrapped lines joined by spaces)."""
    return {lang: " ".join(part).replace("\n", " ") for lang, part in _parts(texts(pdf)).items()}


def _in_order(text: str, pieces: Sequence[str]) -> None:
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        assert found >= 0, f"{piece!r} not after position {at} in {text[at : at + 400]!r}"
        at = found + len(piece)


def _first_pages(pdf: Path) -> dict[str, int]:
    """The index of each language's first page."""
    first: dict[str, int] = {}
    for n, text in enumerate(texts(pdf)):
        for lang, form in PAGE.items():
            if form.format(1, "") in text:
                first.setdefault(lang, n)
    return first


@pytest.fixture(scope="module")
def rueil(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Rueil's participatory budget (points 3, 2, 1; greedy within 200,000 EUR), six residents."""
    answers = [{"projects": ranked} for ranked in RUEIL]
    return _simulated(tmp_path_factory.mktemp("rueil"), EXAMPLES / "rueil-2019.yaml", answers)


@pytest.fixture(scope="module")
def poperinge(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Poperinge's shortlist of 50 (approval; greedy within 250,000 EUR), five residents."""
    answers = [{"shortlist": chosen} for chosen in POPERINGE]
    return _simulated(tmp_path_factory.mktemp("poperinge"), EXAMPLES / "poperinge.yaml", answers)


@pytest.fixture(scope="module")
def poperinge_paper(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The same, and a paper box of two ballots: one for the first two playgrounds and the
    benches in Poperinge, one for the Poperinge playground alone."""
    counts = [0] * 50
    counts[0], counts[1], counts[5] = 2, 1, 1  # in the manifest's order of projects
    box = {"box": "Stadhuis", "ballots": 2, "contests": {"shortlist": counts}}
    answers = [{"shortlist": chosen} for chosen in POPERINGE]
    return _simulated(tmp_path_factory.mktemp("poperinge-paper"), EXAMPLES / "poperinge.yaml",
                      answers, [box])  # fmt: skip


def test_a_points_budget_in_each_language(rueil: bytes, tmp_path: Path) -> None:
    pdf, _ = _report(rueil, tmp_path)
    titles = _titles(EXAMPLES / "rueil-2019.yaml")
    # rank, project, cost, points, how many put it 1st, 2nd, 3rd, status, tie, left
    rows = [
        (1, "pietons-ecoles", 39500, 9, (3, 0, 0), "funded", False, None),
        (2, "eclairage-led", 38000, 7, (1, 2, 0), "funded", False, None),
        (3, "bornes-recharge", 36000, 6, (1, 1, 1), "funded", False, None),
        (4, "arbres-ecoles", 32000, 4, (1, 0, 1), "funded", False, None),
        (5, "jardin-partage", 18000, 3, (0, 1, 1), "funded", True, None),
        (6, "aire-jeux", 33000, 3, (0, 1, 1), "funded", True, None),
        (7, "terrain-basket", 35000, 3, (0, 1, 1), "skipped", True, 3500),
        (8, "ruches", 6500, 1, (0, 0, 1), "skipped", False, 3500),
        (9, "boite-livres", 4000, 0, (0, 0, 0), "skipped", True, 3500),  # 0 points, cheapest
    ]
    for lang, text in _words(pdf).items():
        expected = []
        for rank, pid, cost, points, per_rank, status, tie, left in rows:
            row = [str(rank), titles[pid][lang], _euros(cost, lang), str(points),
                   *map(str, per_rank), STATUS[status][lang]]  # fmt: skip
            if left is not None:
                row.append(DID_NOT_FIT[lang].format(_euros(left, lang)))
            if tie:
                row.append(LOWER_COST[lang])
            expected.append(" ".join(row))
        _in_order(text, expected)
        ruches = f"8 {titles['ruches'][lang]} {_euros(6500, lang)} 1 0 0 1"
        why = DID_NOT_FIT[lang].format(_euros(3500, lang))
        at = text.index(f"{ruches} {STATUS['skipped'][lang]} {why}") + len(ruches)
        assert LOWER_COST[lang] not in text[at : text.index(titles["boite-livres"][lang])]
    nl, fr, en = (_words(pdf)[lang] for lang in ("nl", "fr", "en"))
    assert "Welke projecten moet de stad uitvoeren? Rangschik er drie." in nl
    assert "Elke deelnemer rangschikte 3 projecten, voor 3, 2 en 1 punten." in nl
    assert (
        "Regel: de projecten worden gefinancierd in volgorde van punten, zolang het budget van "
        "200.000 EUR het toelaat; een project dat niet meer past, wordt overgeslagen"
    ) in nl
    assert (
        "Bij gelijke stand: eerst het goedkoopste project, daarna loting met de gepubliceerde "
        "tekst “rueil-2019: tirage public du 1er octobre”."
    ) in nl
    assert (
        "Budget: 196.500 EUR besteed van 200.000 EUR, 3.500 EUR blijft over (6 projecten "
        "gefinancierd)." in nl
    )
    assert "Rang Project Kost Punten 1e 2e 3e Uitslag" in nl
    assert "Chaque participant a classé 3 projets, pour 3, 2 et 1 points." in fr
    assert (
        "Règle : les projets sont financés par ordre de points tant que le budget de 200 000 "
        "EUR le permet"
    ) in fr
    assert (
        "d’abord le projet le moins cher, puis un tirage au sort calculé à partir du texte "
        "publié « rueil-2019: tirage public du 1er octobre »."
    ) in fr
    assert (
        "Budget : 196 500 EUR utilisés sur 200 000 EUR, il reste 3 500 EUR (6 projets "
        "financés)." in fr
    )
    assert "Rang Projet Coût Points 1er 2e 3e Résultat" in fr
    assert (
        "Rule: projects are funded in order of points while the budget of EUR 200,000 allows; "
        "a project that no longer fits is skipped and the next one is considered."
    ) in en
    assert (
        "Ties: the cheaper project first, then a lot drawn from the published seed "
        "“rueil-2019: tirage public du 1er octobre”."
    ) in en
    assert "Budget: EUR 196,500 spent of EUR 200,000, EUR 3,500 left (6 projects funded)." in en
    assert "Rank Project Cost Points 1st 2nd 3rd Result" in en
    assert "1st, 2nd and 3rd: how many participants put the project at that rank." in en
    assert "On paper" not in en  # no paper box, no column for it


def test_an_approval_shortlist_in_each_language(poperinge: bytes, tmp_path: Path) -> None:
    pdf, _ = _report(poperinge, tmp_path)
    titles = _titles(EXAMPLES / "poperinge.yaml")
    share = {"nl": "{},00%", "fr": "{},00 %", "en": "{}.00%"}
    # rank, project, cost, votes, per cent of the 5 participants, status, tie, left
    rows = [
        (1, "speelplein-watou", 40500, 4, 80, "funded", True, None),  # cheaper than Poperinge's
        (2, "speelplein-poperinge", 45000, 4, 80, "funded", True, None),
        (3, "speelplein-proven", 36000, 3, 60, "funded", False, None),
        (4, "zitbanken-poperinge", 8000, 2, 40, "funded", True, None),
        (5, "ledverlichting-poperinge", 30000, 2, 40, "funded", True, None),
        (6, "speelplein-roesbrugge", 38200, 2, 40, "funded", True, None),
        (7, "bloemenweide-poperinge", 6000, 1, 20, "funded", True, None),
        (8, "trage-weg-poperinge", 22000, 1, 20, "funded", True, None),
        (9, "speelplein-krombeke", 33700, 1, 20, "skipped", True, 24300),
        (10, "buurtfeest-krombeke", 3700, 0, 0, "funded", True, None),  # it still fits
    ]
    for lang, text in _words(pdf).items():
        expected = []
        for rank, pid, cost, votes, pct, status, tie, left in rows:
            row = [str(rank), titles[pid][lang], _euros(cost, lang), str(votes),
                   share[lang].format(pct), STATUS[status][lang]]  # fmt: skip
            if left is not None:
                row.append(DID_NOT_FIT[lang].format(_euros(left, lang)))
            if tie:
                row.append(LOWER_COST[lang])
            expected.append(" ".join(row))
        _in_order(text, expected)
        lot = {"nl": "goedkoopste eerst en loting", "fr": "moins cher d’abord et tirage au sort",
               "en": "lower cost and lot"}[lang]  # fmt: skip
        for pid in ("buurtfeest-watou", "bloemenweide-krombeke"):  # both 4,500 EUR, 0 votes
            assert re.search(
                rf"\d+ {re.escape(titles[pid][lang])} {_euros(4500, lang)} 0 "
                rf"\S+ ?% {STATUS['funded'][lang]} [^%]{{0,20}}{lot}",
                text,
            ), pid
    nl, fr, en = (_words(pdf)[lang] for lang in ("nl", "fr", "en"))
    assert "Elke deelnemer koos hoogstens 5 van de 50 projecten." in nl
    assert "in volgorde van stemmen, zolang het budget van 250.000 EUR het toelaat" in nl
    assert (
        "Budget: 246.600 EUR besteed van 250.000 EUR, 3.400 EUR blijft over (13 projecten "
        "gefinancierd)." in nl
    )
    assert "Rang Project Kost Stemmen Aandeel Uitslag" in nl
    assert "Aandeel: deel van de 5 deelnemers dat het project koos." in nl
    assert "Chaque participant a choisi au plus 5 des 50 projets." in fr
    assert (
        "Budget : 246 600 EUR utilisés sur 250 000 EUR, il reste 3 400 EUR (13 projets "
        "financés)." in fr
    )
    assert "Rang Projet Coût Voix Part Résultat" in fr
    assert "Each participant chose at most 5 of the 50 projects." in en
    assert "Budget: EUR 246,600 spent of EUR 250,000, EUR 3,400 left (13 projects funded)." in en
    assert "Share: the share of the 5 participants who chose the project." in en


@pytest.mark.parametrize(("which", "funded", "scores"), [
    ("rueil", range(1, 7), [9, 7, 6, 4, 3, 3, 3, 1] + [0] * 12),
    ("poperinge", [*range(1, 9), *range(10, 15)], [4, 4, 3, 2, 2, 2, 1, 1, 1] + [0] * 41),
])  # fmt: skip
def test_a_project_chart_in_each_language(
    which: str,
    funded: Sequence[int],
    scores: list[int],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """A column per project in the table's order, as tall as its score: the funded ones in
    blue, the others in grey, and a legend with both."""
    pdf, _ = _report(request.getfixturevalue(which), tmp_path)
    for lang, page in _first_pages(pdf).items():
        blue, grey = rectangles(pdf, page, BLUE.rgb()), rectangles(pdf, page, GREY.rgb())
        widths = [round(r[2], 2) for r in blue + grey]
        bar = max(set(widths), key=widths.count)  # the columns: the most common width
        columns = sorted((r for r in blue + grey if round(r[2], 2) == bar), key=lambda r: r[0])
        assert len(columns) == len(scores), lang
        assert [c in blue for c in columns] == [n in funded for n in range(1, len(scores) + 1)]
        assert len({round(c[1], 2) for c in columns}) == 1  # on one baseline
        unit = columns[0][3] / scores[0]
        for column, score in zip(columns, scores, strict=True):
            assert column[3] == pytest.approx(max(score * unit, 0.6), abs=0.01)
        swatches = [r for r in blue + grey if r not in columns and r[2] == r[3]]
        assert len(swatches) >= 2  # the legend (and the table's squares)
        words = _words(pdf)[lang]
        legend = {"nl": "Gefinancierd Niet gefinancierd", "fr": "Financé Non financé",
                  "en": "Funded Not funded"}[lang]  # fmt: skip
        assert legend in words


def test_a_long_project_list_flows_over_pages(poperinge: bytes, tmp_path: Path) -> None:
    pdf, count = _report(poperinge, tmp_path)
    pages = texts(pdf)
    assert len(pages) == count
    manifest = json.loads(_member(poperinge, "manifest.json"))
    titles = _titles(EXAMPLES / "poperinge.yaml")
    heading = {"nl": "Rang Project Kost Stemmen Aandeel Uitslag",
               "fr": "Rang Projet Coût Voix Part Résultat",
               "en": "Rank Project Cost Votes Share Result"}  # fmt: skip
    for lang, part in _parts(pages).items():
        assert len(part) >= 3  # 50 projects do not fit on one page
        for n, text in enumerate(part, start=1):
            head = text.splitlines()[:6]
            assert manifest["title"][lang] in head
            assert any("33021" in line for line in head)  # the municipality (NIS code)
            assert PAGE[lang].format(n, len(part)) in text
        words = " ".join(part).replace("\n", " ")
        for title in (t[lang] for t in titles.values()):  # every project, once in the table
            assert len(re.findall(rf"\d {re.escape(title)} \S+", words)) == 1, title
        continued = [text.replace("\n", " ") for text in part[1:]]
        assert sum(heading[lang] in text for text in continued) >= 2  # headings again
    for page in range(count):  # inside the margins, and only the number below the footer
        for piece in placed_text(pdf, page):
            assert LEFT - 0.5 <= piece.x <= piece.x + piece.width <= A4[0] - LEFT + 0.5, piece
        below = [p.text for p in placed_text(pdf, page) if p.y < FOOTER - 3]
        assert len(below) == 1
        assert re.fullmatch(r"(pagina|page) \d+ (van|sur|of) \d+", below[0])


def test_a_project_question_shows_paper_counts_apart(
    poperinge_paper: bytes, tmp_path: Path
) -> None:
    pdf, _ = _report(poperinge_paper, tmp_path)
    nl, fr, en = (_words(pdf)[lang] for lang in ("nl", "fr", "en"))
    assert "Namen deel 7 (5 online, 2 op papier)" in nl
    assert "Rang Project Kost Online Op papier Stemmen Aandeel Uitslag" in nl
    _in_order(nl, ["1 Speelplein in Poperinge 45.000 EUR 4 2 6 85,71% Gefinancierd",
                   "2 Speelplein in Watou 40.500 EUR 4 1 5 71,43% Gefinancierd",
                   "3 Zitbanken in Poperinge 8.000 EUR 2 1 3 42,86% Gefinancierd",
                   "4 Speelplein in Proven 36.000 EUR 3 0 3 42,86% Gefinancierd"])  # fmt: skip
    assert "Rang Projet Coût En ligne Sur papier Voix Part Résultat" in fr
    assert "1 Plaine de jeux à Poperinge 45 000 EUR 4 2 6 85,71 % Financé" in fr
    assert "Rank Project Cost Online On paper Votes Share Result" in en
    assert "1 Playground in Poperinge EUR 45,000 4 2 6 85.71% Funded" in en


def test_a_points_grid_on_paper_counts_points_per_channel(rueil: bytes, tmp_path: Path) -> None:
    def with_a_paper_box(result: dict[str, Any]) -> None:  # two more put it first on paper
        question = result["questions"][0]
        question["paper"]["1:pietons-ecoles"] = 2
        question["counts"]["1:pietons-ecoles"] += 2
        question["per_rank"]["pietons-ecoles"][0] += 2
        question["totals"]["pietons-ecoles"] += 6
        question["explanation"][0]["score"] += 6
        result["participants"] = {"online": 6, "paper": 2, "total": 8}

    pdf, _ = _report(_changed(rueil, "result.json", with_a_paper_box), tmp_path)
    nl, en = _words(pdf)["nl"], _words(pdf)["en"]
    assert "Rang Project Kost Online Op papier Punten" in nl
    # points online, on paper, in all; the counts at each rank go under the row if need be
    assert "1 Veilige voetgangersroutes naar school 39.500 EUR 9 6 15" in nl
    assert "5 × 1e, 0 × 2e, 0 × 3e" in nl or "15 5 0 0" in nl
    assert "1 Safe walking routes to school EUR 39,500 9 6 15" in en


def test_a_top_rule_and_costs_in_cents(rueil: bytes, tmp_path: Path) -> None:
    """The top N elects without a budget; `cost_unit: cent` shows euros and cents."""

    def top_three(result: dict[str, Any]) -> None:
        question = result["questions"][0]
        question["rule"] = {"method": "top", "seats": 3, "budget": None,
                            "ties": ["lower_cost"], "seed": None}  # fmt: skip
        for d in question["explanation"]:
            d["status"] = "elected" if d["rank"] <= 3 else "not_elected"
            d["remaining"] = None
        question["winners"] = question["order"][:3]
        question["spent"], question["left"] = 113500, None

    def in_cents(manifest: dict[str, Any]) -> None:
        manifest["questions"][0]["cost_unit"] = "cent"

    bundle = _changed(_changed(rueil, "result.json", top_three), "manifest.json", in_cents)
    pdf, _ = _report(bundle, tmp_path)
    nl, fr, en = (_words(pdf)[lang] for lang in ("nl", "fr", "en"))
    assert "Regel: de 3 projecten met de meeste punten zijn verkozen." in nl
    assert "Bij gelijke stand: eerst het goedkoopste project." in nl
    assert "3 projecten verkozen, samen 1.135,00 EUR." in nl
    _in_order(nl, ["1 Veilige voetgangersroutes naar school 395,00 EUR 9 3 0 0 Verkozen",
                   "3 Laadpalen voor elektrische fietsen 360,00 EUR 6 1 1 1 Verkozen",
                   "4 Bomen op de speelplaatsen 320,00 EUR 4 1 0 1 Niet verkozen"])  # fmt: skip
    assert "Règle : les 3 projets ayant le plus de points sont retenus." in fr
    assert "3 projets retenus, pour un total de 1 135,00 EUR." in fr
    assert "4 Des arbres dans les cours d'école 320,00 EUR 4 1 0 1 Non retenu" in fr
    assert "Rule: the 3 projects with the most points are elected." in en
    assert "3 projects elected, costing EUR 1,135.00 in all." in en
    assert "1 Safe walking routes to school EUR 395.00 9 3 0 0 Elected" in en
    assert "Budget" not in en  # no budget, nothing left of one


# -- turnout by age band and by district (credentials.json) --

MIN_CELL = 4  # some age bands shown, some hidden
HEADINGS = {
    "nl": ("Opkomst per leeftijd en per wijk", "Opkomst per leeftijdsgroep", "Opkomst per wijk",
           "Leeftijd Stemgerechtigd Namen deel Opkomst", "Wijk Stemgerechtigd Namen deel Opkomst"),
    "fr": ("Participation par âge et par quartier", "Participation par tranche d’âge",
           "Participation par quartier", "Âge Peuvent voter Ont participé Participation",
           "Quartier Peuvent voter Ont participé Participation"),
    "en": ("Turnout by age and by district", "Turnout by age band", "Turnout by district",
           "Age May vote Took part Turnout", "District May vote Took part Turnout"),
}  # fmt: skip
WHO = {
    "nl": "Een inwoner nam deel wie een stemsleutel ophaalde of op papier stemde. De dienst die "
          "de stemsleutels uitreikt, telt dit zonder ooit een stembiljet te zien.",
    "fr": "Un habitant a participé s’il a reçu une clé de vote ou a voté sur papier. Le service "
          "qui délivre les clés de vote le compte sans jamais voir un bulletin.",
    "en": "A resident took part when they took a voting key or voted on paper. The registrar "
          "counts this without ever seeing a ballot.",
}  # fmt: skip
WHY = {
    "nl": "Verborgen: een groep waarin minder dan {n} inwoners deelnamen, of minder dan {n} niet "
          "deelnamen, wordt niet getoond, zodat niemand herkenbaar wordt. Andere groepen worden "
          "mee verborgen tot ook de verborgen groepen samen, zoals de totalen ze prijsgeven, "
          "niemand herkenbaar maken.",
    "fr": "Masqué : un groupe dans lequel moins de {n} habitants ont participé, ou moins de {n} "
          "n’ont pas participé, n’est pas affiché, afin que personne ne puisse être identifié. "
          "D’autres groupes sont masqués avec lui jusqu’à ce que les groupes masqués, pris "
          "ensemble tels que les totaux les révèlent, ne permettent d’identifier personne non "
          "plus.",
    "en": "Hidden: a group in which fewer than {n} residents took part, or fewer than {n} stayed "
          "away, is not shown, so that nobody can be singled out. Other groups are hidden with "
          "it until the hidden groups together, as the totals give them away, single nobody out "
          "either.",
}  # fmt: skip
HIDDEN = {"nl": "verborgen", "fr": "masqué", "en": "hidden"}
EVERYONE = {
    "nl": "Alle stemgerechtigde inwoners",
    "fr": "Tous les habitants ayant le droit de vote",
    "en": "All eligible residents",
}
VERIFICATION = {"nl": "Controle", "fr": "Vérification", "en": "Verification"}


@pytest.fixture(scope="module")
def turnout(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Kortrijk with min_cell 4: 30 residents vote (20 yes, 10 no), 40 stay at home."""
    tmp = tmp_path_factory.mktemp("turnout")
    manifest = tmp / "kortrijk.yaml"
    text = (EXAMPLES / "kortrijk-2019.yaml").read_text(encoding="utf-8")
    manifest.write_text(text.replace("trustees:\n", f"min_cell: {MIN_CELL}\ntrustees:\n"),
                        encoding="utf-8")  # fmt: skip
    ballots = tmp / "ballots.jsonl"
    ballots.write_text("".join(json.dumps({"car-free-sunday": "yes" if n % 3 else "no"}) + "\n"
                               for n in range(30)))  # fmt: skip
    sim = simulate(manifest, tmp / "out", ballots_file=ballots, workers=1, abstainers=40)
    assert sim.passed, sim.failures
    return (tmp / "out" / "bundle.zip").read_bytes()


def _flat(pdf: Path) -> dict[str, str]:
    """Each language's part as one line, every run of white space one space."""
    return {lang: re.sub(r"\s+", " ", " ".join(part)) for lang, part in _parts(texts(pdf)).items()}


def _figures(n: int, lang: str) -> str:
    """Numbers as each language writes them, written out here independently."""
    return {"nl": f"{n:,}".replace(",", "."), "fr": f"{n:,}".replace(",", " "),
            "en": f"{n:,}"}[lang]  # fmt: skip


def _turnout_share(took: int, eligible: int, lang: str) -> str:
    exact = (Decimal(took * 100) / Decimal(eligible)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return {"nl": f"{exact}%".replace(".", ","), "fr": f"{exact} %".replace(".", ","),
            "en": f"{exact}%"}[lang]  # fmt: skip


def _band(key: str, lang: str) -> str:
    low, _, high = key.rstrip("+").partition("-")
    if high:
        return {"nl": f"{low} tot {high} jaar", "fr": f"{low} à {high} ans",
                "en": f"{low} to {high} years"}[lang]  # fmt: skip
    return {"nl": f"{low} jaar en ouder", "fr": f"{low} ans et plus",
            "en": f"{low} years and over"}[lang]  # fmt: skip


def _turnout_rows(cells: Mapping[str, Any], lang: str, ages: bool) -> list[str]:
    """The rows the report must show for a table, in its order, as read back."""
    keys = sorted(cells, key=lambda k: int(k.split("-")[0].rstrip("+"))) if ages else sorted(cells)
    rows = []
    for key in keys:
        label, cell = _band(key, lang) if ages else key, cells[key]
        if cell is None:
            rows.append(f"{label} {HIDDEN[lang]}")
        else:
            rows.append(f"{label} {_figures(cell['eligible'], lang)} "
                        f"{_figures(cell['took_part'], lang)} "
                        f"{_turnout_share(cell['took_part'], cell['eligible'], lang)}")  # fmt: skip
    return rows


def _inside_the_margins(pdf: Path, count: int) -> None:
    width, height = page_size(pdf, 0)
    for page in range(count):
        for piece in placed_text(pdf, page):
            assert LEFT - 0.5 <= piece.x <= piece.x + piece.width <= width - LEFT + 0.5, piece
            assert 20 <= piece.y <= height - 20, piece
        for x, _, w, _ in rectangles(pdf, page, SHADE.rgb()):  # the shaded rows
            assert LEFT - 0.5 <= x <= x + w <= width - LEFT + 0.5
        below = [p.text for p in placed_text(pdf, page) if p.y < FOOTER - 3]
        assert len(below) == 1  # only the page number below the footer's line
        assert re.fullmatch(r"(pagina|page) \d+ (van|sur|of) \d+", below[0])


def test_turnout_by_age_band_and_by_district_in_each_language(
    turnout: bytes, tmp_path: Path
) -> None:
    credentials = json.loads(_member(turnout, "credentials.json"))
    ages, districts = credentials["turnout_by_age_band"], credentials["turnout_by_district"]
    assert credentials["min_cell"] == MIN_CELL
    assert None in ages.values()  # hidden cells
    assert any(ages.values())  # and shown ones
    assert None not in districts.values()  # every district shown: no sentence under them
    pdf, count = _report(turnout, tmp_path)
    verdict = {"nl": "Adviserend: ja wint", "fr": "Consultatif : le oui l’emporte",
               "en": "Advisory: yes wins"}  # fmt: skip
    total = {"nl": "70 30 42,86%", "fr": "70 30 42,86 %", "en": "70 30 42.86%"}
    for lang, text in _flat(pdf).items():
        section, by_age, by_district, age_heading, district_heading = HEADINGS[lang]
        everyone = f"{EVERYONE[lang]} {total[lang]}"
        _in_order(text, [
            verdict[lang],  # after the results
            section, WHO[lang],
            by_age, age_heading, *_turnout_rows(ages, lang, True), everyone,
            WHY[lang].format(n=MIN_CELL),  # under the table with hidden cells
            by_district, district_heading, *_turnout_rows(districts, lang, False), everyone,
            VERIFICATION[lang],  # before the verification
        ])  # fmt: skip
        assert text.count(WHY[lang].format(n=MIN_CELL)) == 1
        assert text.count(section) == 1
    for lang, part in _parts(texts(pdf)).items():  # a short table is kept on one page
        for cells, ages_table in ((ages, True), (districts, False)):
            rows = _turnout_rows(cells, lang, ages_table)
            flat = [re.sub(r"\s+", " ", page) for page in part]
            assert any(all(row in page for row in rows) for page in flat), rows
    english = _flat(pdf)["en"]
    assert "16 to 17 years hidden" in english or "65 to 74 years hidden" in english
    assert english.count("fewer than") == 2  # in the sentence only: a hidden cell says "hidden"
    _inside_the_margins(pdf, count)


def test_every_cell_of_a_table_may_be_hidden(on_time: bytes, tmp_path: Path) -> None:
    """Ten residents, all of whom voted, and min_cell 10: every cell is hidden (nobody
    stayed away); the totals, published anyway, stay, with the sentence under each table."""
    credentials = json.loads(_member(on_time, "credentials.json"))
    assert set(credentials["turnout_by_district"].values()) == {None}
    pdf, _ = _report(on_time, tmp_path)
    total = {"nl": "10 10 100,00%", "fr": "10 10 100,00 %", "en": "10 10 100.00%"}
    for lang, text in _flat(pdf).items():
        rows = _turnout_rows(credentials["turnout_by_district"], lang, False)
        _in_order(text, [HEADINGS[lang][2], HEADINGS[lang][4], *rows,
                         f"{EVERYONE[lang]} {total[lang]}", WHY[lang].format(n=10)])  # fmt: skip
        assert text.count(WHY[lang].format(n=10)) == 2


def test_a_long_district_table_flows_over_pages(turnout: bytes, tmp_path: Path) -> None:
    """Seventy districts, a name that wraps, every seventh hidden: no row splits over two
    pages, and every page the table flows onto has its headings again."""
    long_name = "Sint-Amandsberg-Oost en het Westkwartier tussen de Leie en de Kanaalzone"
    names = [f"Deelgemeente {n:02d}" for n in range(69)] + [long_name]

    def many(credentials: dict[str, Any]) -> None:
        credentials["turnout_by_district"] = {
            name: None if n % 7 == 3 else {"eligible": 1000 + 37 * n, "took_part": 400 + 11 * n}
            for n, name in enumerate(names)
        }
        credentials.update(eligible=99_999, credentials_issued=34_567, paper_votes=1_234)

    pdf, count = _report(_changed(turnout, "credentials.json", many), tmp_path)
    table = json.loads(_member(_changed(turnout, "credentials.json", many),
                               "credentials.json"))["turnout_by_district"]  # fmt: skip
    pages = [re.sub(r"\s+", " ", text) for text in texts(pdf)]
    for lang, part in _parts(texts(pdf)).items():
        flat = [re.sub(r"\s+", " ", text) for text in part]
        rows = _turnout_rows(table, lang, False)
        for row in rows:  # each whole on one page, and once
            assert sum(row in text for text in flat) == 1, row
        holding = [text for text in flat if any(row in text for row in rows)]
        assert len(holding) >= 2  # seventy districts do not fit on one page
        assert all(HEADINGS[lang][4] in text for text in holding)  # the headings again
        total = f"{EVERYONE[lang]} {_figures(99_999, lang)} {_figures(35_801, lang)}"
        assert total in holding[-1]
    assert len(pages) == count
    _inside_the_margins(pdf, count)


def test_no_turnout_tables_no_turnout_section(turnout: bytes, tmp_path: Path) -> None:
    """An older bundle's credentials.json has no tables; a table may be empty; one table alone
    is shown alone."""

    def older(credentials: dict[str, Any]) -> None:
        for name in ("min_cell", "turnout_by_age_band", "turnout_by_district"):
            del credentials[name]

    def empty(credentials: dict[str, Any]) -> None:
        credentials["turnout_by_age_band"] = credentials["turnout_by_district"] = {}

    def ages_only(credentials: dict[str, Any]) -> None:
        credentials["turnout_by_district"] = {}

    for change in (older, empty):
        pdf, _ = _report(_changed(turnout, "credentials.json", change), tmp_path)
        for lang, text in _flat(pdf).items():
            assert HEADINGS[lang][0] not in text
            assert EVERYONE[lang] not in text
            assert VERIFICATION[lang] in text
    pdf, _ = _report(_changed(turnout, "credentials.json", ages_only), tmp_path, "ages.pdf")
    for lang, text in _flat(pdf).items():
        _in_order(text, [HEADINGS[lang][0], HEADINGS[lang][1], EVERYONE[lang]])
        assert HEADINGS[lang][2] not in text
