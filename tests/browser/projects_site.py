"""Three participatory votes served together for the booth's project questions
(test_projects_booth.py): Rueil's points vote as `evote demo --manifest
examples/rueil-2019.yaml` sets it up (its key from the trustees' ceremony, whose
key-share files decrypt a ballot here), Poperinge's approval shortlist of 50, and a
neighbourhood vote written below with a budget basket and a cumulative question
(counted in cents), both added beside it with an election key made directly.

Each vote has its own register, poll cards and five residents who may vote.
"""

from __future__ import annotations

import datetime
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ballots.ballot import Ballot
from ballots.board import by_tracking_code
from cli import demo as cli_demo
from cli.demo import PASSPHRASE, _demo_manifest, build, demo_register
from evoting import db
from evoting.crypto.canonical import parse_canonical
from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, decrypt
from evoting.crypto.group import G, Point, Scalar
from evoting.crypto.keyfile import read_key_file
from evoting.crypto.threshold import lagrange_at_zero
from evoting.election import Manifest, load_manifest
from web import create_app
from web.extensions import limiter

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

_PROJECTS = [  # id, cost, domain, nl, fr, en title; a description for one
    ("moestuin", 18_000, "environment",
     "Gedeelde moestuin", "Potager partagé", "Shared vegetable garden"),
    ("bomen", 32_000, "environment",
     "Bomen op de speelplaats", "Arbres dans la cour", "Trees in the playground"),
    ("bijen", 6_500, "environment", "Bijenkasten", "Ruches", "Beehives"),
    ("fietsenrekken", 24_000, "mobility",
     "Fietsenrekken aan het station", "Arceaux vélos à la gare", "Bike racks at the station"),
    ("schoolroutes", 39_500, "mobility",
     "Veilige schoolroutes", "Chemins sûrs vers l'école", "Safe routes to school"),
    ("zaal", 90_000, "culture", "Buurtzaal", "Salle de quartier", "Neighbourhood hall"),
    ("skatepark", 45_000, "sport", "Skatepark", "Skatepark", "Skate park"),
]  # fmt: skip
_SPREAD = [  # id, cost in cents, nl, fr, en title
    ("speeltuin", 1_250_050, "Speeltuin", "Aire de jeux", "Playground"),
    ("bank", 99, "Zitbank", "Banc", "Bench"),
    ("fontein", 2_000_000, "Drinkfontein", "Fontaine", "Drinking fountain"),
    ("muurschildering", 800_000, "Muurschildering", "Fresque", "Mural"),
]  # fmt: skip


def _text(nl: str, fr: str, en: str) -> str:
    return json.dumps({"nl": nl, "fr": fr, "en": en}, ensure_ascii=False)


BASKET = _text("Welke projecten legt u in uw mandje?",
               "Quels projets mettez-vous dans votre panier ?",
               "Which projects do you put in your basket?")  # fmt: skip
SPREAD = _text("Hoe verdeelt u uw punten?", "Comment répartissez-vous vos points ?",
               "How do you share out your points?")  # fmt: skip
ROOF = _text("Op het dak van de school.", "Sur le toit de l'école.", "On the school roof.")


def _basket_yaml() -> str:
    """A budget basket (200,000 EUR, at least 50,000) and a cumulative vote (5 points, at
    most 3 a project, costs in cents), in nl, fr and en."""
    basket = "\n".join(
        f"      - {{id: {i}, cost: {cost}, domain: {domain}, title: {_text(nl, fr, en)}"
        + (f", description: {ROOF}" if i == "bijen" else "")
        + "}"
        for i, cost, domain, nl, fr, en in _PROJECTS
    )
    spread = "\n".join(f"      - {{id: {i}, cost: {cost}, title: {_text(nl, fr, en)}}}"
                       for i, cost, nl, fr, en in _SPREAD)  # fmt: skip
    return f"""id: wijk
languages: [nl, fr, en]
title: {_text("Wijkbudget", "Budget de quartier", "Neighbourhood budget")}
web_address: https://wijk.example.be
window: {{opens: 2026-01-01T08:00, closes: 2026-01-10T20:00}}
eligibility: {{minimum_age: 16, municipality: "34022"}}
trustees: {{n: 1, k: 1}}
questions:
  - id: basket
    type: budget
    text: {BASKET}
    budget: 200000
    min_spend: 50000
    rule: {{method: greedy, budget: 200000, ties: [lower_cost, lot], seed: wijk-2026}}
    projects:
{basket}
  - id: spread
    type: cumulative
    text: {SPREAD}
    max_total: 5
    max_per_option: 3
    cost_unit: cent
    rule: {{method: top, seats: 2, ties: [lot], seed: wijk-2026}}
    projects:
{spread}
"""  # fmt: skip


@dataclass(frozen=True)
class Vote:
    election_id: str
    manifest: Manifest
    voters: tuple[cli_demo.TestVoter, ...]  # (not imported by name: pytest would collect it)
    secret: Scalar  # the election's secret key: a test decrypts a cast ballot with it

    def decrypted(self, database_url: str, tracking_code: str) -> dict[str, list[int]]:
        """What the ballot on the board under ``tracking_code`` encrypts, per contest."""
        engine = db.make_engine(database_url)
        try:
            with db.session_factory(engine)() as session:
                entry = by_tracking_code(session, self.election_id, tracking_code)
        finally:
            engine.dispose()
        assert entry is not None, tracking_code
        ballot = Ballot.from_json(parse_canonical(entry.ballot.encode()))
        table = DiscreteLogTable(8)
        return {label: [decrypt(self.secret, ct, table) for ct in contest.ciphertexts]
                for label, contest in ballot.contests}  # fmt: skip

    @property
    def public_key(self) -> Point:
        return G * self.secret


@dataclass(frozen=True)
class Votes:
    url: str
    database_url: str
    rueil: Vote
    poperinge: Vote
    wijk: Vote


def _secret_of_the_trustees(shares: tuple[Path, ...]) -> Scalar:
    """The election key's secret from two of the demo's three key-share files."""
    from tally.ceremony import decode_share

    held = [decode_share(read_key_file(p, "trustee-share", PASSPHRASE)) for p in shares[:2]]
    indices = [s.keys.index for s in held]
    total = Scalar.from_int(0)
    for s in held:
        total = total + lagrange_at_zero(s.keys.index, indices) * s.share
    return total


def _add_vote(url: str, instance: Path, source: Path, directory: Path, seed: int) -> Vote:
    """Set ``source`` up as an open demo vote beside the others, with a key made here."""
    from evoting.deployment import DeploymentKeys
    from evoting.elections import change_state, set_election_public_key
    from identity import pollcards
    from identity.register import RegisterRow, import_register, read_register
    from services.lifecycle import set_up_election

    now = datetime.datetime.now(datetime.UTC)
    path = directory / f"{source.stem}.json"
    path.write_text(_demo_manifest(source, now, bytes(32)), encoding="utf-8")
    manifest = load_manifest(path)
    today = manifest.eligibility.reference_date
    home = manifest.eligibility.municipality
    register = read_register(demo_register(today, random.Random(seed), home), today)
    codes: list[tuple[RegisterRow, str]] = []

    def remember(row: RegisterRow, code: str) -> None:
        codes.append((row, code))

    key = KeyPair.generate()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        keys = DeploymentKeys.load(instance)
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            set_up_election(session, manifest, keys, now)
            set_election_public_key(session, manifest.id, key.public)
            import_register(session, manifest.id, register, keys, now)
            letters = directory / f"{source.stem}.pdf"
            pollcards.generate_poll_cards(session, manifest.id, register, keys, letters,
                                          on_code=remember)  # fmt: skip
            change_state(session, manifest.id, "open")
    finally:
        engine.dispose()
    voters = tuple(cli_demo.TestVoter(row.name, row.number.formatted(),
                                      pollcards.display(code), "may vote")
                   for row, code in codes[:5])  # fmt: skip
    return Vote(manifest.id, manifest, voters, key.secret)


@pytest.fixture(scope="module", name="votes")
def votes_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Votes]:
    directory = tmp_path_factory.mktemp("projects")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        demo = build(directory / "demo", datetime.datetime.now(datetime.UTC),
                     source=EXAMPLES / "rueil-2019.yaml")  # fmt: skip
        app = create_app(demo.database_url, demo.instance, secure_cookies=False)
    manifest = load_manifest(directory / "demo" / "manifest.json")
    rueil = Vote(demo.election_id, manifest,
                 tuple(v for v in demo.voters if v.note == "may vote"),
                 _secret_of_the_trustees(demo.trustee_shares))  # fmt: skip
    wijk_source = directory / "wijk.yaml"
    wijk_source.write_text(_basket_yaml(), encoding="utf-8")
    poperinge = _add_vote(demo.database_url, demo.instance, EXAMPLES / "poperinge.yaml",
                          directory, 2020)  # fmt: skip
    wijk = _add_vote(demo.database_url, demo.instance, wijk_source, directory, 2026)
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Votes(f"http://127.0.0.1:{server.server_port}", demo.database_url, rueil,
                    poperinge, wijk)  # fmt: skip
    finally:
        server.shutdown()
        app.extensions["evoting"].engine.dispose()
