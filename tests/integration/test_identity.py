"""Identity end to end, on SQLite and PostgreSQL: register, login, credentials, paper."""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto.credential import CredentialRequest, verify_credential
from evoting.elections import change_state
from identity.issuance import (
    AlreadyIssued,
    IssuanceError,
    TicketRefused,
    blind_sign,
    credential_public_key,
    issuance_report,
    issue_ticket,
    mark_paper,
)
from identity.nrn import parse
from identity.pollcards import PollCardError, display, generate_poll_cards
from identity.providers import (
    GENERIC_FAILURE,
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    AuthenticationFailed,
    FormError,
    IdentityError,
    LockedOut,
    LoginResult,
    PollCardProvider,
    Voter,
    login,
    voter_from_row,
)
from identity.register import RegisterFrozen, import_register, number_hasher, read_register
from tally.service import close_vote
from tests.integration.conftest import CLOSED, NOW, Setup

Clock = Callable[[], datetime.datetime]


def _login(s: Setup, form: Mapping[str, str], client: str = "198.51.100.7",
           now: datetime.datetime = NOW) -> LoginResult:  # fmt: skip
    return login(s.factory, PollCardProvider(s.keys), s.keys, s.election_id, form, client, now)


def _credential(s: Setup, name: str, now: datetime.datetime = NOW) -> tuple[bytes, ...]:
    """The whole flow for one resident; returns what the device ends up holding."""
    ticket = issue_ticket(s.keys, _login(s, s.form(name), now=now), now)
    with s.factory() as session:
        public_key = credential_public_key(session, s.election_id)
    request = CredentialRequest.start(public_key, s.manifest.fingerprint)
    blind = blind_sign(s.factory, s.keys, s.election_id, ticket, request.blinded_message, now)
    credential = request.finish(public_key, blind)
    verify_credential(public_key, s.manifest.fingerprint, credential.public_key,
                      credential.prefix, credential.signature)  # fmt: skip
    return (credential.public_key, credential.prefix, credential.signature,
            request.blinded_message, blind)  # fmt: skip


def _voter(s: Setup, name: str) -> Voter:
    number_hash = number_hasher(s.keys, s.election_id)(parse(s.number(name)))
    with s.factory() as session:
        row = session.execute(
            select(schema.voters).where(schema.voters.c.number_hash == number_hash)
        ).one()
    return voter_from_row(row)


# --- register ----------------------------------------------------------------------------


def test_the_register_stores_no_number_name_or_address(setup: Setup) -> None:
    with setup.factory() as session:
        dump = _dump_database(session)
    for row in setup.register.rows:
        for personal in (row.number.digits, row.number.formatted(), row.name, row.street):
            assert personal not in dump, personal
    with setup.factory() as session:
        count = session.execute(text("SELECT count(*) FROM voters")).scalar_one()
    assert count == 12


def test_the_register_is_frozen_once_the_vote_opens(setup: Setup) -> None:
    with setup.factory() as session, session.begin():
        change_state(session, setup.election_id, "closed")  # (any state but draft)
    lines = (Path(__file__).resolve().parents[2] / "examples" / "register-sample.csv").read_text()
    register = read_register(lines.encode(), setup.manifest.eligibility.reference_date)
    with pytest.raises(RegisterFrozen, match="frozen"), setup.factory() as session:
        import_register(session, setup.election_id, register, setup.keys, NOW)


def test_reimport_counts_added_removed_changed(engine: object, tmp_path: Path) -> None:
    from evoting import db
    from evoting.deployment import DeploymentKeys
    from evoting.election import load_manifest
    from evoting.elections import create_election
    from tests.integration.conftest import EXAMPLES

    factory = db.session_factory(engine)  # type: ignore[arg-type]
    keys = DeploymentKeys.generate()
    manifest = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    original = (EXAMPLES / "register-sample.csv").read_text().splitlines()
    with factory() as session, session.begin():
        create_election(session, manifest, NOW)
        first = read_register("\n".join(original).encode(), manifest.eligibility.reference_date)
        import_register(session, manifest.id, first, keys, NOW)
    changed = [*original[:2], original[2].replace("Centrum", "Marke"), *original[4:]]
    second = read_register("\n".join(changed).encode(), manifest.eligibility.reference_date)
    with factory() as session, session.begin():
        summary = import_register(session, manifest.id, second, keys, NOW)
    assert (summary.added, summary.removed, summary.changed, summary.unchanged) == (0, 1, 1, 10)
    with factory() as session:
        imports = session.execute(select(schema.register_imports)).all()
    assert [(i.added, i.removed, i.changed) for i in imports] == [(12, 0, 0), (0, 1, 1)]


# --- poll cards ----------------------------------------------------------------------


def test_poll_cards_only_for_the_eligible(setup: Setup) -> None:
    assert len(setup.codes) == 9
    assert setup.letters.stat().st_mode & 0o777 == 0o600
    pdf = setup.letters.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 9
    with setup.factory() as session:
        rows = session.execute(select(schema.voters.c.code_hash)).scalars().all()
    assert sum(1 for h in rows if h) == 9
    for code in setup.codes.values():
        assert code not in "".join(h or "" for h in rows)
        assert len(display(code)) == 21


def test_poll_cards_are_printed_only_before_opening(setup: Setup, tmp_path: Path) -> None:
    with setup.factory() as session, session.begin():
        change_state(session, setup.election_id, "closed")
    with pytest.raises(PollCardError, match="before it opens"), setup.factory() as session:
        generate_poll_cards(session, setup.election_id, setup.register, setup.keys,
                            tmp_path / "again.pdf")  # fmt: skip


# --- login ------------------------------------------------------------------------------


def test_a_resident_logs_in(setup: Setup) -> None:
    result = _login(setup, setup.form("An Peeters"))
    assert result.eligible
    assert result.may_request_credential
    spaced = {"register_number": parse(setup.number("An")).formatted(),
              "code": display(setup.codes[setup.number("An")]).lower()}  # fmt: skip
    assert _login(setup, spaced).voter.id == result.voter.id


def test_unknown_number_and_wrong_code_get_the_same_answer(setup: Setup) -> None:
    from tests.support.nrn import make_number

    a_code = next(iter(setup.codes.values()))
    unknown = {"register_number": make_number(1970, 1, 1, 11), "code": a_code}
    wrong_code = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    no_code = {"register_number": setup.number("Emma"), "code": a_code}  # in the register, no code
    answers: list[tuple[type, str]] = []
    for form in (unknown, wrong_code, no_code):
        with pytest.raises(AuthenticationFailed) as caught:
            _login(setup, form, client=f"client-{len(answers)}")
        answers.append((type(caught.value), str(caught.value)))
    assert answers == [(AuthenticationFailed, GENERIC_FAILURE)] * 3


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("register_number", "12345", "Check the register number"),
        ("code", "ABCD", "Check the code"),
        ("code", "0000-0000-0000-0000-0", "no 0, 1, I, L, O or U"),
    ],
)
def test_typing_errors_are_told_and_counted(
    setup: Setup, field: str, value: str, message: str
) -> None:
    form = setup.form("An Peeters") | {field: value}
    for _ in range(MAX_CLIENT_FAILURES):
        with pytest.raises(FormError, match=message):
            _login(setup, form, client="192.0.2.1")
    with pytest.raises(LockedOut):
        _login(setup, setup.form("An Peeters"), client="192.0.2.1")


def test_a_mistyped_code_is_caught_by_its_check_symbol(setup: Setup) -> None:
    code = setup.codes[setup.number("An")]
    i = next(i for i in range(len(code) - 1) if code[i] != code[i + 1])  # a real swap
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    with pytest.raises(FormError, match="typing error"):
        _login(setup, setup.form("An Peeters", code=swapped))


def test_lock_out_per_register_number_is_logged(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    caplog.set_level(logging.WARNING, logger="evoting.identity")
    for attempt in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            _login(setup, wrong, client=f"10.0.0.{attempt}")  # a new address every time
    with pytest.raises(LockedOut):  # even with the right code
        _login(setup, setup.form("An Peeters"), client="10.0.1.1")
    assert "locked out" in caplog.text
    assert setup.number("An") not in caplog.text
    assert "10.0.0" not in caplog.text
    later = NOW + datetime.timedelta(minutes=16)
    assert _login(setup, setup.form("An Peeters"), client="10.0.1.1", now=later).eligible


def test_lock_out_per_client_address(setup: Setup) -> None:
    names = ("An", "Bram", "Chantal", "Dries", "Finn")
    for attempt in range(MAX_CLIENT_FAILURES):
        wrong = setup.form(names[attempt % 5], code=setup.codes[setup.number("Luc")])
        with pytest.raises(AuthenticationFailed):
            _login(setup, wrong, client="2001:db8:1:2::9")
    with pytest.raises(LockedOut):  # the same /64: the same client
        _login(setup, setup.form("Ilse"), client="2001:db8:1:2:ffff::1")
    assert _login(setup, setup.form("Ilse"), client="2001:db8:1:3::1").eligible


def test_a_success_does_not_reset_the_counters(setup: Setup) -> None:
    """Otherwise an attacker could tell, from the counters, whether the victim logged in."""
    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    for attempt in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationFailed):
            _login(setup, wrong, client=f"10.1.0.{attempt}")
    assert _login(setup, setup.form("An Peeters"), client="10.9.9.9").eligible  # the victim
    with pytest.raises(AuthenticationFailed):
        _login(setup, wrong, client="10.1.1.1")
    with pytest.raises(LockedOut):  # exactly as if the victim had not logged in
        _login(setup, wrong, client="10.1.1.2")


def test_concurrent_guesses_check_no_more_codes_than_the_limit(setup: Setup) -> None:
    checked: list[int] = []
    provider = PollCardProvider(setup.keys)

    class Counting:
        name = "counting"

        def subject(self, form: Mapping[str, str]) -> str:
            return provider.subject(form)

        def identify(self, session: Session, election_id: str,
                     form: Mapping[str, str]) -> Voter | None:  # fmt: skip
            checked.append(1)
            return provider.identify(session, election_id, form)

    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def guess(i: int) -> None:
        barrier.wait()
        try:
            login(setup.factory, Counting(), setup.keys, setup.election_id, wrong, f"10.2.{i}.1",
                  NOW)  # fmt: skip
        except (AuthenticationFailed, LockedOut) as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) <= MAX_FAILURES
    assert sorted(set(outcomes)) <= ["AuthenticationFailed", "LockedOut"], outcomes
    assert len(outcomes) == 12


def _counters(s: Setup) -> list[tuple[str, int, datetime.datetime]]:
    """(kind, failures, window start in UTC) of every login counter, sorted."""
    t = schema.login_failures
    with s.factory() as session:
        rows = session.execute(select(t.c.kind, t.c.failures, t.c.window_started_at)).all()
    return sorted((r.kind, r.failures, r.window_started_at.replace(tzinfo=datetime.UTC))
                  for r in rows)  # fmt: skip


def test_a_successful_login_leaves_no_row(setup: Setup) -> None:
    """Login order is board order: a row per success, with its moment, would link the two."""
    moment = NOW + datetime.timedelta(seconds=7, microseconds=123_456)
    for name in ("An", "Bram", "Chantal"):
        assert _login(setup, setup.form(name), client=f"10.3.0.{len(name)}", now=moment).eligible
    assert _counters(setup) == []


def test_a_login_after_a_typo_keeps_only_the_typos_row(setup: Setup) -> None:
    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    typo = NOW + datetime.timedelta(seconds=3)
    with pytest.raises(AuthenticationFailed):
        _login(setup, wrong, client="10.4.0.1", now=typo)
    _login(setup, setup.form("An Peeters"), client="10.4.0.1", now=typo + datetime.timedelta(
        seconds=20))  # fmt: skip
    assert _counters(setup) == [("client", 1, typo), ("number", 1, typo)]


def test_a_success_in_a_run_out_window_leaves_no_row(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If an old row is still there (purged at the next login, or raced), the reserve
    starts a new window at the login's moment; giving the slot back removes it."""
    from identity import providers

    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    with pytest.raises(AuthenticationFailed):
        _login(setup, wrong, client="10.5.0.1")
    monkeypatch.setattr(providers._Throttle, "purge", lambda self: None)
    later = NOW + datetime.timedelta(minutes=16, microseconds=42)
    assert _login(setup, setup.form("An Peeters"), client="10.5.0.1", now=later).eligible
    assert _counters(setup) == []


def test_concurrent_logins_leave_only_the_failures(setup: Setup) -> None:
    """Three successes and two failures on one register number at once, each from
    its own address: the failures are counted, the successes leave nothing."""
    right, wrong = setup.form("An Peeters"), setup.form("An Peeters", code=setup.codes[
        setup.number("Bram")])  # fmt: skip
    forms = [right, wrong, right, wrong, right]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(forms))

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            _login(setup, forms[i], client=f"10.6.{i}.1")
            outcomes.append("ok")
        except IdentityError as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["AuthenticationFailed"] * 2 + ["ok"] * 3
    assert [(kind, n) for kind, n, _ in _counters(setup)] == [
        ("client", 1), ("client", 1), ("number", 2)
    ]  # fmt: skip


def test_closing_the_vote_forgets_the_counters(setup: Setup) -> None:
    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    for attempt in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            _login(setup, wrong, client=f"10.7.0.{attempt}")
    with setup.factory() as session, session.begin():  # another election's counter stays
        session.execute(
            insert(schema.elections).values(
                id="other", fingerprint="0" * 64, manifest="{}", state="open", created_at=NOW
            )
        )
        session.execute(insert(schema.login_failures).values(
            election_id="other", kind="number", subject="x", failures=1,
            window_started_at=NOW))  # fmt: skip
    assert len(_counters(setup)) == MAX_FAILURES + 2  # the number (locked), an address each
    close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)
    with setup.factory() as session:
        left = session.execute(select(schema.login_failures.c.election_id)).scalars().all()
    assert left == ["other"]


def test_a_login_racing_the_close_neither_deadlocks_nor_outlives_it(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The close locks the election's row and then deletes the counters; a login that
    updated its address's row and then inserts its number's (a foreign-key lock on
    that election row) must not hold one while waiting for the other."""
    from identity import providers

    wrong = setup.form("An Peeters", code=setup.codes[setup.number("Bram")])
    with pytest.raises(AuthenticationFailed):  # the address's row exists: an UPDATE next
        _login(setup, setup.form("Bram", code=setup.codes[setup.number("An")]), client="10.8.0.1")
    real_reserve = providers._Throttle.reserve

    def slow_reserve(self: providers._Throttle, kind: str, subject: str) -> LockedOut | None:
        if kind == "number":
            time.sleep(0.3)  # the close comes in here
        return real_reserve(self, kind, subject)

    monkeypatch.setattr(providers._Throttle, "reserve", slow_reserve)
    outcomes: list[str] = ["", ""]

    def attempt() -> None:
        try:
            _login(setup, wrong, client="10.8.0.1")
        except Exception as exc:
            outcomes[0] = type(exc).__name__ if isinstance(exc, IdentityError) else repr(exc)

    def close() -> None:
        time.sleep(0.1)
        try:
            close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)
            outcomes[1] = "closed"
        except Exception as exc:
            outcomes[1] = repr(exc)

    threads = [threading.Thread(target=attempt), threading.Thread(target=close)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["AuthenticationFailed", "closed"]
    assert _counters(setup) == []


def test_reasons_are_told_only_after_authentication(setup: Setup) -> None:
    class TrustedNumber:
        """A stand-in for an eID/itsme provider: the number arrives already verified."""

        name = "trusted-number"

        def subject(self, form: Mapping[str, str]) -> str:
            return parse(form["register_number"]).digits

        def identify(self, session: Session, election_id: str,
                     form: Mapping[str, str]) -> Voter | None:  # fmt: skip
            h = number_hasher(setup.keys, election_id)(parse(form["register_number"]))
            row = session.execute(select(schema.voters).where(
                schema.voters.c.number_hash == h)).one_or_none()  # fmt: skip
            return None if row is None else voter_from_row(row)

    result = login(setup.factory, TrustedNumber(), setup.keys, setup.election_id,
                   {"register_number": setup.number("Emma")}, "x", NOW)  # fmt: skip
    assert not result.eligible
    assert "you turn 16 on 21/05/2019" in result.reasons_not_eligible[0].message
    with pytest.raises(IssuanceError, match="you turn 16"):
        issue_ticket(setup.keys, result, NOW)


# --- credentials -----------------------------------------------------------------------


def test_issuance_end_to_end(setup: Setup) -> None:
    _credential(setup, "An Peeters")
    voter = _voter(setup, "An Peeters")
    assert voter.credential_issued_on == datetime.date(2019, 5, 21)
    again = _login(setup, setup.form("An Peeters"))
    assert not again.may_request_credential
    with pytest.raises(AlreadyIssued, match="21/05/2019"):
        issue_ticket(setup.keys, again, NOW)


def _ticket_and_request(s: Setup, name: str) -> tuple[str, bytes]:
    ticket = issue_ticket(s.keys, _login(s, s.form(name)), NOW)
    with s.factory() as session:
        public_key = credential_public_key(session, s.election_id)
    return ticket, CredentialRequest.start(public_key, s.manifest.fingerprint).blinded_message


def test_a_replayed_ticket_signs_no_second_message(setup: Setup) -> None:
    ticket, blinded = _ticket_and_request(setup, "Bram")
    blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)
    _, other = _ticket_and_request(setup, "An")  # another blinded message, same ticket
    with pytest.raises(AlreadyIssued, match="already issued"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, other, NOW)


def test_a_lost_answer_is_asked_for_again_and_gives_the_same_credential(setup: Setup) -> None:
    ticket = issue_ticket(setup.keys, _login(setup, setup.form("Bram")), NOW)
    with setup.factory() as session:
        public_key = credential_public_key(session, setup.election_id)
    request = CredentialRequest.start(public_key, setup.manifest.fingerprint)
    first = blind_sign(setup.factory, setup.keys, setup.election_id, ticket,
                       request.blinded_message, NOW)  # fmt: skip
    # ...the answer is lost; the device kept its request and asks again, even an hour on
    later = NOW + datetime.timedelta(hours=1)
    again = blind_sign(setup.factory, setup.keys, setup.election_id, ticket,
                       request.blinded_message, later)  # fmt: skip
    assert again == first  # the same signature: still one credential
    credential = request.finish(public_key, again)
    verify_credential(public_key, setup.manifest.fingerprint, credential.public_key,
                      credential.prefix, credential.signature)  # fmt: skip
    assert issuance_report(setup.factory, setup.election_id, setup.keys).credentials_issued == 1
    with setup.factory() as session:
        stored = session.execute(select(schema.voters.c.issued_request).where(
            schema.voters.c.credential_issued_on.is_not(None))).scalar_one()  # fmt: skip
    assert stored == hashlib.sha256(request.blinded_message).hexdigest()
    with setup.factory() as session, session.begin():  # as closing does (test_officials)
        session.execute(schema.voters.update().values(issued_request=None))
    with pytest.raises(TicketRefused, match="expired"):  # ...then an old ticket is just old
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket,
                   request.blinded_message, later)  # fmt: skip


def test_tickets_only_while_the_vote_is_open(setup: Setup) -> None:
    before = setup.manifest.window.opens - datetime.timedelta(hours=1)
    result = _login(setup, setup.form("Bram"), now=before)
    assert not result.may_request_credential
    with pytest.raises(IssuanceError, match="not open now"):
        issue_ticket(setup.keys, result, before)


def test_a_ticket_for_someone_no_longer_in_the_register_signs_nothing(setup: Setup) -> None:
    ticket, blinded = _ticket_and_request(setup, "Finn")
    number_hash = number_hasher(setup.keys, setup.election_id)(parse(setup.number("Finn")))
    with setup.factory() as session, session.begin():
        session.execute(schema.voters.delete().where(schema.voters.c.number_hash == number_hash))
    with pytest.raises(IssuanceError, match="not in the register"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)


def test_eligibility_is_checked_again_when_signing(setup: Setup) -> None:
    ticket, blinded = _ticket_and_request(setup, "Jonas")
    number_hash = number_hasher(setup.keys, setup.election_id)(parse(setup.number("Jonas")))
    with setup.factory() as session, session.begin():
        session.execute(
            schema.voters.update()
            .where(schema.voters.c.number_hash == number_hash)
            .values(excluded=True)
        )
    with pytest.raises(IssuanceError, match="excluded"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)
    assert _voter(setup, "Jonas").credential_issued_on is None


def test_a_swapped_credential_key_is_detected(setup: Setup) -> None:
    from evoting.crypto.blind import BlindSigner
    from evoting.deployment import DeploymentError

    impostor = BlindSigner.generate()
    with setup.factory() as session, session.begin():
        session.execute(
            schema.election_keys.update()
            .where(schema.election_keys.c.purpose == "credential")
            .values(public_key=impostor.public_key.to_der())
        )
    with pytest.raises(DeploymentError, match="altered"):
        issuance_report(setup.factory, setup.election_id, setup.keys)
    ticket, blinded = _ticket_and_request(setup, "Luc")  # the device reads the swapped key
    with pytest.raises(DeploymentError, match="altered"):  # issuance stops, loudly...
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)
    assert _voter(setup, "Luc").credential_issued_on is None  # ...and marks nobody


def test_expired_forged_and_foreign_tickets_are_refused(setup: Setup) -> None:
    ticket, blinded = _ticket_and_request(setup, "Chantal")
    later = NOW + datetime.timedelta(minutes=11)
    with pytest.raises(TicketRefused, match="expired"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, later)
    with pytest.raises(TicketRefused, match="not a valid ticket"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket[:-2] + "xx", blinded, NOW)
    with pytest.raises(TicketRefused, match="another election"):
        blind_sign(setup.factory, setup.keys, "other-election", ticket, blinded, NOW)
    assert _voter(setup, "Chantal").credential_issued_on is None


def test_a_bad_blinded_message_issues_nothing(setup: Setup) -> None:
    ticket, _ = _ticket_and_request(setup, "Dries")
    with pytest.raises(IssuanceError, match="cannot be signed"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, b"\xff" * 384, NOW)
    assert _voter(setup, "Dries").credential_issued_on is None
    _credential(setup, "Dries")  # the ticket was not spent: a fresh login still works


def test_no_credentials_outside_the_open_vote(setup: Setup) -> None:
    ticket, blinded = _ticket_and_request(setup, "Finn")
    with setup.factory() as session, session.begin():
        change_state(session, setup.election_id, "closed")
    with pytest.raises(IssuanceError, match="not open now"):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)


def test_concurrent_requests_for_one_voter_give_one_credential(setup: Setup) -> None:
    tickets = [_ticket_and_request(setup, "Jonas") for _ in range(4)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(tickets))

    def request(ticket: str, blinded: bytes) -> None:
        barrier.wait()
        try:
            blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)
            outcomes.append("signed")
        except AlreadyIssued:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=request, args=pair) for pair in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "signed"]


# --- paper ------------------------------------------------------------------------------


def test_paper_and_online_exclude_each_other(setup: Setup) -> None:
    mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Karine")), NOW)
    with pytest.raises(IssuanceError, match="voted on paper"):
        issue_ticket(setup.keys, _login(setup, setup.form("Karine")), NOW)
    with pytest.raises(AlreadyIssued, match="already voted on paper"):
        mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Karine")),
                   NOW)  # fmt: skip
    _credential(setup, "Luc")
    with pytest.raises(AlreadyIssued, match="took an online credential on 21/05/2019"):
        mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Luc")), NOW)


def test_paper_refusals(setup: Setup) -> None:
    from tests.support.nrn import make_number

    with pytest.raises(IssuanceError, match="not in the register"):
        mark_paper(setup.factory, setup.keys, setup.election_id,
                   parse(make_number(1970, 1, 1, 11)), NOW)  # fmt: skip
    with pytest.raises(IssuanceError, match="not eligible"):
        mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Hans")), NOW)


def test_a_credential_cannot_be_issued_after_a_paper_ticket_was_taken(setup: Setup) -> None:
    # The ticket was issued before the resident went to the polling station.
    ticket, blinded = _ticket_and_request(setup, "Ilse")
    mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Ilse")), NOW)
    with pytest.raises(AlreadyIssued):
        blind_sign(setup.factory, setup.keys, setup.election_id, ticket, blinded, NOW)


# --- published figures and privacy -----------------------------------------------------


def test_issuance_report(setup: Setup) -> None:
    _credential(setup, "An Peeters")  # 33 on the reference date, Centrum
    _credential(setup, "Dries Wouters")  # 16, Heule
    mark_paper(setup.factory, setup.keys, setup.election_id, parse(setup.number("Karine")), NOW)
    report = issuance_report(setup.factory, setup.election_id, setup.keys).to_json()
    assert report["eligible"] == 9
    assert report["credentials_issued"] == 2
    assert report["paper_votes"] == 1
    # 9 eligible residents, 3 taking part: with min_cell 10 every cell is hidden
    assert report["min_cell"] == 10
    bands, districts = report["turnout_by_age_band"], report["turnout_by_district"]
    assert isinstance(bands, dict)
    assert isinstance(districts, dict)
    assert {"16-17", "25-34"} <= set(bands)
    assert {"Centrum", "Heule"} <= set(districts)
    assert set(bands.values()) == set(districts.values()) == {None}
    assert "BEGIN PUBLIC KEY" in str(report["credential_public_key"])


def _dump_database(session: Session) -> str:
    """Every value in every table, as text (bytes also as hex and base64url)."""
    import base64

    parts = []
    for table in inspect(session.connection()).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    raw = bytes(value)
                    parts += [raw.hex(), base64.urlsafe_b64encode(raw).decode(),
                              base64.b64encode(raw).decode(), repr(raw)]  # fmt: skip
                else:
                    parts.append(str(value))
    return "\n".join(parts)


def test_no_column_links_a_voter_to_a_credential(setup: Setup) -> None:
    issued = [_credential(setup, name) for name in ("An", "Bram", "Chantal")]
    with setup.factory() as session:
        dump = _dump_database(session)
        inspector = inspect(session.connection())
        columns = {
            table: {c["name"] for c in inspector.get_columns(table)}
            for table in inspector.get_table_names()
        }
    for values in issued:
        for value in values:  # credential key, prefix, signature, blinded message, blind sig
            for form in (value.hex(), base64.urlsafe_b64encode(value).decode().rstrip("="),
                         base64.b64encode(value).decode().rstrip("=")):  # fmt: skip
                assert form[:16] not in dump
        public_key, prefix, signature, blinded, blind_signature = values
        for value in (public_key, prefix, signature, blind_signature):  # nor their hashes
            assert hashlib.sha256(value).hexdigest() not in dump
        # Until the vote closes, the hash of the blinded message is kept for a lost
        # answer: blinding makes it independent of the credential (RFC 9474).
        assert hashlib.sha256(blinded).hexdigest() in dump
    # The only issuance record that names a voter is the day on the voter's row; the
    # ticket table, the only other issuance record, names no voter.
    assert "issuance_tickets" not in columns  # no record of tickets at all
    voter_side = {"voter_id", "number_hash", "code_hash", "birth_date", "district"}
    credential_side = {"credential", "signature", "ballot", "tracking_code", "blinded_message"}
    for table, names in columns.items():
        assert not (names & voter_side and names & credential_side), table
    assert schema.voters.c.credential_issued_on.type.python_type is datetime.date
