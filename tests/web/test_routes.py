"""Every route the app registers, walked from its URL map: a route added later is
checked without anyone remembering to list it here."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from evoting.elections import get_election
from tests.integration.conftest import Setup
from tests.web.test_resident import csrf

ARGUMENTS = {"election_id": "kortrijk-2019", "code": "ABCD-EFGH-IJKL-MNOP",
             "name": "bundle.zip", "filename": "evote.css", "token": "x" * 43,
             "process_id": "no-such-process", "idea_id": 1, "reaction_id": 1, "report_id": 1,
             "kind": "ideas", "fmt": "csv"}  # fmt: skip
RESIDENTS_ONLY = ("accounts.account", "accounts.verify", "accounts.data", "accounts.delete",
                  "platform.edit", "platform.report_idea", "platform.report_reaction")  # fmt: skip
"""Pages behind a resident's login: the login is asked before anything is looked up."""
NEEDS_MAIL = ("accounts.register", "accounts.forgot")  # the test app has no SMTP_URL: 503


def rules(app: Flask, method: str) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if method in (rule.methods or ()):
            yield rule, rule.build({k: ARGUMENTS[k] for k in rule.arguments})[1]  # type: ignore[index]


def officials_only(rule: Rule) -> bool:
    """The officials' area (every blueprint under /officials), but its login page."""
    return rule.rule.startswith("/officials") and rule.endpoint != "officials.login"


def expected_get(rule: Rule) -> int:
    if officials_only(rule) or rule.endpoint in RESIDENTS_ONLY:
        return 302  # to the login page
    if rule.endpoint in NEEDS_MAIL:
        return 503
    if "process_id" in rule.arguments:
        return 404  # no such process
    if rule.endpoint in ("public.download", "api.board_entry"):
        return 404  # nothing published; no such ballot
    return 200


def test_every_get_route_answers_with_the_security_headers(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    seen = 0
    for rule, url in rules(app, "GET"):
        answer = client.get(url)
        assert answer.status_code == expected_get(rule), url
        if officials_only(rule) and answer.status_code == 302:
            assert answer.headers["Location"].startswith("/officials/login"), url
        if rule.endpoint in RESIDENTS_ONLY:
            assert answer.headers["Location"].startswith("/account/login"), url
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"], url
        assert answer.headers["X-Content-Type-Options"] == "nosniff", url
        answer.close()
        seen += 1
    assert seen > 15  # the walk did happen


def test_every_get_route_of_an_unknown_election_is_404(app: Flask, client: FlaskClient) -> None:
    for rule, url in rules(app, "GET"):
        if "election_id" not in rule.arguments or officials_only(rule):
            continue
        unknown = url.replace("kortrijk-2019", "nowhere")
        assert client.get(unknown).status_code == 404, unknown


def test_every_form_refuses_a_post_without_csrf_token(app: Flask, client: FlaskClient) -> None:
    for rule, url in rules(app, "POST"):
        if rule.endpoint.startswith("api."):
            continue  # no cookie authenticates the API: it needs none (test_api.py)
        answer = client.post(url, data={"early": "1", "username": "x", "password": "y"})
        assert answer.status_code == 400, url


def test_every_api_post_refuses_a_malformed_body_in_json(app: Flask, client: FlaskClient) -> None:
    for rule, url in rules(app, "POST"):
        if not rule.endpoint.startswith("api."):
            continue
        answer = client.post(url, data=b"{not json", content_type="application/json")
        assert answer.status_code == 400, url
        assert answer.get_json()["error"], url


def test_no_officials_action_runs_without_a_login(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    token = csrf(client)  # a valid token, but nobody logged in
    for rule, url in rules(app, "POST"):
        if not officials_only(rule) or rule.endpoint == "officials.logout":
            continue
        answer = client.post(url, data={"csrf_token": token, "early": "1"})
        assert answer.status_code == 302, url
        assert answer.headers["Location"].startswith("/officials/login"), url
    assert client.get("/e/kortrijk-2019").status_code == 200
    with setup.factory() as session:
        assert get_election(session, "kortrijk-2019").state == "open"  # nothing was closed


def test_no_residents_action_runs_without_a_login(app: Flask, client: FlaskClient) -> None:
    """Every form of the participation platform and of an account but those that let a
    resident in (register, log in, confirm, reset) sends a stranger to the login page."""
    open_to_all = ("accounts.register", "accounts.login", "accounts.forgot", "accounts.reset",
                   "accounts.confirm", "accounts.logout")  # fmt: skip
    token = csrf(client)
    seen = 0
    for rule, url in rules(app, "POST"):
        if not rule.endpoint.startswith(("platform.", "accounts.")) or rule.endpoint in open_to_all:
            continue
        answer = client.post(url, data={"csrf_token": token, "text": "x", "reason": "spam"})
        assert answer.status_code == 302, url
        assert answer.headers["Location"].startswith("/account/login"), url
        seen += 1
    assert seen >= 5
