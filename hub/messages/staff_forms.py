"""Forms for the staff inbox and its settings. They only parse; the rules live in
hub.messages.settings and hub.messages.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.accounts.models import User
from hub.core.forms import ServiceErrors, WholeNumberField, optional_id
from hub.messages.models import TOPIC_LABELS, Topic
from hub.messages.services import BODY_MAX
from hub.messages.settings import CrisisLineInput

WHOLE_NUMBER = _l("Write a whole number, like 12.")
A_TIME = _l("Write a time, like 13:00.")
WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday")]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _time(label) -> TimeField:
    return TimeField(label, validators=[Optional()], render_kw={"step": 300})


class ReplyForm(ServiceErrors, FlaskForm):
    body = TextAreaField(
        _l("Your answer"),
        id="reply-body",
        validators=[
            DataRequired(_l("Write a message first.")),
            Length(max=BODY_MAX, message=_l("Keep it under %(max)d characters.", max=BODY_MAX)),
        ],
        filters=[strip],
    )
    internal = BooleanField(_l("Internal note: only staff see it"))


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TopicForm(Form):
    staff = Checkboxes(_l("Handled by"), coerce=optional_id, validate_choice=False)
    norm = WholeNumberField(_l("Answer within (opening hours)"), invalid_value_message=WHOLE_NUMBER)


class DayForm(Form):
    closed = BooleanField(_l("Closed"))
    opens = _time(_l("Opens"))
    closes = _time(_l("Closes"))


class SettingsForm(ServiceErrors, FlaskForm):
    """Every topic and every weekday on one page, saved together (fields added below)."""

    def set_staff(self, staff: list[User]) -> None:
        choices = [SelectChoice(person.id, person.name) for person in staff]
        for topic in Topic:
            self.topic(topic).staff.choices = choices

    def topic(self, topic: Topic | str) -> TopicForm:
        return getattr(self, f"topic_{Topic(topic).value}")

    def day(self, day: int) -> DayForm:
        return getattr(self, f"day_{day}")

    def routes(self) -> dict[str, set[int]]:
        return {t.value: set(self.topic(t).staff.data or []) for t in Topic}

    def norms(self) -> dict[str, int | None]:
        return {t.value: self.topic(t).norm.data for t in Topic}

    def days(self) -> dict[int, tuple | None]:
        return {
            day: None if self.day(day).closed.data else (self.day(day).opens.data, self.day(day).closes.data)
            for day in range(7)
        }

    def add_errors(self, errors: dict[str, str]) -> None:
        """The services name fields `norm-housing`, `staff-housing`, `day-0`."""
        for name, message in errors.items():
            kind, key = name.split("-", 1)
            if kind == "day":
                target = self.day(int(key)).opens
            else:
                target = getattr(self.topic(key), kind)
            if not target.errors:
                target.errors = [message]


for _topic in Topic:
    setattr(SettingsForm, f"topic_{_topic.value}", FormField(TopicForm, label=TOPIC_LABELS[_topic]))
for _day in range(7):
    setattr(SettingsForm, f"day_{_day}", FormField(DayForm, label=WEEKDAYS[_day]))


class CrisisLineForm(ServiceErrors, FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    phone = StringField(_l("Phone number"), filters=[strip])
    description = TextAreaField(_l("What they help with"), filters=[strip])
    name_en = StringField(_l("Name in English (if empty, the Danish one is shown)"), filters=[strip])
    description_en = TextAreaField(_l("What they help with, in English"), filters=[strip])
    anonymous = BooleanField(_l("You can call without saying who you are"))
    always_open = BooleanField(_l("Open day and night"))
    opens = _time(_l("Opens"))
    closes = _time(_l("Closes"))
    active = BooleanField(_l("Shown to young people"))
    position = WholeNumberField(
        _l("Order on the list (lowest first)"), validators=[Optional()], invalid_value_message=WHOLE_NUMBER
    )

    def to_input(self) -> CrisisLineInput:
        return CrisisLineInput(
            name=self.name.data or "",
            phone=self.phone.data or "",
            description=self.description.data or "",
            name_en=self.name_en.data or "",
            description_en=self.description_en.data or "",
            anonymous=self.anonymous.data,
            always_open=self.always_open.data,
            opens=self.opens.data,
            closes=self.closes.data,
            active=self.active.data,
            position=self.position.data if self.position.data is not None else 0,
        )


class CannedForm(ServiceErrors, FlaskForm):
    title = StringField(_l("Title (only staff see it)"), filters=[strip])
    body = TextAreaField(_l("The reply"), filters=[strip])
    topic = SelectField(_l("Topic"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = [SelectChoice("", _l("Any topic"))] + [
            SelectChoice(t.value, label) for t, label in TOPIC_LABELS.items()
        ]

    @property
    def topic_value(self) -> str | None:
        return self.topic.data or None
