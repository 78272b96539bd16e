"""Forms for check-ins, wellbeing and sparring. They parse; the rules live in hub.checkins.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from hub.checkins.models import CONTACT_WAY_LABELS, HOW_IT_WENT_LABELS
from hub.checkins.services import NOTE_MAX, SCORES, SPARRING_MAX, WORDS_MAX
from hub.core.forms import ServiceErrors

A_DATE = _l("Choose a date.")

# Five answers each, low to high, in plain words: a number alone says little at 7 in the morning.
MOOD_WORDS = [_l("Really bad"), _l("Not so good"), _l("Okay"), _l("Good"), _l("Really good")]
SLEEP_WORDS = [_l("Very badly"), _l("Badly"), _l("Okay"), _l("Well"), _l("Very well")]
MOVEMENT_WORDS = [_l("Not at all"), _l("A little"), _l("Some"), _l("Quite a lot"), _l("A lot")]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Keep it under %(max)d characters.", max=limit))


class ScoreField(RadioField):
    """One of five answers, 1 (low) to 5 (high). Anything else is one clear message, never a 500."""

    def __init__(self, label, words, **kwargs):
        super().__init__(
            label,
            choices=[SelectChoice(n, w) for n, w in zip(SCORES, words, strict=True)],
            coerce=int,
            validate_choice=False,
            **kwargs,
        )

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except (TypeError, ValueError):
                self.data = None

    def pre_validate(self, form):
        if self.data not in SCORES:
            raise StopValidation(str(_l("Choose one of the five answers.")))


class CheckInForm(ServiceErrors, FlaskForm):
    happened_on = DateField(_l("When were you in touch?"), validators=[Optional()], invalid_value_message=A_DATE)
    way = RadioField(
        _l("How?"),
        choices=[SelectChoice(str(v), label) for v, label in CONTACT_WAY_LABELS.items()],
        validators=[DataRequired(_l("Choose how you were in touch."))],
        validate_choice=False,  # the service names an unknown choice clearly
    )
    went = RadioField(
        _l("How did it go?"),
        choices=[SelectChoice(str(v), label) for v, label in HOW_IT_WENT_LABELS.items()],
        validators=[DataRequired(_l("Choose how it went."))],
        validate_choice=False,
    )
    note = TextAreaField(_l("A note (if you want)"), validators=[Optional(), too_long(NOTE_MAX)], filters=[strip])
    note_shared = BooleanField(_l("Share the note with the young person"))
    next_on = DateField(_l("Next check-in (if you agreed one)"), validators=[Optional()], invalid_value_message=A_DATE)

    # Which field a service error belongs beside.
    FIELD_OF = {
        "date_missing": "happened_on",
        "date_in_future": "happened_on",
        "date_too_old": "happened_on",
        "way_unknown": "way",
        "went_unknown": "went",
        "note_too_long": "note",
        "next_not_after": "next_on",
    }


class WellbeingForm(ServiceErrors, FlaskForm):
    mood = ScoreField(_l("How are you today?"), MOOD_WORDS)
    sleep = ScoreField(_l("How did you sleep?"), SLEEP_WORDS)
    movement = ScoreField(_l("Did you move your body?"), MOVEMENT_WORDS)
    words = TextAreaField(_l("Anything you want to add? (if you want)"), validators=[Optional(), too_long(WORDS_MAX)])


class SparringForm(ServiceErrors, FlaskForm):
    text = TextAreaField(
        _l("What would you like to talk about?"),
        validators=[
            DataRequired(_l("Write a few words about what you would like to talk about.")),
            too_long(SPARRING_MAX),
        ],
        filters=[strip],
    )
