"""Forms for staff handling support. They only parse; the rules live in menu.py, menu_staff.py and open_door.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from hub.core.forms import ServiceErrors, optional_id
from hub.support.menu import KIND_LABELS, LEVEL_LABELS
from hub.support.menu_staff import OptionInput


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _level(label) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(level, text) for level, text in LEVEL_LABELS.items()],
        coerce=optional_id,
        validate_choice=False,  # the service says what is wrong, in words
    )


class DayField(DateField):
    """A date from a date input, with a message people understand when it cannot be read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Choose a date, like 24-11-2026."))) from None


class ActivateForm(ServiceErrors, FlaskForm):
    level = _level(_l("How much support"))
    agreed_on = DayField(_l("The day it was agreed with them"), validators=[Optional()])
    # Choices are the staff and the young person's circle, checked by the service.
    agreed_with = SelectField(_l("Who agreed it with them"), coerce=optional_id, validate_choice=False)


class AdjustForm(ServiceErrors, FlaskForm):
    level = _level(_l("New level"))
    reason = TextAreaField(_l("Why (they can read it in their history)"), filters=[strip])


class DeclineForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(_l("Why not this time (they will read this)"), filters=[strip])


class ReasonForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(_l("Why, if you want (they can read it in their history)"), filters=[strip])


class OptionForm(ServiceErrors, FlaskForm):
    kind = SelectField(
        _l("Kind of support"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validate_choice=False,
    )
    name = StringField(_l("Name in Danish"), filters=[strip])
    description = TextAreaField(_l("Description in Danish"), filters=[strip])
    name_en = StringField(_l("Name in English (if empty, the Danish one is shown)"), filters=[strip])
    description_en = TextAreaField(_l("Description in English"), filters=[strip])

    def to_input(self) -> OptionInput:
        return OptionInput(
            kind=self.kind.data or "",
            name=self.name.data or "",
            description=self.description.data or "",
            name_en=self.name_en.data or "",
            description_en=self.description_en.data or "",
        )
