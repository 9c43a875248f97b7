"""Kortrijk's "Grote Bevraging" as a whole process (participation/consultation.py): its ten
statements become the themes residents propose ideas and react under, the election is
created from the same manifest (draft) and linked; `evote process create` does it all."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import Engine

from cli.main import evote
from evoting.crypto.canonical import b64encode
from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE, DeploymentKeys
from evoting.election import load_manifest, parse_manifest
from evoting.elections import get_election
from participation import consultation
from participation.consultation import NotAConsultation, Plan, consultation_process
from participation.errors import AlreadyExists, InvalidInput
from participation.ideas import list_ideas, submit_idea
from participation.processes import get_process
from services.lifecycle import set_up_election
from tests.integration.participation_world import draft, official, resident, tx
from web import create_app
from web.extensions import limiter

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MANIFEST = EXAMPLES / "grote-bevraging.yaml"
PROCESS = "grote-bevraging-2026"
D = datetime.date
PROPOSING = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC)


def make(engine: Engine, keys: DeploymentKeys, plan: Plan | None = None) -> None:
    """What `evote process create` does, in one transaction."""
    manifest = load_manifest(MANIFEST)
    admin = official(engine)
    definition = consultation_process(manifest, plan)
    with tx(engine) as s:
        consultation.create(s, admin, definition, PROPOSING - datetime.timedelta(days=60))
        set_up_election(s, manifest, keys, PROPOSING - datetime.timedelta(days=60))
        consultation.link(s, admin, definition, PROPOSING - datetime.timedelta(days=60))


def test_the_grote_bevraging_becomes_a_process_with_ten_themes(engine: Engine) -> None:
    manifest = load_manifest(MANIFEST)
    make(engine, DeploymentKeys.generate())
    with tx(engine) as s:
        process = get_process(s, PROCESS)
        election = get_election(s, process.election_id or "")
    (question,) = manifest.questions
    assert process.level == "consult"
    assert process.title == manifest.title
    assert process.settings.languages == ("nl", "fr", "en")
    assert process.settings.proposers == "verified"
    themes = process.settings.domains
    assert len(themes) == 10
    assert [t.id for t in themes] == [s.id for s in question.statements]
    for theme, statement in zip(themes, question.statements, strict=True):
        assert set(theme.name) == {"nl", "fr", "en"}
        assert dict(theme.name) == dict(statement.text)  # each fits: in full
    assert themes[0].name["nl"] == "Er moeten meer bomen komen in de straten."
    assert question.text["fr"] in process.description["fr"]
    plan = [(p.kind, p.starts_on, p.ends_on) for p in process.phases]
    assert plan == [
        ("information", D(2026, 8, 3), D(2026, 8, 16)),
        ("proposals", D(2026, 8, 17), D(2026, 9, 13)),  # ends the day before the vote
        ("vote", D(2026, 9, 14), D(2026, 10, 5)),  # the manifest's window
        ("results", D(2026, 10, 6), D(2026, 11, 4)),
        ("follow-up", D(2026, 11, 5), None),
    ]
    assert election.id == manifest.id == process.election_id
    assert election.state == "draft"
    assert election.fingerprint == manifest.fingerprint


def test_the_first_day_of_proposals_can_be_chosen_and_must_come_before_the_vote() -> None:
    manifest = load_manifest(MANIFEST)
    chosen = consultation_process(manifest, Plan(proposals_from=D(2026, 6, 1), process_id="gb"))
    assert chosen.process_id == "gb"
    assert [(p.kind, p.starts_on, p.ends_on) for p in chosen.phases[:2]] == [
        ("information", D(2026, 5, 18), D(2026, 5, 31)),
        ("proposals", D(2026, 6, 1), D(2026, 9, 13)),
    ]
    with pytest.raises(InvalidInput, match="proposals_from"):
        consultation_process(manifest, Plan(proposals_from=D(2026, 9, 14)))
    with pytest.raises(InvalidInput, match="proposals end before the vote opens"):
        consultation_process(manifest, Plan(proposals_until=D(2026, 9, 14)))
    short = consultation_process(manifest, Plan(information_days=0))
    assert [p.kind for p in short.phases] == ["proposals", "vote", "results", "follow-up"]


def test_a_long_statement_is_cut_at_a_word_and_shared_ids_are_told_apart() -> None:
    raw = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    long = "De stad moet " + "veel " * 40 + "meer doen."
    raw["questions"][0]["statements"][0]["text"]["nl"] = long
    second = {"id": "more", "type": "consultation", "text": raw["questions"][0]["text"],
              "statements": [raw["questions"][0]["statements"][1]]}  # fmt: skip
    raw["questions"].append(second)
    themes = consultation_process(parse_manifest(raw)).themes
    name = themes[0]["name"]
    assert isinstance(name, dict)
    assert len(name["nl"]) <= 100
    assert name["nl"].endswith("veel…")
    assert [t["id"] for t in themes][:2] == ["statements-more-trees", "statements-cycle-paths"]
    assert themes[-1]["id"] == "more-cycle-paths"


def test_a_manifest_without_a_consultation_question_is_refused() -> None:
    referendum = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    with pytest.raises(NotAConsultation) as caught:
        consultation_process(referendum)
    assert "no consultation question (only referendum)" in str(caught.value)
    assert "themes are the statements of a consultation question" in str(caught.value)


def test_an_idea_under_a_theme_is_listed_under_that_theme(engine: Engine) -> None:
    make(engine, DeploymentKeys.generate())
    author = resident(engine)
    with tx(engine) as s:
        trees = submit_idea(s, PROCESS, author, draft("Lime trees in every street",
                            domain="more-trees", estimated_cost=None), PROPOSING)  # fmt: skip
        submit_idea(s, PROCESS, author, draft("Cheaper flats near the station", domain="housing",
                    estimated_cost=None, district=None), PROPOSING)  # fmt: skip
    with tx(engine) as s:
        listed = list_ideas(s, PROCESS, domain="more-trees")
        everything = list_ideas(s, PROCESS)
    assert [i.id for i in listed.ideas] == [trees.id]
    assert everything.total == 2
    with tx(engine) as s, pytest.raises(InvalidInput):
        submit_idea(s, PROCESS, author, draft(domain="not-a-statement", estimated_cost=None),
                    PROPOSING)  # fmt: skip


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The web app over the process, its clock in the proposals phase."""
    keys = DeploymentKeys.generate()
    monkeypatch.setenv(SECRET_ENVIRONMENT_VARIABLE, b64encode(keys.master))
    make(engine, keys)
    app = create_app(engine.url.render_as_string(hide_password=False), tmp_path / "instance",
                     clock=lambda: PROPOSING, secure_cookies=False,
                     config={"TESTING": True})  # fmt: skip
    limiter.reset()
    yield app
    app.extensions["evoting"].engine.dispose()


def test_the_process_page_shows_the_themes_as_the_filter_and_invites_per_theme(
    site: Flask, engine: Engine
) -> None:
    author = resident(engine)
    with tx(engine) as s:
        submit_idea(s, PROCESS, author, draft("Lime trees in every street", domain="more-trees",
                    estimated_cost=None), PROPOSING)  # fmt: skip
        submit_idea(s, PROCESS, author, draft("Cheaper flats near the station", domain="housing",
                    estimated_cost=None), PROPOSING)  # fmt: skip
    client = site.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/participate/{PROCESS}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    themes = html[html.index('id="themes"') : html.index('id="ideas"')]
    assert themes.count("Propose an idea on this theme") == 10
    assert themes.count("Read and react to the ideas on this theme") == 10
    assert "The streets need more trees." in themes
    assert re.search(rf'href="/participate/{PROCESS}\?[^"]*domain=more-trees#ideas"', themes)
    filter_ = html[html.index('<select id="domain"') :]
    filter_ = filter_[: filter_.index("</select>")]
    assert re.findall(r'<option value="([a-z-]+)"', filter_)[:2] == ["more-trees", "cycle-paths"]
    assert len(re.findall(r'<option value="[a-z-]+"', filter_)) == 10
    assert '<label for="domain">Theme</label>' in html
    trees = client.get(f"/participate/{PROCESS}?domain=more-trees").get_data(as_text=True)
    assert "Lime trees in every street" in trees
    assert "Cheaper flats near the station" not in trees
    assert '<option value="more-trees" selected>' in trees
    dutch = client.get(f"/participate/{PROCESS}", headers={"Accept-Language": "nl"})
    assert "Er moeten meer bomen komen in de straten." in dutch.get_data(as_text=True)


def invoke(engine: Engine, tmp_path: Path, *args: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(evote, ["--db", url, "--instance", str(tmp_path / "inst"), *args])


def test_evote_process_create_from_the_manifest(engine: Engine, tmp_path: Path) -> None:
    manifest = load_manifest(MANIFEST)
    assert invoke(engine, tmp_path, "init").exit_code == 0
    made = invoke(engine, tmp_path, "process", "create", "--from-manifest", str(MANIFEST))
    assert made.exit_code == 0, made.output
    out = made.output
    assert f"process {PROCESS} created (consult): 10 themes in nl, fr, en" in out
    assert "  proposals: 2026-08-17 to 2026-09-13" in out
    assert "  vote: 2026-09-14 to 2026-10-05" in out
    assert f"election {PROCESS} created (draft)" in out
    assert f"fingerprint {manifest.fingerprint.hex()}" in out
    assert "board key " in out
    assert f"evote register import {PROCESS}" in out
    assert f"evote election open {PROCESS}" in out
    with tx(engine) as s:
        process = get_process(s, PROCESS)
        assert process.election_id == PROCESS
        assert get_election(s, PROCESS).state == "draft"

    again = invoke(engine, tmp_path, "process", "create", "--from-manifest", str(MANIFEST))
    assert again.exit_code == 1
    assert f"a process '{PROCESS}' exists already; nothing was created" in again.output
    assert "Traceback" not in again.output
    # Another id: the election from the same manifest exists, and nothing is left behind.
    other = invoke(engine, tmp_path, "process", "create", "--from-manifest", str(MANIFEST),
                   "--id", "grote-bevraging-bis")  # fmt: skip
    assert other.exit_code == 1
    assert f"an election '{PROCESS}'" in other.output
    listed = invoke(engine, tmp_path, "process", "list")
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()  # its phase: today's, by the real clock
    assert re.fullmatch(rf"{PROCESS} \(consult; [a-z -]+; vote {PROCESS}\): The Big Consultation",
                        line)  # fmt: skip
    assert "grote-bevraging-bis" not in listed.output


def test_evote_process_create_refuses_a_referendum(engine: Engine, tmp_path: Path) -> None:
    assert invoke(engine, tmp_path, "init").exit_code == 0
    refused = invoke(engine, tmp_path, "process", "create", "--from-manifest",
                     str(EXAMPLES / "kortrijk-2019.yaml"))  # fmt: skip
    assert refused.exit_code == 1
    assert "has no consultation question (only referendum)" in refused.output
    assert "nothing was created" in refused.output
    assert invoke(engine, tmp_path, "process", "list").output == "no processes\n"


def test_proposals_from_and_the_official_on_the_command_line(
    engine: Engine, tmp_path: Path
) -> None:
    assert invoke(engine, tmp_path, "init").exit_code == 0
    admin = official(engine)
    made = invoke(engine, tmp_path, "process", "create", "--from-manifest", str(MANIFEST),
                  "--proposals-from", "2026-07-01", "--official", admin.username)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "  information: 2026-06-17 to 2026-06-30" in made.output
    assert "  proposals: 2026-07-01 to 2026-09-13" in made.output
    late = invoke(engine, tmp_path, "process", "create", "--from-manifest", str(MANIFEST),
                  "--id", "late", "--proposals-from", "2026-09-20")  # fmt: skip
    assert late.exit_code == 1
    assert "proposals_from: invalid" in late.output


def test_a_process_id_is_taken_only_once(engine: Engine) -> None:
    keys = DeploymentKeys.generate()
    make(engine, keys)
    with pytest.raises(AlreadyExists):
        make(engine, keys)
