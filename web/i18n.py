"""Languages: Dutch (default), French and English; Belgian date formats.

The language comes from ``?lang=`` (the switch in the header, which keeps the
page), then the ``lang`` cookie it sets, then the browser's preference. Manifest
texts are shown in the page's language, or the manifest's first one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import format_date, format_datetime, get_locale

LANGUAGES = ("nl", "fr", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def current() -> str:
    return str(get_locale() or LANGUAGES[0])


def text(value: Mapping[str, str] | None) -> str:
    """A manifest text in the page's language, else in the first language it has."""
    if not value:
        return ""
    return value.get(current()) or next(iter(value.values()))


def language_url(code: str) -> str:
    """This page in another language: a query-only link, so it keeps the path as it is
    (building it from the path could turn ``/\\host`` into a link off the site)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = code
    return f"?{urlencode(args)}"


def belgian_date(value: datetime.date | datetime.datetime) -> str:
    return str(format_date(value, "dd/MM/yyyy"))


def belgian_datetime(value: datetime.datetime) -> str:
    return str(format_datetime(value, "dd/MM/yyyy HH:mm"))


def belgian_moment(value: datetime.datetime) -> str:
    """To the second, as an audit log is read: ``dd/MM/yyyy HH:mm:ss`` in Brussels."""
    return str(format_datetime(value, "dd/MM/yyyy HH:mm:ss"))


def decimal(value: object) -> str:
    """A decimal figure from result.json ("2.50") as Belgians write it in the page's
    language ("2,50" in Dutch and French); a missing one as a dash."""
    if value is None or value == "none":
        return "–"
    shown = str(value)
    return shown.replace(".", ",") if current() in ("nl", "fr") else shown


def register(app: Flask) -> None:
    app.jinja_env.filters["t"] = text
    app.jinja_env.filters["date"] = belgian_date
    app.jinja_env.filters["datetime"] = belgian_datetime
    app.jinja_env.filters["moment"] = belgian_moment
    app.jinja_env.filters["decimal"] = decimal

    @app.context_processor
    def languages() -> dict[str, object]:
        return {
            "languages": LANGUAGE_NAMES,
            "current_language": current(),
            "language_url": language_url,
        }

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                secure=app.config["SESSION_COOKIE_SECURE"],
            )  # fmt: skip
        return response
