"""Forms for young people composing their support. They only parse; the rules live in menu.py and open_door.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Optional

from hub.core.forms import ServiceErrors
from hub.support.staff_forms import DayField


def strip(value):
    return value.strip() if isinstance(value, str) else value


class AskForm(ServiceErrors, FlaskForm):
    wish = TextAreaField(_l("A few words about what you hope for (if you like)"), filters=[strip])


class LeaveForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(_l("Anything you want the staff to know? (if you like)"), filters=[strip])


class ScaleForm(ServiceErrors, FlaskForm):
    """More, less, a pause or starting again. `seen` is the state the page showed (status:level)."""

    change = HiddenField()
    seen = HiddenField()
    note = TextAreaField(_l("A few words for the staff (if you like)"), filters=[strip])
    until = DayField(_l("Until (if you like)"), validators=[Optional()])
