"""After a whole election, no table keeps the moment at which a resident did anything.

Login order is board order: a login's or an issuance's time, kept next to anything
that names the resident (a keyed hash of their register number, their address),
would let whoever holds the database and the deployment secret put names on
ballots. Here residents log in (some after failed attempts), take credentials,
challenge and cast ballots, each at its own moment to the microsecond; then the
vote closes and every column of every table of the schema is read.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator

import pytest
from sqlalchemy import Date, DateTime, Engine, Interval, Table, Time, inspect, select

from ballots.ballot import encrypt_ballot
from ballots.cast import cast, publish_spoiled
from ballots.spoil import spoiled_record
from evoting import platform_schema, register_schema, residents_schema, schema
from evoting.crypto.canonical import canonical_json
from identity.providers import AuthenticationFailed, FormError, PollCardProvider, login
from tally.service import close_vote
from tests.integration.conftest import CLOSED, NOW, Setup, obtain_credential

# Times that concern no resident: when the election, its keys, a register import
# or an official's account were made.
OFFICE_TIMES = {
    ("elections", "created_at"),
    ("register_imports", "imported_at"),
    ("election_keys", "created_at"),
    ("officials", "created_at"),
}
# The login throttle's counters: per register number and address, so per person;
# kept only while they limit guessing, and all deleted when the vote closes.
GONE_AT_CLOSE = {("login_failures", "window_started_at"), ("login_failures", "locked_until")}
# Days, not moments (documented in evoting/schema.py and docs/threat-model.md).
DAYS = {
    ("voters", "birth_date"),
    ("voters", "credential_issued_on"),
    ("voters", "paper_voted_on"),
}
# The participation platform's tables (accounts, processes, ideas, its own register):
# an idea's or an account's date is the platform's business and public by nature, and
# none of them names a voter, a credential or a ballot. A vote writes nothing there,
# which is what this test holds them to (the platform's own tests cover them).
PLATFORM = {table.name for module in (residents_schema, platform_schema, register_schema)
            for table in vars(module).values() if isinstance(table, Table)}  # fmt: skip
RESIDENTS = ("An", "Bram", "Chantal", "Dries", "Finn")
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def _moment(i: int, step: int = 0) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=7 * i + step, seconds=13, microseconds=4321 * (i + 1))


def _forms(moment: datetime.datetime) -> Iterator[str]:
    """Ways a stored moment could be written, to the minute."""
    for m in (moment, moment.astimezone(BRUSSELS)):
        yield m.strftime("%Y-%m-%dT%H:%M")
        yield m.strftime("%Y-%m-%d %H:%M")
    yield str(int(moment.timestamp()))  # epoch seconds


def _only_failures_counted(s: Setup, failures: list[datetime.datetime]) -> None:
    """During the vote, the throttle's rows hold failed attempts only."""
    t = schema.login_failures
    with s.factory() as session:
        started = session.execute(select(t.c.window_started_at)).scalars().all()
    assert {_utc(moment) for moment in started} <= set(failures)


def _election(s: Setup) -> list[datetime.datetime]:
    """Run the vote; returns every moment at which a resident did something."""
    moments: list[datetime.datetime] = []
    failures: list[datetime.datetime] = []
    provider = PollCardProvider(s.keys)
    for i, name in enumerate(RESIDENTS):
        if i % 2 == 0:  # a typo first, then the right code
            typo = _moment(i, 0)
            wrong = s.form(name, code=s.codes[s.number("Luc")])
            with pytest.raises(AuthenticationFailed):
                login(s.factory, provider, s.keys, s.election_id, wrong, f"client-{name}", typo)
            moments.append(typo)
            failures.append(typo)
        logged_in = _moment(i, 1)
        credential = obtain_credential(s, name, now=logged_in)
        moments.append(logged_in)
        _only_failures_counted(s, failures)
        if name == "Chantal":  # challenges a ballot, then casts a fresh one
            ballot, secrets = encrypt_ballot(s.manifest, s.public_key, credential,
                                             {"car-free-sunday": "no"})  # fmt: skip
            challenged = _moment(i, 2)
            record = canonical_json(spoiled_record(ballot, secrets))
            publish_spoiled(s.factory, s.keys, s.election_id, record, now=challenged)
            moments.append(challenged)
        ballot, _ = encrypt_ballot(s.manifest, s.public_key, credential, {"car-free-sunday": "yes"})
        voted = _moment(i, 3)
        cast(s.factory, s.keys, s.election_id, ballot.canonical(), voted)
        moments.append(voted)
    for j, form in enumerate(({"register_number": s.number("Ilse"), "code": "nonsense"},
                              s.form("Ilse", code=s.codes[s.number("Luc")]))):  # fmt: skip
        failed = _moment(len(RESIDENTS) + j)
        with pytest.raises((FormError, AuthenticationFailed)):
            login(s.factory, provider, s.keys, s.election_id, form, "198.51.100.99", failed)
        moments.append(failed)
        failures.append(failed)
    _only_failures_counted(s, failures)
    return moments


def test_no_table_keeps_a_residents_moment_after_the_close(setup: Setup) -> None:
    moments = _election(setup)
    with setup.factory() as session:
        assert session.execute(select(schema.login_failures)).first() is not None  # during
    close_vote(setup.factory, setup.keys, setup.election_id, CLOSED, workers=1)

    assert {"residents", "ideas", "supports", "platform_register"} <= PLATFORM
    seen = set()
    text: list[str] = []
    with setup.factory() as session:
        for table in schema.metadata.sorted_tables:
            rows = session.execute(select(table)).all()
            if table.name in PLATFORM:
                assert rows == [], f"the vote wrote to the platform's {table.name}"
                continue
            for column in table.columns:
                where = (table.name, column.name)
                values = [getattr(row, column.name) for row in rows]
                text += [str(v) for v in values if v is not None]
                if isinstance(column.type, DateTime | Time | Interval):
                    seen.add(where)
                    assert where in OFFICE_TIMES | GONE_AT_CLOSE, f"review {where}: a time"
                    if where in GONE_AT_CLOSE:
                        assert not [v for v in values if v is not None], f"{where} kept"
                    else:
                        assert not {_utc(v) for v in values} & set(moments), where
                elif isinstance(column.type, Date):
                    seen.add(where)
                    assert where in DAYS, f"review {where}: a date"
                    assert all(v is None or type(v) is datetime.date for v in values), where
    assert seen == OFFICE_TIMES | GONE_AT_CLOSE | DAYS  # every time column was looked at
    dump = "\n".join(text)
    for moment in moments:
        for form in _forms(moment):
            assert form not in dump, (moment, form)


def _utc(value: object) -> object:
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)  # SQLite keeps no zone; we store UTC
    return value


def test_the_voting_days_are_days_in_the_database(engine: Engine) -> None:
    for name in ("credential_issued_on", "paper_voted_on"):
        declared = schema.voters.c[name].type
        assert isinstance(declared, Date)
        assert not isinstance(declared, DateTime)
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("voters")}
    for name in ("credential_issued_on", "paper_voted_on"):
        assert isinstance(columns[name], Date), columns[name]
        assert not isinstance(columns[name], DateTime), columns[name]
