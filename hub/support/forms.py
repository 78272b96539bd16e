"""Forms for the young person's circle and the support person's own profile. They parse; the rules
live in hub.support.services, .nominations and .profiles, which name the field a message belongs beside."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from hub.core.forms import ServiceErrors
from hub.plans.models import LIFE_AREA_LABELS

PHONE = Regexp(r"^\+?[\d ()-]{6,30}$", message=_l("Write a phone number with digits, like 12 34 56 78."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Keep it under %(max)d characters.", max=limit))


class SharingForm(ServiceErrors, FlaskForm):
    see_plan = BooleanField(_l("My plan"))
    see_bookings = BooleanField(_l("What I have booked"))
    see_wellbeing = BooleanField(_l("My wellbeing check-ins"))
    see_klip = BooleanField(_l("My klippekort"))
    see_support = BooleanField(_l("My support options"))
    may_message = BooleanField(_l("They may send me messages"))

    def sharing(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name).data) for name in self.sharing_fields()}

    @staticmethod
    def sharing_fields() -> tuple[str, ...]:
        return ("see_plan", "see_bookings", "see_wellbeing", "see_klip", "see_support", "may_message")


class NominateForm(ServiceErrors, FlaskForm):
    name = StringField(
        _l("Their name"), validators=[InputRequired(_l("Write their name.")), too_long(120)], filters=[strip]
    )
    relation = StringField(
        _l("How do you know them?"),
        validators=[InputRequired(_l("Write how you know them.")), too_long(200)],
        filters=[strip],
    )
    email = EmailField(
        _l("Their e-mail"),
        validators=[Optional(), too_long(254), Email(_l("That does not look like an e-mail address."))],
        filters=[strip],
    )
    phone = StringField(_l("Their phone number"), validators=[Optional(), PHONE], filters=[strip])
    note = TextAreaField(_l("Anything the staff should know? (if you want)"), validators=[too_long(500)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.email.data or self.phone.data) and not self.email.errors and not self.phone.errors:
            self.email.errors = [_l("Write an e-mail or a phone number, so the staff can reach them.")]
            return False
        return valid


class MultiCheckboxField(SelectMultipleField):
    """Tick boxes instead of a multiple select: easier on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(ServiceErrors, FlaskForm):
    about = TextAreaField(_l("A few words about you, in your own voice"), validators=[too_long(500)])
    helps_with = MultiCheckboxField(
        _l("What you can help with"),
        choices=[SelectChoice(str(area), label) for area, label in LIFE_AREA_LABELS.items()],
        invalid_choice_message=_l("Choose from the list."),
    )
    languages = StringField(_l("Languages you speak"), validators=[too_long(120)], filters=[strip])
    reachable = StringField(_l("When young people can reach you"), validators=[too_long(200)], filters=[strip])
    phone = StringField(_l("Phone number young people may use"), validators=[Optional(), PHONE], filters=[strip])
