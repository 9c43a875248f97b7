"""The platform's forms. They bound what is read; the domain (participation/) decides what
is valid, and web/platform_words.py says its refusals."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Form, HiddenField, StringField, TextAreaField

from participation.errors import InvalidInput

if TYPE_CHECKING:  # flask_wtf has no types: for mypy, FlaskForm is this wtforms Form

    class FormBase(Form):
        def validate_on_submit(self) -> bool: ...

else:
    FormBase = FlaskForm

_COST = re.compile(r"[0-9]{1,10}")


class IdeaForm(FormBase):
    """Proposing (in two steps: ``check``, then ``post``) and editing an idea."""

    title = StringField("title", render_kw={"maxlength": 150, "autocomplete": "off"})
    text = TextAreaField("text", render_kw={"maxlength": 10_000, "rows": 8})
    domain = StringField("domain")
    estimated_cost = StringField(
        "estimated_cost", render_kw={"inputmode": "numeric", "maxlength": 20}
    )
    district = StringField("district")
    address = StringField("address", render_kw={"maxlength": 200, "autocomplete": "off"})
    photo = FileField("photo", render_kw={"accept": "image/jpeg,image/png"})
    remove_photo = BooleanField("remove_photo")
    step = HiddenField("step")


class ReactionForm(FormBase):
    text = TextAreaField("text", render_kw={"maxlength": 5_000, "rows": 4})
    parent_id = HiddenField("parent_id")


class ReportForm(FormBase):
    reason = StringField("reason")  # one of REPORT_REASONS: the domain checks it
    note = TextAreaField("note", render_kw={"maxlength": 2_000, "rows": 3})


class ButtonForm(FormBase):
    """A form that is a button (support): its CSRF token only."""


def field(value: object, limit: int) -> str:
    """A form field's text, cut to what the domain could accept (and a little more, so
    that a too-long text is refused as such)."""
    return value[: limit + 1] if isinstance(value, str) else ""


def cost(value: object) -> int | None:
    """An estimated cost as residents type it: ``12000``, ``12.000``, ``12 000 EUR``,
    ``€ 12,000``; none when empty. Cents are refused (whole euros)."""
    typed = field(value, 40).strip()
    if not typed:
        return None
    bare = re.sub(r"(?i)eur(os?)?|€|\s|\u00a0|\u202f", "", typed)
    if re.fullmatch(r"[0-9]{1,3}([.,][0-9]{3})+", bare):
        bare = bare.replace(".", "").replace(",", "")
    if not _COST.fullmatch(bare):
        raise InvalidInput("estimated_cost", "invalid", "whole euros")
    return int(bare)
