"""Forms for the plan; every label and message goes through gettext."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hub.core.forms import ServiceErrors
from hub.errors import DomainError
from hub.plans.models import GOAL_STATUS_LABELS, HELPER_LABELS, LIFE_AREA_LABELS, Helper
from hub.plans.services import COMMENT_MAX, DREAMS_MAX, HELPER_NAME_MAX, STEP_MAX, SUGGESTION_MAX, TITLE_MAX, WHY_MAX

AREA_CHOICES = [SelectChoice(area.value, label) for area, label in LIFE_AREA_LABELS.items()]
STATUS_CHOICES = [SelectChoice(status.value, label) for status, label in GOAL_STATUS_LABELS.items()]
HELPER_CHOICES = [SelectChoice(helper.value, label) for helper, label in HELPER_LABELS.items()]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Keep it under %(max)d characters.", max=limit))


class DayField(DateField):
    """A date from `<input type="date">`, with a plain message when it is not one."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            self.data = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(str(_l("Write the date like this: 2025-03-31."))) from None


class PlanForm(ServiceErrors, FlaskForm):
    """A form whose service errors (codes like `due_on_past`, `title_too_long`) land on their field."""

    def explain(self, error: DomainError) -> None:
        name = max((n for n in self._fields if error.code.startswith(n + "_")), key=len, default="")
        self.add_errors({name: error.message})


class DreamsForm(PlanForm):
    dreams = TextAreaField(_l("Your hopes and dreams"), validators=[Optional(), too_long(DREAMS_MAX)], filters=[strip])


class GoalForm(PlanForm):
    title = StringField(
        _l("Your goal in a few words"),
        validators=[DataRequired(_l("Give your goal a short name.")), too_long(TITLE_MAX)],
        filters=[strip],
    )
    why = TextAreaField(_l("Why it matters to you (if you want)"), validators=[Optional(), too_long(WHY_MAX)])
    area = SelectField(_l("Part of life"), choices=AREA_CHOICES)


class EditGoalForm(GoalForm):
    status = SelectField(_l("How far it has come"), choices=STATUS_CHOICES)


class StepForm(PlanForm):
    what = StringField(
        _l("What is the step?"),
        validators=[DataRequired(_l("Write what the step is.")), too_long(STEP_MAX)],
        filters=[strip],
    )
    helper = SelectField(_l("Who helps?"), choices=HELPER_CHOICES, default=Helper.ME.value)
    helper_name = StringField(
        _l("If someone else: who?"), validators=[Optional(), too_long(HELPER_NAME_MAX)], filters=[strip]
    )
    due_on = DayField(_l("By when? (if you want)"), validators=[Optional()])


class EditStepForm(StepForm):
    status = SelectField(_l("How far it has come"), choices=STATUS_CHOICES)


class CommentForm(PlanForm):
    text = TextAreaField(
        _l("Write a comment"),
        validators=[DataRequired(_l("Write something first.")), too_long(COMMENT_MAX)],
        filters=[strip],
    )


class SuggestGoalForm(PlanForm):
    area = SelectField(_l("Part of life"), choices=AREA_CHOICES)
    text = StringField(
        _l("Your suggestion for a goal"),
        validators=[DataRequired(_l("Write your suggestion.")), too_long(TITLE_MAX)],
        filters=[strip],
    )


class SuggestStepForm(PlanForm):
    text = StringField(
        _l("Your suggestion for a step"),
        validators=[DataRequired(_l("Write your suggestion.")), too_long(SUGGESTION_MAX)],
        filters=[strip],
    )
