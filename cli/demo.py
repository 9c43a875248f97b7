"""`evote demo`: a Kortrijk-style referendum, open now, with test residents, served.

Everything lives in one directory (default ``./demo``), made afresh on each run:
a SQLite database, the deployment secret, the letters with the poll cards. The
register holds 50 residents: most may vote, a few are under 16 and a few live in
another municipality. Letters go to the eligible ones; for the demo only, two
ineligible residents also get a code, so the refusal can be tried. The trustees'
key ceremony runs in this process.

So that the vote can be closed and tallied from the browser, the demo keeps what a
real election keeps apart: an admin account with a known password, the three
trustees' key-share files and the authority's key file, all sealed by the one
passphrase printed at the start. Never reuse a demo directory for a real vote.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
from sqlalchemy import update
from sqlalchemy.orm import Session

from audit.store import record
from evoting import db, schema
from evoting.accounts import add_official
from evoting.crypto.canonical import b64encode
from evoting.crypto.keyfile import write_key_file
from evoting.deployment import DeploymentKeys
from evoting.election import load_manifest
from evoting.elections import change_state, check_deployment_secret
from identity import pollcards
from identity.municipalities import names
from identity.nrn import make_number, parse
from identity.register import RegisterRow, import_register, number_hasher, read_register
from services.lifecycle import set_up_election
from tally.officials import share_files_in_process

MARKER = ".evote-demo"
FIRST = ("An", "Bram", "Chantal", "Dries", "Emma", "Finn", "Greet", "Hans", "Ilse", "Jonas",
         "Karine", "Luc", "Mira", "Noah", "Olivia", "Pieter", "Quinten", "Rania", "Sander",
         "Tine")  # fmt: skip
LAST = ("Peeters", "Claes", "Dubois", "Wouters", "Jacobs", "Maes", "Willems", "Mertens",
        "Novak", "Verhaeghe", "Lambert", "Desmet", "Vandamme", "Declercq")  # fmt: skip
ELSEWHERE = "44021"  # Gent
OFFICIAL = "demo"
PASSWORD = "demo-password"  # noqa: S105 - printed by the demo; a demo directory only
PASSPHRASE = "demo-passphrase"  # noqa: S105 - seals the demo's key files; printed too


class DemoError(Exception):
    """The demo cannot be set up here."""


@dataclass(frozen=True)
class TestVoter:
    name: str
    register_number: str
    code: str
    note: str


@dataclass(frozen=True)
class Demo:
    database_url: str
    instance: Path
    election_id: str
    voters: tuple[TestVoter, ...]
    letters: Path
    authority_key: Path
    trustee_shares: tuple[Path, ...]
    trustees_needed: int = 2  # the manifest's k


def fresh_directory(directory: Path) -> None:
    if directory.exists():
        if not (directory / MARKER).exists():
            raise DemoError(f"{directory} exists and is not a demo directory: choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by `evote demo`; removed by the next run\n")


def _manifest_text(now: datetime.datetime, authority: bytes) -> str:
    """examples/kortrijk-2019.yaml open from yesterday for a week, its authority key pinned."""
    source = Path(__file__).resolve().parents[1] / "examples" / "kortrijk-2019.yaml"
    today = now.date()
    text = source.read_text(encoding="utf-8")
    pinned = f"id: demo-kortrijk\nauthority_key: {b64encode(authority)}"
    text = text.replace("id: kortrijk-2019", pinned)
    opens, closes = today - datetime.timedelta(days=1), today + datetime.timedelta(days=6)
    text = text.replace("opens: 2019-05-20T08:00", f"opens: {opens}T08:00")
    text = text.replace("closes: 2019-05-27T20:00", f"closes: {closes}T20:00")
    return text.replace('  municipality: "34022"',
                        f'  municipality: "34022"\n  reference_date: {today}')  # fmt: skip


def _demo_manifest(source: Path, now: datetime.datetime, authority: bytes) -> str:
    """Any manifest as a demo: ``demo-<id>``, open from yesterday for a week, age reckoned
    today, the demo's authority key pinned (canonical JSON)."""
    manifest = load_manifest(source)
    today = now.date()
    zone = manifest.window.opens.tzinfo
    opens = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(8), zone)
    closes = datetime.datetime.combine(today + datetime.timedelta(days=6), datetime.time(20), zone)
    demo = dataclasses.replace(
        manifest, id=f"demo-{manifest.id}"[:63], authority_key=authority,
        window=dataclasses.replace(manifest.window, opens=opens, closes=closes),
        eligibility=dataclasses.replace(manifest.eligibility, reference_date=today),
    )  # fmt: skip
    return demo.canonical().decode("utf-8")


def demo_register(reference: datetime.date, rng: random.Random, home: str = "34022") -> bytes:
    rows = ["register_number,birth_date,municipality,district,name,street,postal_code,city,"
            "excluded"]  # fmt: skip
    used: set[str] = set()
    away = _elsewhere(home)
    plan = [("adult", home)] * 44 + [("young", home)] * 3 + [("adult", away)] * 3
    for i, (age, municipality) in enumerate(plan):
        if age == "young":  # 13 to 15 on the reference date
            birth = reference - datetime.timedelta(days=rng.randint(13 * 366, 16 * 365 - 30))
        else:
            birth = reference - datetime.timedelta(days=rng.randint(17 * 366, 88 * 365))
        while (number := make_number(birth, rng.randint(1, 998))) in used:
            pass
        used.add(number)
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        city = _city(municipality, reference)
        rows.append(f"{number},{birth},{municipality},Centrum,{name},Straat {i + 1},8500,{city},")
    return ("\n".join(rows) + "\n").encode()


def _elsewhere(home: str) -> str:
    return ELSEWHERE if home != ELSEWHERE else "11002"  # Gent, or Antwerpen


def _city(nis: str, day: datetime.date) -> str:
    found = names(nis, day)
    return found["nl"] if found else "Elders"


def build(
    directory: Path, now: datetime.datetime, seed: int = 2019, source: Path | None = None
) -> Demo:
    """Set the demo up in ``directory`` (made afresh) and return how to reach it: the
    Kortrijk referendum, or the manifest ``source`` (any question types) as a demo."""
    fresh_directory(directory)
    authority = nacl.signing.SigningKey.generate()
    authority_key = directory / "authority.key"
    write_key_file(authority_key, "authority", bytes(authority), PASSPHRASE, "interactive")
    if source is None:
        manifest_path = directory / "demo-kortrijk.yaml"
        manifest_path.write_text(_manifest_text(now, bytes(authority.verify_key)),
                                 encoding="utf-8")  # fmt: skip
    else:
        manifest_path = directory / "manifest.json"
        manifest_path.write_text(_demo_manifest(source, now, bytes(authority.verify_key)),
                                 encoding="utf-8")  # fmt: skip
    manifest = load_manifest(manifest_path)
    rng = random.Random(seed)  # noqa: S311 - synthetic residents, not secrets
    home = manifest.eligibility.municipality
    register = read_register(demo_register(manifest.eligibility.reference_date, rng, home),
                             manifest.eligibility.reference_date)  # fmt: skip
    instance = directory / "instance"
    keys = DeploymentKeys.generate()
    keys.save(instance)
    url = f"sqlite:///{directory / 'evoting.sqlite3'}"
    engine = db.make_engine(url)
    codes: dict[str, str] = {}

    def remember(row: RegisterRow, code: str) -> None:
        codes[row.number.digits] = code

    election_id = manifest.id
    letters = directory / "letters.pdf"
    try:
        db.upgrade(engine)
        with db.session_factory(engine)() as session, session.begin():
            check_deployment_secret(session, keys)
            set_up_election(session, manifest, keys, now, demo=True)
            import_register(session, election_id, register, keys, now)
            pollcards.generate_poll_cards(session, election_id, register, keys, letters,
                                          on_code=remember)  # fmt: skip
            refused = _codes_for_the_refused(session, keys, election_id, register.rows, codes,
                                             manifest.eligibility.minimum_age)  # fmt: skip
            names = tuple(f"Trustee {i}" for i in range(1, manifest.trustees.n + 1))
            shares = share_files_in_process(session, election_id, names)
            change_state(session, election_id, "open")
            record(session, election_id, "opened", {}, keys, now)
            add_official(session, OFFICIAL, PASSWORD, "admin", now)
    finally:
        engine.dispose()
    share_paths = tuple(directory / "trustees" / f"trustee-{i}.share"
                        for i in range(1, len(shares) + 1))  # fmt: skip
    share_paths[0].parent.mkdir()
    for path, share in zip(share_paths, shares, strict=True):
        write_key_file(path, "trustee-share", share, PASSPHRASE, "interactive")
    by_number = {r.number.digits: r for r in register.rows}
    eligible = [n for n in codes if n not in refused][:5]
    voters = [TestVoter(by_number[n].name, parse(n).formatted(), pollcards.display(codes[n]),
                        "may vote") for n in eligible]  # fmt: skip
    voters += [TestVoter(by_number[n].name, parse(n).formatted(), pollcards.display(codes[n]), note)
               for n, note in refused.items()]  # fmt: skip
    return Demo(url, instance, election_id, tuple(voters), letters, authority_key, share_paths,
                manifest.trustees.k)  # fmt: skip


def _codes_for_the_refused(
    session: Session,
    keys: DeploymentKeys,
    election_id: str,
    rows: Sequence[RegisterRow],
    codes: dict[str, str],
    minimum_age: int = 16,
) -> dict[str, str]:
    """Demo only: a code for one resident under 16 and one from elsewhere."""
    home = rows[0].municipality
    young = next(r for r in rows if r.municipality == home and r.number.digits not in codes)
    away = next(r for r in rows if r.municipality != home)
    hash_number = number_hasher(keys, election_id)
    hash_code = pollcards.code_hasher(keys, election_id)
    notes = {}
    elsewhere = f"lives in {_city(away.municipality, datetime.date.today())}: refused"
    for row, note in ((young, f"under {minimum_age}: refused"), (away, elsewhere)):
        code = pollcards.new_code()
        h = hash_number(row.number)
        session.execute(
            update(schema.voters)
            .where(schema.voters.c.election_id == election_id, schema.voters.c.number_hash == h)
            .values(code_hash=hash_code(h, code))
        )
        codes[row.number.digits] = code
        notes[row.number.digits] = note
    return notes
