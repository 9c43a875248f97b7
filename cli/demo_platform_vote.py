"""`evote demo --platform`, the second process: screened, shortlisted, its vote open now.

Its earlier phases happened in the past (every domain call takes the moment it
acts at): residents proposed in the proposals phase, the evaluator screened in the
screening phase (one idea refused as over the cap, with its reason in nl, fr and
en), the admin shortlisted the rest; now the shortlist is an approval election
(participation/vote.py writes the manifest, with the demo authority's key pinned),
set up as cli/demo.py sets up the referendum: the register, poll cards, a
three-trustee ceremony in this process, open from yesterday for a week.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from pathlib import Path

import nacl.signing
import yaml
from sqlalchemy.orm import Session

from audit.store import record
from cli.demo import PASSPHRASE, Demo, TestVoter
from cli.demo_platform_content import (
    COST_CAP,
    DISTRICTS,
    DOMAINS,
    MUNICIPALITY,
    REFUSAL,
    VOTE_BUDGET,
    VOTE_IDEAS,
    VOTE_PHASES,
    VOTE_QUESTION,
    VOTE_TEXT,
    VOTE_TITLE,
)
from evoting.accounts import Official
from evoting.crypto.canonical import b64encode
from evoting.crypto.keyfile import write_key_file
from evoting.deployment import DeploymentKeys
from evoting.election import parse_manifest
from evoting.elections import change_state
from identity import pollcards
from identity.nrn import parse
from identity.register import RegisterRow, import_register, read_register
from participation.fields import ZONE
from participation.ideas import Draft, submit_idea
from participation.processes import PhasePlan, create_process
from participation.screening import add_to_shortlist, screen
from participation.vote import VoteSpec, link_election, shortlist_manifest
from services.lifecycle import set_up_election
from tally.officials import share_files_in_process

PROCESS = "buurtbudget"
Moment = Callable[[int, int], datetime.datetime]  # (day offset, hour) -> an aware moment


def phases(plan: tuple[tuple[str, int, int | None], ...], today: datetime.date) -> list[PhasePlan]:
    def day(offset: int | None) -> datetime.date | None:
        return None if offset is None else today + datetime.timedelta(days=offset)

    return [PhasePlan(kind, today + datetime.timedelta(days=a), day(b)) for kind, a, b in plan]


def settings(initiative: Mapping[str, object] | None = None) -> dict[str, object]:
    """The processes' settings: Rueil's 7 domains, the cap, verified proposers."""
    return {"languages": ["nl", "fr", "en"], "domains": [dict(d) for d in DOMAINS],
            "cost_cap": COST_CAP, "proposers": "verified", "districts": list(DISTRICTS),
            "initiative": None if initiative is None else dict(initiative)}  # fmt: skip


def vote_process(
    session: Session,
    officials: Mapping[str, Official],
    authors: Mapping[str, int],
    today: datetime.date,
    at: Moment,
) -> dict[str, int]:
    """The process up to its shortlist (in the past); its ideas' ids by key."""
    admin, evaluator = officials["admin"], officials["evaluator"]
    create_process(session, admin, PROCESS, VOTE_TITLE, VOTE_TEXT, "co-decide", settings(),
                   phases(VOTE_PHASES, today), at(-75, 10))  # fmt: skip
    ids = {}
    for idea in VOTE_IDEAS:
        draft = Draft(idea.title, idea.text, idea.language, idea.domain, idea.cost,
                      idea.district)  # fmt: skip
        ids[idea.key] = submit_idea(session, PROCESS, authors[idea.by], draft,
                                    at(idea.day, 19)).id  # fmt: skip
    for n, idea in enumerate(VOTE_IDEAS):
        when = at(-20, 9 + n)
        if idea.final_cost is None:
            screen(session, evaluator, ids[idea.key], decision="refused", domain_ok=True,
                   general_interest=True, final_cost=idea.cost, now=when,
                   reason_code="over-cap", public_reason=REFUSAL,
                   notes={"financial": "Raming van de dienst sport: 85.000 euro."})  # fmt: skip
        else:
            screen(session, evaluator, ids[idea.key], decision="eligible", domain_ok=True,
                   general_interest=True, final_cost=idea.final_cost, now=when)  # fmt: skip
    for n, idea in enumerate(VOTE_IDEAS):
        if idea.project is not None:
            add_to_shortlist(session, admin, ids[idea.key], idea.project, at(-10, 9 + n))
    return ids


def vote_election(
    session: Session,
    admin: Official,
    keys: DeploymentKeys,
    register_csv: bytes,
    directory: Path,
    web_address: str,
    now: datetime.datetime,
    database_url: str,
) -> Demo:
    """The shortlist made into an approval election, open now, linked to the process."""
    authority = nacl.signing.SigningKey.generate()
    authority_key = directory / "authority.key"
    write_key_file(authority_key, "authority", bytes(authority), PASSPHRASE, "interactive")
    local = now.astimezone(ZONE).date()
    opens = datetime.datetime.combine(local - datetime.timedelta(days=1), datetime.time(8), ZONE)
    closes = datetime.datetime.combine(local + datetime.timedelta(days=6), datetime.time(20), ZONE)
    spec = VoteSpec(kind="approval", question=VOTE_QUESTION, web_address=web_address,
                    municipality=MUNICIPALITY, minimum_age=16, trustees=3, threshold=2,
                    seed="demo-buurtbudget", budget=VOTE_BUDGET, max_choices=3,
                    opens=opens, closes=closes, election_id=f"{PROCESS}-vote")  # fmt: skip
    document = shortlist_manifest(session, PROCESS, spec)
    document["authority_key"] = b64encode(bytes(authority.verify_key))
    (directory / "vote-manifest.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    manifest = parse_manifest(document)
    register = read_register(register_csv, manifest.eligibility.reference_date)
    codes: dict[str, str] = {}

    def remember(row: RegisterRow, code: str) -> None:
        codes[row.number.digits] = code

    letters = directory / "letters.pdf"
    set_up_election(session, manifest, keys, now, demo=True)
    import_register(session, manifest.id, register, keys, now)
    pollcards.generate_poll_cards(session, manifest.id, register, keys, letters, on_code=remember)
    names = tuple(f"Trustee {i}" for i in range(1, manifest.trustees.n + 1))
    shares = share_files_in_process(session, manifest.id, names)
    change_state(session, manifest.id, "open")
    record(session, manifest.id, "opened", {}, keys, now)
    link_election(session, admin, PROCESS, manifest.id, now)
    share_paths = tuple(directory / "trustees" / f"trustee-{i}.share"
                        for i in range(1, len(shares) + 1))  # fmt: skip
    share_paths[0].parent.mkdir()
    for path, share in zip(share_paths, shares, strict=True):
        write_key_file(path, "trustee-share", share, PASSPHRASE, "interactive")
    by_number = {r.number.digits: r for r in register.rows}
    voters = tuple(TestVoter(by_number[n].name, parse(n).formatted(), pollcards.display(code),
                             "may vote") for n, code in list(codes.items())[:5])  # fmt: skip
    return Demo(database_url, directory / "instance", manifest.id, voters, letters,
                authority_key, share_paths, manifest.trustees.k)  # fmt: skip
