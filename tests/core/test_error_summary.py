"""The error summary above a form that failed (GOV.UK's pattern): a link to each field in error,
leading to the control a person can change, and the form's own messages."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, RadioField, SelectChoice, StringField

from hub import create_app
from hub.core.forms import ErrorLink, error_links
from tests.conftest import app_config


@pytest.fixture
def app(tmp_path):
    """Only templates are rendered here: one SQLite app is enough, whatever the database."""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'hub.sqlite3'}", tmp_path))
    yield app
    app.extensions["hub_engine"].dispose()


SUMMARY = '{% from "_macros.html" import form_errors %}{{ form_errors(form, targets) }}'


class Opening(Form):
    opens = StringField("Opens")


class Sample(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    colour = RadioField("Colour", choices=[SelectChoice("red", "Red"), SelectChoice("blue", "Blue")])
    sure = BooleanField("Sure")
    monday = FormField(Opening)
    voucher_id = HiddenField()


def failed_form(**errors) -> Sample:
    form = Sample(formdata=None)
    for name, message in errors.items():
        target = form.monday.form.opens if name == "opens" else getattr(form, name)
        target.errors = [message]
    return form


def test_each_field_in_error_links_to_the_control_to_change(app):
    with app.test_request_context():
        form = failed_form(
            name="Write your name.", colour="Choose a colour.", opens="Write a time.", voucher_id="No such voucher."
        )
        assert error_links(form) == [
            ErrorLink("name", "Write your name."),
            ErrorLink("colour-0", "Choose a colour."),  # the first radio: the group itself takes no focus
            ErrorLink("monday-opens", "Write a time."),  # a sub-form's field by its own id
            ErrorLink(None, "No such voucher."),  # a hidden field: nothing on screen to go to
        ]
        assert error_links(failed_form(name="Too long.", sure="Tick it."), {"name": "name-7"}) == [
            ErrorLink("name-7", "Too long."),  # a field the template draws with its own id
            ErrorLink("sure", "Tick it."),
        ]


def test_the_summary_shows_the_problem_and_links_each_field(app):
    with app.test_request_context("/?lang=en"):
        form = failed_form(sure="Tick the box if you are sure.")
        form.form_errors.append("You asked already.")
        html = render_template_string(SUMMARY, form=form, targets=None)
    summary = re.sub(r"\s+", " ", html).strip()
    assert summary.startswith('<div class="error-summary" id="error-summary" tabindex="-1" data-error-summary>')
    assert "role=" not in summary  # focus reads it out; an alert as well would say it twice
    assert '<h2 class="error-summary__title">' in summary
    assert "<p>You asked already.</p>" in summary
    assert '<li><a href="#sure">Tick the box if you are sure.</a></li>' in summary


def test_a_form_without_errors_has_no_summary(app):
    with app.test_request_context():
        assert render_template_string(SUMMARY, form=Sample(formdata=None), targets=None).strip() == ""
