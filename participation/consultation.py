"""A consultation (Kortrijk's "Grote Bevraging") as a whole process.

A manifest (evoting/election.py) whose questions include a ``consultation`` question
becomes the definition of a process at the ``consult`` level:

* each **statement** is a **theme** of the process (its ``settings.domains``: the
  statement's id, and its text as the name in each language, in full up to the
  domain name's 100 characters, else cut at a word with "…"); residents propose
  ideas and react under a theme before they give their view on its statement in the
  (encrypted) vote;
* the phases: information → proposals → vote → results → follow-up. The vote phase
  runs over the manifest's window (its first to its last Brussels day), proposals end
  the day before it (default: four weeks of proposals), information comes in the two
  weeks before, results for thirty days after the vote, then follow-up without an
  end. `Plan` overrides any of them;
* verified residents propose (``proposers: verified``).

`consultation_process` only builds the definition; nothing is written. The caller
(cli/process_commands.py) creates the process (`create`), the election from the same
manifest (``services.lifecycle.set_up_election``: participation does not import the
ballot box's services) and links them (`link`, which checks the election is the one
the definition was made from). A manifest without a consultation question is refused
(`NotAConsultation`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from evoting.accounts import Official
from evoting.election import Manifest, Question, local_date
from evoting.elections import get_election
from participation.errors import InvalidInput, ParticipationError
from participation.processes import PhasePlan, Process, create_process
from participation.settings import MAX_DOMAINS, PROPOSERS, identifier, read_settings
from participation.vote import link_election

LEVEL = "consult"
NAME_LIMIT = 100  # a domain's name per language (participation/settings.py)
DAY = datetime.timedelta(days=1)

# What the process page says under the consultation's question, when the manifest
# has no description of its own.
INVITATION = {
    "nl": "Tot de stemming opent, stelt u per thema ideeën voor en reageert u op die van "
    "anderen. In de stemming geeft u uw mening over elke uitspraak, met een geheime, "
    "versleutelde stem.",
    "fr": "Jusqu'à l'ouverture du vote, proposez des idées par thème et réagissez à celles "
    "des autres. Lors du vote, vous donnez votre avis sur chaque affirmation, par un vote "
    "secret et chiffré.",
    "en": "Until the vote opens, propose ideas theme by theme and react to others' ideas. "
    "In the vote, you give your view on each statement, in a secret, encrypted ballot.",
}


class NotAConsultation(ParticipationError, ValueError):
    """The manifest has no consultation question: there are no statements to be themes."""

    def __init__(self, manifest_id: str, types: tuple[str, ...]) -> None:
        super().__init__(
            f"manifest {manifest_id!r} has no consultation question (only "
            f"{', '.join(types) or 'no questions'}): a consultation process's themes are "
            "the statements of a consultation question"
        )
        self.manifest_id, self.types = manifest_id, types


@dataclass(frozen=True, slots=True)
class Plan:
    """What an official may decide instead of the defaults (None: the default).

    ``proposals_from``/``proposals_until``: the proposals phase's first and last day
    (default: the 28 days before the vote's first day). ``information_days``: the
    information phase's length before proposals (0: no information phase).
    ``results_days``: the results phase's length after the vote's last day, before
    follow-up.
    """

    process_id: str | None = None
    title: Mapping[str, str] | None = None
    description: Mapping[str, str] | None = None
    proposals_from: datetime.date | None = None
    proposals_until: datetime.date | None = None
    proposals_days: int = 28
    information_days: int = 14
    results_days: int = 30
    proposers: str = "verified"
    districts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Definition:
    """A process made from a consultation's manifest: `create_process`'s arguments, and
    the election it is made for (its id and the manifest's fingerprint)."""

    process_id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    level: str
    settings: Mapping[str, object]
    phases: tuple[PhasePlan, ...]
    election_id: str
    fingerprint: bytes

    @property
    def themes(self) -> list[Mapping[str, object]]:
        domains = self.settings["domains"]
        assert isinstance(domains, list)
        return domains


def consultation_questions(manifest: Manifest) -> list[Question]:
    return [q for q in manifest.questions if q.type == "consultation"]


def shorten(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` in full if it fits, else cut at the last word that fits, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def _themes(manifest: Manifest, questions: list[Question]) -> list[dict[str, object]]:
    statements = [(q, s) for q in questions for s in q.statements]
    if len(statements) > MAX_DOMAINS:
        raise InvalidInput("statements", "too-many",
                           f"at most {MAX_DOMAINS} themes, not {len(statements)}")  # fmt: skip
    ids = [s.id for _, s in statements]
    if len(set(ids)) != len(ids):  # two questions share a statement id: prefix the question's
        ids = [identifier(f"{q.id}-{s.id}", f"statements.{q.id}.{s.id}") for q, s in statements]
        if len(set(ids)) != len(ids):
            raise InvalidInput("statements", "invalid", "two themes would have the same id")
    return [
        {"id": i, "name": {lang: shorten(s.text[lang]) for lang in manifest.languages}}
        for i, (_, s) in zip(ids, statements, strict=True)
    ]


def _description(manifest: Manifest, questions: list[Question]) -> dict[str, str]:
    if manifest.description:
        return dict(manifest.description)
    return {
        lang: "\n\n".join([*(q.text[lang] for q in questions), INVITATION[lang]])
        for lang in manifest.languages
    }


def _days(value: int, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 3660:
        raise InvalidInput(field, "invalid", f"a whole number of days from {low} to 3660")
    return value


def phases(manifest: Manifest, plan: Plan) -> tuple[PhasePlan, ...]:
    """The timeline around the manifest's window (module docstring)."""
    vote_first = local_date(manifest.window.opens)
    # The last day the vote is open on (a window closing at midnight ends the day before).
    vote_last = local_date(manifest.window.closes - datetime.timedelta(microseconds=1))
    until = plan.proposals_until or vote_first - DAY
    if until >= vote_first:
        raise InvalidInput("proposals_until", "invalid",
                           f"proposals end before the vote opens on {vote_first}")  # fmt: skip
    days = _days(plan.proposals_days, "proposals_days", 1)
    first = plan.proposals_from or until - datetime.timedelta(days=days - 1)
    if first > until:
        raise InvalidInput("proposals_from", "invalid",
                           f"on or before the last day of proposals, {until}")  # fmt: skip
    out = []
    information = _days(plan.information_days, "information_days", 0)
    if information:
        out.append(PhasePlan("information", first - datetime.timedelta(days=information),
                             first - DAY))  # fmt: skip
    results = _days(plan.results_days, "results_days", 1)
    results_last = vote_last + datetime.timedelta(days=results)
    out += [
        PhasePlan("proposals", first, until),
        PhasePlan("vote", vote_first, vote_last),
        PhasePlan("results", vote_last + DAY, results_last),
        PhasePlan("follow-up", results_last + DAY, None),
    ]
    return tuple(out)


def consultation_process(manifest: Manifest, plan: Plan | None = None) -> Definition:
    """The process a consultation's manifest becomes (nothing is written); raises
    `NotAConsultation`, or `InvalidInput` for a plan or text the process cannot hold."""
    plan = plan or Plan()
    questions = consultation_questions(manifest)
    if not questions:
        raise NotAConsultation(
            manifest.id, tuple(dict.fromkeys(q.type for q in manifest.questions))
        )
    if plan.proposers not in PROPOSERS:
        raise InvalidInput("proposers", "unknown", "everyone or verified")
    process_id = identifier(plan.process_id or manifest.id, "id")
    settings = read_settings({
        "languages": list(manifest.languages),
        "domains": _themes(manifest, questions),
        "cost_cap": None,
        "proposers": plan.proposers,
        "districts": list(plan.districts),
    }).to_json()  # fmt: skip
    return Definition(
        process_id,
        dict(plan.title or manifest.title),
        dict(plan.description or _description(manifest, questions)),
        LEVEL,
        settings,
        phases(manifest, plan),
        manifest.id,
        manifest.fingerprint,
    )


def create(
    session: Session, official: Official, definition: Definition, now: datetime.datetime
) -> Process:
    """The process, in the caller's transaction (`AlreadyExists` if its id is taken)."""
    return create_process(session, official, definition.process_id, definition.title,
                          definition.description, definition.level, definition.settings,
                          definition.phases, now)  # fmt: skip


def link(
    session: Session, official: Official, definition: Definition, now: datetime.datetime
) -> None:
    """Make the election created from the same manifest the process's vote."""
    election = get_election(session, definition.election_id)
    if election.fingerprint != definition.fingerprint:
        raise InvalidInput("election", "invalid",
                           f"election {definition.election_id!r} was made from another "
                           "manifest (its fingerprint differs)")  # fmt: skip
    link_election(session, official, definition.process_id, definition.election_id, now)
