"""Forms for ideas; every label and message goes through gettext."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from hub.proposals.services import COST_MAX_KR, TEXT_MAX, TITLE_MAX

# "500", "1.500", "1 500", "500 kr.", "500,-": how people write whole kroner in Denmark.
KRONER = re.compile(r"^(-?)\s*(\d{1,3}(?:[. ]\d{3})+|\d+)\s*(?:kr\.?|,-)?$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class KronerField(StringField):
    """Whole kroner as people type them; `data` is an int, or None when left empty."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().lower()
        self.data = None
        if not raw:
            return
        match = KRONER.match(raw)
        if match is None:
            raise ValueError(str(_l("Write a number of whole kroner, for example 500.")))
        sign, digits = match.groups()
        self.data = int(sign + re.sub(r"[. ]", "", digits))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # "not a number" is enough said; skip the range check

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def kroner_range() -> NumberRange:
    return NumberRange(min=0, max=COST_MAX_KR, message=_l("Write an amount from 0 to %(max)d kr.", max=COST_MAX_KR))


def too_long(limit: int):
    return Length(max=limit, message=_l("Keep it under %(max)d characters.", max=limit))


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Your idea in a few words"),
        validators=[DataRequired(_l("Give your idea a short name.")), too_long(TITLE_MAX)],
        filters=[strip],
    )
    what = TextAreaField(
        _l("What would you like to do?"),
        validators=[DataRequired(_l("Tell us what you would like to do.")), too_long(TEXT_MAX)],
        filters=[strip],
    )
    why = TextAreaField(_l("Why would it be good? (if you want)"), validators=[Optional(), too_long(TEXT_MAX)])
    rough_cost_kr = KronerField(
        _l("Roughly what would it cost? (if you know)"), validators=[Optional(), kroner_range()]
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Write a comment"),
        validators=[DataRequired(_l("Write something first.")), too_long(TEXT_MAX)],
        filters=[strip],
    )


class ApproveForm(FlaskForm):
    budget_kr = KronerField(_l("Money from the youth budget (kr.)"), validators=[Optional(), kroner_range()])


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why not this time?"),
        validators=[DataRequired(_l("Write a few kind words about why, so they understand.")), too_long(TEXT_MAX)],
        filters=[strip],
    )
