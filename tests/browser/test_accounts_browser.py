"""A resident's account in Chromium on a 360 px phone, in French: register, confirm with
the link the real SMTP server received, open the platform letter's QR-code address (the
code in the URL's fragment) before logging in, log in, and find the code filled in by
the page's script; verify; the account page says verified, with age band and district."""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from cli.demo import build
from evoting import db
from evoting.deployment import DeploymentKeys
from identity.platform import generate_platform_codes, import_platform_register, verify_url
from identity.pollcards import display
from identity.register import RegisterFile, read_register_file
from tests.support.smtp import SmtpServer, running_smtp_server
from web import create_app
from web.extensions import limiter

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "chantal.dubois@example.be"
PASSWORD = "la Lys au printemps"


@dataclass
class AccountSite:
    url: str
    smtp: SmtpServer
    register: RegisterFile
    codes: dict[str, str]  # first name -> platform code


@pytest.fixture(scope="module")
def account_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccountSite]:
    """The demo deployment served with a real SMTP server and a platform register."""
    now = datetime.datetime.now(datetime.UTC)
    directory = tmp_path_factory.mktemp("accounts") / "demo"
    with running_smtp_server() as smtp, pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVOTING_SECRET_KEY", raising=False)
        demo = build(directory, now)
        keys = DeploymentKeys.load(demo.instance)
        config = {"SMTP_URL": smtp.url, "MAIL_FROM": "participation@kortrijk.be"}
        app = create_app(demo.database_url, demo.instance, secure_cookies=False, config=config)
        register = read_register_file(ROOT / "examples" / "register-sample.csv", now.date())
        with db.session_factory(app.extensions["evoting"].engine)() as session, session.begin():
            import_platform_register(session, register, keys, now, municipality="34022")
            made = generate_platform_codes(session, register, keys, now)
        limiter.reset()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            codes = {letter.name.split()[0]: letter.code for letter in made.letters}
            yield AccountSite(f"http://127.0.0.1:{server.server_port}", smtp, register, codes)
        finally:
            server.shutdown()
            app.extensions["evoting"].engine.dispose()


def _fits(page: Any) -> None:
    """Nothing makes the page wider than the phone's screen."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def test_a_resident_registers_confirms_and_verifies_on_a_phone_in_french(
    browser: Any, account_site: AccountSite, artifacts: Path
) -> None:
    site = account_site
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-BE")
    page = context.new_page()
    page.goto(f"{site.url}/account/register?lang=fr")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.text_content("h1") == "Créer un compte"
    page.fill("#email", ADDRESS)
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.fill("#display_name", "Chantal")
    assert page.is_checked("input[name=language][value=fr]")  # the page's language
    _fits(page)
    page.screenshot(path=str(artifacts / "account-register-360.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/mailbox")
    assert page.text_content("h1") == "Consultez votre boîte mail"
    _fits(page)

    mail = site.smtp.wait_for(1)[0]
    assert mail.message["Subject"] == "Confirmez votre adresse e-mail"
    content = mail.message.get_body(("plain",))
    assert content is not None
    found = re.search(
        r"http://127\.0\.0\.1:\d+/account/confirm/[A-Za-z0-9_-]+", content.get_content()
    )
    assert found is not None
    page.goto(found.group(0))
    page.fill("#password", PASSWORD)  # the password chosen at registration
    _fits(page)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/login")
    assert "Votre adresse e-mail est confirmée" in (page.text_content("main") or "")

    # The letter's QR code, opened before logging in: the login page keeps the code
    # out of the address bar, and the verify page gets it after the login.
    chantal = next(r for r in site.register.rows if r.name.startswith("Chantal"))
    code = site.codes["Chantal"]
    page.goto(verify_url(site.url, code))
    page.wait_for_url(re.compile(r".*/account/login\?next=.*"))
    page.wait_for_function("() => window.location.hash === ''")
    page.fill("#email", ADDRESS)
    page.fill("#password", PASSWORD)
    _fits(page)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/verify")
    assert page.input_value("#code") == display(code)
    assert page.evaluate("() => document.activeElement.id") == "register_number"
    page.fill("#register_number", chantal.number.formatted())
    _fits(page)
    page.screenshot(path=str(artifacts / "account-verify-360.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/account$"))
    assert "Vérifié" in (page.text_content("#verified") or "")
    assert page.text_content("#district") == "Marke"
    assert "ans" in (page.text_content("#age-band") or "")
    _fits(page)
    page.screenshot(path=str(artifacts / "account-verified-360.png"), full_page=True)
    context.close()
