"""Forms for accounts; every label and message goes through gettext."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from hub.accounts import passwords, services
from hub.accounts.models import AVATAR_COLOURS, ROLE_LABELS, SUPPORT_TYPE_LABELS, Role
from hub.core.forms import optional_id
from hub.errors import Invalid

EMAIL = [
    InputRequired(_l("Write your e-mail.")),
    Length(max=254),
    Email(_l("That does not look like an e-mail address."), check_deliverability=False),
]
NEW_PASSWORD = [
    InputRequired(_l("Choose a password.")),
    Length(min=passwords.MIN_LENGTH, message=_l("Use at least 8 characters.")),
    Length(max=passwords.MAX_LENGTH, message=_l("That password is too long.")),
]


def check_new_password(field, *, email: str | None, name: str | None) -> None:
    """The rest of the password rules (a common password, the person's e-mail or name), on the field.

    The length rules above already spoke for a password that is too short or too long.
    """
    if not field.data or not passwords.MIN_LENGTH <= len(field.data) <= passwords.MAX_LENGTH:
        return
    try:
        services.check_password_rules(field.data, email=email, name=name)
    except Invalid as error:
        raise ValidationError(error.message) from None


def strip(value):
    return value.strip() if isinstance(value, str) else value


NAME = [InputRequired(_l("Write your name.")), Length(max=120)]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL, filters=[strip])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Write your password.")), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this phone"))


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=NAME)
    email = EmailField(_l("E-mail"), validators=EMAIL, filters=[strip])
    password = PasswordField(_l("Choose a password"), validators=NEW_PASSWORD)

    def validate_password(self, field):
        check_new_password(field, email=self.email.data, name=self.name.data)


class ConfirmSignupForm(FlaskForm):
    """The link mailed at sign-up asks for the password chosen then: it finishes only that sign-up."""

    password = PasswordField(
        _l("The password you chose"), validators=[InputRequired(_l("Write your password.")), Length(max=1024)]
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=NEW_PASSWORD)
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            InputRequired(_l("Write the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person  # whose password it becomes (from the link)

    def validate_password(self, field):
        person = self.person
        check_new_password(field, email=person and person.email, name=person and person.name)


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL, filters=[strip])


class ConsentForm(FlaskForm):
    accept = BooleanField(_l("I have read this and say yes"), validators=[InputRequired(_l("Tick the box to go on."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=NAME)
    preferred_name = StringField(_l("What should we call you?"), validators=[Optional(), Length(max=60)])
    pronouns = StringField(_l("Pronouns (if you want)"), validators=[Optional(), Length(max=40)])
    locale = RadioField(_l("Language"), choices=[SelectChoice("da", "Dansk"), SelectChoice("en", "English")])
    avatar_colour = RadioField(
        _l("Colour of your icon"), coerce=int, choices=[SelectChoice(i, str(i + 1)) for i in range(AVATAR_COLOURS)]
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Your current password"), validators=[InputRequired(_l("Write your current password.")), Length(max=1024)]
    )
    password = PasswordField(_l("New password"), validators=NEW_PASSWORD)
    end_others = BooleanField(_l("Log me out everywhere else"), default=True)

    def validate_password(self, field):
        check_new_password(field, email=current_user.email, name=current_user.name)


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Write the person's name.")), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=EMAIL, filters=[strip])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    support_type = SelectField(
        _l("Kind of support person"),
        choices=[SelectChoice("", _l("Not a support person"))]
        + [SelectChoice(t.value, label) for t, label in SUPPORT_TYPE_LABELS.items()],
        validators=[Optional()],
    )
    enrol_in_trial = BooleanField(_l("Enrol in the youth-steered support trial"))

    def role_choices_for(self, actor) -> None:
        """Staff invite young people, mentors and support people; admins invite staff too.

        Partner accounts need a partner chosen, so they are invited with PartnerInviteForm.
        """
        allowed = set(ROLE_LABELS) - {Role.PARTNER} if actor.is_admin else {Role.YOUNG, Role.MENTOR, Role.SUPPORT}
        self.role.choices = [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items() if r in allowed]


class PartnerInviteForm(FlaskForm):
    """An account for someone at a partner (a club, a venue): it redeems that partner's vouchers."""

    name = StringField(_l("Name"), validators=[InputRequired(_l("Write the person's name.")), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=EMAIL, filters=[strip])
    partner_id = SelectField(_l("Partner"), coerce=optional_id, validate_choice=False)

    def set_partners(self, partners) -> None:
        self.partner_id.choices = [SelectChoice("", _l("Choose a partner"))] + [
            SelectChoice(str(p.id), p.name) for p in partners
        ]
