"""Residents' accounts through the Flask test client, with a real SMTP server (aiosmtpd)
that receives every mail: register, confirm, log in, verify against the platform
register, reset the password, download and delete the data; and every way it goes wrong."""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from evoting.register_schema import platform_register
from identity.nrn import parse
from identity.platform import (
    PLATFORM,
    age_band,
    generate_platform_codes,
    import_platform_register,
    platform_number_hasher,
)
from identity.pollcards import code_hasher, display, new_code
from participation.mail import Mailer, MailError
from tests.integration.conftest import NOW, Setup
from tests.support.smtp import Received, SmtpServer, running_smtp_server
from tests.web.conftest import Clock
from tests.web.test_resident import csrf
from web import create_app
from web.extensions import limiter

SENDER = "participatie@kortrijk.be"
PASSWORD = "fietsen langs de Leie"
ADDRESS = "an.peeters@example.be"
LINK = re.compile(r"http://localhost(/account/(?:confirm|reset)/[A-Za-z0-9_-]+)")
MINE = {"password": PASSWORD}  # the confirmation page asks the password chosen at registration


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(
    site: tuple[Setup, str], tmp_path: Path, clock: Clock, smtp: SmtpServer
) -> Iterator[Flask]:
    _, url = site
    config = {"TESTING": True, "SMTP_URL": smtp.url, "MAIL_FROM": SENDER}
    made = create_app(url, tmp_path / "instance", clock=clock, secure_cookies=False, config=config)
    limiter.reset()
    yield made
    made.extensions["evoting"].engine.dispose()


def browser(app: Flask, language: str = "en") -> FlaskClient:
    made = app.test_client()
    made.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return made


@pytest.fixture
def web(mail_app: Flask) -> FlaskClient:
    return browser(mail_app)


Answer = tuple[int, str, str | None]  # status, page, Location


def post(client: FlaskClient, path: str, form: dict[str, str], page: str | None = None) -> Answer:
    answer = client.post(path, data={**form, "csrf_token": csrf(client, page or path)})
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


def register(client: FlaskClient, email: str = ADDRESS, password: str = PASSWORD,
             language: str = "en", name: str = "An") -> Answer:  # fmt: skip
    form = {"email": email, "password": password, "password_again": password,
            "display_name": name, "language": language}  # fmt: skip
    return post(client, "/account/register", form)


def log_in(client: FlaskClient, email: str = ADDRESS, password: str = PASSWORD,
           query: str = "") -> Answer:  # fmt: skip
    return post(client, f"/account/login{query}", {"email": email, "password": password})


def body(received: Received) -> str:
    content = received.message.get_body(("plain",))
    assert content is not None
    return str(content.get_content())


def link(received: Received) -> str:
    found = LINK.search(body(received))
    assert found is not None, body(received)
    return found.group(1)


def confirmed_account(client: FlaskClient, smtp: SmtpServer, email: str = ADDRESS,
                      seen: int = 0) -> None:  # fmt: skip
    """Register ``email``, follow the mailed link and log in."""
    assert register(client, email)[2] == "/account/mailbox"
    mail = smtp.wait_for(seen + 1)[seen]
    assert post(client, link(mail), MINE)[2] == "/account/login"
    assert log_in(client, email)[2] == "/account"


def platform_codes(setup: Setup, min_age: int = 16) -> dict[str, str]:
    """The platform register imported from the sample extract: resident name -> code."""
    with setup.factory() as session, session.begin():
        import_platform_register(session, setup.register, setup.keys, NOW, min_age,
                                 municipality="34022")  # fmt: skip
        made = generate_platform_codes(session, setup.register, setup.keys, NOW)
    return {letter.name.split()[0]: letter.code for letter in made.letters}


def give_platform_code(setup: Setup, name: str) -> str:
    """A code for a resident who got no letter (not eligible), as if one had reached them."""
    number_hash = platform_number_hasher(setup.keys)(parse(setup.number(name)))
    code = new_code()
    with setup.factory() as session, session.begin():
        r = platform_register
        code_hash = code_hasher(setup.keys, PLATFORM)(number_hash, code)
        session.execute(update(r).where(r.c.number_hash == number_hash).values(code_hash=code_hash))
    return code


def verify(client: FlaskClient, setup: Setup, name: str, code: str) -> Answer:
    return post(client, "/account/verify", {"register_number": setup.number(name), "code": code})


# --- the whole way ------------------------------------------------------------------------


def test_register_confirm_log_in_verify(web: FlaskClient, smtp: SmtpServer, setup: Setup) -> None:
    assert web.get("/account").headers["Location"] == "/account/login?next=/account"
    status, _, location = register(web)
    assert (status, location) == (302, "/account/mailbox")
    assert "Check your mailbox" in web.get(location).get_data(as_text=True)
    mail = smtp.wait_for(1)[0]
    assert mail.recipients == [ADDRESS]
    assert mail.mail_from == SENDER
    assert mail.message["Subject"] == "Confirm your e-mail address"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    path = link(mail)
    assert path.startswith("/account/confirm/")
    page = web.get(path).get_data(as_text=True)  # a page with a button: GET confirms nothing
    assert "Confirm my address" in page
    assert log_in(web)[2] == "/account/mailbox?about=unconfirmed"  # a new link is mailed
    assert post(web, path, MINE)[2] is None  # the first link was voided by the new one
    path = link(smtp.wait_for(2)[1])
    assert post(web, path, MINE)[2] == "/account/login"
    assert "Your e-mail address is confirmed" in web.get("/account/login").get_data(as_text=True)
    assert log_in(web)[2] == "/account"
    page = web.get("/account").get_data(as_text=True)
    assert 'id="verified">Not verified' in page
    codes = platform_codes(setup)
    assert verify(web, setup, "An", codes["An"])[2] == "/account"
    page = web.get("/account").get_data(as_text=True)
    assert '<strong class="ok">Verified</strong> (21/05/2019)' in page
    band = age_band(datetime.date(1985, 7, 14), NOW.date())
    low, high = band.split("-")
    assert f'id="age-band">{low} to {high} years<' in page
    assert 'id="district">Centrum<' in page
    assert "Your account is verified" in page


def test_registering_an_existing_address_looks_the_same(
    web: FlaskClient, smtp: SmtpServer, mail_app: Flask
) -> None:
    confirmed_account(web, smtp)
    other = browser(mail_app)
    first = web.get("/account/mailbox").get_data(as_text=True)
    status, _, location = register(other, ADDRESS.upper(), "another password here", "fr")
    assert (status, location) == (302, "/account/mailbox")
    assert other.get(location).get_data(as_text=True) == first
    mail = smtp.wait_for(2)[1]
    assert mail.recipients == [ADDRESS]
    assert mail.message["Subject"] == "Someone tried to register with your e-mail address"
    text = body(mail)
    assert "http://localhost/account/login" in text
    assert "http://localhost/account/forgot" in text
    assert LINK.search(text) is None  # no link that would confirm or change anything
    assert log_in(other, ADDRESS, "another password here")[0] == 400  # nothing changed
    assert log_in(other)[2] == "/account"


def test_a_mailed_link_that_is_wrong_expired_or_used(
    web: FlaskClient, smtp: SmtpServer, clock: Clock
) -> None:
    status, page, _ = post(web, "/account/confirm/" + "x" * 43, MINE)
    assert status == 400
    assert "This link does not work" in page
    assert post(web, "/account/confirm/short", MINE)[0] == 400
    register(web)
    path = link(smtp.wait_for(1)[0])
    clock.now = NOW + datetime.timedelta(hours=49)
    status, page, _ = post(web, path, MINE)
    assert (status, "This link has expired" in page) == (400, True)
    clock.now = NOW
    register(web, "bram@example.be")
    path = link(smtp.wait_for(2)[1])
    assert post(web, path, MINE)[2] == "/account/login"
    status, page, _ = post(web, path, MINE)
    assert (status, "This link was used already" in page) == (400, True)


def test_a_password_reset_ends_every_other_session(
    web: FlaskClient, smtp: SmtpServer, mail_app: Flask, clock: Clock
) -> None:
    confirmed_account(web, smtp)
    assert web.get("/account").status_code == 200
    phone = browser(mail_app)
    assert post(phone, "/account/forgot", {"email": ADDRESS})[2] == "/account/mailbox?about=reset"
    mail = smtp.wait_for(2)[1]
    assert mail.message["Subject"] == "Choose a new password"
    path = link(mail)
    assert path.startswith("/account/reset/")
    status, page, _ = post(phone, path, {"password": "short", "password_again": "short"})
    assert (status, "at least 10 characters" in page) == (400, True)
    new = {"password": "een nieuw wachtwoord", "password_again": "een nieuw wachtwoord"}
    assert post(phone, path, new)[2] == "/account/login"
    assert web.get("/account").headers["Location"] == "/account/login?next=/account"
    assert log_in(phone)[0] == 400  # the old password no longer works
    assert log_in(phone, password="een nieuw wachtwoord")[2] == "/account"
    status, page, _ = post(phone, path, new)
    assert (status, "This link was used already" in page) == (400, True)
    post(phone, "/account/forgot", {"email": ADDRESS})
    path = link(smtp.wait_for(3)[2])
    clock.now = NOW + datetime.timedelta(minutes=61)
    status, page, _ = post(phone, path, new)
    assert (status, "This link has expired" in page) == (400, True)


def test_confirming_asks_the_password_chosen_at_registration(
    smtp: SmtpServer, mail_app: Flask
) -> None:
    """Pre-hijack: someone re-registers the owner's unconfirmed address with their own
    password; the owner's click on the newest link does not adopt it."""
    owner, squatter = browser(mail_app), browser(mail_app)
    register(owner, ADDRESS, "the owner's own password")
    first = link(smtp.wait_for(1)[0])
    register(squatter, ADDRESS, "the squatter's password")
    newest = link(smtp.wait_for(2)[1])
    page = owner.get(newest).get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    status, page, _ = post(owner, first, {"password": "the owner's own password"})
    assert (status, "newest message" in page) == (400, True)  # voided by the second
    for typed in ("the owner's own password", ""):
        status, page, _ = post(owner, newest, {"password": typed})
        assert (status, "This is not the password chosen" in page) == (400, True)
        assert 'aria-invalid="true"' in page
    register(owner, ADDRESS, "the owner's own password")  # the owner registers again
    mine = link(smtp.wait_for(3)[2])
    assert post(owner, newest, {"password": "the squatter's password"})[0] == 400  # void now
    assert post(owner, mine, {"password": "the owner's own password"})[2] == "/account/login"
    assert log_in(browser(mail_app), ADDRESS, "the squatter's password")[0] == 400
    assert log_in(owner, ADDRESS, "the owner's own password")[2] == "/account"


def test_a_wrong_password_keeps_the_link_and_tries_are_limited(
    web: FlaskClient, smtp: SmtpServer, mail_app: Flask
) -> None:
    register(web)
    path = link(smtp.wait_for(1)[0])
    tries = [post(browser(mail_app), path, {"password": f"guess number {n}"})[0]
             for n in range(6)]  # fmt: skip
    assert tries == [400] * 5 + [429]  # per link, whatever the client
    limiter.reset()
    assert post(web, path, MINE)[2] == "/account/login"  # the link was never spent


def test_forgot_password_for_an_unknown_address_says_the_same(
    web: FlaskClient, smtp: SmtpServer
) -> None:
    status, _, location = post(web, "/account/forgot", {"email": "nobody@example.be"})
    assert (status, location) == (302, "/account/mailbox?about=reset")
    assert "If an account has this e-mail address" in web.get(location).get_data(as_text=True)
    assert smtp.received == []
    status, page, _ = post(web, "/account/forgot", {"email": "not an address"})
    assert (status, 'aria-describedby="email-error"' in page) == (400, True)


def test_logging_out_and_the_session_keys(web: FlaskClient, smtp: SmtpServer) -> None:
    confirmed_account(web, smtp)
    with web.session_transaction() as held:
        assert set(held) >= {"resident"}
        assert "official" not in held
        assert "ticket" not in held
        assert set(held["resident"]) == {"id", "stamp"}
    assert post(web, "/account/logout", {}, page="/account")[2] == "/account/login"
    assert web.get("/account").status_code == 302


# --- limits, redirects, mail ----------------------------------------------------------------


def test_logging_in_too_often_is_refused_with_429(web: FlaskClient) -> None:
    token = csrf(web, "/account/login")
    answers = [web.post("/account/login", data={"email": f"x{i}@example.be", "password": "wrong",
                                                 "csrf_token": token}).status_code
               for i in range(11)]  # fmt: skip
    assert answers == [400] * 10 + [429]


def test_one_address_gets_at_most_three_mails_an_hour(web: FlaskClient, smtp: SmtpServer) -> None:
    token = csrf(web, "/account/forgot")
    answers = [web.post("/account/forgot", data={"email": e, "csrf_token": token}).status_code
               for e in [ADDRESS] * 3 + [ADDRESS.upper(), "other@example.be"]]  # fmt: skip
    assert answers == [302, 302, 302, 429, 302]


def test_one_address_gets_three_mails_an_hour_whichever_page_sends_them(
    web: FlaskClient, smtp: SmtpServer, mail_app: Flask
) -> None:
    assert register(web)[2] == "/account/mailbox"  # 1
    smtp.wait_for(1)
    assert log_in(browser(mail_app))[2] == "/account/mailbox?about=unconfirmed"  # 2: a new link
    smtp.wait_for(2)
    assert post(web, "/account/forgot", {"email": ADDRESS})[2] == "/account/mailbox?about=reset"
    smtp.wait_for(3)  # 3, in the background
    for _ in range(5):  # the same page, and no mail
        status, page, location = log_in(browser(mail_app), ADDRESS.upper())
        assert (status, location, "Check your mailbox" in page) == (200, None, True)
    assert register(browser(mail_app))[0] == 429
    assert post(browser(mail_app), "/account/forgot", {"email": ADDRESS})[0] == 429
    assert register(web, "someone.else@example.be")[2] == "/account/mailbox"  # another address
    smtp.wait_for(4)
    time.sleep(0.3)
    assert [m.recipients for m in smtp.received] == [[ADDRESS]] * 3 + [["someone.else@example.be"]]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x",
               "/%0d%0aLocation:x", "\t/account"],
)  # fmt: skip
def test_next_goes_nowhere_off_the_site(web: FlaskClient, smtp: SmtpServer, target: str) -> None:
    register(web)
    post(web, link(smtp.wait_for(1)[0]), MINE)
    query = "?" + "&".join([f"next={target}"])
    assert log_in(web, query=query)[2] == "/account"


def test_a_page_that_needs_a_login_comes_back_after_it(web: FlaskClient, smtp: SmtpServer) -> None:
    register(web)
    post(web, link(smtp.wait_for(1)[0]), MINE)
    location = web.get("/account/verify?lang=en").headers["Location"]
    assert location == "/account/login?next=/account/verify?lang%3Den"
    assert (
        log_in(web, query=location.removeprefix("/account/login"))[2] == "/account/verify?lang=en"
    )


def test_nothing_logged_holds_an_address_a_password_or_a_token(
    web: FlaskClient, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    confirmed_account(web, smtp)
    post(web, "/account/forgot", {"email": ADDRESS})
    token = link(smtp.wait_for(2)[1]).rsplit("/", 1)[1]
    log_in(web, password="wrong password")
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]  # not aiosmtpd's
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    for secret in (ADDRESS, PASSWORD, token, "an.peeters"):
        assert secret not in logged


def test_without_smtp_the_pages_that_mail_say_so(client: FlaskClient) -> None:
    for path in ("/account/register", "/account/forgot"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert "E-mail is not configured" in answer.get_data(as_text=True)
    assert client.get("/account/login").status_code == 200


def test_a_mail_server_that_refuses_gives_a_503_page(
    web: FlaskClient, smtp: SmtpServer, mail_app: Flask
) -> None:
    nowhere = Mailer.from_url("smtp://127.0.0.1:9", SENDER, timeout=2)  # nothing listens there
    mail_app.extensions["evoting-mail"] = nowhere
    status, page, _ = register(web)
    assert (status, "The e-mail was not sent" in page) == (503, True)


def test_a_bad_mail_configuration_stops_the_start(site: tuple[Setup, str], tmp_path: Path) -> None:
    with pytest.raises(MailError, match="MAIL_FROM"):
        create_app(site[1], tmp_path / "i", config={"SMTP_URL": "smtp://127.0.0.1:25"})
    with pytest.raises(MailError, match="mail server URL"):
        create_app(site[1], tmp_path / "i", config={"SMTP_URL": "http://x", "MAIL_FROM": SENDER})


# --- verify, download, delete --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "min_age", "said"),
    [("Dries", 18, "open to residents from the age of 18: you are younger"),
     ("Hans", 16, "does not list you as living in the city"),
     ("Greet", 16, "marks you as excluded")],
)  # fmt: skip
def test_a_resident_the_register_does_not_let_verify_is_told_why(
    web: FlaskClient, smtp: SmtpServer, setup: Setup, name: str, min_age: int, said: str
) -> None:
    confirmed_account(web, smtp)
    codes = platform_codes(setup)
    if min_age != 16:  # the city raised the age: a letter sent before still works as a code
        platform_codes(setup, min_age)
    code = codes.get(name) or give_platform_code(setup, name)
    status, page, _ = verify(web, setup, name, code)
    assert status == 400
    assert said in page
    assert 'id="verified">Not verified' in web.get("/account").get_data(as_text=True)


def test_verify_refusals_in_words(
    web: FlaskClient, smtp: SmtpServer, setup: Setup, mail_app: Flask
) -> None:
    confirmed_account(web, smtp)
    codes = platform_codes(setup)
    status, page, _ = post(web, "/account/verify", {"register_number": "123", "code": "AB"})
    assert status == 400
    assert 'aria-describedby="register_number-hint register_number-error"' in page
    assert "17 letters and digits, in groups of four" in page
    status, page, _ = verify(web, setup, "An", codes["Bram"])
    assert (status, "The register number or the code is not right" in page) == (400, True)
    assert verify(web, setup, "An", codes["An"])[2] == "/account"
    other = browser(mail_app)
    confirmed_account(other, smtp, "tweede@example.be", seen=1)
    status, page, _ = verify(other, setup, "An", codes["An"])
    assert (status, "has already verified another account" in page) == (400, True)
    status, page, _ = verify(web, setup, "Bram", codes["Bram"])
    assert (status, "already verified as another resident" in page) == (400, True)
    assert verify(web, setup, "An", codes["An"])[2] == "/account"  # the same person again


def test_the_data_download_holds_no_password_or_hash(
    web: FlaskClient, smtp: SmtpServer, setup: Setup
) -> None:
    confirmed_account(web, smtp)
    verify(web, setup, "An", platform_codes(setup)["An"])
    answer = web.get("/account/data.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="my-account.json"'
    assert answer.mimetype == "application/json"
    data = json.loads(answer.get_data(as_text=True))
    assert data["account"]["email"] == ADDRESS
    assert data["account"]["verified"] is True
    assert data["account"]["district"] == "Centrum"
    parts = ("ideas", "co_authored_ideas", "reactions", "supports", "reports")  # the platform's
    assert {k: data[k] for k in parts} == {k: [] for k in parts}
    text = answer.get_data(as_text=True)
    assert "hash" not in text
    assert "$argon2id$" not in text
    assert setup.number("An") not in text


def test_deleting_the_account_frees_its_register_entry(
    web: FlaskClient, smtp: SmtpServer, setup: Setup, mail_app: Flask
) -> None:
    confirmed_account(web, smtp)
    codes = platform_codes(setup)
    verify(web, setup, "An", codes["An"])
    page = web.get("/account/delete").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    status, page, _ = post(web, "/account/delete", {"password": "not my password"})
    assert (status, "This is not your password" in page) == (400, True)
    assert post(web, "/account/delete", {"password": PASSWORD})[2] == "/"
    assert web.get("/account").status_code == 302
    assert log_in(web)[0] == 400
    other = browser(mail_app)
    confirmed_account(other, smtp, "nieuw@example.be", seen=1)
    assert verify(other, setup, "An", codes["An"])[2] == "/account"


# --- languages ------------------------------------------------------------------------------


def test_the_pages_in_dutch_and_french(mail_app: Flask, smtp: SmtpServer) -> None:
    dutch = browser(mail_app, "nl")
    page = dutch.get("/account/register").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "account aanmaken" in page.lower()
    assert 'value="nl" checked' in page or 'checked id="language-0"' in page
    french = browser(mail_app, "fr")
    page = french.get("/account/register").get_data(as_text=True)
    assert "Créer un compte" in page
    assert "Adresse e-mail" in page
    page = french.get("/account/login").get_data(as_text=True)
    assert "Mot de passe oublié ?" in page
    register(french, "chantal@example.be", language="fr", name="Chantal")
    mail = smtp.wait_for(1)[0]
    assert mail.message["Subject"] == "Confirmez votre adresse e-mail"
    assert "dans les 48 heures" in body(mail)
    status, page, _ = log_in(dutch, "chantal@example.be", "wrong password here")
    assert (status, "Het e-mailadres of het wachtwoord is niet juist." in page) == (400, True)


def test_the_verify_page_fills_the_code_from_the_letter_with_its_script(
    web: FlaskClient, smtp: SmtpServer
) -> None:
    confirmed_account(web, smtp)
    page = web.get("/account/verify").get_data(as_text=True)
    assert 'src="/static/account-verify.js"' in page
    assert 'autocomplete="off"' in page
    assert display(new_code()).count("-") == 4
    with web.get("/static/account-verify.js") as answer:
        assert "#code=" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account/register", "/account/forgot"])
def test_a_claimed_host_never_gets_into_a_mailed_link(
    mail_app: Flask, smtp: SmtpServer, path: str
) -> None:
    """Without PUBLIC_URL, a request to another host than loopback mails nothing (503 for
    every address alike); with it, the link points to PUBLIC_URL whatever Host says."""
    client = browser(mail_app)
    claimed = "http://attacker.example"
    assert client.get(path, base_url=claimed).status_code == 503  # no form to send
    form = {"email": ADDRESS, "password": PASSWORD, "password_again": PASSWORD,
            "display_name": "An", "language": "en", "csrf_token": csrf(client, path)}  # fmt: skip
    assert client.post(path, data=form, base_url=claimed).status_code in (400, 503)
    assert smtp.received == []
    mail_app.config["PUBLIC_URL"] = "https://participatie.kortrijk.be"
    page = client.get("/account/register", base_url=claimed).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    form["csrf_token"] = found.group(1) if found else ""
    answer = client.post("/account/register", data=form, base_url=claimed)
    assert answer.headers.get("Location") == "/account/mailbox"
    text = body(smtp.wait_for(1)[0])
    assert "https://participatie.kortrijk.be/account/confirm/" in text
    assert "attacker.example" not in text


@pytest.mark.parametrize("origin", ["https://x.be/path", "ftp://x.be", "https://u:p@x.be",
                                    "participatie.kortrijk.be", "https://x.be/?q=1"])  # fmt: skip
def test_a_public_url_with_more_than_an_origin_stops_the_start(
    site: tuple[Setup, str], tmp_path: Path, origin: str
) -> None:
    _, url = site
    with pytest.raises(MailError, match="PUBLIC_URL"):
        create_app(url, tmp_path / "instance", config={"PUBLIC_URL": origin})
