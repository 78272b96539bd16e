"""Forms for the staff klip pages. They only parse; the rules live in hub.credits.manage.

Numbers that cannot be read come back as field errors ("abc", "2.5"); every other rule
(ranges, required reasons, known partners) is checked by the services, which name the field.
"""

from __future__ import annotations

import uuid
from dataclasses import fields

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from hub.core.forms import ServiceErrors, WholeNumberField, optional_id
from hub.credits.manage import OFFER_ICONS, AllotmentInput, GrantInput, OfferInput, Recipients
from hub.credits.models import OFFER_CATEGORY_LABELS, Audience, EntryKind, OfferKind, Partner

WHOLE_NUMBER = _l("Write a whole number, like 12.")
A_DATE = _l("Choose a date.")

CATEGORY_LABELS = {**OFFER_CATEGORY_LABELS, "events": _l("Events at the hub")}
KIND_LABELS = {
    OfferKind.LEISURE: _l("Leisure activity (voucher)"),
    OfferKind.COMPANION: _l("Someone to come along the first time"),
    OfferKind.AFTER_TALK: _l("A talk with staff afterwards"),
}
AUDIENCE_LABELS = {
    Audience.TRIAL: _l("Everyone in the trial"),
    Audience.ALL_YOUNG: _l("Every young person"),
}
RECIPIENT_LABELS = {
    Recipients.TRIAL: AUDIENCE_LABELS[Audience.TRIAL],
    Recipients.ALL_YOUNG: AUDIENCE_LABELS[Audience.ALL_YOUNG],
    Recipients.CHOSEN: _l("The people I tick below"),
}
ENTRY_LABELS = {
    EntryKind.GRANT: _l("Granted"),
    EntryKind.SPEND: _l("Spent"),
    EntryKind.REFUND: _l("Given back"),
    EntryKind.EXPIRY: _l("Ran out"),
    EntryKind.CORRECTION: _l("Correction"),
}
ICON_LABELS = {
    "star": _l("Star"),
    "ticket": _l("Ticket"),
    "heart": _l("Heart"),
    "idea": _l("Light bulb"),
    "people": _l("People"),
    "calendar": _l("Calendar"),
}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def new_key() -> str:
    return uuid.uuid4().hex


def _number(label, **kwargs) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional()], invalid_value_message=WHOLE_NUMBER, **kwargs)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class GrantForm(ServiceErrors, FlaskForm):
    amount = _number(_l("Klip"))
    reason = StringField(_l("Why"), filters=[strip])
    expires_on = DateField(_l("Run out after (optional)"), validators=[Optional()], invalid_value_message=A_DATE)
    key = HiddenField(default=new_key)

    def to_input(self) -> GrantInput:
        return GrantInput(amount=self.amount.data, reason=self.reason.data or "", expires_on=self.expires_on.data)


class CorrectForm(ServiceErrors, FlaskForm):
    amount = _number(_l("Klip up or down"))
    reason = StringField(_l("Why"), filters=[strip])
    key = HiddenField(default=new_key)


class GiveBackForm(ServiceErrors, FlaskForm):
    voucher_id = HiddenField(filters=[optional_id])
    reason = StringField(_l("Why is it given back?"), filters=[strip])


class GrantManyForm(GrantForm):
    recipients = RadioField(_l("Who gets the klip"), choices=_choices(RECIPIENT_LABELS), validate_choice=False)
    people = SelectMultipleField(_l("People"), coerce=optional_id, validate_choice=False)
    confirmed = HiddenField()

    def set_people(self, people) -> None:
        self.people.choices = [SelectChoice(person.id, person.name) for person in people]

    @property
    def chosen_ids(self) -> list[int]:
        return [i for i in (self.people.data or []) if i is not None]


class AllotmentForm(ServiceErrors, FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    audience = SelectField(_l("Who gets it"), choices=_choices(AUDIENCE_LABELS), validate_choice=False)
    amount = _number(_l("Klip each month"))
    expires_after_days = _number(_l("Run out after this many days (optional)"))

    def to_input(self) -> AllotmentInput:
        return AllotmentInput(
            name=self.name.data or "",
            audience=self.audience.data or "",
            amount=self.amount.data,
            expires_after_days=self.expires_after_days.data,
        )


class OfferForm(ServiceErrors, FlaskForm):
    title = StringField(_l("Title"), filters=[strip])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS), validate_choice=False)
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS), validate_choice=False)
    partner_id = SelectField(_l("Partner"), coerce=optional_id, validate_choice=False)
    price_klip = _number(_l("Price in klip"))
    description = TextAreaField(_l("Description"), filters=[strip])
    link = StringField(_l("Link (optional)"), filters=[strip])
    icon = SelectField(
        _l("Icon"), choices=[SelectChoice(i, ICON_LABELS.get(i, i)) for i in OFFER_ICONS], validate_choice=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Events are booked on the events pages, not bought from the catalogue.
        self.category.choices = [c for c in self.category.choices if c.value != "events"]

    def set_partners(self, partners: list[Partner]) -> None:
        self.partner_id.choices = [SelectChoice("", _l("No partner: redeemed at the hub"))] + [
            SelectChoice(str(p.id), p.name) for p in partners
        ]

    def to_input(self) -> OfferInput:
        values = {f.name: getattr(self, f.name).data for f in fields(OfferInput)}
        for name in ("title", "description", "link", "category", "kind", "icon"):
            values[name] = values[name] or ""
        return OfferInput(**values)


class PartnerForm(ServiceErrors, FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    website = StringField(_l("Website (optional)"), filters=[strip])
