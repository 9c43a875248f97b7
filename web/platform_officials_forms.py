"""The "create a process" form: read into what `participation.processes.create_process`
takes, with every refusal placed next to its field.

The web checks only what it must to call the domain (a date is a date, a number a
number); the domain decides the rest and its `InvalidInput` names the field, which
`FIELDS` maps back to the form. The form is shown again with what was typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from participation.fields import LANGUAGES
from participation.processes import LEVELS, PHASE_KINDS, PhasePlan
from participation.settings import MAX_DOMAINS
from web.platform_officials_words import _

DOMAIN_ROWS = 10
"""Empty domain rows the form offers (more appear as rows are filled)."""

RUEIL_DOMAINS: tuple[tuple[str, str, str, str], ...] = (
    ("environment", "Milieu", "Environnement", "Environment"),
    ("mobility", "Mobiliteit", "Mobilité", "Mobility"),
    ("sport", "Sport", "Sport", "Sport"),
    ("culture", "Cultuur", "Culture", "Culture"),
    ("solidarity", "Solidariteit", "Solidarité", "Solidarity"),
    ("digital", "Digitaal", "Numérique", "Digital"),
    ("living", "Leefomgeving", "Cadre de vie", "Living environment"),
)
"""Rueil-Malmaison's seven policy domains (examples/rueil-2019.yaml's ids), in nl, fr, en."""


@dataclass
class ProcessForm:
    """What was typed (``values``), the refusals by field, and the plan once it reads."""

    values: dict[str, str]
    languages: list[str]
    errors: dict[str, str] = field(default_factory=dict)
    domain_rows: int = DOMAIN_ROWS
    plan: dict[str, Any] | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def empty_form() -> ProcessForm:
    values = {
        "level": "co-decide",
        "proposers": "verified",
        "initiative": "none",
        "initiative_days": "90",
    }
    return ProcessForm(values, list(LANGUAGES))


def _filled_rows(values: Mapping[str, str]) -> list[int]:
    return [
        row
        for row in range(MAX_DOMAINS)
        if any(values.get(f"domain_{part}_{row}", "").strip() for part in ("id", *LANGUAGES))
    ]


def with_rueil(form: ProcessForm) -> ProcessForm:
    """The form with Rueil's seven domains in its domain rows (other rows cleared)."""
    values = {k: v for k, v in form.values.items() if not k.startswith("domain_")}
    for row, (ident, nl, fr, en) in enumerate(RUEIL_DOMAINS):
        values |= {
            f"domain_id_{row}": ident,
            f"domain_nl_{row}": nl,
            f"domain_fr_{row}": fr,
            f"domain_en_{row}": en,
        }
    return ProcessForm(values, form.languages, domain_rows=len(RUEIL_DOMAINS) + 3)


def _day(values: Mapping[str, str], name: str, errors: dict[str, str]) -> datetime.date | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("A date, such as 2026-03-01.")
        return None


def _number(values: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    raw = values.get(name, "").strip().replace(".", "").replace(" ", "").replace("\u202f", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors[name] = _("A whole number, such as 40000.")
        return None
    return int(raw)


def read_form(posted: MultiDict[str, str]) -> ProcessForm:
    """The posted form; ``plan`` holds `create_process`'s arguments when it reads."""
    values = {k: v for k, v in posted.items() if k != "csrf_token"}
    languages = [lang for lang in LANGUAGES if posted.get(f"language_{lang}")]
    form = ProcessForm(values, languages)
    rows = _filled_rows(values)
    form.domain_rows = max(DOMAIN_ROWS, (rows[-1] + 3) if rows else 0)
    errors, fields = form.errors, form.fields
    fields |= {
        "id": "id",
        "level": "level",
        "settings.languages": "languages",
        "settings.domains": "domains",
        "settings.cost_cap": "cost_cap",
        "settings.proposers": "proposers",
        "settings.districts": "districts",
        "settings.initiative": "initiative",
        "phases": "phases",
        "settings.initiative.answer_within_days": "initiative_days",
    }
    for lang in LANGUAGES:
        fields |= {f"title.{lang}": f"title_{lang}", f"description.{lang}": f"description_{lang}"}
    fields |= {
        "title": f"title_{languages[0] if languages else 'nl'}",
        "description": f"description_{languages[0] if languages else 'nl'}",
    }
    domains = []
    for k, row in enumerate(rows):
        domains.append(
            {
                "id": values.get(f"domain_id_{row}", "").strip(),
                "name": {lang: values.get(f"domain_{lang}_{row}", "") for lang in languages},
            }
        )
        fields[f"settings.domains[{k}]"] = f"domain_id_{row}"
        fields[f"settings.domains[{k}].name"] = (
            f"domain_{languages[0] if languages else 'nl'}_{row}"
        )
        for lang in LANGUAGES:
            fields[f"settings.domains[{k}].name.{lang}"] = f"domain_{lang}_{row}"
    phases: list[PhasePlan] = []
    for kind in PHASE_KINDS:
        if not posted.get(f"phase_{kind}"):
            continue
        starts = _day(values, f"starts_{kind}", errors)
        ends = _day(values, f"ends_{kind}", errors)
        if starts is None and f"starts_{kind}" not in errors:
            errors[f"starts_{kind}"] = _("The first day is needed.")
        k = len(phases)
        fields |= {
            f"phases[{k}].starts_on": f"starts_{kind}",
            f"phases[{k}].ends_on": f"ends_{kind}",
            f"phases[{k}].kind": "phases",
        }
        if starts is not None:
            phases.append(PhasePlan(kind, starts, ends))
    settings: dict[str, Any] = {
        "languages": languages,
        "domains": domains,
        "cost_cap": _number(values, "cost_cap", errors),
        "proposers": values.get("proposers", ""),
        "districts": [d.strip() for d in values.get("districts", "").splitlines() if d.strip()],
    }
    kind = values.get("initiative", "none")
    if kind in ("supports", "percent"):
        initiative: dict[str, Any] = {
            "starts_on": _day(values, "initiative_starts_on", errors),
            "ends_on": _day(values, "initiative_ends_on", errors),
            "answer_within_days": _number(values, "initiative_days", errors) or 90,
        }
        for name in ("starts_on", "ends_on"):
            fields[f"settings.initiative.{name}"] = f"initiative_{name}"
        if kind == "supports":
            initiative["supports"] = _number(values, "initiative_supports", errors)
            fields["settings.initiative.supports"] = "initiative_supports"
        else:
            initiative["percent"] = values.get("initiative_percent", "").strip().replace(",", ".")
            initiative["population"] = _number(values, "initiative_population", errors)
            fields |= {
                "settings.initiative.percent": "initiative_percent",
                "settings.initiative.population": "initiative_population",
            }
        settings["initiative"] = initiative
    if values.get("level", "") not in LEVELS:
        errors["level"] = _("Choose a participation level.")
    if not errors:
        form.plan = {
            "process_id": values.get("id", "").strip(),
            "title": {lang: values.get(f"title_{lang}", "") for lang in languages},
            "description": {lang: values.get(f"description_{lang}", "") for lang in languages},
            "level": values.get("level", ""),
            "settings": settings,
            "phases": phases,
        }
    return form
