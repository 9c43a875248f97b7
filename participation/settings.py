"""A process's settings: its languages, domains, cost cap, districts, who may propose and
its initiative threshold. Stored as canonical JSON in ``processes.settings``:

.. code-block:: yaml

    languages: [nl, fr, en]            # the texts officials give, in each
    domains:                           # Rueil's 7; ideas pick one (when there are any)
      - {id: environment, name: {nl: Milieu, fr: Environnement, en: Environment}}
    cost_cap: 40000                    # whole euros; null: no cap
    proposers: verified                # or everyone (with a confirmed e-mail)
    districts: [centrum, watou]        # ideas pick one (when there are any)
    initiative:                        # optional
      supports: 300                    # an absolute number of verified supports, or
      percent: "1.5"                   #   a share of the population (a decimal text)
      population: 20000                #   ... of this many residents
      starts_on: 2026-03-01            # the period (Brussels days, both included)
      ends_on: 2026-06-30
      answer_within_days: 90           # the council answers within this many days
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from participation.errors import InvalidInput
from participation.fields import LANGUAGES, day_start, per_language, plain, whole

ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # as the manifest's ids (evoting/election.py)
PROPOSERS = ("everyone", "verified")
MAX_COST = 10**9  # whole euros
MAX_DOMAINS = 64
MAX_DISTRICTS = 256
_KEYS = {"languages", "domains", "cost_cap", "proposers", "districts", "initiative"}
_INITIATIVE_KEYS = {"supports", "percent", "population", "starts_on", "ends_on",
                    "answer_within_days"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    name: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Initiative:
    supports: int | None
    percent: Decimal | None
    population: int | None
    starts_on: datetime.date
    ends_on: datetime.date
    answer_within_days: int

    @property
    def threshold(self) -> int:
        """Verified supports needed: the number, or ⌈percent × population / 100⌉."""
        if self.supports is not None:
            return self.supports
        assert self.percent is not None
        assert self.population is not None
        return max(1, math.ceil(self.percent * self.population / 100))

    def within(self, moment: datetime.datetime) -> bool:
        return day_start(self.starts_on) <= moment < self.period_end

    @property
    def period_start(self) -> datetime.datetime:
        return day_start(self.starts_on)

    @property
    def period_end(self) -> datetime.datetime:
        return day_start(self.ends_on + datetime.timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Settings:
    languages: tuple[str, ...]
    domains: tuple[Domain, ...]
    cost_cap: int | None
    proposers: str
    districts: tuple[str, ...]
    initiative: Initiative | None

    def domain_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.domains)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "languages": list(self.languages),
            "domains": [{"id": d.id, "name": dict(d.name)} for d in self.domains],
            "cost_cap": self.cost_cap,
            "proposers": self.proposers,
            "districts": list(self.districts),
            "initiative": None,
        }
        i = self.initiative
        if i is not None:
            out["initiative"] = {
                "supports": i.supports,
                "percent": None if i.percent is None else str(i.percent),
                "population": i.population,
                "starts_on": i.starts_on.isoformat(),
                "ends_on": i.ends_on.isoformat(),
                "answer_within_days": i.answer_within_days,
            }
        return out


def identifier(value: object, field: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise InvalidInput(field, "invalid", "1-63 lowercase letters, digits and dashes")
    return value


def _date(value: object, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        raise InvalidInput(field, "invalid", "a date, YYYY-MM-DD")
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(field, "invalid", "a date, YYYY-MM-DD") from None


def _list(value: object, field: str, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit:
        raise InvalidInput(field, "invalid", f"a list of at most {limit}")
    return value


def _initiative(raw: object) -> Initiative | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput("settings.initiative", "invalid", "a mapping")
    for key in raw:
        if key not in _INITIATIVE_KEYS:
            raise InvalidInput(f"settings.initiative.{key}", "unknown")
    supports = percent = population = None
    if raw.get("supports") is not None:
        if raw.get("percent") is not None:
            raise InvalidInput("settings.initiative", "invalid", "supports or percent, not both")
        supports = whole(raw["supports"], "settings.initiative.supports", 1, 10**8)
    else:
        try:
            percent = Decimal(str(raw.get("percent")))
        except InvalidOperation:
            raise InvalidInput("settings.initiative.percent", "invalid", 'e.g. "1.5"') from None
        if isinstance(raw.get("percent"), float) or not (
            percent.is_finite() and Decimal(0) < percent <= Decimal(100)
        ):
            raise InvalidInput("settings.initiative.percent", "invalid", "a decimal text, 0-100")
        population = whole(raw.get("population"), "settings.initiative.population", 1, 10**8)
    starts = _date(raw.get("starts_on"), "settings.initiative.starts_on")
    ends = _date(raw.get("ends_on"), "settings.initiative.ends_on")
    if ends < starts:
        raise InvalidInput("settings.initiative.ends_on", "invalid", "before starts_on")
    days = whole(raw.get("answer_within_days", 90), "settings.initiative.answer_within_days",
                 1, 3660)  # fmt: skip
    return Initiative(supports, percent, population, starts, ends, days)


def read_settings(raw: Mapping[str, object]) -> Settings:
    """Validated settings; raises `InvalidInput` naming the first bad field."""
    for key in raw:
        if key not in _KEYS:
            raise InvalidInput(f"settings.{key}", "unknown")
    languages = raw.get("languages", list(LANGUAGES))
    if (not isinstance(languages, list) or not languages
            or any(lang not in LANGUAGES for lang in languages)
            or len(set(languages)) != len(languages)):  # fmt: skip
        raise InvalidInput("settings.languages", "invalid", "distinct languages of nl, fr, en")
    domains = []
    for i, item in enumerate(_list(raw.get("domains"), "settings.domains", MAX_DOMAINS)):
        where = f"settings.domains[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(where, "invalid", "an id and a name per language")
        domains.append(
            Domain(
                identifier(item.get("id"), f"{where}.id"),
                per_language(item.get("name"), languages, f"{where}.name", 100),
            )
        )
    if len({d.id for d in domains}) != len(domains):
        raise InvalidInput("settings.domains", "invalid", "a domain id is used twice")
    cap = raw.get("cost_cap")
    cost_cap = None if cap is None else whole(cap, "settings.cost_cap", 0, MAX_COST)
    proposers = raw.get("proposers", "verified")
    if proposers not in PROPOSERS:
        raise InvalidInput("settings.proposers", "unknown", "everyone or verified")
    districts = tuple(
        plain(d, f"settings.districts[{i}]", 64)
        for i, d in enumerate(_list(raw.get("districts"), "settings.districts", MAX_DISTRICTS))
    )
    if len(set(districts)) != len(districts):
        raise InvalidInput("settings.districts", "invalid", "a district is named twice")
    return Settings(tuple(languages), tuple(domains), cost_cap, str(proposers), districts,
                    _initiative(raw.get("initiative")))  # fmt: skip
