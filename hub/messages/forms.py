"""Forms for writing messages. They parse; the rules live in hub.messages.services."""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hub.core.forms import ServiceErrors, optional_id
from hub.messages.models import TOPIC_LABELS
from hub.messages.services import BODY_MAX

HUB = "hub"  # "to" for the hub staff; otherwise a support person's id
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def client_key_or_none(value):
    """A key we made (or a phone's own); anything else is ignored rather than refused."""
    return value if isinstance(value, str) and CLIENT_KEY.match(value) else None


def new_client_key() -> str:
    return secrets.token_urlsafe(24)


def topic_choices() -> list[SelectChoice]:
    return [SelectChoice(str(topic), label) for topic, label in TOPIC_LABELS.items()]


def body_field(label):
    return TextAreaField(
        label,
        validators=[
            DataRequired(_l("Write a message first.")),
            Length(max=BODY_MAX, message=_l("Keep it under %(max)d characters.", max=BODY_MAX)),
        ],
        filters=[strip],
    )


class MessageForm(ServiceErrors, FlaskForm):
    """What every way of writing shares: the words, and the key that makes a retry harmless."""

    client_key = HiddenField(filters=[client_key_or_none])

    # Which field a service error belongs beside.
    FIELD_OF = {
        "topic": "topic",
        "not_in_circle": "to",
        "urgent_to_hub": "to",
        "empty": "body",
        "too_long": "body",
    }

    def give_key(self) -> None:
        """A fresh key when the form is first shown; a re-shown form keeps the one it had."""
        if not self.client_key.data:
            self.client_key.data = new_client_key()

    def service_error(self, code: str, message: str) -> None:
        self.add_errors({self.FIELD_OF.get(code, "__form__"): message})


class NewConversationForm(MessageForm):
    topic = RadioField(
        _l("What is it about?"),
        choices=topic_choices(),
        validators=[DataRequired(_l("Choose what it is about."))],
        validate_choice=False,  # the service names an unknown topic clearly
    )
    to = RadioField(
        _l("Who do you want to write to?"),
        validators=[DataRequired(_l("Choose who you want to write to."))],
        validate_choice=False,
    )
    body = body_field(_l("Your message"))

    def supporter_id(self) -> int | None:
        """None for the hub staff; a person's id; -1 for anything else (the service says no)."""
        if self.to.data == HUB:
            return None
        return optional_id(self.to.data) or -1


class ToYoungForm(MessageForm):
    topic = RadioField(
        _l("What is it about?"),
        choices=topic_choices(),
        validators=[DataRequired(_l("Choose what it is about."))],
        validate_choice=False,
    )
    body = body_field(_l("Your message"))


class UrgentForm(MessageForm):
    topic = RadioField(
        _l("What is it about? (if you want)"),
        choices=topic_choices(),
        validators=[Optional()],
        validate_choice=False,
    )
    body = TextAreaField(
        _l("A few words about what is happening (if you can)"),
        validators=[Optional(), Length(max=BODY_MAX, message=_l("Keep it under %(max)d characters.", max=BODY_MAX))],
        filters=[strip],
    )


class ReplyForm(MessageForm):
    body = body_field(_l("Write an answer"))
