"""The official report's words and numbers, per language (nl, fr, en).

Numbers follow each language's Belgian convention (CLDR nl-BE, fr-BE, en):

=====  ==============  ========  ===========
lang   thousands       decimals  percent
=====  ==============  ========  ===========
nl     ``1.025``       ``2,50``  ``51,25%``
fr     ``1 025`` (1)   ``2,50``  ``51,25 %`` (1)
en     ``1,025``       ``2.50``  ``51.25%``
=====  ==============  ========  ===========

(1) a no-break space, so a number never splits over two lines. Decimal values
arrive as the exact decimal strings of result.json ("77.78") and are only
re-punctuated, never rounded again. Times are shown in Europe/Brussels. The
rules' verdict and the turnout tables use the words of the web results page
(results.html, _turnout.html and their catalogues), so the report and the site say
the same thing. Money (a project's cost, a budget) is ``38.000 EUR`` (nl), ``38 000
EUR`` (fr), ``EUR 38,000`` (en), with two decimals when the question counts in cents.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
NBSP = "\u00a0"

_SEPARATORS = {"nl": (".", ","), "fr": (NBSP, ","), "en": (",", ".")}
_PERCENT = {"nl": "{}%", "fr": "{}" + NBSP + "%", "en": "{}%"}
_MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
_AT = {"nl": "{date}, {time}", "fr": "{date}, {time}", "en": "{date}, {time}"}

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Officiële uitslag",
        "municipality": "Gemeente met NIS-code {nis}",
        "page": "pagina {page} van {pages}",
        "period": "Stemperiode",
        "period_value": "van {opens} tot {closes} (Belgische" + NBSP + "tijd)",
        "closed": "Afgesloten op",
        "closed_unknown": "niet vermeld in het auditlogboek",
        "early": (
            "Vervroegd afgesloten: de stemming werd afgesloten vóór het geplande sluitingsuur "
            "({planned}). Het auditlogboek in de bundel vermeldt deze beslissing."
        ),
        "tallied": "Geteld op",
        "eligible": "Stemgerechtigde inwoners",
        "participants": "Namen deel",
        "participants_value": "{total} ({online} online, {paper} op papier)",
        "turnout": "Opkomst",
        "answer": "Antwoord",
        "online": "Online",
        "paper": "Op papier",
        "votes": "Stemmen",
        "share": "Aandeel",
        "total": "Totaal",
        "base": "Aandelen in procent van alle {n} stemmen op deze vraag.",
        "statement_base": "Per uitspraak: aandelen in procent van de stemmen op die uitspraak.",
        "split": "online {online}; op papier {paper}",
        "Binding": "Bindend",
        "Advisory": "Adviserend",
        "yes wins": "ja wint",
        "no wins": "nee wint",
        "a tie": "gelijke stand",
        "verdict": "{kind}: {outcome}",
        "why": "Waarom:",
        "yes": "Ja",
        "no": "Nee",
        "blank": "Blanco",
        "agree": "Akkoord",
        "disagree": "Niet akkoord",
        "no_opinion": "Geen mening",
        "min_participants": "Deelnemers: {actual}, vereist minstens {required}",
        "min_margin_points": (
            "Verschil tussen ja en nee: {actual} procentpunt, vereist minstens {required}"
        ),
        "no_margin": "Niemand stemde ja of nee, vereist minstens {required} procentpunt verschil",
        "min_turnout_percent": "Opkomst: {actual}, vereist minstens {required}",
        "no_tie": "Ja en nee staan gelijk: een gelijkspel beslist niets",
        "met": "voldaan",
        "not_met": "niet voldaan",
        "turnout_heading": "Opkomst per leeftijd en per wijk",
        "turnout_who": (
            "Een inwoner nam deel wie een stemsleutel ophaalde of op papier stemde. De dienst die "
            "de stemsleutels uitreikt, telt dit zonder ooit een stembiljet te zien."
        ),
        "turnout_by_age_band": "Opkomst per leeftijdsgroep",
        "turnout_by_district": "Opkomst per wijk",
        "turnout_age": "Leeftijd",
        "turnout_district": "Wijk",
        "turnout_may_vote": "Stemgerechtigd",
        "turnout_all": "Alle stemgerechtigde inwoners",
        "turnout_band": "{low} tot {high} jaar",
        "turnout_band_over": "{low} jaar en ouder",
        "turnout_hidden": "verborgen",
        "turnout_hidden_why": (
            "Verborgen: een groep waarin minder dan {n} inwoners deelnamen, of minder dan {n} "
            "niet deelnamen, wordt niet getoond, zodat niemand herkenbaar wordt. Andere groepen "
            "worden mee verborgen tot ook de verborgen groepen samen, zoals de totalen ze "
            "prijsgeven, niemand herkenbaar maken."
        ),
        "check": "Controle",
        "fingerprint": "Vingerafdruk van de stemming (SHA-256 van manifest.json)",
        "authority": "Sleutel van de verkiezingsautoriteit (SHA-256)",
        "unsigned": "nog niet ondertekend",
        "bundle": "Resultatenbundel (SHA-256)",
        "keys": "Andere sleutels (SHA-256 van de publieke sleutel)",
        "key_election": "verkiezingssleutel",
        "key_credential": "sleutel van de stembewijzen",
        "key_board": "sleutel van het stembord",
        "key_operator": "sleutel van de operator",
        "verify": "Controleer de bundel zelf, vastgepind op deze vingerafdruk en deze sleutel:",
        "signatures": "Handtekeningen van de verkiezingsambtenaren",
        "name": "Naam en handtekening",
    },
    "fr": {
        "title": "Résultat officiel",
        "municipality": "Commune de code INS {nis}",
        "page": "page {page} sur {pages}",
        "period": "Période de vote",
        "period_value": "du {opens} au {closes} (heure" + NBSP + "belge)",
        "closed": "Clôturé le",
        "closed_unknown": "non mentionné dans le journal d’audit",
        "early": (
            "Clôture anticipée : le scrutin a été clôturé avant l’heure de clôture prévue "
            "({planned}). Le journal d’audit du paquet consigne cette décision."
        ),
        "tallied": "Dépouillé le",
        "eligible": "Habitants ayant le droit de vote",
        "participants": "Ont participé",
        "participants_value": "{total} ({online} en ligne, {paper} sur papier)",
        "turnout": "Participation",
        "answer": "Réponse",
        "online": "En ligne",
        "paper": "Sur papier",
        "votes": "Votes",
        "share": "Part",
        "total": "Total",
        "base": "Parts en pour cent de l’ensemble des {n} votes sur cette question.",
        "statement_base": "Par affirmation : parts en pour cent des votes sur cette affirmation.",
        "split": "en ligne {online} ; sur papier {paper}",
        "Binding": "Contraignant",
        "Advisory": "Consultatif",
        "yes wins": "le oui l’emporte",
        "no wins": "le non l’emporte",
        "a tie": "égalité",
        "verdict": "{kind} : {outcome}",
        "why": "Pourquoi :",
        "yes": "Oui",
        "no": "Non",
        "blank": "Blanc",
        "agree": "D’accord",
        "disagree": "Pas d’accord",
        "no_opinion": "Sans avis",
        "min_participants": "Participants : {actual}, au moins {required} requis",
        "min_margin_points": "Écart entre oui et non : {actual} points, au moins {required} requis",
        "no_margin": "Personne n’a voté oui ou non, un écart d’au moins {required} points requis",
        "min_turnout_percent": "Participation : {actual}, au moins {required} requis",
        "no_tie": "Oui et non sont à égalité : une égalité ne décide rien",
        "met": "rempli",
        "not_met": "non rempli",
        "turnout_heading": "Participation par âge et par quartier",
        "turnout_who": (
            "Un habitant a participé s’il a reçu une clé de vote ou a voté sur papier. Le service "
            "qui délivre les clés de vote le compte sans jamais voir un bulletin."
        ),
        "turnout_by_age_band": "Participation par tranche d’âge",
        "turnout_by_district": "Participation par quartier",
        "turnout_age": "Âge",
        "turnout_district": "Quartier",
        "turnout_may_vote": "Peuvent voter",
        "turnout_all": "Tous les habitants ayant le droit de vote",
        "turnout_band": "{low} à {high} ans",
        "turnout_band_over": "{low} ans et plus",
        "turnout_hidden": "masqué",
        "turnout_hidden_why": (
            "Masqué : un groupe dans lequel moins de {n} habitants ont participé, ou moins de {n} "
            "n’ont pas participé, n’est pas affiché, afin que personne ne puisse être identifié. "
            "D’autres groupes sont masqués avec lui jusqu’à ce que les groupes masqués, pris "
            "ensemble tels que les totaux les révèlent, ne permettent d’identifier personne non "
            "plus."
        ),
        "check": "Vérification",
        "fingerprint": "Empreinte du scrutin (SHA-256 de manifest.json)",
        "authority": "Clé de l’autorité électorale (SHA-256)",
        "unsigned": "pas encore signé",
        "bundle": "Paquet de résultats (SHA-256)",
        "keys": "Autres clés (SHA-256 de la clé publique)",
        "key_election": "clé du scrutin",
        "key_credential": "clé des titres de vote",
        "key_board": "clé du tableau des bulletins",
        "key_operator": "clé de l’opérateur",
        "verify": "Vérifiez le paquet vous-même, épinglé à cette empreinte et à cette clé :",
        "signatures": "Signatures des responsables du scrutin",
        "name": "Nom et signature",
    },
    "en": {
        "title": "Official result",
        "municipality": "Municipality with NIS code {nis}",
        "page": "page {page} of {pages}",
        "period": "Voting period",
        "period_value": "from {opens} to {closes} (Belgian" + NBSP + "time)",
        "closed": "Closed on",
        "closed_unknown": "not recorded in the audit log",
        "early": (
            "Closed early: the vote was closed before its planned closing time ({planned}). "
            "The bundle's audit log records this decision."
        ),
        "tallied": "Counted on",
        "eligible": "Eligible residents",
        "participants": "Took part",
        "participants_value": "{total} ({online} online, {paper} on paper)",
        "turnout": "Turnout",
        "answer": "Answer",
        "online": "Online",
        "paper": "On paper",
        "votes": "Votes",
        "share": "Share",
        "total": "Total",
        "base": "Shares in per cent of all {n} votes on this question.",
        "statement_base": "Per statement: shares in per cent of the votes on that statement.",
        "split": "online {online}; on paper {paper}",
        "Binding": "Binding",
        "Advisory": "Advisory",
        "yes wins": "yes wins",
        "no wins": "no wins",
        "a tie": "a tie",
        "verdict": "{kind}: {outcome}",
        "why": "Why:",
        "yes": "Yes",
        "no": "No",
        "blank": "Blank",
        "agree": "Agree",
        "disagree": "Disagree",
        "no_opinion": "No opinion",
        "min_participants": "Participants: {actual}, at least {required} required",
        "min_margin_points": (
            "Difference between yes and no: {actual} points, at least {required} required"
        ),
        "no_margin": "Nobody voted yes or no, a difference of at least {required} points required",
        "min_turnout_percent": "Turnout: {actual}, at least {required} required",
        "no_tie": "Yes and no are tied: a tie decides nothing",
        "met": "met",
        "not_met": "not met",
        "turnout_heading": "Turnout by age and by district",
        "turnout_who": (
            "A resident took part when they took a voting key or voted on paper. The registrar "
            "counts this without ever seeing a ballot."
        ),
        "turnout_by_age_band": "Turnout by age band",
        "turnout_by_district": "Turnout by district",
        "turnout_age": "Age",
        "turnout_district": "District",
        "turnout_may_vote": "May vote",
        "turnout_all": "All eligible residents",
        "turnout_band": "{low} to {high} years",
        "turnout_band_over": "{low} years and over",
        "turnout_hidden": "hidden",
        "turnout_hidden_why": (
            "Hidden: a group in which fewer than {n} residents took part, or fewer than {n} "
            "stayed away, is not shown, so that nobody can be singled out. Other groups are "
            "hidden with it until the hidden groups together, as the totals give them away, "
            "single nobody out either."
        ),
        "check": "Verification",
        "fingerprint": "Election fingerprint (SHA-256 of manifest.json)",
        "authority": "Election authority key (SHA-256)",
        "unsigned": "not signed yet",
        "bundle": "Result bundle (SHA-256)",
        "keys": "Other keys (SHA-256 of the public key)",
        "key_election": "election key",
        "key_credential": "credential key",
        "key_board": "board key",
        "key_operator": "operator key",
        "verify": "Check the bundle yourself, pinned to this fingerprint and this key:",
        "signatures": "Signatures of the election officials",
        "name": "Name and signature",
    },
}

# French puts a space before a colon; a no-break one, so the colon never starts a line.
TEXT["fr"] = {key: value.replace(" :", NBSP + ":") for key, value in TEXT["fr"].items()}
LANGUAGES = tuple(TEXT)


def integer(n: int, lang: str) -> str:
    """``1025`` → ``1.025`` (nl), ``1 025`` (fr, no-break space), ``1,025`` (en)."""
    sign, digits = ("-", str(-n)) if n < 0 else ("", str(n))
    groups: list[str] = []
    while len(digits) > 3:
        digits, tail = digits[:-3], digits[-3:]
        groups.insert(0, tail)
    return sign + _SEPARATORS[lang][0].join([digits, *groups])


def decimal(text: str, lang: str) -> str:
    """An exact decimal string (``"1234.50"``) in the language's form (``1.234,50`` in nl).

    Anything that is not a plain decimal number (``"none"``) is returned as it is.
    """
    match = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?", text.strip())
    if match is None:
        return text
    sign, whole, fraction = match.groups()
    shown = sign + integer(int(whole), lang)
    return shown + _SEPARATORS[lang][1] + fraction if fraction is not None else shown


def money(amount: int, lang: str, unit: str = "EUR") -> str:
    """An amount of the question's ``cost_unit`` in the language's money form:
    ``38.000 EUR`` (nl), ``38 000 EUR`` (fr), ``EUR 38,000`` (en); in ``cent``, euros
    with two decimals (``38.000,50 EUR``). No-break spaces hold it on one line."""
    if unit == "cent":
        euros, cents = divmod(abs(amount), 100)
        shown = integer(euros, lang) + _SEPARATORS[lang][1] + f"{cents:02d}"
        shown = ("-" if amount < 0 else "") + shown
    else:
        shown = integer(amount, lang)
    return f"EUR{NBSP}{shown}" if lang == "en" else f"{shown}{NBSP}EUR"


def ordinal(n: int, lang: str) -> str:
    """``1e`` (nl), ``1er``/``2e`` (fr), ``1st``/``2nd``/``11th`` (en): a rank."""
    if lang == "nl":
        return f"{n}e"
    if lang == "fr":
        return "1er" if n == 1 else f"{n}e"
    last = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{last}"


def listing(items: list[str], lang: str) -> str:
    """``3, 2 en 1`` (nl), ``3, 2 et 1`` (fr), ``3, 2 and 1`` (en)."""
    if len(items) < 2:
        return "".join(items)
    word = {"nl": "en", "fr": "et", "en": "and"}[lang]
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def percent(text: str, lang: str) -> str:
    """``"51.25"`` → ``51,25%`` (nl), ``51,25 %`` (fr), ``51.25%`` (en)."""
    return _PERCENT[lang].format(decimal(text, lang))


def share(part: int, whole: int) -> str | None:
    """``part`` of ``whole`` in per cent, two places, rounded half-even; None if no whole."""
    if whole <= 0:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def moment(value: str) -> datetime.datetime:
    """An ISO time (``…Z`` or with an offset) as a Europe/Brussels time."""
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BRUSSELS)
    return parsed.astimezone(BRUSSELS)


def date(when: datetime.datetime, lang: str) -> str:
    """``27 mei 2019``, ``27 mai 2019`` (``1er mai`` for the first), ``27 May 2019``."""
    day = "1er" if lang == "fr" and when.day == 1 else str(when.day)
    return f"{day} {_MONTHS[lang].split()[when.month - 1]} {when.year}"


def date_time(when: datetime.datetime, lang: str) -> str:
    """``27 mei 2019, 20:00``: a date and a 24-hour time."""
    return _AT[lang].format(date=date(when, lang), time=when.strftime("%H:%M"))


def option_name(option: str, lang: str) -> str:
    return TEXT[lang].get(option, option)


def band_name(key: str, lang: str) -> str:
    """An age band of ``credentials.json`` in words, as the results page says it: ``16-17``
    → ``16 tot 17 jaar`` (nl), ``75+`` → ``75 ans et plus`` (fr); another key as it is."""
    t = TEXT[lang]
    if found := re.fullmatch(r"(\d+)-(\d+)", key):
        return t["turnout_band"].format(low=found.group(1), high=found.group(2))
    if found := re.fullmatch(r"(\d+)\+", key):
        return t["turnout_band_over"].format(low=found.group(1))
    return key


def verdict(question: Mapping[str, object], lang: str) -> str:
    """``Bindend: ja wint`` — the words of the web results page."""
    t = TEXT[lang]
    outcome = {"yes": "yes wins", "no": "no wins"}.get(str(question.get("outcome")), "a tie")
    kind = t["Binding"] if question.get("binding") else t["Advisory"]
    return t["verdict"].format(kind=kind, outcome=t[outcome])


def rule_line(check: Mapping[str, object], lang: str) -> tuple[str, str]:
    """One rule of a referendum in words, and ``met`` or ``not met``, in ``lang``."""
    t = TEXT[lang]
    rule, actual, required = (str(check.get(k, "")) for k in ("rule", "actual", "required"))
    status = t["met"] if check.get("met") is True else t["not_met"]
    if rule == "min_participants":
        text = t[rule].format(actual=decimal(actual, lang), required=decimal(required, lang))
    elif rule == "min_margin_points" and re.fullmatch(r"-?\d+(\.\d+)?", actual) is None:
        text = t["no_margin"].format(required=decimal(required, lang))
    elif rule == "min_margin_points":
        text = t[rule].format(actual=decimal(actual, lang), required=decimal(required, lang))
    elif rule == "min_turnout_percent":
        text = t[rule].format(actual=percent(actual, lang), required=percent(required, lang))
    elif rule == "no_tie":
        text = t[rule]
    else:  # a rule this report does not know yet: the tally's own (English) explanation
        text = str(check.get("explanation", rule))
    return text, status
