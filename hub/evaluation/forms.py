"""Forms for the trial's evaluation. They parse; the rules live in hub.evaluation.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hub.checkins.forms import ScoreField, strip
from hub.core.forms import ServiceErrors
from hub.evaluation.models import (
    HOUSING_LABELS,
    NETWORK_WORDS,
    OCCUPATION_LABELS,
    PULSE_QUESTIONS,
    PULSE_WORDS,
    RISK_LABELS,
)
from hub.evaluation.services import NOTE_MAX


def _to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class EnrolForm(ServiceErrors, FlaskForm):
    cohort_year = SelectField(_l("Cohort (the year they join)"), coerce=_to_int, validate_choice=False)

    FIELD_OF = {"cohort_year": "cohort_year", "not_young": "__form__"}

    def years(self, years: list[int], default: int | None = None) -> EnrolForm:
        """The years to choose from; `default` preselects one on a form not yet sent."""
        self.cohort_year.choices = [(year, str(year)) for year in years]
        if default is not None and self.cohort_year.data is None:
            self.cohort_year.data = default
        return self


def _radio(label, labels: dict, missing) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(str(value), text) for value, text in labels.items()],
        validators=[DataRequired(missing)],
        validate_choice=False,  # the service names an unknown choice clearly
    )


class StatusForm(ServiceErrors, FlaskForm):
    housing = _radio(_l("Where do they live?"), HOUSING_LABELS, _l("Choose where the young person lives."))
    occupation = _radio(_l("Education or job"), OCCUPATION_LABELS, _l("Choose education or job."))
    risk = _radio(_l("Risk of dropping out (staff only)"), RISK_LABELS, _l("Choose a risk category."))
    network = ScoreField(_l("Network and relations"), NETWORK_WORDS)
    network_note = TextAreaField(
        _l("A short note about the network (if you want)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Keep it under %(max)d characters.", max=NOTE_MAX))],
        filters=[strip],
    )

    FIELD_OF = {
        "housing_unknown": "housing",
        "occupation_unknown": "occupation",
        "risk_unknown": "risk",
        "network_unknown": "network",
        "note_too_long": "network_note",
    }


class PulseForm(ServiceErrors, FlaskForm):
    talk = ScoreField(PULSE_QUESTIONS["talk"], PULSE_WORDS)
    home = ScoreField(PULSE_QUESTIONS["home"], PULSE_WORDS)
    days = ScoreField(PULSE_QUESTIONS["days"], PULSE_WORDS)
    say = ScoreField(PULSE_QUESTIONS["say"], PULSE_WORDS)
    future = ScoreField(PULSE_QUESTIONS["future"], PULSE_WORDS)

    def answers(self) -> dict[str, int | None]:
        return {key: self[key].data for key in PULSE_QUESTIONS}
