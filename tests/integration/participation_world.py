"""A Poperinge-style process for the participation tests: officials, residents, phases."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from evoting import db, schema
from evoting.accounts import Official
from evoting.residents_schema import residents
from participation.ideas import Draft, Idea, submit_idea
from participation.processes import PhasePlan, create_process

UTC = datetime.UTC
D = datetime.date
PROPOSALS = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
SCREENING = datetime.datetime(2026, 4, 10, 10, 0, tzinfo=UTC)
SHORTLIST = datetime.datetime(2026, 5, 5, 10, 0, tzinfo=UTC)
VOTE = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
FOLLOW_UP = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
PHASES = [
    PhasePlan("information", D(2026, 2, 1), D(2026, 2, 28)),
    PhasePlan("proposals", D(2026, 3, 1), D(2026, 3, 31)),
    PhasePlan("screening", D(2026, 4, 1), D(2026, 4, 30)),
    PhasePlan("shortlist", D(2026, 5, 1), D(2026, 5, 15)),
    PhasePlan("vote", D(2026, 5, 16), D(2026, 5, 31)),
    PhasePlan("results", D(2026, 6, 1), D(2026, 6, 14)),
    PhasePlan("follow-up", D(2026, 6, 15), None),
]
LANGS = ("nl", "fr", "en")


def texts(word: str) -> dict[str, str]:
    return {lang: f"{word} ({lang})" for lang in LANGS}


def settings(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "languages": list(LANGS),
        "domains": [
            {"id": "environment", "name": texts("environment")},
            {"id": "mobility", "name": texts("mobility")},
        ],
        "cost_cap": 40_000,
        "proposers": "verified",
        "districts": ["centrum", "watou"],
        "initiative": {
            "supports": 3,
            "starts_on": "2026-03-01",
            "ends_on": "2026-04-30",
            "answer_within_days": 90,
        },
    }
    return base | changes


_ids = itertools.count(1)


@contextmanager
def tx(engine: Engine) -> Iterator[Session]:
    """One committed transaction (rolled back if the block raises)."""
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        yield uow.session
        uow.commit()


def official(engine: Engine, role: str = "admin", name: str | None = None) -> Official:
    username = name or f"{role}-{next(_ids)}"
    with tx(engine) as s:
        row_id = s.execute(insert(schema.officials).values(
            username=username, password_hash="not-a-hash", role=role, disabled=False,
            created_at=PROPOSALS).returning(schema.officials.c.id)).scalar_one()  # fmt: skip
    return Official(int(row_id), username, role, False)


def resident(engine: Engine, *, verified: bool = True, confirmed: bool = True,
             age_band: str = "30-44", district: str = "centrum") -> int:  # fmt: skip
    n = next(_ids)
    values: dict[str, object] = {
        "email": f"resident{n}@example.be", "password_hash": "not-a-hash",
        "display_name": f"Resident {n}", "language": "nl", "created_at": PROPOSALS,
        "confirmed_at": PROPOSALS if confirmed else None,
    }  # fmt: skip
    if verified:
        values |= {"verified_at": PROPOSALS, "age_band": age_band, "district": district,
                   "verification_hash": f"{n:064x}"}  # fmt: skip
    with tx(engine) as s:
        return int(s.execute(insert(residents).values(**values)
                             .returning(residents.c.id)).scalar_one())  # fmt: skip


def make_process(engine: Engine, admin: Official, process_id: str = "poperinge-2026",
                 **setting_changes: Any) -> str:  # fmt: skip
    with tx(engine) as s:
        create_process(s, admin, process_id, texts("Poperinge beslist mee"), texts("About"),
                       "co-decide", settings(**setting_changes), PHASES,
                       PROPOSALS - datetime.timedelta(days=60))  # fmt: skip
    return process_id


def draft(title: str = "Trees on the market square", **changes: Any) -> Draft:
    base: Mapping[str, Any] = {"title": title, "language": "en", "domain": "environment",
                               "text": "Plant ten lime trees around the market square.",
                               "estimated_cost": 12_000, "district": "centrum"}  # fmt: skip
    return Draft(**(dict(base) | changes))


def propose(engine: Engine, process_id: str, author: int, title: str = "Trees on the square",
            when: datetime.datetime = PROPOSALS, **changes: Any) -> Idea:  # fmt: skip
    with tx(engine) as s:
        return submit_idea(s, process_id, author, draft(title, **changes), when)
