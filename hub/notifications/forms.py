"""The notification settings form: which kinds to push, and quiet hours."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Regexp

from hub.notifications.prefs import CATEGORIES

CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _clock(label) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(), Regexp(CLOCK, message=_l("Write a time like 22:00."))],
        render_kw={"type": "time", "step": "60"},
    )


class PreferencesForm(FlaskForm):
    events = BooleanField(CATEGORIES["events"])
    waitlist = BooleanField(CATEGORIES["waitlist"])
    messages = BooleanField(CATEGORIES["messages"])
    checkins = BooleanField(CATEGORIES["checkins"])
    klip = BooleanField(CATEGORIES["klip"])
    support = BooleanField(CATEGORIES["support"])
    quiet_hours = BooleanField(_l("Quiet hours: wait with notifications at night"))
    quiet_from = _clock(_l("From"))
    quiet_until = _clock(_l("Until"))


class DeviceNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()], render_kw={"maxlength": 60})
