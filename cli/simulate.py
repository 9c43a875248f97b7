"""`evote simulate`: the whole protocol in one process, as a logic-and-accuracy test.

On a fresh SQLite database: a synthetic register (the eligible residents, plus a
few who are too young, live elsewhere or are excluded, and must be refused),
poll cards, the trustees' key ceremony (the manifest's n and k), one credential
per voter by blind signature, the encrypted ballots (from a file, or random with
a seed), residents marked for paper and paper boxes entered by two officials, the
close, a tally with only k of the n trustees, the signed bundle, the independent
verifier (with every resident's receipt, written to receipts.jsonl), the PDF
report. It succeeds only if the verifier passes **and** the decrypted totals
equal the totals of the plaintext ballots it cast. The simulated election
authority's key is pinned in the manifest it runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.signing
from rich.progress import Progress

from audit.actions import close_election, enter_paper_box, tally_election
from audit.report import write_report
from audit.store import record
from audit.verify import verify_file
from ballots.ballot import encrypt_ballot
from ballots.cast import cast
from ballots.encoding import CONSULTATION_OPTIONS, REFERENDUM_OPTIONS, contests, selections
from cli.city import city_of
from evoting import db
from evoting.accounts import add_official
from evoting.crypto.canonical import canonical_json
from evoting.crypto.credential import CredentialRequest
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest, Question, load_manifest
from evoting.elections import (
    change_state,
    check_deployment_secret,
    election_public_key,
)
from identity import pollcards
from identity.issuance import (
    blind_sign,
    credential_public_key,
    issuance_report,
    issue_ticket,
    mark_paper,
)
from identity.nrn import make_number
from identity.providers import AuthenticationFailed, FormError, PollCardProvider, login
from identity.register import RegisterRow, import_register, read_register
from services.lifecycle import set_up_election
from tally.decrypt import decrypt_request
from tally.officials import run_in_process
from tally.paper_entry import PaperEntryRefused
from tally.result import PaperError, check_paper

OTHER_MUNICIPALITIES = ("44021", "11002", "21004")  # Gent, Antwerpen, Brussel
MAX_PAPER_FILE = 16 << 20
OFFICIALS = ("official-a", "official-b")  # the two who enter each paper box


class SimulationError(Exception):
    """The simulation cannot start (its output directory, its ballots file)."""


@dataclass
class Simulation:
    manifest: Manifest
    out: Path
    eligible: int = 0
    participants: int = 0
    refused: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bundle_sha256: str = ""
    intended_match: bool = False
    paper_voters: int = 0
    abstainers: int = 0  # eligible residents who do not vote

    @property
    def passed(self) -> bool:
        return not self.failures and self.intended_match

    def to_json(self) -> dict[str, object]:
        questions: dict[str, object] = {}
        for q in self.result.get("questions", []):
            if q["type"] == "referendum":
                questions[q["id"]] = {"totals": q["totals"], "outcome": q["outcome"],
                                      "binding": q["binding"], "reasons": q["reasons"]}  # fmt: skip
            elif "winners" in q:  # a project question
                fields = ("totals", "per_rank", "winners", "spent", "left", "explanation")
                questions[q["id"]] = {k: q[k] for k in fields if k in q}
            else:
                questions[q["id"]] = {"totals": {s["id"]: s["totals"] for s in q["statements"]}}
        return {
            "eligible": self.eligible,
            "participants": self.participants,
            "questions": questions,
            "verified": not self.failures,
            "intended_totals_match": self.intended_match,
            "refused_ineligible": self.refused,
            "paper_voters": self.paper_voters,
            "bundle": str(self.out / "bundle.zip"),
            "bundle_sha256": self.bundle_sha256,
            "receipts": str(self.out / "receipts.jsonl"),
            "report": str(self.out / "report.pdf"),
            "failures": self.failures,
        }


def read_ballots(path: Path) -> list[dict[str, object]]:
    """One JSON object per line: question id → option id, list of option ids, or null."""
    ballots = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulationError(f"cannot read {path}: {exc}") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            ballot = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SimulationError(f"{path}, line {n}: not JSON ({exc.msg})") from exc
        if not isinstance(ballot, dict):
            raise SimulationError(f"{path}, line {n}: expected an object of answers")
        ballots.append(ballot)
    if not ballots:
        raise SimulationError(f"{path} holds no ballots")
    return ballots


def read_paper(path: Path, manifest: Manifest, paper_voters: int) -> list[dict[str, object]]:
    """The paper boxes' totals (a JSON list of boxes, docs/cli.md), checked before anything
    runs: their shape, and that they hold no more ballots than residents marked for paper."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_PAPER_FILE + 1)
        if len(data) > MAX_PAPER_FILE:
            raise SimulationError(f"{path} is larger than {MAX_PAPER_FILE} bytes")
        boxes = json.loads(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SimulationError(f"cannot read {path}: {exc}") from exc
    try:
        checked = check_paper(manifest, boxes, paper_voters)
    except PaperError as exc:
        raise SimulationError(f"{path}: {exc} (--paper-voters {paper_voters})") from exc
    return [dict(box) for box in checked]


def random_ballots(manifest: Manifest, count: int, rng: random.Random) -> list[dict[str, object]]:
    ballots: list[dict[str, object]] = []
    for _ in range(count):
        answers: dict[str, object] = {}
        for q in manifest.questions:
            if q.vote is not None:
                answers[q.id] = _random_projects(q, rng)
            elif q.type == "referendum":
                choices: list[object] = list(REFERENDUM_OPTIONS)
                answers[q.id] = rng.choice([*choices, None] if q.blank_allowed else choices)
            else:
                answers[q.id] = [rng.choice(CONSULTATION_OPTIONS) for _ in q.statements]
        ballots.append(answers)
    return ballots


def _random_projects(q: Question, rng: random.Random) -> object:
    """A valid random answer to a project question (ballots/encoding.py's formats)."""
    vote = q.vote
    assert vote is not None
    ids = [p.id for p in vote.projects]
    if q.type == "approval":
        return rng.sample(ids, rng.randint(vote.min_choices, vote.max_choices))
    if q.type == "points":
        return rng.sample(ids, len(vote.points))
    if q.type == "cumulative":
        given: dict[str, int] = {}
        for _ in range(rng.randint(0, vote.max_total)):
            pid = rng.choice(ids)
            if given.get(pid, 0) < vote.max_per_option:
                given[pid] = given.get(pid, 0) + 1
        return given
    while True:  # a basket within the budget (and above min_spend)
        basket, spent = [], 0
        for project in rng.sample(list(vote.projects), len(ids)):
            if spent + project.cost <= vote.budget and rng.random() < 0.5:
                basket.append(project.id)
                spent += project.cost
        if spent >= vote.min_spend:
            return basket


def _register_csv(manifest: Manifest, voters: int, rng: random.Random) -> bytes:
    """The eligible residents, then five who must be refused: too young (2), living
    elsewhere (2), excluded (1)."""
    e = manifest.eligibility
    elsewhere = next(m for m in OTHER_MUNICIPALITIES if m != e.municipality)
    used: set[str] = set()
    rows = [
        "register_number,birth_date,municipality,district,name,street,postal_code,city,excluded"
    ]

    def person(i: int, birth: datetime.date, municipality: str, excluded: bool) -> None:
        while True:
            number = make_number(birth, rng.randint(1, 998))
            if number not in used:
                break
        used.add(number)
        district = ("Centrum", "Noord", "Zuid", "Oost", "West")[i % 5]
        rows.append(f"{number},{birth.isoformat()},{municipality},{district},Resident {i:06d},"
                    f"Straat {i},8500,Stad,{'1' if excluded else ''}")  # fmt: skip

    reference = e.reference_date
    for i in range(voters):
        age_days = rng.randint(e.minimum_age * 366, 90 * 365)
        person(i, reference - datetime.timedelta(days=age_days), e.municipality, False)
    young = reference.replace(year=reference.year - e.minimum_age) + datetime.timedelta(days=1)
    refused = [
        (young, e.municipality, False),
        (young + datetime.timedelta(days=40), e.municipality, False),
        (reference.replace(year=reference.year - 40), elsewhere, False),
        (reference.replace(year=reference.year - 50), elsewhere, False),
        (reference.replace(year=reference.year - 60), e.municipality, True),
    ]
    for i, (birth, municipality, excluded) in enumerate(refused, start=voters):
        person(i, birth, municipality, excluded)
    return ("\n".join(rows) + "\n").encode()


def run(
    manifest_path: Path,
    out: Path,
    *,
    voters: int | None = None,
    ballots_file: Path | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = False,
    paper_file: Path | None = None,
    paper_voters: int = 0,
    abstainers: int = 0,
) -> Simulation:
    rng = random.Random(seed)  # noqa: S311 - synthetic residents and answers, not secrets
    authority = nacl.signing.SigningKey.generate()
    manifest = dataclasses.replace(
        load_manifest(manifest_path), authority_key=bytes(authority.verify_key)
    )
    plaintexts = (
        read_ballots(ballots_file) if ballots_file else random_ballots(manifest, voters or 100, rng)
    )
    for n, answers in enumerate(plaintexts, start=1):
        try:
            selections(manifest, answers)
        except ValueError as exc:
            raise SimulationError(f"ballot {n}: {exc}") from exc
    boxes = read_paper(paper_file, manifest, paper_voters) if paper_file else []
    out.mkdir(parents=True, exist_ok=True)
    database = out / "simulation.sqlite3"
    if database.exists():
        raise SimulationError(f"{database} exists: simulate into an empty directory")
    sim = Simulation(manifest, out, paper_voters=paper_voters, abstainers=abstainers)
    engine = db.make_engine(f"sqlite:///{database}", durable=False)
    try:
        db.upgrade(engine)
        factory = db.session_factory(engine)
        _run(sim, factory, plaintexts, boxes, rng, authority, workers, progress)
    finally:
        engine.dispose()
    return sim


def _run(
    sim: Simulation,
    factory: Callable[[], Any],
    plaintexts: Sequence[dict[str, object]],
    boxes: Sequence[dict[str, object]],
    rng: random.Random,
    authority: nacl.signing.SigningKey,
    workers: int | None,
    progress: bool,
) -> None:
    manifest, election_id = sim.manifest, sim.manifest.id
    keys = DeploymentKeys.generate()
    created = manifest.window.opens - datetime.timedelta(days=14)
    during = manifest.window.opens + datetime.timedelta(hours=1)
    residents = len(plaintexts) + sim.paper_voters + sim.abstainers
    register = read_register(_register_csv(manifest, residents, rng),
                             manifest.eligibility.reference_date)  # fmt: skip
    passwords = {name: secrets.token_urlsafe(16) for name in OFFICIALS}
    codes: dict[str, str] = {}

    def remember(row: RegisterRow, code: str) -> None:
        codes[row.number.digits] = code

    with factory() as session, session.begin():
        check_deployment_secret(session, keys)
        set_up_election(session, manifest, keys, created, simulation=True)
        summary = import_register(session, election_id, register, keys, created)
        imported = {"file_sha256": register.sha256, "residents": summary.rows}
        record(session, election_id, "register-imported", imported, keys, created)
        letters = pollcards.generate_poll_cards(
            session, election_id, register, keys, sim.out / "letters.pdf", on_code=remember
        )
        issued = {"letters": letters.letters}
        record(session, election_id, "poll-cards-issued", issued, keys, created)
        names = [f"Trustee {i}" for i in range(1, manifest.trustees.n + 1)]
        shares = run_in_process(session, election_id, names)
        record(session, election_id, "ceremony-finished",
               {"election_key": election_public_key(session, election_id).to_bytes()}, keys,
               created)  # fmt: skip
        change_state(session, election_id, "open")
        record(session, election_id, "opened", {}, keys, during)
        for name, password in passwords.items():
            add_official(session, name, password, "official", created)
        public_key = election_public_key(session, election_id)
        credential_key = credential_public_key(session, election_id)
    sim.eligible = letters.letters
    eligible_rows = [r for r in register.rows if r.number.digits in codes]
    refused_rows = [r for r in register.rows if r.number.digits not in codes]
    provider = PollCardProvider(keys)
    at_the_polling_station = eligible_rows[len(plaintexts) : len(plaintexts) + sim.paper_voters]
    for row in at_the_polling_station:  # the rest stay at home
        mark_paper(factory, keys, election_id, row.number, during)
    receipts = (sim.out / "receipts.jsonl").open("wb")

    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("residents vote", total=len(plaintexts))
        online = eligible_rows[: len(plaintexts)]
        for i, (row, answers) in enumerate(zip(online, plaintexts, strict=True)):
            form = {"register_number": row.number.digits, "code": codes[row.number.digits]}
            client = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
            result = login(factory, provider, keys, election_id, form, client, during)
            ticket = issue_ticket(keys, result, during)
            wanted = CredentialRequest.start(credential_key, manifest.fingerprint)
            blind = blind_sign(factory, keys, election_id, ticket, wanted.blinded_message, during)
            credential = wanted.finish(credential_key, blind)
            ballot, _ = encrypt_ballot(manifest, public_key, credential, answers)
            receipt = cast(factory, keys, election_id, ballot.canonical(), during)
            receipts.write(canonical_json(receipt.to_json()) + b"\n")
            bar.advance(task)
    receipts.close()
    for i, row in enumerate(refused_rows):
        form = {"register_number": row.number.digits, "code": pollcards.new_code()}
        try:
            login(factory, provider, keys, election_id, form, f"192.0.2.{i % 250}", during)
            sim.failures.append(f"an ineligible resident ({row.name}) could log in")
        except (AuthenticationFailed, FormError):
            sim.refused += 1

    closing = manifest.window.closes
    request = close_election(factory, keys, election_id, closing, workers=workers)
    for box in boxes:  # two officials count each box; the second does not see the first
        for name in OFFICIALS:
            try:
                enter_paper_box(factory, keys, election_id, box, name, passwords[name], closing)
            except PaperEntryRefused as exc:
                raise SimulationError(f"paper box refused: {exc}") from exc
    chosen = shares[len(shares) - manifest.trustees.k :]  # only k of the n: trustee 1 sits out
    partials = [decrypt_request(s, request) for s in chosen]
    bundle = sim.out / "bundle.zip"
    registrar = issuance_report(factory, election_id, keys).to_json()
    registrar.pop("credential_public_key")  # it is in keys.json
    tallied = tally_election(
        factory, keys, election_id, partials, registrar, authority, bundle, closing
    )
    sim.result, sim.bundle_sha256 = dict(tallied.result), tallied.bundle_sha256
    verdict = verify_file(bundle, workers=workers)
    sim.failures += verdict.failures
    data = bundle.read_bytes()
    write_report(data, sim.out / "report.pdf", city=city_of(data))
    sim.participants = int(sim.result["participants"]["total"])
    sim.intended_match = _intended_totals(manifest, plaintexts) == _decrypted_totals(sim.result)
    on_paper = sum(int(box["ballots"]) for box in boxes)  # type: ignore[call-overload]
    if sim.result["participants"]["paper"] != on_paper:
        sim.failures.append(f"the result counts {sim.result['participants']['paper']} paper "
                            f"ballots; the boxes hold {on_paper}")  # fmt: skip
    if not sim.intended_match:
        sim.failures.append("the decrypted totals differ from the ballots the residents cast")


def _intended_totals(
    manifest: Manifest, plaintexts: Sequence[dict[str, object]]
) -> dict[str, list[int]]:
    totals = {spec.label: [0] * len(spec.options) for spec in contests(manifest)}
    for answers in plaintexts:
        for label, chosen in selections(manifest, answers).items():
            totals[label] = [a + b for a, b in zip(totals[label], chosen, strict=True)]
    return totals


def _decrypted_totals(result: dict[str, Any]) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = {}
    for q in result["questions"]:
        if q["type"] == "referendum" or "winners" in q:
            totals[q["id"]] = list(q["online"].values())
        else:
            for s in q["statements"]:
                totals[f"{q['id']}/{s['id']}"] = list(s["online"].values())
    return totals
