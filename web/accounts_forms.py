"""The residents' account forms and what each refusal says, in the page's language.

The forms check nothing but their CSRF token; the views read a bounded length of each
field (`text`), and the domain (participation/residents.py, identity/platform.py)
decides what is valid: its typed refusals are worded here, shown next to their field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_wtf import FlaskForm
from wtforms import EmailField, Form, PasswordField, RadioField, StringField

from identity.eligibility import Ineligibility, Reason
from identity.nrn import InvalidRegisterNumber, parse
from identity.pollcards import CodeFormatError, normalise
from participation.errors import InvalidInput
from participation.residents import MAX_DISPLAY_NAME, MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD
from web.errors import _
from web.i18n import LANGUAGE_NAMES

if TYPE_CHECKING:  # flask_wtf has no types: for mypy, FlaskForm is this wtforms Form

    class FormBase(Form):
        def validate_on_submit(self) -> bool: ...

else:
    FormBase = FlaskForm

_EMAIL = {"autocomplete": "email", "inputmode": "email", "spellcheck": "false",
          "autocapitalize": "none", "maxlength": MAX_EMAIL}  # fmt: skip
_NEW = {"autocomplete": "new-password", "maxlength": MAX_PASSWORD}
_CURRENT = {"autocomplete": "current-password", "maxlength": MAX_PASSWORD}


class RegisterForm(FormBase):
    email = EmailField("email", render_kw=_EMAIL)
    password = PasswordField("password", render_kw=_NEW)
    password_again = PasswordField("password_again", render_kw=_NEW)
    display_name = StringField("display_name", render_kw={
        "autocomplete": "nickname", "maxlength": MAX_DISPLAY_NAME})  # fmt: skip
    language = RadioField(
        "language",
        choices=dict(LANGUAGE_NAMES),  # value: label (no tuples: deprecated)
        validate_choice=False,
    )


class LoginForm(FormBase):
    email = EmailField("email", render_kw=_EMAIL)
    password = PasswordField("password", render_kw=_CURRENT)


class ForgotForm(FormBase):
    email = EmailField("email", render_kw=_EMAIL)


class NewPasswordForm(FormBase):
    password = PasswordField("password", render_kw=_NEW)
    password_again = PasswordField("password_again", render_kw=_NEW)


class PasswordForm(FormBase):
    """A step that asks the password (confirming the address, deleting the account)."""

    password = PasswordField("password", render_kw=_CURRENT)


class ButtonForm(FormBase):
    """A form that is a button (log out): its CSRF token only."""


class VerifyForm(FormBase):
    register_number = StringField("register_number", render_kw={
        "autocomplete": "off", "inputmode": "numeric", "spellcheck": "false",
        "maxlength": 40})  # fmt: skip
    code = StringField("code", render_kw={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
        "maxlength": 40})  # fmt: skip


def text(value: str | None, limit: int) -> str:
    """A field's text as read: at most ``limit`` characters (no more is ever looked at)."""
    return (value or "")[:limit]


def input_problem(exc: InvalidInput) -> str:  # noqa: PLR0911 - one answer per case
    """A field the domain refused (`InvalidInput`), in words the resident can act on."""
    if exc.field == "email":
        if exc.reason == "missing":
            return _("Enter your e-mail address.")
        return _("This is not an e-mail address we can write to: for example "
                 "name@example.be, in plain letters.")  # fmt: skip
    if exc.field in ("password", "new_password"):
        if exc.reason == "too-short":
            return _("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD)
        if exc.reason == "too-long":
            return _("Choose a password of at most %(n)s characters.", n=MAX_PASSWORD)
        return _("Choose a password that is not one character repeated.")
    if exc.field == "display_name":
        if exc.reason == "missing":
            return _("Enter the name to show with your ideas and reactions.")
        if exc.reason == "too-long":
            return _("The name has at most %(n)s characters.", n=MAX_DISPLAY_NAME)
        return _("The name needs at least one letter or digit, and no control or "
                 "invisible characters.")  # fmt: skip
    if exc.field == "language":
        return _("Choose one of the languages offered.")
    return _("This field is not right.")


def password_problems(password: str, again: str) -> dict[str, str]:
    """Before the domain sees it: long enough, and typed the same twice."""
    problems = {}
    if len(password) < MIN_PASSWORD:
        problems["password"] = _("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD)
    elif password != again:
        problems["password_again"] = _("The two passwords are not the same.")
    return problems


def verify_problems(form: VerifyForm) -> dict[str, str]:
    """Checks the resident can fix, before anything is looked up."""
    problems = {}
    try:
        parse(form.register_number.data or "")
    except InvalidRegisterNumber:
        problems["register_number"] = _(
            "This is not a valid national register number: it has 11 digits, "
            "as on the back of your identity card."
        )
    try:
        normalise(form.code.data or "")
    except CodeFormatError:
        problems["code"] = _(
            "This is not a valid code: your letter shows 17 letters and digits, in groups of four."
        )
    return problems


def not_eligible(reasons: tuple[Reason, ...], minimum_age: int | None) -> list[str]:
    """Why the register does not let this resident verify an account."""
    said = []
    for reason in reasons:
        if reason.code is Ineligibility.TOO_YOUNG:
            if minimum_age is None:
                said.append(_("You are younger than the minimum age the city set for the "
                              "participation platform."))  # fmt: skip
            else:
                said.append(_("The participation platform is open to residents from the age "
                              "of %(age)s: you are younger.", age=minimum_age))  # fmt: skip
        elif reason.code is Ineligibility.NOT_RESIDENT:
            said.append(_("The population register does not list you as living in the city."))
        else:
            said.append(_("The register marks you as excluded, so you cannot verify an "
                          "account."))  # fmt: skip
    return said


def age_band(band: str | None) -> str:
    """An age band as stored ("18-24", "75+", "under 16") in the page's language."""
    if band is None:
        return ""
    if band.startswith("under "):
        return _("under %(age)s", age=band.removeprefix("under "))
    if band.endswith("+"):
        return _("%(age)s or older", age=band.removesuffix("+"))
    low, _sep, high = band.partition("-")
    return _("%(low)s to %(high)s years", low=low, high=high)
