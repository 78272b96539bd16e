"""Enrol, record status, answer the pulse; statistics and the evaluator's export."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.audit import services as audit
from hub.audit.models import Area as AuditArea
from hub.core.export import csv_download
from hub.db import get_session, utcnow, writes
from hub.errors import Forbidden, Invalid
from hub.evaluation import export, services, stats
from hub.evaluation.forms import EnrolForm, PulseForm, StatusForm
from hub.evaluation.models import (
    HOUSING_LABELS,
    OCCUPATION_LABELS,
    PULSE_QUESTIONS,
    PULSE_SHORT,
    RECORD_KIND_LABELS,
    RISK_LABELS,
)
from hub.evaluation.suppress import MIN_PEOPLE
from hub.htmx import hx_redirect, render

bp = Blueprint("evaluation", __name__)


def _every() -> timedelta:
    """How often a status record and a pulse are due (about every six months)."""
    return timedelta(days=int(current_app.config.get("EVALUATION_INTERVAL_DAYS", services.DEFAULT_INTERVAL.days)))


def _young_or_404(young_id: int) -> User:
    return get_or_404(User, young_id, visible=lambda user: user.is_young)


# --- the young person's pulse -------------------------------------------------------------------------


@bp.route("/pulse", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def pulse():
    db = get_session()
    if services.active_enrolment(db, current_user) is None:
        if request.method == "POST":
            raise Forbidden("not_enrolled", _("The pulse is for young people in the trial."))
        return render("evaluation/pulse_closed.html")
    form = PulseForm()
    if form.validate_on_submit():
        try:
            services.answer_pulse(db, actor=current_user, answers=form.answers())
        except Invalid as error:
            form.add_errors({"__form__": error.message})
        else:
            flash(_("Thank you! Your answers are saved."), "success")
            return hx_redirect(url_for("core.home"))
    history = services.pulse_history(db, current_user.id)
    return render(
        "evaluation/pulse.html",
        status=422 if form.errors or form.form_errors else 200,
        form=form,
        last=history[0] if history else None,
    )


@bp.app_context_processor
def home_card():
    """A callable for the young person's home; it queries only when the template calls it."""

    def evaluation_pulse(user) -> dict | None:
        if not user.is_authenticated or not user.is_young:
            return None
        db = get_session()
        if services.active_enrolment(db, user) is None:
            return None
        history = services.pulse_history(db, user.id)
        last = history[0].answered_at if history else None
        return {"last": last, "due": services.is_due(last, utcnow(), _every())}

    return {"evaluation_pulse": evaluation_pulse}


# --- staff: who is in the trial, and who is due ---------------------------------------------------------


@bp.route("/staff/evaluation")
@roles_required(Role.STAFF)
def index():
    db, now = get_session(), utcnow()
    people = services.participants(db, now=now, every=_every())
    cohorts: dict[int, int] = {}
    for person in people:
        cohorts[person.enrolment.cohort_year] = cohorts.get(person.enrolment.cohort_year, 0) + 1
    return render(
        "evaluation/index.html",
        people=people,
        cohorts=sorted(cohorts.items(), reverse=True),
        due=sum(1 for p in people if p.status_due),
        without_cohort=services.young_without_cohort(db),
    )


def _person_context(young: User, enrol_form: EnrolForm | None = None) -> dict:
    db = get_session()
    enrolment = services.enrolment_of(db, young.id)
    active = services.active_enrolment(db, young)
    records = services.status_history(db, young.id)
    year = enrolment.cohort_year if enrolment else services.local_year()
    return {
        "young": young,
        "enrolment": enrolment,
        "active": active,
        "records": records,
        "answers": services.pulse_history(db, young.id),
        "status_due": active is not None
        and services.is_due(records[0].recorded_at if records else None, utcnow(), _every()),
        "enrol_form": enrol_form or EnrolForm(formdata=None).years(services.cohort_years(), year),
        "labels": _labels(),
    }


def _labels() -> dict:
    return {
        "housing": HOUSING_LABELS,
        "occupation": OCCUPATION_LABELS,
        "risk": RISK_LABELS,
        "kind": RECORD_KIND_LABELS,
        "questions": list(PULSE_QUESTIONS),
        "short": PULSE_SHORT,
    }


@bp.route("/staff/evaluation/people/<int:young_id>")
@roles_required(Role.STAFF)
@writes
def person(young_id: int):
    young = _young_or_404(young_id)
    audit.record(get_session(), actor=current_user, young_id=young.id, area=AuditArea.EVALUATION)
    return render("evaluation/person.html", **_person_context(young))


@bp.route("/staff/evaluation/people/<int:young_id>/enrol", methods=["POST"])
@roles_required(Role.STAFF)
def enrol(young_id: int):
    young = _young_or_404(young_id)
    form = EnrolForm().years(services.cohort_years())
    try:
        services.enrol(get_session(), actor=current_user, young=young, cohort_year=form.cohort_year.data)
    except Invalid as error:
        form.add_errors({EnrolForm.FIELD_OF.get(error.code, "__form__"): error.message})
        return render("evaluation/person.html", status=422, **_person_context(young, form))
    flash(
        _("%(name)s is in the trial, cohort %(year)d.", name=young.display_name, year=form.cohort_year.data), "success"
    )
    return hx_redirect(url_for(".person", young_id=young.id))


@bp.route("/staff/evaluation/people/<int:young_id>/status", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def record_status(young_id: int):
    young = _young_or_404(young_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.record_status(
                get_session(),
                actor=current_user,
                young=young,
                housing=form.housing.data,
                occupation=form.occupation.data,
                risk=form.risk.data,
                network=form.network.data,
                network_note=form.network_note.data or "",
            )
        except Invalid as error:
            form.add_errors({StatusForm.FIELD_OF.get(error.code, "__form__"): error.message})
        else:
            flash(_("The status is saved."), "success")
            return hx_redirect(url_for(".person", young_id=young.id))
    elif request.method == "GET" and services.active_enrolment(get_session(), young) is None:
        # Nothing to record for someone outside the trial: say so where they can be enrolled.
        flash(_("Enrol the young person in the trial first."), "info")
        return hx_redirect(url_for(".person", young_id=young.id))
    return render(
        "evaluation/status.html",
        status=422 if form.errors or form.form_errors else 200,
        form=form,
        young=young,
    )


# --- staff: numbers and the export ----------------------------------------------------------------------------


def _numbers() -> stats.Numbers:
    scope = request.args.get("scope", stats.ALL)
    scope = scope if scope in stats.SCOPES else stats.ALL
    return stats.numbers(get_session(), now=utcnow(), tz=services.HUB_TZ, scope=scope, every=_every())


@bp.route("/staff/evaluation/stats")
@roles_required(Role.STAFF)
def statistics():
    result = _numbers()
    return render("evaluation/stats.html", result=result, scopes=stats.SCOPES, min_people=MIN_PEOPLE)


@bp.route("/staff/evaluation/stats.csv")
@roles_required(Role.STAFF)
def stats_csv():
    result = _numbers()
    filename = f"ungehub-evaluation-{result.scope}-{utcnow().astimezone(services.HUB_TZ):%Y-%m-%d}.csv"
    return csv_download(stats.export_csv(result), filename)


@bp.route("/staff/evaluation/export")
@roles_required(Role.STAFF)
def export_page():
    return render("evaluation/export.html", made=export.history(get_session()))


@bp.route("/staff/evaluation/export", methods=["POST"])
@roles_required(Role.STAFF)
def download_export():
    now = utcnow()
    made, body = export.build(
        get_session(), actor=current_user, now=now, tz=services.HUB_TZ, key=export.evaluation_key()
    )
    filename = f"ungehub-evaluation-{now.astimezone(services.HUB_TZ):%Y-%m-%d}-{made.export_id[:8]}.zip"
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
