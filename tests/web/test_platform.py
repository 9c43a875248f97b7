"""The residents' side of the participation platform (web/platform*.py), through the Flask
test client: the timeline, proposing with the similar-ideas check, photos, supports and
the initiative's progress, reactions and replies, moderation in place, search, languages
and 404s."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Engine, func, select, update

from evoting import platform_schema as ps
from evoting.accounts import Official
from evoting.residents_schema import residents
from participation.moderation import hide
from participation.processes import open_phase
from participation.reactions import react
from tests.integration.participation_world import (
    PROPOSALS,
    SCREENING,
    make_process,
    official,
    propose,
    resident,
    tx,
)
from tests.web.conftest import Clock
from web import platform_propose
from web.extensions import services

PROCESS = "/participate/poperinge-2026"


@dataclass
class World:
    engine: Engine
    admin: Official
    process_id: str


@pytest.fixture
def world(app: Flask, clock: Clock) -> World:
    engine = app.extensions["evoting"].engine
    admin = official(engine)
    process_id = make_process(engine, admin)
    clock.now = PROPOSALS
    return World(engine, admin, process_id)


def log_in(app: Flask, client: FlaskClient, resident_id: int) -> None:
    """The session web/accounts_session.py gives a resident who logged in."""
    with app.app_context(), tx(services().engine) as s:
        stored = s.execute(
            select(residents.c.password_hash).where(residents.c.id == resident_id)
        ).scalar_one()
        stamp = services().keys.keyed_hash("resident-session", stored.encode("ascii"))[:32]
    with client.session_transaction() as session:
        session["resident"] = {"id": resident_id, "stamp": stamp}


def token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def text_of(html: str) -> str:
    """The page's words, without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def current_step(html: str) -> str:
    found = re.search(r'<li class="pp-step pp-current" aria-current="step">(.*?)</li>', html, re.S)
    assert found is not None
    return text_of(found.group(1))


def ideas_count(engine: Engine) -> int:
    with tx(engine) as s:
        return int(s.execute(select(func.count()).select_from(ps.ideas)).scalar_one())


def idea_form(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "title": "Trees on the market square",
        "text": "Plant ten lime trees around the market square for shade.",
        "domain": "environment",
        "estimated_cost": "12.000",
        "district": "centrum",
        "address": "Grote Markt",
        "step": "post",
    }
    return base | changes


def post_idea(client: FlaskClient, form: dict[str, object]) -> tuple[int, str, str | None]:
    data = {**form, "csrf_token": token(client, "/account/login")}  # one token a session
    answer = client.post(f"{PROCESS}/ideas/new", data=data, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


# --- the process page ------------------------------------------------------------------


def test_the_index_lists_the_process_with_its_level_and_phase(
    world: World, client: FlaskClient
) -> None:
    page = text_of(client.get("/participate/").get_data(as_text=True))
    assert "Poperinge beslist mee (en)" in page
    assert "Co-decide – Residents decide" in page
    assert "Now: Proposals" in page


def test_the_timeline_marks_the_current_phase_by_date_and_after_an_override(
    world: World, client: FlaskClient, clock: Clock
) -> None:
    html = client.get(PROCESS).get_data(as_text=True)
    assert "Proposals now 01/03/2026 to 31/03/2026" in current_step(html)
    assert html.count("pp-step pp-done") == 1  # information
    assert "Propose an idea." in text_of(html)
    assert "From 01/04/2026: Screening." in text_of(html)  # what happens next

    clock.now = SCREENING
    assert "Screening now" in current_step(client.get(PROCESS).get_data(as_text=True))

    clock.now = PROPOSALS  # an official opens the screening early, on 10 March
    with tx(world.engine) as s:
        open_phase(s, world.admin, world.process_id, "screening", PROPOSALS)
    html = client.get(PROCESS).get_data(as_text=True)
    assert "Screening now 10/03/2026 to 30/04/2026" in current_step(html)
    assert html.count("pp-step pp-done") == 2  # information, proposals (closed early)
    assert "Proposals done 01/03/2026 to 10/03/2026" in text_of(html)
    assert "Propose an idea." not in text_of(html)


def test_unknown_process_and_idea_and_another_process_idea_are_404(
    world: World, client: FlaskClient, app: Flask
) -> None:
    author = resident(world.engine)
    mine = propose(world.engine, world.process_id, author)
    other = make_process(world.engine, world.admin, "other-2026")
    theirs = propose(world.engine, other, author, title="Benches in the park")
    log_in(app, client, author)
    assert client.get("/participate/nowhere").status_code == 404
    assert client.get("/participate/nowhere/ideas/new").status_code == 404
    assert client.get(f"{PROCESS}/ideas/999999").status_code == 404
    assert client.get(f"{PROCESS}/ideas/{mine.id}").status_code == 200
    assert client.get(f"/participate/other-2026/ideas/{theirs.id}").status_code == 200
    for path in ("", "/photo", "/report", "/edit"):
        assert client.get(f"{PROCESS}/ideas/{theirs.id}{path}").status_code == 404, path
    csrf = token(client, f"{PROCESS}/ideas/{mine.id}")
    answer = client.post(f"{PROCESS}/ideas/{theirs.id}/support", data={"csrf_token": csrf})
    assert answer.status_code == 404
    with tx(world.engine) as s:
        assert s.execute(select(func.count()).select_from(ps.supports)).scalar_one() == 0


def test_search_matches_percent_and_underscore_literally(world: World, client: FlaskClient) -> None:
    author = resident(world.engine)
    propose(world.engine, world.process_id, author, title="100% green roofs", text="Roofs.x" * 3)
    propose(world.engine, world.process_id, author, title="Trees on the square")
    propose(world.engine, world.process_id, author, title="A bike_path downtown")
    page = text_of(client.get(f"{PROCESS}?q=%25").get_data(as_text=True))
    assert "1 idea" in page
    assert "100% green roofs" in page
    assert "Trees on the square" not in page
    page = text_of(client.get(f"{PROCESS}?q=e_p").get_data(as_text=True))
    assert "A bike_path downtown" in page
    assert "Trees on the square" not in page
    page = text_of(client.get(f"{PROCESS}?q=%00").get_data(as_text=True))  # no 500
    assert "Search: this is not valid" in page


def test_sorting_filters_and_pages(world: World, client: FlaskClient) -> None:
    author = resident(world.engine)
    for n in range(23):
        propose(
            world.engine,
            world.process_id,
            author,
            title=f"Idea number {n:02d}",
            when=PROPOSALS + datetime.timedelta(minutes=n),
            domain="mobility" if n % 2 else "environment",
        )
    first = text_of(client.get(PROCESS).get_data(as_text=True))
    assert "23 ideas" in first
    assert "Idea number 22" in first
    assert "Idea number 02" not in first
    assert "Page 1 of 2" in first
    second = text_of(client.get(f"{PROCESS}?page=2").get_data(as_text=True))
    assert "Idea number 02" in second
    assert "Idea number 22" not in second
    mobility = text_of(client.get(f"{PROCESS}?domain=mobility").get_data(as_text=True))
    assert "11 ideas" in mobility
    shuffled = client.get(f"{PROCESS}?sort=random&seed=7").get_data(as_text=True)
    assert shuffled == client.get(f"{PROCESS}?sort=random&seed=7").get_data(as_text=True)
    assert "seed=7" in shuffled  # the next page keeps the order
    for junk in ("sort=best", "page=-1", "status=zzz", "domain=%0A", "seed=x"):
        assert client.get(f"{PROCESS}?{junk}").status_code == 200, junk


# --- proposing -------------------------------------------------------------------------


def test_proposing_outside_the_proposals_phase_is_refused_in_words(
    world: World, client: FlaskClient, app: Flask, clock: Clock
) -> None:
    clock.now = SCREENING
    log_in(app, client, resident(world.engine))
    page = text_of(client.get(f"{PROCESS}/ideas/new").get_data(as_text=True))
    assert "This is not possible in the Screening phase. It is possible during: Proposals." in page
    status, html, _ = post_idea(client, idea_form())
    assert status == 403
    assert "not possible in the Screening phase" in text_of(html)
    assert ideas_count(world.engine) == 0


def test_an_unverified_resident_is_refused_where_the_process_wants_verified_ones(
    world: World, client: FlaskClient, app: Flask
) -> None:
    log_in(app, client, resident(world.engine, verified=False))
    page = text_of(client.get(f"{PROCESS}/ideas/new").get_data(as_text=True))
    assert "Only verified residents can propose ideas in this process." in page
    status, html, _ = post_idea(client, idea_form())
    assert status == 403
    assert "Only verified residents" in html
    assert ideas_count(world.engine) == 0


def test_logged_out_the_form_asks_to_log_in_and_a_post_goes_to_the_login(
    world: World, client: FlaskClient
) -> None:
    page = text_of(client.get(f"{PROCESS}/ideas/new").get_data(as_text=True))
    assert "Log in with your account to propose an idea." in page
    data = {**idea_form(), "csrf_token": token(client, "/account/login")}
    answer = client.post(f"{PROCESS}/ideas/new", data=data)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/account/login")


def test_similar_ideas_are_shown_before_posting_and_post_anyway_posts(
    world: World, client: FlaskClient, app: Flask
) -> None:
    other = resident(world.engine)
    earlier = propose(
        world.engine,
        world.process_id,
        other,
        title="Lime trees on the market square",
        text="Plant lime trees around the market square, for shade in summer.",
    )
    propose(world.engine, world.process_id, other, title="A skatepark", text="Near the station.")
    log_in(app, client, resident(world.engine))
    status, html, _ = post_idea(client, idea_form(step="check", domain="", estimated_cost=""))
    assert status == 200
    page = text_of(html)
    assert "These ideas look similar" in page
    assert "Support one of them instead, or post yours anyway." in page
    assert "Lime trees on the market square" in page
    assert "A skatepark" not in page
    assert f"/ideas/{earlier.id}" in html
    assert "Post my idea anyway" in page
    assert 'value="Trees on the market square"' in html  # kept for the second step
    assert ideas_count(world.engine) == 2  # nothing posted yet

    status, html, location = post_idea(client, idea_form())
    assert status == 303, text_of(html)
    assert location is not None
    assert ideas_count(world.engine) == 3
    page = text_of(client.get(location).get_data(as_text=True))
    assert "Trees on the market square" in page
    assert "12.000 EUR" not in page  # English page
    assert "EUR 12,000" in page
    assert "environment (en)" in page


def test_no_similar_idea_says_so(world: World, client: FlaskClient, app: Flask) -> None:
    log_in(app, client, resident(world.engine))
    status, html, _ = post_idea(client, idea_form(step="check"))
    assert status == 200
    assert "No similar idea was found" in text_of(html)
    assert "Post my idea" in text_of(html)


def test_a_refused_form_keeps_what_was_typed(world: World, client: FlaskClient, app: Flask) -> None:
    log_in(app, client, resident(world.engine))
    status, html, _ = post_idea(client, idea_form(estimated_cost="12,50"))
    assert status == 400
    assert "Estimated cost: give a whole number of euros, without cents." in text_of(html)
    assert 'value="Trees on the market square"' in html
    assert "Plant ten lime trees around the market square for shade." in html
    assert 'value="12,50"' in html
    status, html, _ = post_idea(client, idea_form(step="check", title="ab"))
    assert status == 400
    assert "Title: this is too short." in text_of(html)
    status, html, _ = post_idea(client, idea_form(domain="nowhere"))
    assert "Domain: choose one of the options offered." in text_of(html)
    assert ideas_count(world.engine) == 0


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 51.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_served_re_encoded_without_its_metadata(
    world: World, client: FlaskClient, app: Flask
) -> None:
    original = _jpeg_with_gps()
    assert b"SecretCam" in original
    log_in(app, client, resident(world.engine))
    status, html, location = post_idea(client, idea_form(photo=(io.BytesIO(original), "me.jpg")))
    assert status == 303, text_of(html)
    assert location is not None
    page = client.get(location).get_data(as_text=True)
    assert f"{location}/photo" in page
    answer = client.get(f"{location}/photo")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-cache"
    served = answer.get_data()
    assert b"SecretCam" not in served
    assert b"Exif" not in served
    with Image.open(io.BytesIO(served)) as shown:
        assert shown.size == (64, 48)
        assert not shown.getexif()
    again = client.get(f"{location}/photo", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_a_file_that_is_no_photo_is_refused_in_words(
    world: World, client: FlaskClient, app: Flask
) -> None:
    log_in(app, client, resident(world.engine))
    status, html, _ = post_idea(client, idea_form(photo=(io.BytesIO(b"GIF89a..."), "x.gif")))
    assert status == 400
    assert "The photo must be a JPEG or PNG file." in text_of(html)
    assert "If you chose a photo, choose it again" in text_of(html)
    assert ideas_count(world.engine) == 0


def test_the_author_edits_until_screening(world: World, client: FlaskClient, app: Flask) -> None:
    author = resident(world.engine)
    idea = propose(world.engine, world.process_id, author)
    log_in(app, client, author)
    path = f"{PROCESS}/ideas/{idea.id}/edit"
    assert 'value="Trees on the square"' in client.get(path).get_data(as_text=True)
    data = {**idea_form(title="Trees on the whole square"), "csrf_token": token(client, path)}
    answer = client.post(path, data=data)
    assert answer.status_code == 303
    assert "Trees on the whole square" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    log_in(app, client, resident(world.engine))
    assert client.get(path).status_code == 403


# --- supports and the initiative -------------------------------------------------------


def support(client: FlaskClient, idea_id: int) -> tuple[int, str]:
    path = f"{PROCESS}/ideas/{idea_id}"
    answer = client.post(f"{path}/support", data={"csrf_token": token(client, path)})
    return answer.status_code, client.get(path).get_data(as_text=True)


def test_supporting_twice_counts_once(world: World, client: FlaskClient, app: Flask) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    log_in(app, client, resident(world.engine))
    status, page = support(client, idea.id)
    assert status == 303
    assert "Thank you: you support this idea." in text_of(page)
    assert "You support this idea." in text_of(page)
    path = f"{PROCESS}/ideas/{idea.id}"
    csrf = token(client, path)
    answer = client.post(f"{path}/support", data={"csrf_token": csrf}, follow_redirects=True)
    assert "You support this idea already." in text_of(answer.get_data(as_text=True))
    with tx(world.engine) as s:
        assert s.execute(select(func.count()).select_from(ps.supports)).scalar_one() == 1


def test_the_progress_bar_and_the_status_at_the_threshold(
    world: World, client: FlaskClient, app: Flask
) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    path = f"{PROCESS}/ideas/{idea.id}"
    page = client.get(path).get_data(as_text=True)
    assert '<progress id="initiative" max="3" value="0">' in page
    assert "0 of 3 verified supports · until 30/04/2026" in text_of(page)
    log_in(app, client, resident(world.engine, verified=False))
    _, page = support(client, idea.id)
    assert "0 of 3 verified supports" in text_of(page)  # an unverified support does not count
    assert "1 support" in text_of(page)
    for _n in range(2):
        log_in(app, client, resident(world.engine))
        _, page = support(client, idea.id)
    assert '<progress id="initiative" max="3" value="2">' in page
    assert "2 of 3 verified supports" in text_of(page)
    assert "Proposed" in text_of(page)
    log_in(app, client, resident(world.engine))
    status, page = support(client, idea.id)
    assert status == 303
    words = text_of(page)
    assert "With your support this idea reached the threshold" in words
    assert "3 of 3 verified supports" in words
    assert "Threshold reached: the council will answer before 08/06/2026." in words
    assert '<span class="tag">Threshold reached</span>' in page


def test_unverified_residents_are_told_their_support_does_not_count(
    world: World, client: FlaskClient, app: Flask
) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    log_in(app, client, resident(world.engine, verified=False))
    page = text_of(client.get(f"{PROCESS}/ideas/{idea.id}").get_data(as_text=True))
    assert "Your account is not verified: your support is shown, but it does not count" in page


# --- reactions, replies, reports, moderation -------------------------------------------


def post_reaction(
    client: FlaskClient, idea_id: int, text: str, parent: int | None = None
) -> tuple[int, str]:
    path = f"{PROCESS}/ideas/{idea_id}"
    data = {"text": text, "csrf_token": token(client, path), "parent_id": parent or ""}
    answer = client.post(f"{path}/reactions", data=data)
    return answer.status_code, answer.get_data(as_text=True)


def test_one_level_of_replies(world: World, client: FlaskClient, app: Flask) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    log_in(app, client, resident(world.engine))
    assert post_reaction(client, idea.id, "Good idea, but which trees?")[0] == 303
    with tx(world.engine) as s:
        first = s.execute(select(ps.reactions.c.id)).scalar_one()
    assert post_reaction(client, idea.id, "Lime trees.", parent=first)[0] == 303
    with tx(world.engine) as s:
        reply = s.execute(select(ps.reactions.c.id).where(ps.reactions.c.parent_id == first))
        reply_id = reply.scalar_one()
    status, html = post_reaction(client, idea.id, "And oaks?", parent=reply_id)
    assert status == 400
    assert "You can only reply to a reaction, not to a reply" in text_of(html)
    assert "And oaks?" in html  # kept
    page = text_of(client.get(f"{PROCESS}/ideas/{idea.id}").get_data(as_text=True))
    assert "Good idea, but which trees?" in page
    assert "Lime trees." in page
    status, html = post_reaction(client, idea.id, "   ")
    assert status == 400
    assert "Your reaction: please fill this in." in text_of(html)


def test_a_hidden_reaction_shows_the_moderators_reason(
    world: World, client: FlaskClient, app: Flask
) -> None:
    author = resident(world.engine)
    idea = propose(world.engine, world.process_id, author)
    with tx(world.engine) as s:
        rude = react(s, idea.id, author, "You are all idiots", "en", PROPOSALS)
        hide(
            s,
            world.admin,
            "abusive",
            PROPOSALS,
            reaction_id=rude.id,
            note={"en": "Please stay polite.", "nl": "Blijf beleefd."},
        )
    page = text_of(client.get(f"{PROCESS}/ideas/{idea.id}").get_data(as_text=True))
    assert "You are all idiots" not in page
    assert "Hidden by a moderator: abusive or insulting. Please stay polite." in page
    nl = text_of(client.get(f"{PROCESS}/ideas/{idea.id}?lang=nl").get_data(as_text=True))
    assert "Blijf beleefd." in nl


def test_a_hidden_idea_shows_the_reason_and_no_photo(world: World, client: FlaskClient) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    with tx(world.engine) as s:
        hide(s, world.admin, "spam", PROPOSALS, idea_id=idea.id)
    page = text_of(client.get(f"{PROCESS}/ideas/{idea.id}").get_data(as_text=True))
    assert "Hidden by a moderator: spam or advertising." in page
    assert "Trees on the square" not in page
    assert client.get(f"{PROCESS}/ideas/{idea.id}/photo").status_code == 404
    listing = text_of(client.get(PROCESS).get_data(as_text=True))
    assert "Hidden by a moderator: spam or advertising." in listing


def test_reporting_a_reaction_once(world: World, client: FlaskClient, app: Flask) -> None:
    author = resident(world.engine)
    idea = propose(world.engine, world.process_id, author)
    with tx(world.engine) as s:
        said = react(s, idea.id, author, "Buy my bikes at example.com", "en", PROPOSALS)
    log_in(app, client, resident(world.engine))
    path = f"{PROCESS}/ideas/{idea.id}/reactions/{said.id}/report"
    page = client.get(path).get_data(as_text=True)
    assert "It is spam or advertising" in page
    answer = client.post(path, data={"reason": "spam", "csrf_token": token(client, path)})
    assert answer.status_code == 303
    answer = client.post(path, data={"reason": "spam", "csrf_token": token(client, path)})
    assert answer.status_code == 400
    assert "You have reported this already" in answer.get_data(as_text=True)
    answer = client.post(path, data={"reason": "bogus", "csrf_token": token(client, path)})
    assert "Reason: choose one of the options offered." in answer.get_data(as_text=True)
    assert client.get(f"{PROCESS}/ideas/{idea.id}/reactions/999/report").status_code == 404


def test_a_deleted_author_is_a_former_participant(world: World, client: FlaskClient) -> None:
    author = resident(world.engine)
    idea = propose(world.engine, world.process_id, author)
    with tx(world.engine) as s:
        react(s, idea.id, author, "I will water them myself.", "en", PROPOSALS)
        s.execute(residents.delete().where(residents.c.id == author))
    page = text_of(client.get(f"{PROCESS}/ideas/{idea.id}").get_data(as_text=True))
    assert "By a former participant" in page
    assert "a former participant" in page.split("Reactions", 1)[1]


# --- languages, the vote, results ------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_pages_in_dutch_and_french(
    world: World, client: FlaskClient, app: Flask, lang: str
) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    log_in(app, client, resident(world.engine))
    for path in (
        "/participate/",
        PROCESS,
        f"{PROCESS}/ideas/{idea.id}",
        f"{PROCESS}/ideas/new",
        f"{PROCESS}/ideas/{idea.id}/report",
    ):
        answer = client.get(f"{path}?lang={lang}")
        assert answer.status_code == 200, path
        html = answer.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path
        assert f"({lang})" in html, path  # the process's own texts, in the page's language
        assert "(en)" not in html, path
    html = client.get(f"{PROCESS}/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert ("12.000\u00a0EUR" if lang == "nl" else "12\u202f000\u00a0EUR") in html or (
        "12\u00a0000\u00a0EUR" in html
    )


def test_the_vote_phase_links_to_the_election_and_results_show_follow_up(
    world: World, client: FlaskClient, clock: Clock
) -> None:
    idea = propose(world.engine, world.process_id, resident(world.engine))
    with tx(world.engine) as s:
        s.execute(update(ps.processes).values(election_id="kortrijk-2019"))
    clock.now = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
    html = client.get(PROCESS).get_data(as_text=True)
    assert "The vote is on." in text_of(html)
    assert 'href="/e/kortrijk-2019"' in html
    assert 'href="/e/kortrijk-2019/login"' in html
    with tx(world.engine) as s:
        s.execute(update(ps.ideas).where(ps.ideas.c.id == idea.id).values(status="in-progress"))
        s.execute(
            ps.idea_updates.insert().values(
                idea_id=idea.id,
                status="in-progress",
                text='{"en":"Planting starts in May.",'
                '"fr":"Plantation en mai.","nl":"Planten in mei."}',
                created_at=clock.now,
                author="admin",
            )
        )
    page = text_of(client.get(PROCESS).get_data(as_text=True))
    assert "The projects after the vote" in page
    assert "In progress" in page
    assert "20/05/2026 – In progress : Planting starts in May." in page


def test_the_check_step_has_its_own_stricter_rate_limit(
    world: World, client: FlaskClient, app: Flask
) -> None:
    """Each check compares the draft with up to MAX_COMPARED ideas: 5 a minute a client."""
    log_in(app, client, resident(world.engine))
    assert platform_propose.CHECK_LIMIT == "5 per minute"
    statuses = [post_idea(client, idea_form(step="check"))[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    status, html, _ = post_idea(client, idea_form())  # posting is not a check
    assert status == 303, text_of(html)


def _published_head(html: str) -> str:
    found = re.search(r'<span class="hash" id="process-log-head">(.*?)</span>\s*</p>', html, re.S)
    assert found is not None, "the process page publishes the log's head"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_process_page_publishes_the_head_of_its_log(world: World, client: FlaskClient) -> None:
    """The head's hash changes with each official's action and is the one the chain check
    arrives at: a resident who kept it sees an entry cut from the end."""
    from participation.log import verify_log

    before = _published_head(client.get(PROCESS).get_data(as_text=True))
    with tx(world.engine) as s:
        assert verify_log(s, world.process_id) == before
        open_phase(s, world.admin, world.process_id, "screening", PROPOSALS)
    html = client.get(PROCESS).get_data(as_text=True)
    after = _published_head(html)
    assert after != before
    assert re.fullmatch(r"[0-9a-f]{64}", after)
    with tx(world.engine) as s:
        assert verify_log(s, world.process_id) == after
    assert "chained log" in text_of(html)
