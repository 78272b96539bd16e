"""Forms for asking to be deleted and for the staff's answer. They only parse; the rules live in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from hub.core.forms import ServiceErrors

TEXT_MAX = 500


def strip(value):
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int = TEXT_MAX) -> Length:
    return Length(max=limit, message=_l("Keep it under %(max)d characters.", max=limit))


class AskDeletionForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(
        _l("Anything you want the staff to know? (if you like)"), validators=[too_long()], filters=[strip]
    )
    sure = BooleanField(
        _l("I understand that my plan, messages, check-ins and history will be deleted, and cannot be brought back."),
        validators=[DataRequired(_l("Tick the box if you are sure."))],
    )


class ConfirmDeletionForm(ServiceErrors, FlaskForm):
    sure = BooleanField(
        _l("I have talked it through with them, and their data is to be deleted now. This cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class DeclineDeletionForm(ServiceErrors, FlaskForm):
    answer = TextAreaField(
        _l("Why not? They read this."),
        validators=[InputRequired(_l("Write a few words about why. They read it.")), too_long()],
        filters=[strip],
    )
