"""The platform register, on SQLite and PostgreSQL: import, letters, verifying an account."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, Row, inspect, select, text
from sqlalchemy.orm import Session

from cli.context import Context
from cli.main import evote
from cli.platform_commands import platform
from evoting import db, schema
from evoting.deployment import DeploymentKeys
from evoting.register_schema import platform_login_failures, platform_register
from identity.eligibility import Ineligibility
from identity.nrn import make_number, parse
from identity.platform import (
    EntryAlreadyUsed,
    NotEligible,
    PlatformLetterError,
    Verified,
    generate_platform_codes,
    import_platform_register,
    platform_number_hasher,
    release_verification,
    verify_resident,
    verify_url,
    write_platform_letters,
)
from identity.providers import (
    GENERIC_FAILURE,
    LOCK_OUT,
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    AuthenticationFailed,
    FormError,
    LockedOut,
)
from identity.register import RegisterError, RegisterFile, read_register
from tests.integration.conftest import EXAMPLES, Setup

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # 11:00 in Brussels
KORTRIJK = "34022"
SAMPLE = (EXAMPLES / "register-sample.csv").read_text()
NOT_ELIGIBLE = ("Greet Willems", "Hans Mertens")  # excluded; lives in Gent


Then = Callable[[Session, Verified], object]


def _csv(text: str) -> RegisterFile:
    return read_register(text.encode(), NOW.date())


@dataclass
class Platform:
    factory: Callable[[], Session]
    keys: DeploymentKeys
    register: RegisterFile
    codes: dict[str, str]  # name -> code

    def number(self, name: str) -> str:
        return next(r.number.digits for r in self.register.rows if r.name.startswith(name))

    def verify(self, name: str, code: str | None = None, *, client: str = "198.51.100.7",
               now: datetime.datetime = NOW, then: Then | None = None,
               verified_as: str | None = None) -> Verified:  # fmt: skip
        full = next(r.name for r in self.register.rows if r.name.startswith(name))
        return verify_resident(self.factory, self.keys, self.number(name), code or self.codes[full],
                               client, now, then=then, verified_as=verified_as)  # fmt: skip

    def entry(self, name: str) -> Row[Any]:
        number_hash = platform_number_hasher(self.keys)(parse(self.number(name)))
        with self.factory() as session:
            return session.execute(
                select(platform_register).where(platform_register.c.number_hash == number_hash)
            ).one()


def _letters(p: Platform, now: datetime.datetime = NOW, *, renew: bool = False) -> int:
    with p.factory() as session, session.begin():
        made = generate_platform_codes(session, p.register, p.keys, now, renew=renew)
    p.codes.update({letter.name: letter.code for letter in made.letters})
    return len(made.letters)


def make_platform(engine: Engine, register: RegisterFile, keys: DeploymentKeys | None = None,
                  min_age: int = 16) -> Platform:  # fmt: skip
    p = Platform(db.session_factory(engine), keys or DeploymentKeys.generate(), register, {})
    with p.factory() as session, session.begin():
        import_platform_register(session, register, p.keys, NOW, min_age, municipality=KORTRIJK)
    _letters(p)
    return p


@pytest.fixture
def plat(engine: Engine) -> Platform:
    return make_platform(engine, _csv(SAMPLE))


# --- import, letters, verify -------------------------------------------------------------


def test_import_letters_then_verify(plat: Platform, tmp_path: Path) -> None:
    assert sorted(plat.codes) == sorted(
        r.name for r in plat.register.rows if r.name not in NOT_ELIGIBLE
    )
    out = tmp_path / "letters.pdf"
    with plat.factory() as session, session.begin():
        again = generate_platform_codes(session, plat.register, plat.keys, NOW)
    assert (again.letters, again.kept, again.not_eligible) == ((), 10, 2)
    with plat.factory() as session, session.begin():
        renewed = generate_platform_codes(session, plat.register, plat.keys, NOW, renew=True)
    assert write_platform_letters(out, "https://participatie.kortrijk.be/", renewed.letters) == 10
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_mode & 0o777 == 0o600
    for letter in renewed.letters:
        plat.codes[letter.name] = letter.code

    seen: list[Verified] = []
    verified = plat.verify("An", then=lambda session, v: seen.append(v))
    assert verified == Verified("35-44", "Centrum", verified.verification_hash) == seen[0]
    assert len(verified.verification_hash) == 64
    assert plat.entry("An").verified_on == NOW.date()
    code = plat.codes["Bram Claes"]
    url = verify_url("https://participatie.kortrijk.be/", code)
    assert url == f"https://participatie.kortrijk.be/account/verify#code={code[:4]}-" + (
        "-".join(code[i : i + 4] for i in range(4, 17, 4))
    )
    with pytest.raises(PlatformLetterError, match="web address"):
        write_platform_letters(out, "participatie.kortrijk.be", renewed.letters)


def test_renewed_codes_void_the_old_letters(plat: Platform) -> None:
    old = plat.codes["Bram Claes"]
    plat.verify("An")
    assert _letters(plat, renew=True) == 9  # An verified: no new letter
    with pytest.raises(AuthenticationFailed):
        plat.verify("Bram", old)
    plat.verify("Bram")


def test_letters_need_the_imported_file(plat: Platform) -> None:
    moved = _csv(SAMPLE.replace("Centrum,An Peeters", "Marke,An Peeters"))
    with pytest.raises(PlatformLetterError, match="line 2: differs"), plat.factory() as session:
        generate_platform_codes(session, moved, plat.keys, NOW)


def test_a_wrong_code_and_an_unknown_number_get_one_answer(plat: Platform) -> None:
    with pytest.raises(AuthenticationFailed) as wrong:
        plat.verify("An", plat.codes["Bram Claes"])
    stranger = make_number(datetime.date(1980, 1, 1), 123)
    with pytest.raises(AuthenticationFailed) as unknown:
        verify_resident(plat.factory, plat.keys, stranger, plat.codes["An Peeters"],
                        "198.51.100.8", NOW)  # fmt: skip
    assert str(wrong.value) == str(unknown.value) == GENERIC_FAILURE
    with pytest.raises(FormError, match="register number"):
        verify_resident(plat.factory, plat.keys, "12345", plat.codes["An Peeters"], "x", NOW)
    with pytest.raises(FormError, match="code"):
        verify_resident(plat.factory, plat.keys, plat.number("An"), "ABCD", "x", NOW)
    assert plat.entry("An").verified_on is None


def test_repeated_failures_lock_the_number_out(plat: Platform) -> None:
    wrong = plat.codes["Bram Claes"]
    for i in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            plat.verify("An", wrong, client=f"203.0.113.{i}")
    with pytest.raises(LockedOut):
        plat.verify("An", client="203.0.113.99")  # the right code, too late
    assert plat.verify("An", now=NOW + LOCK_OUT + datetime.timedelta(seconds=1))
    with plat.factory() as session:
        left = session.execute(select(platform_login_failures)).all()
    assert all(row.kind in ("number", "client") and len(row.subject) == 64 for row in left)


def test_repeated_failures_lock_the_client_out(plat: Platform) -> None:
    for i in range(MAX_CLIENT_FAILURES):
        stranger = make_number(datetime.date(1980, 1, 1), i + 1)
        with pytest.raises(AuthenticationFailed):
            verify_resident(plat.factory, plat.keys, stranger, plat.codes["An Peeters"],
                            "2001:db8::1", NOW)  # fmt: skip
    with pytest.raises(LockedOut):
        plat.verify("An", client="2001:db8::2")  # the same /64
    assert plat.verify("An", client="2001:db8:1::1")


def test_one_register_entry_verifies_one_account(plat: Platform) -> None:
    first = plat.verify("An")
    with pytest.raises(EntryAlreadyUsed):
        plat.verify("An")
    assert plat.verify("An", verified_as=first.verification_hash) == first  # that same account
    with pytest.raises(EntryAlreadyUsed):
        plat.verify("An", verified_as=plat.verify("Bram").verification_hash)
    with plat.factory() as session, session.begin():
        assert release_verification(session, plat.keys, first.verification_hash)
        assert not release_verification(session, plat.keys, "0" * 64)
    assert plat.verify("An") == first  # the account was deleted: another may be verified


def test_if_the_account_cannot_be_marked_nothing_is(plat: Platform) -> None:
    def refuse(session: Session, verified: Verified) -> None:
        raise RuntimeError("the account is verified as someone else")

    with pytest.raises(RuntimeError):
        plat.verify("An", then=refuse)
    assert plat.entry("An").verified_on is None
    plat.verify("An")


def test_two_racing_verifications_one_wins(plat: Platform) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            outcomes.append(plat.verify("An", client=f"192.0.2.{i}"))
        except EntryAlreadyUsed as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["EntryAlreadyUsed", "Verified"]


def test_reimport_keeps_codes_and_verifications(plat: Platform) -> None:
    plat.verify("An")
    lines = SAMPLE.splitlines()
    changed = [lines[0], lines[1], lines[2].replace("Centrum", "Marke"), *lines[4:]]
    with plat.factory() as session, session.begin():
        summary = import_platform_register(session, _csv("\n".join(changed)), plat.keys, NOW,
                                           municipality=KORTRIJK)  # fmt: skip
    assert (summary.rows, summary.added, summary.removed, summary.changed) == (11, 0, 1, 1)
    assert plat.entry("An").verified_on == NOW.date()
    assert plat.verify("Bram").district == "Marke"  # the code from before still works
    with pytest.raises(AuthenticationFailed):
        plat.verify("Chantal")  # left the register


def test_minimum_age_on_the_day_of_verification(engine: Engine) -> None:
    day = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
    young, sixteen = datetime.date(2010, 6, 2), datetime.date(2010, 6, 1)
    rows = [SAMPLE.splitlines()[0]] + [
        f"{make_number(born, 5)},{born},{KORTRIJK},Heule,{name},Straat 1,8500,Kortrijk,,"
        for born, name in ((young, "Young"), (sixteen, "Sixteen"))
    ]
    register = read_register("\n".join(rows).encode(), day.date())
    p = make_platform(engine, register, min_age=15)
    assert sorted(p.codes) == ["Sixteen", "Young"]
    with p.factory() as session, session.begin():  # the city raises the age: codes are kept
        import_platform_register(session, register, p.keys, day, 16)
    with pytest.raises(NotEligible) as refused:
        p.verify("Young", now=day)  # 15 years and 364 days
    assert [r.code for r in refused.value.reasons] == [Ineligibility.TOO_YOUNG]
    assert "02/06/2026" in str(refused.value)
    assert p.verify("Sixteen", now=day).age_band == "16-17"  # 16 today
    assert p.verify("Young", now=day + datetime.timedelta(days=1)).age_band == "16-17"


def test_excluded_and_non_residents_are_refused(engine: Engine) -> None:
    free = SAMPLE.replace('Overleiestraat 22",8500,Kortrijk,x', 'Overleiestraat 22",8500,Kortrijk,')
    p = make_platform(engine, _csv(free))
    assert "Greet Willems" in p.codes
    with p.factory() as session, session.begin():
        import_platform_register(session, _csv(SAMPLE), p.keys, NOW, municipality=KORTRIJK)
    with pytest.raises(NotEligible) as refused:
        p.verify("Greet")
    assert [r.code for r in refused.value.reasons] == [Ineligibility.EXCLUDED]
    moved = SAMPLE.replace(f"{KORTRIJK},Marke,Chantal", "44021,Marke,Chantal")
    with p.factory() as session, session.begin():
        import_platform_register(session, _csv(moved), p.keys, NOW, municipality=KORTRIJK)
    with pytest.raises(NotEligible) as away:
        p.verify("Chantal")
    assert [r.code for r in away.value.reasons] == [Ineligibility.NOT_RESIDENT]


def test_the_city_is_named_when_the_file_has_several(engine: Engine) -> None:
    with pytest.raises(RegisterError, match="2 municipalities"), Session(engine) as session:
        import_platform_register(session, _csv(SAMPLE), DeploymentKeys.generate(), NOW)
    with pytest.raises(RegisterError, match="not a Belgian NIS code"), Session(engine) as session:
        import_platform_register(session, _csv(SAMPLE), DeploymentKeys.generate(), NOW,
                                 municipality="99999")  # fmt: skip


# --- privacy -----------------------------------------------------------------------------


def test_verification_hashes_are_the_persons_and_nothing_an_election_holds(
    engine: Engine, setup: Setup
) -> None:
    """The same deployment runs an election (kortrijk-2019, same residents) and the platform."""
    p = make_platform(engine, setup.register, setup.keys)
    an = p.verify("An")
    with p.factory() as session, session.begin():
        release_verification(session, p.keys, an.verification_hash)
    assert p.verify("An") == an
    others = {p.verify(name).verification_hash for name in ("Bram", "Chantal", "Dries")}
    assert len(others | {an.verification_hash}) == 4
    with p.factory() as session:
        election = {v for row in session.execute(select(schema.voters)) for v in row}
        platform_values = {v for row in session.execute(select(platform_register)) for v in row}
    assert not (others | {an.verification_hash}) & election
    hashes = {v for v in platform_values if isinstance(v, str) and len(v) == 64}
    assert len(hashes) == 2 * len(p.register.rows) - len(NOT_ELIGIBLE)  # numbers' and codes'
    assert not hashes & election


def test_nothing_stores_a_register_number_name_or_address(plat: Platform) -> None:
    plat.verify("An")
    with pytest.raises(AuthenticationFailed):
        plat.verify("Bram", plat.codes["An Peeters"])
    parts = []
    with plat.factory() as session:
        for table in inspect(session.connection()).get_table_names():
            if table.startswith("platform_"):
                parts += [str(v) for row in session.execute(text(f'SELECT * FROM "{table}"'))
                          for v in row]  # fmt: skip
    dump = "\n".join(parts)
    assert dump
    for row in plat.register.rows:
        for personal in (row.number.digits, row.number.formatted(), row.name, row.street):
            assert personal not in dump
    for code in plat.codes.values():
        assert code not in dump


# --- the command line --------------------------------------------------------------------


def test_the_commands(tmp_path: Path) -> None:
    database, instance = f"sqlite:///{tmp_path / 'cli.sqlite3'}", tmp_path / "inst"
    runner = CliRunner()
    assert (
        runner.invoke(evote, ["--db", database, "--instance", str(instance), "init"]).exit_code == 0
    )
    sample = str(EXAMPLES / "register-sample.csv")

    def run(*args: str) -> tuple[int, str]:
        context = Context(url=database, instance=instance, clock=lambda: NOW)
        try:
            result = runner.invoke(platform, list(args), obj=context)
        finally:
            context.close()
        return result.exit_code, result.output

    code, output = run("register", sample)
    assert code == 1
    assert "2 municipalities" in output
    code, output = run("register", sample, "--municipality", KORTRIJK, "--min-age", "18")
    assert code == 0, output
    assert (
        "12 residents (12 added, 0 removed, 0 changed, 0 unchanged), verifying from age 18"
        in output
    )
    out = tmp_path / "letters.pdf"
    code, output = run("letters", sample, "--out", str(out), "--url", "https://p.kortrijk.be",
                       "--language", "fr")  # fmt: skip
    assert code == 0, output
    assert output.startswith(f"10 letters written to {out}; ")
    assert "2 not eligible" in output
    assert out.read_bytes().startswith(b"%PDF")
    code, output = run("letters", sample, "--out", str(out), "--url", "https://p.kortrijk.be")
    assert code == 0
    assert output.startswith("0 letters")
    assert "10 residents who have a code" in output
    code, output = run("letters", sample, "--out", str(out), "--url", "https://p.kortrijk.be",
                       "--renew")  # fmt: skip
    assert code == 0
    assert output.startswith("10 letters")
    bad = tmp_path / "bad.csv"
    bad.write_text(SAMPLE.replace(",1985-07-14,", ",1985-07-15,"))
    code, output = run("register", str(bad), "--municipality", KORTRIJK)
    assert code == 1
    assert "line 2: the birth date does not agree" in output
    code, output = run("letters", sample, "--out", str(out), "--url", "p.kortrijk.be")
    assert code == 1
    assert "web address" in output
