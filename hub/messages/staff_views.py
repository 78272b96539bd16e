"""The staff inbox: conversations with the hub, routing, notes, canned replies, settings."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user

from hub.access import get_or_404
from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.core.export import csv_download
from hub.core.forms import optional_id, whole_number
from hub.db import get_session, utcnow, writes
from hub.errors import DomainError, Invalid
from hub.htmx import hx_redirect, is_partial, render
from hub.i18n import duration, when
from hub.messages import hours, inbox, services, settings, stats, urgency
from hub.messages.models import TOPIC_LABELS, CannedReply, Conversation, ConversationStatus, CrisisLine, Topic
from hub.messages.staff_forms import WEEKDAYS, CannedForm, CrisisLineForm, ReplyForm, SettingsForm
from hub.messages.text import message_html

bp = Blueprint("staff_messages", __name__, url_prefix="/staff/messages")

STATUS_LABELS = {
    ConversationStatus.OPEN: _l("Our turn to answer"),
    ConversationStatus.WAITING: _l("Waiting for them"),
    ConversationStatus.CLOSED: _l("Closed"),
}
DUTY_CHOICES = [("today", _l("Until we close today"))] + [
    (str(n), lazy_ngettext("%(num)d hour", "%(num)d hours", n)) for n in (1, 2, 4, 8, 12)
]


def hours_minutes(value: timedelta | None) -> str:
    """A duration as staff read it: '45 minutes', '3 hours and 5 minutes', '2 days and 4 hours'."""
    return duration(value)


@bp.context_processor
def labels():
    return {
        "topic_labels": TOPIC_LABELS,
        "status_labels": STATUS_LABELS,
        "tab_labels": inbox.TAB_LABELS,
        "hours_minutes": hours_minutes,
        "message_html": message_html,
    }


# --- the inbox ---------------------------------------------------------------------------------


def _inbox_context(duty_error: str | None = None) -> dict:
    db, now = get_session(), utcnow()
    filters = inbox.Filters.parse(request.args.get("tab"), request.args.get("topic"), request.args.get("mine"))
    return {
        "filters": filters,
        "rows": inbox.inbox_rows(db, viewer=current_user, filters=filters),
        "counts": inbox.tab_counts(db, viewer=current_user, filters=filters),
        "on_duty": services.staff_on_duty(db, now),
        "my_shift": settings.current_shift(db, current_user, now),
        "duty_choices": DUTY_CHOICES,
        "duty_error": duty_error,
        "now": now,
        "url_for_filters": _filter_url(filters),
    }


def _filter_url(filters: inbox.Filters):
    """Links that change one filter and keep the others."""

    def build(**changes) -> str:
        values = {"tab": filters.tab, "topic": filters.topic, "mine": "1" if filters.my_topics else None}
        values.update(changes)
        return url_for(".inbox", **{key: value for key, value in values.items() if value})

    return build


@bp.route("", endpoint="inbox")
@roles_required(Role.STAFF)
def inbox_page():
    return render("staff_messages/inbox.html", "staff_messages/_inbox.html", **_inbox_context())


@bp.route("/duty", methods=["POST"])
@roles_required(Role.STAFF)
def duty():
    db, choice = get_session(), request.form.get("hours", "")
    try:
        if choice == "off":
            settings.go_off_duty(db, actor=current_user)
            flash(_("You are off duty."), "success")
        else:
            number = whole_number(choice, maximum=9999)
            hours_on = None if choice == "today" else -1 if number is None else number
            shift = settings.go_on_duty(db, actor=current_user, hours=hours_on)
            flash(_("You are on duty until %(time)s.", time=_local_time(shift.until)), "success")
    except Invalid as error:
        return render("staff_messages/inbox.html", status=422, **_inbox_context(duty_error=error.message))
    return hx_redirect(url_for(".inbox"))


def _local_time(moment) -> str:
    return when(moment, "time")


# --- one conversation ----------------------------------------------------------------------------


def _conversation_or_404(conversation_id: int, *, lock: bool = False) -> Conversation:
    return inbox.get_hub_conversation_or_404(get_session(), conversation_id, lock=lock)


def _response_time(conversation: Conversation) -> tuple[timedelta, bool]:
    """Time to the first answer, or how long it has waited for one so far."""
    if conversation.first_response_at is not None:
        return conversation.first_response_at - conversation.created_at, True
    return utcnow() - conversation.created_at, False


def _conversation_page(conversation: Conversation, form: ReplyForm | None = None, status: int = 200, **extra):
    """The thread as staff see it. Opening it is written to the audit log and marks it read."""
    db = get_session()
    services.audit_read(db, viewer=current_user, conversation=conversation)
    services.mark_read(db, user=current_user, conversation=conversation)
    messages = services.visible_messages(db, current_user, conversation)
    people = inbox.people_by_id(db, {m.author_id for m in messages} | _people_ids(conversation))
    spent, answered = _response_time(conversation)
    return render(
        "staff_messages/conversation.html",
        status=status,
        messages=messages,
        people=people,
        young=people[conversation.young_id],
        assigned=people.get(conversation.assigned_to_id),
        picked_up_by=people.get(conversation.picked_up_by_id),
        response_time=spent,
        answered=answered,
        clock=urgency.urgent_clock(conversation, utcnow(), urgency.escalate_minutes()),
        staff=inbox.active_staff(db),
        **_reply_context(conversation, form),
        error=extra.get("error"),
    )


def _people_ids(conversation: Conversation) -> set[int]:
    return {i for i in (conversation.young_id, conversation.assigned_to_id, conversation.picked_up_by_id) if i}


def _reply_context(conversation: Conversation, form: ReplyForm | None) -> dict:
    return {
        "conversation": conversation,
        "form": form or ReplyForm(formdata=None),
        "canned": settings.canned_replies(get_session(), conversation.topic),
    }


@bp.route("/<int:conversation_id>")
@roles_required(Role.STAFF)
@writes
def conversation(conversation_id: int):
    return _conversation_page(_conversation_or_404(conversation_id))


@bp.route("/<int:conversation_id>/reply", methods=["POST"])
@roles_required(Role.STAFF)
def reply(conversation_id: int):
    db = get_session()
    found = _conversation_or_404(conversation_id, lock=True)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.post_message(
                db, actor=current_user, conversation=found, body=form.body.data, internal=form.internal.data
            )
        except Invalid as error:
            form.add_errors({"body": error.message})
        else:
            flash(_("Your note is saved.") if form.internal.data else _("Your answer is sent."), "success")
            return hx_redirect(url_for(".conversation", conversation_id=found.id))
    return _conversation_page(found, form, status=422)


@bp.route("/<int:conversation_id>/canned/<int:canned_id>")
@roles_required(Role.STAFF)
@writes
def use_canned(conversation_id: int, canned_id: int):
    """A canned reply in the answer box, after what is already written there. Nothing is sent."""
    found = _conversation_or_404(conversation_id)
    canned = get_or_404(CannedReply, canned_id)
    young = get_session().get(User, found.young_id)
    written = (request.args.get("body") or "").strip()
    text = canned.body.replace("{name}", young.display_name)
    form = ReplyForm(formdata=None, data={"body": f"{written}\n\n{text}" if written else text})
    if is_partial():
        return render("staff_messages/_reply_form.html", **_reply_context(found, form))
    return _conversation_page(found, form)


@bp.route("/<int:conversation_id>/assign", methods=["POST"])
@roles_required(Role.STAFF)
def assign(conversation_id: int):
    db = get_session()
    found = _conversation_or_404(conversation_id)
    raw = (request.form.get("assignee") or "").strip()
    assignee_id = current_user.id if raw == "me" else optional_id(raw)
    try:
        inbox.assign_conversation(db, actor=current_user, conversation_id=found.id, assignee_id=assignee_id)
    except DomainError as error:
        return _conversation_page(found, status=error.status, error=error.message)
    if assignee_id is None:
        flash(_("Nobody has it now: it is back under New."), "success")
    elif assignee_id == current_user.id:
        flash(_("It is yours now."), "success")
    else:
        flash(_("Given to %(name)s. They have been told.", name=db.get(User, assignee_id).name), "success")
    return hx_redirect(url_for(".conversation", conversation_id=found.id))


@bp.route("/<int:conversation_id>/pick-up", methods=["POST"])
@roles_required(Role.STAFF)
def pick_up(conversation_id: int):
    found = _conversation_or_404(conversation_id)
    try:
        inbox.pick_up(get_session(), actor=current_user, conversation_id=found.id)
    except DomainError as error:
        return _conversation_page(found, status=error.status, error=error.message)
    flash(_("You have it. Answer them as soon as you can."), "success")
    return hx_redirect(url_for(".conversation", conversation_id=found.id))


@bp.route("/<int:conversation_id>/close", methods=["POST"])
@roles_required(Role.STAFF)
def close(conversation_id: int):
    found = _conversation_or_404(conversation_id)
    inbox.close_conversation(get_session(), actor=current_user, conversation_id=found.id)
    flash(_("Closed. If they write again, it opens by itself."), "success")
    return hx_redirect(url_for(".conversation", conversation_id=found.id))


@bp.route("/<int:conversation_id>/reopen", methods=["POST"])
@roles_required(Role.STAFF)
def reopen(conversation_id: int):
    found = _conversation_or_404(conversation_id)
    inbox.reopen_conversation(get_session(), actor=current_user, conversation_id=found.id)
    flash(_("Open again."), "success")
    return hx_redirect(url_for(".conversation", conversation_id=found.id))


# --- settings: topics, reply norms, opening hours ---------------------------------------------------


def _settings_data() -> dict:
    db = get_session()
    routes, norms, opening = settings.topic_routes(db), hours.response_norms(db), hours.opening_hours(db)
    data = {f"topic_{t.value}": {"staff": sorted(routes[t.value]), "norm": norms[t.value]} for t in Topic}
    for day in range(7):
        span = opening.get(day)
        data[f"day_{day}"] = {
            "closed": span is None,
            "opens": span[0] if span else None,
            "closes": span[1] if span else None,
        }
    return data


@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
@roles_required(Role.STAFF)
def settings_page():
    db = get_session()
    form = SettingsForm(data=_settings_data() if request.method == "GET" else None)
    form.set_staff(inbox.active_staff(db))
    if form.validate_on_submit():
        for save in (
            lambda: settings.save_topics(db, actor=current_user, routes=form.routes(), norms=form.norms()),
            lambda: settings.save_opening_hours(db, actor=current_user, days=form.days()),
        ):
            try:
                save()
            except settings.InvalidSettings as error:
                form.add_errors(error.errors)
        if not form.errors:
            flash(_("The settings are saved."), "success")
            return hx_redirect(url_for(".settings"))
    return render(
        "staff_messages/settings.html",
        status=422 if form.errors else 200,
        form=form,
        topics=list(Topic),
        weekdays=list(enumerate(WEEKDAYS)),
    )


# --- crisis lines ----------------------------------------------------------------------------------


@bp.route("/crisis-lines")
@roles_required(Role.STAFF)
def crisis_lines():
    return render("staff_messages/crisis_lines.html", lines=settings.all_crisis_lines(get_session()))


def _crisis_line_form(line: CrisisLine | None):
    data = settings.CrisisLineInput.from_line(line) if line else settings.CrisisLineInput()
    form = CrisisLineForm(data=asdict(data) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            settings.save_crisis_line(
                get_session(), actor=current_user, data=form.to_input(), line_id=line.id if line else None
            )
        except settings.InvalidSettings as error:
            form.add_errors(error.errors)
        else:
            flash(_("The help line is saved."), "success")
            return hx_redirect(url_for(".crisis_lines"))
    status = 422 if form.errors else 200
    return render("staff_messages/crisis_line_form.html", status=status, form=form, line=line)


@bp.route("/crisis-lines/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_crisis_line():
    return _crisis_line_form(None)


@bp.route("/crisis-lines/<int:line_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_crisis_line(line_id: int):
    return _crisis_line_form(get_or_404(CrisisLine, line_id))


# --- canned replies --------------------------------------------------------------------------------


@bp.route("/canned")
@roles_required(Role.STAFF)
def canned():
    return render("staff_messages/canned.html", replies=settings.canned_replies(get_session()))


def _canned_form(reply: CannedReply | None):
    initial = {"title": reply.title, "body": reply.body, "topic": reply.topic or ""} if reply else {}
    form = CannedForm(data=initial if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            settings.save_canned(
                get_session(),
                actor=current_user,
                title=form.title.data or "",
                body=form.body.data or "",
                topic=form.topic_value,
                canned_id=reply.id if reply else None,
            )
        except settings.InvalidSettings as error:
            form.add_errors(error.errors)
        else:
            flash(_("The canned reply is saved."), "success")
            return hx_redirect(url_for(".canned"))
    status = 422 if form.errors else 200
    return render("staff_messages/canned_form.html", status=status, form=form, reply=reply)


@bp.route("/canned/new", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_canned():
    return _canned_form(None)


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_canned(canned_id: int):
    return _canned_form(get_or_404(CannedReply, canned_id))


@bp.route("/canned/<int:canned_id>/delete", methods=["POST"])
@roles_required(Role.STAFF)
def delete_canned(canned_id: int):
    reply = get_or_404(CannedReply, canned_id)
    settings.delete_canned(get_session(), actor=current_user, canned_id=reply.id)
    flash(_("The canned reply is deleted."), "success")
    return hx_redirect(url_for(".canned"))


# --- numbers ---------------------------------------------------------------------------------------


def _numbers() -> stats.Numbers:
    since, until = stats.year_back(utcnow(), hours.AARHUS)
    return stats.numbers(get_session(), since=since, until=until, tz=hours.AARHUS)


@bp.route("/stats", endpoint="stats")
@roles_required(Role.STAFF)
def stats_page():
    result = _numbers()
    return render(
        "staff_messages/stats.html",
        result=result,
        chart=stats.bar_chart(result.months),
        topics=list(TOPIC_LABELS.items()),
    )


@bp.route("/stats.csv")
@roles_required(Role.STAFF)
def export():
    filename = f"ungehub-messages-{utcnow().astimezone(hours.AARHUS):%Y-%m-%d}.csv"
    return csv_download(stats.export_csv(_numbers()), filename)


# --- on the staff home -------------------------------------------------------------------------------


@bp.app_context_processor
def home_card():
    """A callable for the staff home; it queries only when the template calls it."""

    def inbox_summary(user: User | None = None) -> inbox.Summary | None:
        user = user or current_user
        if not user.is_authenticated or not user.is_staff_member:
            return None
        return inbox.summary(get_session(), viewer=user)

    return {"inbox_summary": inbox_summary, "inbox_waited": hours_minutes}
