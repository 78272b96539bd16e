"""What every form shares: ids and numbers read safely, and a service's field messages beside
the fields.

Every id and count from a query string or a form goes through here: `int()` reads "٣" as 3,
"1_0" as 10 and 10^20 as itself, which PostgreSQL then refuses to compare with a 32-bit
column (a 500), and it gives up on 5000 digits with a ValueError. So only plain ASCII digits
count, and only up to a bound.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.widgets import ListWidget, TableWidget

from hub.db import MAX_ID

TOO_BIG = _l("That number is too big.")


def whole_number(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number from `minimum` to `maximum` (within 32 bits) in plain digits, signed only
    when `minimum` is below 0; None for anything else (empty, a word, "1e5", "²", 10^20)."""
    text = str(value).strip() if value is not None else ""
    digits = text[1:] if minimum < 0 and text.startswith(("-", "+")) else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MAX_ID)):
        return None
    number = -int(digits) if text.startswith("-") else int(digits)
    return number if minimum <= number <= maximum else None


def optional_id(value) -> int | None:
    """An id from a form or a query string: None when empty; anything that is not one (a word,
    "²", a number past 32 bits, which PostgreSQL refuses to compare) becomes -1, which no row has."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = whole_number(value)
    return number if number is not None and 0 < number <= MAX_ID else -1


def arg_id(name: str) -> int | None:
    """The id in the query string's `name`, read by `optional_id`."""
    return optional_id(request.args.get(name))


class WholeNumberField(IntegerField):
    """An IntegerField whose number fits the database's 32 bits; past that it is the field's
    error (422), as a word is, instead of a number the database refuses (500)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -MAX_ID <= self.data <= MAX_ID:
            self.data = None
            raise ValueError(str(TOO_BIG))


class ServiceErrors:
    """Mix into a FlaskForm: the services' messages go beside their fields (a field's own
    parse error wins), and anything that belongs to no field goes above the form."""

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = getattr(self, name, None)
            if target is None:
                self.form_errors.append(message)
            elif not target.errors:
                target.errors = [message]


class ErrorLink(NamedTuple):
    """One line of an error summary: the field's message, and the id of the control it leads to
    (None for a field nobody can change, such as a hidden id)."""

    target: str | None
    message: str


def error_links(form, targets: dict[str, str] | None = None) -> list[ErrorLink]:
    """Every field in error, in the form's order, with the id of its first control: the input
    itself, the first box of a group of radios or tick boxes, or a sub-form's own fields.
    `targets` names another id for a field a template draws in its own way."""
    links: list[ErrorLink] = []
    for field in form:
        if not field.errors:
            continue
        if field.type == "FormField":
            links += error_links(field.form, targets)
        elif field.type == "FieldList":
            for entry in field:
                links += error_links(entry.form, targets) if entry.type == "FormField" else _link(entry, targets)
        else:
            links += _link(field, targets)
    return links


def _link(field, targets: dict[str, str] | None) -> list[ErrorLink]:
    message = " ".join(str(error) for error in field.errors)
    if targets and field.name in targets:
        return [ErrorLink(targets[field.name], message)]
    if getattr(field.widget, "input_type", None) == "hidden":  # nothing on screen to go to
        return [ErrorLink(None, message)]
    if isinstance(field.widget, ListWidget | TableWidget):  # radios or tick boxes: the first of them
        first = next(iter(field), None)
        return [ErrorLink(first.id if first is not None else field.id, message)]
    return [ErrorLink(field.id, message)]
