"""`evote demo --platform`: the participation platform, set up to click through.

In one directory (default ``./demo``, made afresh on each run, as the referendum
demo's; cli/demo.py's register of 50 residents, admin account and passphrase), a
Poperinge-style town with:

* the **platform register** imported (identity/platform.py) and its verification
  letters in ``platform-letters.pdf``;
* residents' accounts: three printed ones (confirmed; two verified, one not) and
  seven sample residents who wrote the ideas; officials: the demo admin, a
  moderator and an evaluator;
* **"Poperinge beslist mee"**, in its proposals phase for two more weeks: Rueil's 7
  domains, a 40,000 EUR cap, only verified residents propose, 3 verified supports
  make an initiative. Twelve ideas in Dutch and French (two from the town hall's
  paper box, one over the cap), reactions (one reported as abusive), supports (one
  idea has reached the threshold, one needs one more), a near-duplicate pair;
* **"Buurtbudget"**, further along (cli/demo_platform_vote.py): screened (one idea
  refused over the cap, with its reason), shortlisted, and its approval vote open now,
  with poll cards in ``letters.pdf`` and the trustees' key shares to tally it;
* e-mail into ``outbox/`` (participation/mail.py's ``file://`` outbox): each message
  an ``.eml`` file, so that a confirmation link can be opened without a mail server.

Never reuse a demo directory, or its printed passwords, for anything real.
"""

from __future__ import annotations

import datetime
import random
import secrets
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.orm import Session

from cli.demo import OFFICIAL, PASSWORD, Demo, DemoError, demo_register, fresh_directory
from cli.demo_platform_content import (
    ABUSIVE_REACTION,
    AUTHORS,
    DISTRICTS,
    INITIATIVE_SUPPORTS,
    MUNICIPALITY,
    POSTAL_CODE,
    PROPOSALS_IDEAS,
    PROPOSALS_PHASES,
    PROPOSALS_REACTIONS,
    PROPOSALS_SUPPORTS,
    PROPOSALS_TEXT,
    PROPOSALS_TITLE,
)
from cli.demo_platform_vote import PROCESS as VOTE_PROCESS
from cli.demo_platform_vote import Moment, phases, settings, vote_election, vote_process
from evoting import db
from evoting.accounts import Official, add_official
from evoting.deployment import DeploymentKeys
from evoting.elections import check_deployment_secret
from identity.nrn import parse
from identity.platform import (
    Verified,
    generate_platform_codes,
    import_platform_register,
    verify_resident,
    write_platform_letters,
)
from identity.pollcards import display
from identity.register import read_register
from participation.fields import ZONE
from participation.ideas import Draft, enter_paper_idea, submit_idea
from participation.processes import create_process
from participation.reactions import react, report, support
from participation.residents import confirm, mark_verified, register

PROCESS = "poperinge-ideeen"
MAIL_FROM = "noreply@beslist.example.be"
RESIDENT_PASSWORD = "resident-password"  # noqa: S105 - printed by the demo; a demo only
OFFICIALS = (  # (username, password, role); the admin is cli/demo.py's
    (OFFICIAL, PASSWORD, "admin"),
    ("moderator", "moderator-password", "moderator"),
    ("evaluator", "evaluator-password", "evaluator"),
)
# (e-mail, display name, language, verified): the printed accounts
ACCOUNTS = (
    ("an@example.be", "An Peeters", "nl", True),
    ("chantal@example.be", "Chantal Dubois", "fr", True),
    ("bram@example.be", "Bram Claes", "nl", False),
)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    language: str
    verified: bool


@dataclass(frozen=True)
class Letter:
    register_number: str
    code: str
    name: str


@dataclass(frozen=True)
class PlatformDemo:
    database_url: str
    instance: Path
    outbox: Path
    smtp_url: str
    mail_from: str
    address: str
    proposals_process: str
    vote_process: str
    accounts: tuple[Account, ...]
    officials: tuple[tuple[str, str, str], ...]
    letters: tuple[Letter, ...]  # unused verification codes to print
    platform_letters: Path
    vote: Demo  # the vote's election, as the referendum demo describes its own


def _platform_register(reference: datetime.date, rng: random.Random) -> bytes:
    """cli/demo.py's 50 residents, living in Poperinge's villages (its districts)."""
    lines = demo_register(reference, rng, MUNICIPALITY).decode().splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        cells[3], cells[6] = DISTRICTS[i % len(DISTRICTS)], POSTAL_CODE
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode()


def _moment(today: datetime.date) -> Moment:
    def at(day: int, hour: int) -> datetime.datetime:
        """``hour`` o'clock (Brussels) ``day`` days from today, in UTC."""
        local = datetime.datetime.combine(today + datetime.timedelta(days=day),
                                          datetime.time(hour), ZONE)  # fmt: skip
        return local.astimezone(datetime.UTC)

    return at


def _new_account(session: Session, email: str, name: str, language: str, password: str,
                 when: datetime.datetime) -> int:  # fmt: skip
    """A confirmed account (registered, then confirmed with its mailed token)."""
    made = register(session, email, password, name, language, when)
    assert made.confirm_token is not None
    return confirm(session, made.confirm_token, password, when + datetime.timedelta(minutes=5))


def _verify(factory: Callable[[], Session], keys: DeploymentKeys, resident_id: int,
            number: str, code: str, when: datetime.datetime) -> None:  # fmt: skip
    """As /account/verify does: the register number and code, then the account marked."""

    def then(session: Session, verified: Verified) -> None:
        mark_verified(session, resident_id, verified.verification_hash, verified.age_band,
                      verified.district, when)  # fmt: skip

    verify_resident(factory, keys, number, code, "demo", when, then=then)


def build(
    directory: Path, now: datetime.datetime, address: str = "http://localhost:8000",
    seed: int = 2020,
) -> PlatformDemo:  # fmt: skip
    """Set the platform demo up in ``directory`` (made afresh) and say how to reach it;
    ``address`` is where it will be served (the letters' links and QR codes)."""
    fresh_directory(directory)
    today = now.astimezone(ZONE).date()
    at = _moment(today)
    rng = random.Random(seed)  # noqa: S311 - synthetic residents, not secrets
    csv = _platform_register(today, rng)
    extract = read_register(csv, today)
    instance = directory / "instance"
    keys = DeploymentKeys.generate()
    keys.save(instance)
    outbox = directory / "outbox"
    outbox.mkdir(mode=0o700)
    url = f"sqlite:///{directory / 'evoting.sqlite3'}"
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    platform_letters = directory / "platform-letters.pdf"
    try:
        db.upgrade(engine)
        with factory() as session, session.begin():
            check_deployment_secret(session, keys)
            officials = {role: add_official(session, name, password, role, at(-90, 9))
                         for name, password, role in OFFICIALS}  # fmt: skip
            import_platform_register(session, extract, keys, at(-85, 9), municipality=MUNICIPALITY)
            codes = generate_platform_codes(session, extract, keys, at(-85, 9))
            people = _people(session, at)
        write_platform_letters(platform_letters, address, codes.letters)
        by_address = {(r.name, r.street): r.number.digits for r in extract.rows}
        free = [(by_address[(x.name, x.street)], x.code, x.name) for x in codes.letters]
        samples = [k for k, (_, _, verified) in AUTHORS.items() if verified]
        printed = [email for email, _, _, verified in ACCOUNTS if verified]
        for who, day in [(k, -80) for k in samples] + [(e, -4) for e in printed]:
            number, code, _ = free.pop(0)
            _verify(factory, keys, people[who], number, code, at(day, 11))
        with factory() as session, session.begin():
            _proposals_process(session, officials, people, today, at)
            vote_process(session, officials, people, today, at)
            vote = vote_election(session, officials["admin"], keys, csv, directory, address,
                                 now, url)  # fmt: skip
    finally:
        engine.dispose()
    accounts = tuple(Account(email, RESIDENT_PASSWORD, language, verified)
                     for email, _, language, verified in ACCOUNTS)  # fmt: skip
    letters = tuple(Letter(parse(n).formatted(), display(c), name) for n, c, name in free[:3])
    return PlatformDemo(url, instance, outbox, outbox.resolve().as_uri(), MAIL_FROM, address,
                        PROCESS, VOTE_PROCESS, accounts, OFFICIALS, letters, platform_letters,
                        vote)  # fmt: skip


def _people(session: Session, at: Moment) -> dict[str, int]:
    """The sample residents (random passwords: nobody logs in as them) and the printed
    accounts, confirmed; resident ids by author key or e-mail."""
    people = {}
    for key, (name, language, _) in AUTHORS.items():
        people[key] = _new_account(session, f"{key}@example.be", name, language,
                                   secrets.token_urlsafe(16), at(-82, 10))  # fmt: skip
    for email, name, language, _ in ACCOUNTS:
        people[email] = _new_account(session, email, name, language, RESIDENT_PASSWORD,
                                     at(-5, 10))  # fmt: skip
    return people


def _proposals_process(
    session: Session, officials: Mapping[str, Official], people: Mapping[str, int],
    today: datetime.date, at: Moment,
) -> None:  # fmt: skip
    """The process in its proposals phase: ideas, supports, reactions and a report."""
    admin = officials["admin"]
    _, first, last = PROPOSALS_PHASES[1]
    assert last is not None
    initiative = {"supports": INITIATIVE_SUPPORTS, "answer_within_days": 60,
                  "starts_on": today + datetime.timedelta(days=first),
                  "ends_on": today + datetime.timedelta(days=last)}  # fmt: skip
    create_process(session, admin, PROCESS, PROPOSALS_TITLE, PROPOSALS_TEXT, "co-decide",
                   settings(initiative), phases(PROPOSALS_PHASES, today),
                   at(-35, 10))  # fmt: skip
    ids = {}
    for idea in PROPOSALS_IDEAS:
        draft = Draft(idea.title, idea.text, idea.language, idea.domain, idea.cost,
                      idea.district)  # fmt: skip
        when = at(idea.day, 20)
        made = (enter_paper_idea(session, admin, PROCESS, draft, when) if idea.by == "paper"
                else submit_idea(session, PROCESS, people[idea.by], draft, when))  # fmt: skip
        ids[idea.key] = made.id
    for key, supporters in PROPOSALS_SUPPORTS.items():
        for n, who in enumerate(supporters):
            support(session, ids[key], people[who], at(-1, 8 + n))
    posted: list[int] = []
    for key, who, day, language, text, parent in PROPOSALS_REACTIONS:
        answer = None if parent is None else posted[parent]
        posted.append(react(session, ids[key], people[who], text, language, at(day, 21),
                            parent_id=answer).id)  # fmt: skip
    report(session, people["olivia"], "abusive", at(-4, 9), reaction_id=posted[ABUSIVE_REACTION],
           note="Scheldwoorden.")  # fmt: skip


def run(directory: Path, host: str, port: int, no_serve: bool) -> None:
    """`evote demo --platform`: set up, print what to click, serve until Ctrl-C."""
    from cli.web_commands import how_to_tally, serve_app
    from web import create_app

    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - a name
    address = f"http://{shown}:{port}"
    try:
        made = build(directory, datetime.datetime.now(datetime.UTC), address)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    _print(made, directory)
    how_to_tally(made.vote, address)
    if no_serve:
        return
    app = create_app(made.database_url, made.instance, secure_cookies=False,
                     config={"SMTP_URL": made.smtp_url, "MAIL_FROM": made.mail_from})  # fmt: skip
    click.echo(f"\nserving on {address}/ (stop with Ctrl-C)")
    serve_app(app, host, port)


def _print(made: PlatformDemo, directory: Path) -> None:
    a, out = made.address, directory / "outbox"
    ideas = f"{a}/participate/{made.proposals_process}"
    vote = f"{a}/participate/{made.vote_process}"
    say = click.echo
    say(f"\nParticipation platform demo: {a}/participate")
    say(f"  proposals open now (two more weeks): {ideas}")
    say(f"  a vote on a shortlist, open now:     {vote}")
    say(f"E-mail is not sent: each message is a file in {out}/ (SMTP_URL {made.smtp_url})")
    say(f"Verification letters: {made.platform_letters}")
    say(f"Poll cards for the vote: {made.vote.letters}")
    say(f"\nResidents' accounts (log in at {a}/account/login):")
    for acc in made.accounts:
        state = "verified resident" if acc.verified else "confirmed, not verified"
        say(f"  {acc.email:<20} password '{acc.password}'  ({state}, {acc.language})")
    say("Register numbers and codes to verify an account (each verifies one account):")
    for letter in made.letters:
        say(f"  {letter.register_number}  {letter.code}  {letter.name}")
    say(f"Officials (log in at {a}/officials; the processes: {a}/officials/processes):")
    for name, password, role in made.officials:
        quoted = f"'{password}'"
        say(f"  {name:<10} password {quoted:<21} ({role})")
    say("\nClick through, in order:")
    steps = (
        f"register a new account at {a}/account/register",
        f"open the newest .eml file in {out}/ (with a mail program, or any text editor), "
        "open its link and confirm; log in",
        f"verify the account at {a}/account/verify with a register number and code above",
        f"propose an idea at {ideas} (write about bicycle parking at the station: similar "
        "ideas are shown before it is posted)",
        "support 'Overdekte fietsenstalling aan het station' (it has 2 of the 3 verified "
        "supports it needs): your support makes it a residents' initiative, as 'Zitbanken "
        "langs de wandelroute in Proven' already is; react to an idea, report one",
        "log in as 'moderator': a reaction on 'Skatepark voor de jeugd in Reningelst' was "
        "reported as abusive; hide it with a reason",
        "log in as 'evaluator': the two bicycle-parking ideas are a likely duplicate (merge "
        "them); screen ideas ('Openbaar toilet op de Grote Markt' is over the 40,000 EUR cap)",
        f"the vote: {vote} shows the screening (a swimming pool refused as over the cap, "
        f"with the reason) and the shortlist; vote at {a}/e/{made.vote.election_id} with a "
        "poll card (register number, code):",
    )
    for n, step in enumerate(steps, start=1):
        say(textwrap.fill(step, 92, initial_indent=f"  {n}. ", subsequent_indent="     "))
    for v in made.vote.voters:
        say(f"       {v.register_number}  {v.code}  {v.name}")
    last = (f"to see the results and the follow-up: close and tally the vote (below); then, as "
            f"'{OFFICIAL}', record the results on {a}/officials/processes/{made.vote_process}; "
            f"{vote} shows them")  # fmt: skip
    say(textwrap.fill(last, 92, initial_indent=f"  {len(steps) + 1}. ", subsequent_indent="     "))
