"""Residents' accounts (participation/residents.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from evoting import db
from evoting.residents_schema import resident_tokens, residents
from participation import export
from participation import residents as accounts
from participation.errors import AlreadyExists, InvalidInput, NotFound
from participation.fields import plain
from participation.mail import Mailer
from participation.moderation import hide
from participation.reactions import react, report, support
from participation.residents import (
    CONFIRM_LIFETIME,
    RESET_LIFETIME,
    AlreadyVerified,
    Registration,
    TokenExpired,
    TokenUnknown,
    TokenUsed,
    UnconfirmedAccount,
    VerificationTaken,
)
from participation.screening import merge
from tests.integration.participation_world import (
    PROPOSALS,
    SCREENING,
    make_process,
    official,
    propose,
)
from tests.integration.participation_world import resident as world_resident
from tests.integration.participation_world import tx as world_tx
from tests.support.smtp import running_smtp_server

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
HASH_A = "a" * 64
HASH_B = "b" * 64
T = TypeVar("T")


@contextmanager
def _session(engine: Engine) -> Iterator[Session]:
    """One committed unit of work (rolled back if the block raises)."""
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        yield uow.session
        uow.commit()


def _run(engine: Engine, action: Callable[[Session], T]) -> T:
    with _session(engine) as session:
        return action(session)


def _register(engine: Engine, email: str = "jan@example.be", password: str = PASSWORD,
              name: str = "Jan", language: str = "nl") -> Registration:  # fmt: skip
    return _run(engine, lambda s: accounts.register(s, email, password, name, language, NOW))


def _confirmed(engine: Engine, email: str = "jan@example.be", password: str = PASSWORD) -> int:
    made = _register(engine, email, password)
    assert made.confirm_token is not None
    return _run(engine, lambda s: accounts.confirm(s, made.confirm_token or "", password, NOW))


def _log_in(engine: Engine, email: str, password: str) -> accounts.Account | None:
    return _run(engine, lambda s: accounts.log_in(s, email, password, NOW))


def _tokens(engine: Engine, resident_id: int) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(resident_tokens.c.resident_id == resident_id)
        return int(conn.execute(query.select_from(resident_tokens)).scalar_one())


def test_register_confirm_and_log_in(engine: Engine) -> None:
    made = _register(engine, "  Jan.Peeters@Example.BE ")
    assert made.email == "jan.peeters@example.be"
    assert not made.already_registered
    assert made.confirm_token is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", made.confirm_token)  # 256 bits
    with pytest.raises(UnconfirmedAccount) as unconfirmed:
        _log_in(engine, "jan.peeters@example.be", PASSWORD)
    assert unconfirmed.value.resident_id == made.resident_id
    resent = _run(engine, lambda s: accounts.new_confirmation(s, made.resident_id, NOW))
    assert (resent.resident_id, resent.email) == (made.resident_id, "jan.peeters@example.be")
    with pytest.raises(TokenUnknown):  # the new link voided the first one
        _run(engine, lambda s: accounts.confirm(s, made.confirm_token or "", PASSWORD, NOW))
    fresh = resent.confirm_token or ""
    assert _run(engine, lambda s: accounts.confirm(s, fresh, PASSWORD, NOW)) == made.resident_id
    with pytest.raises(AlreadyExists):
        _run(engine, lambda s: accounts.new_confirmation(s, made.resident_id, NOW))
    account = _log_in(engine, "JAN.PEETERS@example.be", PASSWORD)
    assert account is not None
    assert (account.id, account.email, account.display_name, account.language) == (
        made.resident_id, "jan.peeters@example.be", "Jan", "nl",
    )  # fmt: skip
    assert account.confirmed_at == NOW
    assert not account.verified
    assert _log_in(engine, "jan.peeters@example.be", PASSWORD + "!") is None
    assert _log_in(engine, "piet@example.be", PASSWORD) is None
    assert _log_in(engine, "not an address", PASSWORD) is None


def test_a_wrong_password_on_an_unconfirmed_account_says_nothing(engine: Engine) -> None:
    _register(engine)
    assert _log_in(engine, "jan@example.be", "wrong password!") is None


def test_an_account_left_unconfirmed_too_long_is_gone(engine: Engine) -> None:
    _register(engine)
    late = NOW + CONFIRM_LIFETIME
    assert _run(engine, lambda s: accounts.log_in(s, "jan@example.be", PASSWORD, late)) is None


def test_a_confirmed_address_is_not_revealed_nor_changed(engine: Engine) -> None:
    first = _confirmed(engine)
    again = _register(engine, "JAN@example.BE", "another password", "Mallory", "fr")
    assert again.already_registered
    assert (again.resident_id, again.email, again.language) == (first, "jan@example.be", "nl")
    assert _log_in(engine, "jan@example.be", "another password") is None
    account = _log_in(engine, "jan@example.be", PASSWORD)
    assert account is not None
    assert account.display_name == "Jan"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(residents)).scalar_one() == 1


def test_an_unconfirmed_address_is_registered_anew(engine: Engine) -> None:
    squatter = _register(engine, password="squatter's password", name="Mallory")
    owner = _register(engine, password="owner's password", name="Jan", language="fr")
    assert owner.resident_id == squatter.resident_id
    assert not owner.already_registered
    assert owner.language == "fr"
    with pytest.raises(TokenUnknown):  # the squatter's link is void
        _run(engine, lambda s: accounts.confirm(s, squatter.confirm_token or "",
                                                "squatter's password", NOW))  # fmt: skip
    _run(engine, lambda s: accounts.confirm(s, owner.confirm_token or "", "owner's password", NOW))
    assert _log_in(engine, "jan@example.be", "squatter's password") is None
    account = _log_in(engine, "jan@example.be", "owner's password")
    assert account is not None
    assert (account.display_name, account.language) == ("Jan", "fr")


def test_confirming_never_adopts_a_password_the_clicker_has_not_typed(engine: Engine) -> None:
    """Pre-hijack: the owner registers, someone re-registers the address with their own
    password; the owner's click on the newest link confirms nothing without that password."""
    owner = _register(engine, password="owner's own password", name="Jan")
    squatter = _register(engine, password="squatter's password", name="Jan")
    assert squatter.resident_id == owner.resident_id
    newest = squatter.confirm_token or ""
    with pytest.raises(TokenUnknown):  # the owner's first link was voided
        _run(engine, lambda s: accounts.confirm(s, owner.confirm_token or "",
                                                "owner's own password", NOW))  # fmt: skip
    for wrong in ("owner's own password", "", "x" * 10_000_000):
        with pytest.raises(accounts.WrongPassword):
            _run(engine, lambda s, w=wrong: accounts.confirm(s, newest, w, NOW))  # type: ignore[misc]
    with pytest.raises(UnconfirmedAccount):  # still unconfirmed, the link still unspent
        _log_in(engine, "jan@example.be", "squatter's password")
    assert _tokens(engine, owner.resident_id) == 1
    again = _register(engine, password="owner's own password", name="Jan")  # the owner wins
    _run(engine, lambda s: accounts.confirm(s, again.confirm_token or "",
                                            "owner's own password", NOW))  # fmt: skip
    assert _log_in(engine, "jan@example.be", "squatter's password") is None
    assert _log_in(engine, "jan@example.be", "owner's own password") is not None


def test_a_wrong_password_leaves_the_link_usable(engine: Engine) -> None:
    made = _register(engine, password="caf\u00e9 au lait!")
    token = made.confirm_token or ""
    with pytest.raises(accounts.WrongPassword) as wrong:
        _run(engine, lambda s: accounts.confirm(s, token, "cafe au lait!", NOW))
    assert wrong.value.resident_id == made.resident_id
    decomposed = "cafe\u0301 au lait!"  # NFKC, as at registration
    assert _run(engine, lambda s: accounts.confirm(s, token, decomposed, NOW)) == made.resident_id
    with pytest.raises(TokenUsed):  # a used link says so before any password is tried
        _run(engine, lambda s: accounts.confirm(s, token, "wrong password", NOW))


def test_a_confirmation_link_works_once(engine: Engine) -> None:
    made = _register(engine)
    token = made.confirm_token or ""
    _run(engine, lambda s: accounts.confirm(s, token, PASSWORD, NOW))
    with pytest.raises(TokenUsed, match="used"):
        _run(engine, lambda s: accounts.confirm(s, token, PASSWORD, NOW))


def test_a_confirmation_link_expires_after_48_hours(engine: Engine) -> None:
    made = _register(engine)
    token = made.confirm_token or ""
    with pytest.raises(TokenExpired) as caught:
        _run(engine, lambda s: accounts.confirm(s, token, PASSWORD, NOW + CONFIRM_LIFETIME))
    assert caught.value.reason == "expired"
    late = NOW + CONFIRM_LIFETIME - timedelta(seconds=1)
    assert _run(engine, lambda s: accounts.confirm(s, token, PASSWORD, late)) == made.resident_id


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "A" * 42,
        "A" * 44,
        pytest.param("A" * 10_000, id="long"),
        "../../etc/passwd",
        pytest.param("é" * 43, id="non-ascii"),
        "A" * 42 + "\n",
    ],
)
def test_malformed_tokens_are_unknown(engine: Engine, token: str) -> None:
    with pytest.raises(TokenUnknown) as caught:
        _run(engine, lambda s: accounts.confirm(s, token, PASSWORD, NOW))
    assert caught.value.reason == "unknown"


def test_reset_password(engine: Engine) -> None:
    resident = _confirmed(engine)
    assert _run(engine, lambda s: accounts.request_reset(s, "nobody@example.be", NOW)) is None
    assert _run(engine, lambda s: accounts.request_reset(s, "no address", NOW)) is None
    older = _run(engine, lambda s: accounts.request_reset(s, "Jan@Example.be", NOW))
    request = _run(engine, lambda s: accounts.request_reset(s, "jan@example.be", NOW))
    assert older is not None
    assert request is not None
    assert (request.resident_id, request.email, request.language) == (
        resident, "jan@example.be", "nl",
    )  # fmt: skip
    with pytest.raises(TokenUnknown):  # a newer link voids the older one
        _run(engine, lambda s: accounts.reset_password(s, older.token, "new password 1", NOW))
    with pytest.raises(InvalidInput) as weak:  # refused before the link is spent
        _run(engine, lambda s: accounts.reset_password(s, request.token, "short", NOW))
    assert (weak.value.field, weak.value.reason) == ("new_password", "too-short")
    with pytest.raises(TokenUnknown):  # a confirmation link is no reset link
        _run(engine, lambda s: accounts.confirm(s, request.token, PASSWORD, NOW))
    done = _run(engine, lambda s: accounts.reset_password(s, request.token, "new password 1", NOW))
    assert done == resident
    assert _log_in(engine, "jan@example.be", PASSWORD) is None
    assert _log_in(engine, "jan@example.be", "new password 1") is not None
    with pytest.raises(TokenUsed):
        _run(engine, lambda s: accounts.reset_password(s, request.token, "new password 2", NOW))


def test_a_reset_link_expires_after_an_hour(engine: Engine) -> None:
    _confirmed(engine)
    request = _run(engine, lambda s: accounts.request_reset(s, "jan@example.be", NOW))
    assert request is not None
    late = NOW + RESET_LIFETIME
    with pytest.raises(TokenExpired):
        _run(engine, lambda s: accounts.reset_password(s, request.token, "new password 1", late))
    assert _log_in(engine, "jan@example.be", PASSWORD) is not None


def test_a_reset_confirms_the_address_and_voids_other_links(engine: Engine) -> None:
    made = _register(engine)
    request = _run(engine, lambda s: accounts.request_reset(s, "jan@example.be", NOW))
    assert request is not None
    _run(engine, lambda s: accounts.reset_password(s, request.token, "new password 1", NOW))
    account = _log_in(engine, "jan@example.be", "new password 1")
    assert account is not None
    assert account.confirmed_at == NOW
    with pytest.raises(TokenUnknown):
        _run(engine, lambda s: accounts.confirm(s, made.confirm_token or "", PASSWORD, NOW))


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "too-short"),
        ("123456789", "too-short"),
        ("aaaaaaaaaaaaaaaa", "invalid"),
        pytest.param("x" * 1025, "too-long", id="1025"),
        pytest.param("x" * 10_000_000, "too-long", id="10-million"),
        pytest.param("\ufdfa" * 100, "too-long", id="nfkc-expands-18-fold"),
        pytest.param("\ufdfa" * 10, "invalid", id="one-character-typed"),
        pytest.param("\uff41" * 12, "invalid", id="one-character-after-nfkc"),  # fullwidth a
    ],
)
def test_password_rules(engine: Engine, password: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _register(engine, password=password)
    assert (caught.value.field, caught.value.reason) == ("password", reason)


def test_passwords_are_compared_after_nfkc(engine: Engine) -> None:
    _confirmed(engine, password="caf\u00e9 au lait!")  # é composed
    assert _log_in(engine, "jan@example.be", "cafe\u0301 au lait!") is not None  # decomposed
    assert _log_in(engine, "jan@example.be", "x" * 10_000_000) is None  # no work for that


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "missing"),
        ("   ", "missing"),
        pytest.param("a" * 81, "too-long", id="81"),
        pytest.param("a" * 1_000_000, "too-long", id="a-million"),
        ("Jan\u202eeteiP", "invalid"),  # right-to-left override
        ("Ja\u200bn", "invalid"),  # zero-width space
        ("Jan\nPeeters", "invalid"),
        ("Jan\x00", "invalid"),
        pytest.param("\u3164", "invalid", id="hangul-filler"),
        pytest.param("\u115f\u1160", "invalid", id="hangul-choseong-jungseong-fillers"),
        pytest.param("\uffa0\uffa0", "invalid", id="halfwidth-hangul-filler"),
        pytest.param("\u2800\u2800\u2800", "invalid", id="braille-blank"),
        pytest.param("Jan\u3164", "invalid", id="filler-after-a-name"),
        pytest.param("Ja\u2028n", "invalid", id="line-separator"),
        pytest.param("Ja\u2029n", "invalid", id="paragraph-separator"),
        pytest.param("\u034f\u034f", "invalid", id="grapheme-joiner"),
        pytest.param("...", "invalid", id="no-letter"),
        pytest.param("\u2014 \u2014", "invalid", id="dashes"),
    ],
)
def test_display_names_are_bounded_and_visible(engine: Engine, name: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _register(engine, name=name)
    assert (caught.value.field, caught.value.reason) == ("display_name", reason)


@pytest.mark.parametrize(
    ("field", "value", "refused"),
    [
        ("title", "\u3164\u3164\u3164", True),
        ("title", "\u2800\u2800\u2800", True),
        ("title", "!!!", True),
        ("title.nl", "???", True),
        ("title", "Bankjes \uffa0", True),
        ("title", "Bankjes", False),
        ("title", "30 km/u", False),
        ("title", "\ud55c\uae00 \u6f22\u5b57", False),  # Korean and Chinese letters
        ("display_name", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", False),  # Arabic
        ("note", "!!!", False),  # not a name nor a title: punctuation alone is fine
        ("note", "\u2800", True),
    ],
)
def test_names_and_titles_need_a_letter_or_digit(field: str, value: str, refused: bool) -> None:
    if refused:
        with pytest.raises(InvalidInput) as caught:
            plain(value, field, 150)
        assert (caught.value.field, caught.value.reason) == (field, "invalid")
    else:
        assert plain(value, field, 150) == value.strip()


def test_a_display_name_is_stripped(engine: Engine) -> None:
    made = _register(engine, name="  Zoë Peeters  ")
    with _session(engine) as session:
        assert accounts.get_account(session, made.resident_id).display_name == "Zoë Peeters"


@pytest.mark.parametrize(
    "email", ["", "jan", "jan@", "@example.be", "jan@example", "jan@exa mple.be", "jän@example.be",
              "jan@example.be\r\nBcc: x@example.org",
              pytest.param("j" * 250 + "@example.be", id="long"),
              pytest.param("x" * 100_000, id="huge")]
)  # fmt: skip
def test_bad_addresses_are_refused(engine: Engine, email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _register(engine, email=email)
    assert caught.value.field == "email"


def test_a_language_is_nl_fr_or_en(engine: Engine) -> None:
    with pytest.raises(InvalidInput) as caught:
        _register(engine, language="de")
    assert caught.value.field == "language"


def test_one_resident_verifies_one_account(engine: Engine) -> None:
    first = _confirmed(engine, "jan@example.be")
    second = _confirmed(engine, "jan.other@example.be")
    with _session(engine) as session:
        account = accounts.mark_verified(session, first, HASH_A, "25-34", "Heule", NOW)
    assert (account.verified, account.age_band, account.district) == (True, "25-34", "Heule")
    assert account.verified_at == NOW
    with _session(engine) as session:
        with pytest.raises(VerificationTaken):
            accounts.mark_verified(session, second, HASH_A, "25-34", "Heule", NOW)
        # the session is still usable: the refusal rolled back only its savepoint
        assert not accounts.get_account(session, second).verified
    with _session(engine) as session:  # the same person again: a move is recorded
        later = NOW + timedelta(days=400)
        again = accounts.mark_verified(session, first, HASH_A, "35-44", "Bissegem", later)
    assert (again.age_band, again.district, again.verified_at) == ("35-44", "Bissegem", later)
    with _session(engine) as session, pytest.raises(AlreadyVerified):
        accounts.mark_verified(session, first, HASH_B, "25-34", "Heule", NOW)
    with _session(engine) as session:
        accounts.mark_verified(session, second, HASH_B, "75+", "Marke", NOW)


def test_verification_needs_a_confirmed_account_and_good_facts(engine: Engine) -> None:
    made = _register(engine)
    with _session(engine) as session, pytest.raises(UnconfirmedAccount):
        accounts.mark_verified(session, made.resident_id, HASH_A, "25-34", "Heule", NOW)
    resident = _run(engine, lambda s: accounts.confirm(s, made.confirm_token or "", PASSWORD, NOW))
    bad = [(HASH_A.upper(), "25-34", "Heule", "verification_hash"),
           ("a" * 63, "25-34", "Heule", "verification_hash"),
           (HASH_A, "old", "Heule", "age_band"), (HASH_A, "25-34", "", "district"),
           (HASH_A, "25-34", "Heule\u200b", "district")]  # fmt: skip
    for digest, band, district, field in bad:
        with _session(engine) as session, pytest.raises(InvalidInput) as caught:
            accounts.mark_verified(session, resident, digest, band, district, NOW)
        assert caught.value.field == field
    with _session(engine) as session, pytest.raises(NotFound):
        accounts.mark_verified(session, resident + 99, HASH_A, "25-34", "Heule", NOW)


def test_racing_verifications_with_one_hash_exactly_one_wins(engine: Engine) -> None:
    ids = [_confirmed(engine, f"resident{n}@example.be") for n in range(2)]
    start = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def verify(resident_id: int) -> None:
        start.wait()
        try:
            with _session(engine) as session:
                accounts.mark_verified(session, resident_id, HASH_A, "18-24", "Heule", NOW)
            outcomes.append("verified")
        except VerificationTaken:
            outcomes.append("taken")
        except BaseException as exc:  # reported below, not lost in the thread
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=verify, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken", "verified"]
    with engine.connect() as conn:
        verified = conn.execute(select(residents.c.id).where(residents.c.verified_at.is_not(None)))
        assert len(verified.all()) == 1


def test_racing_registrations_of_one_address_make_one_account(engine: Engine) -> None:
    start = threading.Barrier(2)
    results: list[object] = []

    def register(password: str) -> None:
        start.wait()
        try:
            results.append(_register(engine, "Jan@example.be", password))
        except BaseException as exc:
            results.append(exc)

    threads = [
        threading.Thread(target=register, args=(p,)) for p in ("password one", "password two")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, Registration) and not r.already_registered for r in results), results
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(residents)).scalar_one() == 1


def test_the_export_has_the_account_but_no_secret(engine: Engine) -> None:
    resident = _confirmed(engine)
    with _session(engine) as session:
        accounts.mark_verified(session, resident, HASH_A, "25-34", "Heule", NOW)
        accounts.request_reset(session, "jan@example.be", NOW)
    with _session(engine) as session:
        exported = accounts.export_data(
            session, resident, {"ideas": lambda _s, rid: [{"author": rid, "title": "Bankjes"}]}
        )
        stored = session.execute(select(residents).where(residents.c.id == resident)).one()
    text = json.dumps(exported)  # JSON-ready as it is
    assert exported["format"] == accounts.EXPORT_FORMAT
    assert exported["account"] == {
        "id": resident, "email": "jan@example.be", "display_name": "Jan", "language": "nl",
        "created_at": NOW.isoformat(), "confirmed_at": NOW.isoformat(), "verified": True,
        "verified_at": NOW.isoformat(), "age_band": "25-34", "district": "Heule",
    }  # fmt: skip
    assert exported["ideas"] == [{"author": resident, "title": "Bankjes"}]
    assert stored.password_hash not in text
    assert "argon2" not in text
    assert HASH_A not in text
    with _session(engine) as session, pytest.raises(ValueError, match="account"):
        accounts.export_data(session, resident, {"account": lambda _s, _r: {}})


def test_the_export_has_the_residents_contributions_and_no_one_elses(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    me, other = world_resident(engine), world_resident(engine, verified=False)
    mine = propose(engine, pid, me, "Trees on the square", text="Plant ten lime trees here.")
    mine_too = propose(engine, pid, me, "More trees, please")
    theirs = propose(engine, pid, world_resident(engine), "Benches by the river",
                     text="Their own words about benches.")  # fmt: skip
    moderator, evaluator = official(engine, "moderator"), official(engine, "evaluator")
    nobody = world_resident(engine)
    with world_tx(engine) as s:
        my_reaction = react(s, theirs.id, me, "Yes, near the bridge.", "en", PROPOSALS)
        their_reaction = react(s, mine.id, other, "Their reaction to my idea", "en", PROPOSALS)
        support(s, theirs.id, me, PROPOSALS)
        support(s, mine.id, other, PROPOSALS)
        my_report = report(s, me, "spam", PROPOSALS, reaction_id=their_reaction.id,
                           note="My note on it")  # fmt: skip
        report(s, other, "off-topic", PROPOSALS, idea_id=mine.id, note="Their note on mine")
        hide(s, moderator, "spam", PROPOSALS, reaction_id=my_reaction.id)
    with world_tx(engine) as s:
        merge(s, evaluator, mine_too.id, theirs.id, SCREENING)
    with _session(engine) as session:
        exported = accounts.export_data(session, me, export.SECTIONS)
        alone = accounts.export_data(session, nobody, export.SECTIONS)
    assert list(exported) == ["format", "account", "ideas", "co_authored_ideas", "reactions",
                              "supports", "reports"]  # fmt: skip
    ideas = exported["ideas"]
    assert isinstance(ideas, list)
    assert [(i["id"], i["title"], i["status"]) for i in ideas] == [
        (mine.id, "Trees on the square", "submitted"),
        (mine_too.id, "More trees, please", "merged"),
    ]
    assert ideas[0]["text"] == "Plant ten lime trees here."
    assert (ideas[0]["domain"], ideas[0]["created_at"]) == ("environment", PROPOSALS.isoformat())
    assert exported["co_authored_ideas"] == [{
        "id": theirs.id, "process": pid, "title": "Benches by the river",
        "status": "submitted", "created_at": PROPOSALS.isoformat(), "merged_from": mine_too.id,
    }]  # fmt: skip
    assert exported["reactions"] == [{
        "id": my_reaction.id, "idea": theirs.id, "reply_to": None, "language": "en",
        "text": "Yes, near the bridge.", "created_at": PROPOSALS.isoformat(), "hidden": True,
    }]  # fmt: skip
    assert exported["supports"] == [
        {"idea": theirs.id, "created_at": PROPOSALS.isoformat(), "counted": True}
    ]
    assert exported["reports"] == [{
        "id": my_report, "idea": None, "reaction": their_reaction.id, "reason": "spam",
        "note": "My note on it", "created_at": PROPOSALS.isoformat(), "handled": False,
    }]  # fmt: skip
    text = json.dumps(exported)  # JSON-ready, and nothing of the other residents'
    with _session(engine) as session:
        someone = accounts.get_account(session, other)
    for words in ("Their reaction", "Their note", "off-topic", "Their own words",
                  someone.email, f'"{someone.display_name}"'):  # fmt: skip
        assert words not in text
    assert {k: alone[k] for k in export.SECTIONS} == {k: [] for k in export.SECTIONS}


def test_deleting_an_account_deletes_its_tokens(engine: Engine) -> None:
    resident = _confirmed(engine)
    _run(engine, lambda s: accounts.request_reset(s, "jan@example.be", NOW))
    assert _tokens(engine, resident) == 2  # the used confirmation link, the reset link
    _run(engine, lambda s: accounts.delete_account(s, resident, NOW))
    assert _tokens(engine, resident) == 0
    assert _log_in(engine, "jan@example.be", PASSWORD) is None
    with pytest.raises(NotFound):
        _run(engine, lambda s: accounts.delete_account(s, resident, NOW))
    again = _register(engine)  # the address is free again
    assert not again.already_registered


def test_purge_removes_dead_links_and_unconfirmed_accounts(engine: Engine) -> None:
    confirmed = _confirmed(engine, "jan@example.be")
    unconfirmed = _register(engine, "piet@example.be")
    later = NOW + CONFIRM_LIFETIME
    assert _run(engine, lambda s: accounts.purge_expired(s, later)) == (2, 1)
    with _session(engine) as session:
        assert accounts.get_account(session, confirmed).email == "jan@example.be"
        with pytest.raises(NotFound):
            accounts.get_account(session, unconfirmed.resident_id)


def test_times_must_be_aware(engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _run(engine, lambda s: accounts.register(s, "jan@example.be", PASSWORD, "Jan", "nl",
                                                 NOW.replace(tzinfo=None)))  # fmt: skip


def test_the_confirmation_link_travels_by_mail(engine: Engine) -> None:
    """The whole path: register, mail the link through a real SMTP server, confirm."""
    made = _register(engine, "zoe@example.be", name="Zoë")
    with running_smtp_server() as server:
        mailer = Mailer.from_url(server.url, "noreply@participatie.kortrijk.be")
        link = f"https://participatie.kortrijk.be/account/confirm/{made.confirm_token}"
        mailer.send(made.email, "Bevestig uw e-mailadres", f"Dag Zoë,\n\n{link}\n")
        (got,) = server.wait_for(1)
    body = got.message.get_content()
    token = re.search(r"/confirm/([A-Za-z0-9_-]{43})", body)
    assert token is not None
    assert (
        _run(engine, lambda s: accounts.confirm(s, token.group(1), PASSWORD, NOW))
        == made.resident_id
    )
