"""Residents through the Flask test client: every page, every way a login goes wrong."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import Setup
from tests.web.conftest import Clock, give_code

LOGIN = "/e/kortrijk-2019/login"


def csrf(client: FlaskClient, path: str = LOGIN) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None, "the form carries a CSRF token"
    return found.group(1)


def log_in(client: FlaskClient, form: dict[str, str]) -> tuple[int, str, str | None]:
    answer = client.post(LOGIN, data={**form, "csrf_token": csrf(client)})
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


def ticket_on_booth_page(client: FlaskClient) -> str:
    page = client.get("/e/kortrijk-2019/booth").get_data(as_text=True)
    found = re.search(r'data-ticket="([^"]*)"', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    "path",
    ["/", "/e/kortrijk-2019", "/e/kortrijk-2019/board", "/e/kortrijk-2019/spoiled",
     "/e/kortrijk-2019/results", LOGIN, "/e/kortrijk-2019/booth"],
)  # fmt: skip
def test_every_page_is_served_with_the_security_headers(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert "<script>" not in page
    assert " style=" not in page
    assert "onclick" not in page


def test_an_unknown_election_or_page_is_404(client: FlaskClient) -> None:
    assert client.get("/e/nowhere").status_code == 404
    assert client.get("/e/nowhere/login").status_code == 404
    assert client.get("/api/e/nowhere/booth").get_json()["error"] == "404"


def test_an_eligible_resident_gets_a_ticket_for_the_booth(
    client: FlaskClient, setup: Setup
) -> None:
    status, _, location = log_in(client, setup.form("An"))
    assert (status, location) == (302, "/e/kortrijk-2019/booth")
    assert ticket_on_booth_page(client)


def test_the_session_cookie_is_http_only_and_same_site(client: FlaskClient, setup: Setup) -> None:
    client.get(LOGIN)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_a_wrong_code_does_not_say_whether_the_number_exists(
    client: FlaskClient, setup: Setup
) -> None:
    other_code = setup.codes[setup.number("Bram")]
    _, known, _ = log_in(client, setup.form("An", code=other_code))
    unknown_number = {"register_number": "85.07.14-123.30".replace("123.30", "125.28"),
                      "code": other_code}  # fmt: skip
    _, unknown, _ = log_in(client, unknown_number)
    message = "The register number or the code is not right."
    assert message in known
    assert message in unknown
    assert not ticket_on_booth_page(client)


def test_malformed_fields_are_named_before_anything_is_looked_up(
    client: FlaskClient, setup: Setup
) -> None:
    status, page, _ = log_in(client, {"register_number": "12345", "code": "short"})
    assert status == 200
    assert "This is not a valid national register number" in page
    assert "This is not a valid code" in page
    assert 'aria-invalid="true"' in page


def test_five_wrong_codes_lock_the_number_out(client: FlaskClient, setup: Setup) -> None:
    wrong = setup.codes[setup.number("Bram")]
    for _ in range(5):
        log_in(client, setup.form("An", code=wrong))
    _, page, _ = log_in(client, setup.form("An"))  # now even the right code waits
    assert "Too many attempts. You can try again after" in page
    assert not ticket_on_booth_page(client)


def test_an_under_16_resident_is_told_why_in_plain_words(client: FlaskClient, setup: Setup) -> None:
    give_code(setup, "Emma")  # born 21/05/2003: 16 the day after the reference date
    status, page, _ = log_in(client, setup.form("Emma"))
    assert status == 200
    assert "You turn 16 on 21/05/2019, after the reference date 20/05/2019." in page
    assert not ticket_on_booth_page(client)


def test_a_resident_of_another_municipality_is_told_so(client: FlaskClient, setup: Setup) -> None:
    give_code(setup, "Hans")
    _, page, _ = log_in(client, setup.form("Hans"))
    assert "does not list you as living in the municipality" in page


def test_the_day_of_the_16th_birthday_is_in_time(client: FlaskClient, setup: Setup) -> None:
    status, _, location = log_in(client, setup.form("Dries"))  # born 20/05/2003
    assert (status, location) == (302, "/e/kortrijk-2019/booth")


def test_the_page_speaks_dutch_french_or_english(client: FlaskClient) -> None:
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")  # no preference: Dutch
    dutch = client.get(LOGIN).get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    french = client.get(LOGIN + "?lang=fr")
    assert '<html lang="fr">' in french.get_data(as_text=True)
    assert "lang=fr" in french.headers["Set-Cookie"]
    again = client.get(LOGIN).get_data(as_text=True)  # the cookie keeps the choice
    assert '<html lang="fr">' in again
    assert 'href="?lang=nl"' in again  # query-only links keep the path, and cannot leave it
    odd = client.get("/%5Cevil.example/x").get_data(as_text=True)
    assert "evil.example" not in odd
    english = client.get(LOGIN, headers={"Accept-Language": "en"}, query_string={"lang": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, setup: Setup) -> None:
    answer = client.post(LOGIN, data=setup.form("An"))
    assert answer.status_code == 400
    assert "The form expired" in answer.get_data(as_text=True)
    assert not ticket_on_booth_page(client)


def test_before_the_window_opens_no_ticket_is_given(
    client: FlaskClient, setup: Setup, clock: Clock
) -> None:
    clock.now = datetime.datetime(2019, 5, 1, 10, 0, tzinfo=datetime.UTC)
    status, page, _ = log_in(client, setup.form("An"))
    assert status == 200
    assert "Voting is not open now" in page
    assert not ticket_on_booth_page(client)


def test_logins_are_rate_limited_per_address(client: FlaskClient, setup: Setup) -> None:
    token = csrf(client)
    codes = []
    for _ in range(31):
        answer = client.post(LOGIN, data={"register_number": "1", "code": "1", "csrf_token": token})
        codes.append(answer.status_code)
    assert codes[:30] == [200] * 30  # a shared address's residents at the peak
    assert codes[30] == 429


def test_a_resident_whose_key_was_issued_is_told_how_to_vote_with_it(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    """The key was issued in another browser: the status page says where it can still be
    used (that browser, or the saved key file loaded in the booth) and links to the
    booth, which offers to load the file without a login."""
    from tests.web.test_api import credential_for

    credential_for(app, setup, "An")
    status, page, _ = log_in(client, setup.form("An"))
    assert status == 200
    assert "You already received your voting key" in page
    assert "in the browser, on the device, where you received it" in page
    assert "load the voting key file you saved then (voting-key-kortrijk-2019.json)" in page
    assert 'href="/e/kortrijk-2019/booth"' in page
    assert not ticket_on_booth_page(client)
    booth = client.get("/e/kortrijk-2019/booth").get_data(as_text=True)
    assert '<section id="load-key" hidden>' in booth
    assert '<input type="file" id="key-file" accept=".json,application/json"' in booth
    for problem in ("not-key", "other-election", "invalid"):  # keyfile.js's kinds, worded
        assert f'data-key-problem="{problem}"' in booth


def test_every_question_type_has_its_booth_form(client: FlaskClient, setup: Setup) -> None:
    """Each question type has its booth template (templates/resident/booth/<type>.html);
    a type without one would be said to be unsupported (unsupported.html), never drawn
    as some other type's form. Poperinge's approval question: a checkbox per project."""
    from evoting.crypto.elgamal import KeyPair
    from evoting.election import QUESTION_TYPES, load_manifest
    from evoting.elections import change_state, set_election_public_key
    from services.lifecycle import set_up_election
    from tests.integration.conftest import EXAMPLES, NOW

    templates = Path(__file__).resolve().parents[2] / "web/templates/resident/booth"
    assert [t for t in QUESTION_TYPES if not (templates / f"{t}.html").exists()] == []
    manifest = load_manifest(EXAMPLES / "poperinge.yaml")
    assert manifest.questions[0].type == "approval"
    with setup.factory() as session, session.begin():
        set_up_election(session, manifest, setup.keys, NOW)
        set_election_public_key(session, manifest.id, KeyPair.generate().public)
        change_state(session, manifest.id, "open")
    answer = client.get(f"/e/{manifest.id}/booth")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'data-type="approval"' in page
    assert page.count('type="checkbox"') == 50  # one per project
    assert 'type="radio"' not in page
    assert '<p class="error">This booth cannot show this question yet.' not in page
