"""Forms for the staff side of the circle: answering nominations and listing support people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Optional

from hub.core.forms import ServiceErrors, optional_id
from hub.support.forms import strip, too_long

A_DATE = _l("Choose a date.")


class InviteNomineeForm(ServiceErrors, FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Write their name.")), too_long(120)], filters=[strip])
    email = EmailField(
        _l("E-mail"),
        validators=[
            InputRequired(_l("Write their e-mail. They need it to log in.")),
            too_long(254),
            Email(_l("That does not look like an e-mail address.")),
        ],
        filters=[strip],
    )


class DeclineNominationForm(ServiceErrors, FlaskForm):
    reason = TextAreaField(
        _l("Why not? The young person reads this."),
        validators=[InputRequired(_l("Write a few kind words about why.")), too_long(500)],
        filters=[strip],
    )


class ListingForm(ServiceErrors, FlaskForm):
    listed = BooleanField(_l("Show in the directory young people choose from"))
    organisation = StringField(_l("Organisation"), validators=[too_long(120)], filters=[strip])
    agreement_on = DateField(_l("Agreement signed on"), validators=[Optional()], invalid_value_message=A_DATE)
    training_on = DateField(_l("Intro training on"), validators=[Optional()], invalid_value_message=A_DATE)
    staff_contact_id = SelectField(_l("Their contact in the staff"), coerce=optional_id, validate_choice=False)

    def set_staff(self, people) -> None:
        self.staff_contact_id.choices = [SelectChoice("", _l("No one yet"))] + [
            SelectChoice(person.id, person.name) for person in people
        ]
