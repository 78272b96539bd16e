"""Forms for planning events. They only parse; the rules live in manage.validate.

Times are typed as the hub's local time (Europe/Copenhagen) in datetime-local inputs and
leave the form as aware datetimes, which the services store in UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from hub.accounts.models import User
from hub.core.forms import ServiceErrors, WholeNumberField, optional_id
from hub.events.manage import EventInput
from hub.events.models import CATEGORY_LABELS, Visibility

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
WHOLE_NUMBER = _l("Write a whole number, like 12.")
DATE_TIME = _l("Choose a date and a time.")

VISIBILITY_LABELS = {
    Visibility.OPEN: _l("Everyone with an account"),
    Visibility.TRIAL: _l("Only young people in the support trial"),
}


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _number(label, **kwargs) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional()], invalid_value_message=WHOLE_NUMBER, **kwargs)


def _moment(label) -> DateTimeLocalField:
    return DateTimeLocalField(
        label, validators=[Optional()], format=LOCAL_FORMATS, tz=local_tz, invalid_value_message=DATE_TIME
    )


class EventForm(ServiceErrors, FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    category = SelectField(
        _l("Kind of event"),
        choices=[SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()],
        validate_choice=False,
    )
    description = TextAreaField(_l("What happens"), filters=[strip])
    starts_at = _moment(_l("Starts"))
    ends_at = _moment(_l("Ends"))
    place = StringField(_l("Place"), filters=[strip])
    address = StringField(_l("Address"), filters=[strip])
    accessibility = TextAreaField(_l("Accessibility"), filters=[strip])
    host_id = SelectField(_l("Host"), coerce=optional_id, validate_choice=False)
    host_name = StringField(_l("Or a host from outside the hub"), filters=[strip])
    capacity = _number(_l("Places"))
    cutoff_hours = _number(_l("Booking closes, hours before the start"))
    price_klip = _number(_l("Price in klip"))
    visibility = SelectField(
        _l("Who can see it"),
        choices=[SelectChoice(v.value, label) for v, label in VISIBILITY_LABELS.items()],
        validate_choice=False,
    )

    EVENT_FIELDS = (
        "title category description starts_at ends_at place address accessibility "
        "host_id host_name capacity cutoff_hours price_klip visibility"
    ).split()

    def set_hosts(self, people: list[User]) -> None:
        self.host_id.choices = [SelectChoice("", _l("Nobody from the hub"))] + [
            SelectChoice(str(person.id), person.name) for person in people
        ]

    def to_input(self) -> EventInput:
        """What was typed, as far as it could be read; unreadable fields are None."""
        values = {name: getattr(self, name).data for name in self.EVENT_FIELDS}
        for name in ("title", "description", "place", "address", "accessibility", "host_name"):
            values[name] = values[name] or ""
        return EventInput(**values)


class NewEventForm(EventForm):
    repeat_weeks = _number(_l("Repeat every week for this many more weeks"), default=0)
    proposal_id = WholeNumberField(widget=HiddenInput(), validators=[Optional()], invalid_value_message=WHOLE_NUMBER)

    def to_input(self) -> EventInput:
        data = super().to_input()
        data.proposal_id = self.proposal_id.data
        return data


class CancelForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(_l("Why is it cancelled?"), filters=[strip])
    whole_series = BooleanField(_l("Also cancel the rest of the series"))
