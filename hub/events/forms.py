"""The one form a young person fills in for an event: booking, with an optional companion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import Length, Optional

from hub.accounts.forms import strip
from hub.events.models import COMPANION_LABELS, Companion


class BookForm(FlaskForm):
    companion = RadioField(
        _l("Who would you like to come with you?"),
        choices=[SelectChoice("", _l("No thanks, I will come on my own"))]
        + [SelectChoice(c.value, label) for c, label in COMPANION_LABELS.items()],
        default="",
    )
    companion_note = StringField(
        _l("Anything we should know? (if you want)"),
        validators=[Optional(), Length(max=300, message=_l("Please keep it under 300 characters."))],
        filters=[strip],
    )

    def chosen_companion(self) -> Companion | None:
        return Companion(self.companion.data) if self.companion.data else None
