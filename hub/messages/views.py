"""Messages for young people and their support people, and "I need help now".

The hub staff answer in their own inbox (/staff/messages); here are the young person and the
support person a conversation is with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.accounts.auth import roles_required
from hub.accounts.models import Role, User
from hub.db import get_session, utcnow, writes
from hub.errors import Forbidden, Invalid, NotFound
from hub.htmx import hx_redirect, is_partial, render
from hub.i18n import when
from hub.messages import hours, pace, services, urgency
from hub.messages.forms import HUB, NewConversationForm, ReplyForm, ToYoungForm, UrgentForm
from hub.messages.models import TOPIC_LABELS, Conversation, ConversationStatus, CrisisLine, ReadMark, Topic
from hub.messages.text import message_html
from hub.support import circle
from hub.support.services import in_trial

bp = Blueprint("messages", __name__)

WRITERS = (Role.YOUNG, Role.SUPPORT, Role.MENTOR)


# --- what the hub can promise ------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """When an answer can be expected, and what to do until then."""

    to_person: bool  # a support person answers "when they can"; the hub promises a time
    due: datetime | None
    open_now: bool
    back_at: datetime | None  # when staff are back, while the hub is closed
    lines: list[CrisisLine]  # anonymous help lines open now, while the hub is closed


def _promise(*, topic: str | None, to_person: bool, since: datetime | None = None) -> Promise:
    db = get_session()
    now = utcnow()
    opening = hours.opening_hours(db)
    if topic in {t.value for t in Topic}:
        norm = hours.response_hours(db, topic)
    else:  # nothing chosen yet: the longest norm, so the page never promises too much
        norm = max(hours.response_norms(db).values())
    open_now = hours.is_open(opening, now)
    return Promise(
        to_person=to_person,
        due=None if to_person else hours.reply_due(opening, since or now, norm),
        open_now=open_now,
        back_at=None if open_now else hours.next_opening(opening, now),
        lines=[] if open_now else [line for line in hours.lines_open_now(db, now) if line.anonymous],
    )


# --- the list ------------------------------------------------------------------------------------


@bp.route("/messages")
@roles_required(*WRITERS, Role.STAFF)
def index():
    if not current_user.has_role(*WRITERS):
        return redirect("/staff/messages")  # staff answer in the shared inbox
    db = get_session()
    young = [] if current_user.is_young else services.messageable_young(db, current_user)
    return render(
        "messages/index.html",
        rows=services.overview(db, current_user),
        can_start=current_user.is_young,
        young_people=young,
    )


# --- a new conversation --------------------------------------------------------------------------


def _circle_choices(young: User) -> list[tuple[str, str]]:
    """The hub staff, for everyone; in the trial, also the people in one's circle."""
    db = get_session()
    choices = [(HUB, _("The staff at Ungehub"))]
    if not in_trial(young):
        return choices
    for link in circle.open_links(db, young_id=young.id):
        person = db.get(User, link.supporter_id)
        if person is not None and person.disabled_at is None:
            choices.append((str(person.id), person.display_name))
    return choices


@bp.route("/messages/new", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def new():
    form = NewConversationForm()
    form.to.choices = _circle_choices(current_user)
    if request.method == "GET":
        form.topic.data = form.topic.data or request.args.get("topic")
        form.to.data = form.to.data or request.args.get("to") or HUB
    status = 200
    if form.validate_on_submit():
        try:
            if not services.already_sent(get_session(), form.client_key.data, current_user):
                pace.take("new", current_user.id)
            conversation = services.start_conversation(
                get_session(),
                actor=current_user,
                topic=form.topic.data,
                body=form.body.data,
                supporter_id=form.supporter_id(),
                client_key=form.client_key.data,
            )
        except Forbidden as error:  # outside the trial: to the hub, yes; to a professional, no
            form.add_errors({"to": error.message})
            status = error.status
        except (Invalid, pace.TooFast) as error:
            form.service_error(error.code, error.message)
            status = error.status
        else:
            flash(_("Your message is sent."), "success")
            return hx_redirect(url_for("messages.thread", conversation_id=conversation.id))
    form.give_key()
    promise = _promise(topic=form.topic.data, to_person=form.to.data not in (None, "", HUB))
    status = 422 if form.errors and status == 200 else status
    return render("messages/new.html", "messages/_promise.html", status=status, form=form, promise=promise)


@bp.route("/messages/to/<int:young_id>", methods=["GET", "POST"])
@login_required
def new_to_young(young_id: int):
    """A support person writes first, when the young person lets them."""
    db = get_session()
    link = circle.open_link(db, young_id=young_id, supporter_id=current_user.id)
    if link is None or not link.may_message:
        raise NotFound("not_found", _("We could not find that page"))
    young = db.get(User, young_id)
    form = ToYoungForm()
    if form.validate_on_submit():
        try:
            conversation = services.start_with_young(
                db,
                actor=current_user,
                young_id=young_id,
                topic=form.topic.data,
                body=form.body.data,
                client_key=form.client_key.data,
            )
        except Invalid as error:
            form.service_error(error.code, error.message)
        else:
            flash(_("Your message is sent to %(name)s.", name=young.display_name), "success")
            return hx_redirect(url_for("messages.thread", conversation_id=conversation.id))
    form.give_key()
    status = 422 if form.errors else 200
    return render("messages/to_young.html", status=status, form=form, young=young)


# --- one conversation ----------------------------------------------------------------------------


def _conversation_or_404(conversation_id: int) -> Conversation:
    """The young person's own conversation, or one a support person is in; for anyone else 404
    (staff read hub conversations in their inbox, where it is audited)."""
    conversation = services.get_conversation_or_404(get_session(), current_user, conversation_id)
    if current_user.id not in (conversation.young_id, conversation.supporter_id):
        raise NotFound("not_found", _("We could not find that page"))
    return conversation


@dataclass(frozen=True)
class Line:
    """One message as the person looking sees it."""

    id: int
    body: str
    at: datetime
    mine: bool
    author: str


def _live(conversation: Conversation) -> dict:
    """What changes while the page is open: the messages, "seen", the promise, who picked it up."""
    db = get_session()
    messages = services.visible_messages(db, current_user, conversation)
    authors = {m.author_id for m in messages if m.author_id is not None}
    names = {u.id: u.display_name for u in (db.get(User, i) for i in authors) if u is not None}
    lines = [
        Line(m.id, m.body, m.created_at, m.author_id == current_user.id, names.get(m.author_id, _("Someone")))
        for m in messages
    ]
    mine = [line for line in lines if line.mine]
    if current_user.id == conversation.young_id:
        seen_at = services.seen_by_other_side(db, conversation)
    else:
        mark = db.get(ReadMark, (conversation.id, conversation.young_id))
        seen_at = mark.read_at if mark else None
    seen = bool(mine and lines[-1].mine and seen_at and seen_at >= mine[-1].at)
    promise = route = None
    if conversation.urgent and conversation.supporter_id is None:
        # The receipt: what the form said, as it was when the message was sent.
        route = urgency.urgent_route(db, conversation.created_at, urgency.escalate_minutes())
    elif conversation.status == ConversationStatus.OPEN:
        since = services.waiting_since(conversation, messages)
        promise = _promise(topic=conversation.topic, to_person=conversation.supporter_id is not None, since=since)
    picked_up_by = db.get(User, conversation.picked_up_by_id) if conversation.picked_up_by_id else None
    last_id = lines[-1].id if lines else 0
    picked = int(conversation.picked_up_at is not None)
    state = f"{int(seen)}{picked}{conversation.escalation_level}{conversation.status}"
    return {
        "conversation": conversation,
        "lines": lines,
        "seen": seen,
        "seen_after_id": mine[-1].id if seen else None,
        "promise": promise,
        "waiting_for_me": current_user.id == conversation.young_id,
        "picked_up_by": picked_up_by,
        "route": route,
        "clock": urgency.urgent_clock(conversation, utcnow(), urgency.escalate_minutes()),
        "route_lines": _open_lines(db, utcnow()) if route is not None and route.closed else [],
        "last_id": last_id,
        "state": state,
        "poll_url": url_for("messages.poll", conversation_id=conversation.id, after=last_id, state=state),
    }


def _thread_page(conversation: Conversation, form: ReplyForm | None = None, status: int = 200):
    db = get_session()
    services.mark_read(db, user=current_user, conversation=conversation)
    other_id = conversation.supporter_id if current_user.id == conversation.young_id else conversation.young_id
    form = form or ReplyForm(formdata=None)
    form.give_key()
    return render(
        "messages/thread.html",
        status=status,
        form=form,
        other=db.get(User, other_id) if other_id else None,
        topic_label=TOPIC_LABELS.get(conversation.topic, conversation.topic),
        can_write=services.can_write(db, current_user, conversation),
        closed=conversation.status == ConversationStatus.CLOSED,
        **_live(conversation),
    )


@bp.route("/messages/<int:conversation_id>")
@login_required
@writes
def thread(conversation_id: int):
    conversation = services.get_conversation_or_404(get_session(), current_user, conversation_id)
    if current_user.id not in (conversation.young_id, conversation.supporter_id):
        return redirect(f"/staff/messages/{conversation.id}")  # staff: the inbox, where reading is audited
    return _thread_page(conversation)


@bp.route("/messages/<int:conversation_id>/reply", methods=["POST"])
@login_required
def reply(conversation_id: int):
    conversation = _conversation_or_404(conversation_id)
    form = ReplyForm()
    status = 422
    if form.validate_on_submit():
        try:
            if not services.already_sent(get_session(), form.client_key.data, current_user):
                pace.take("reply", current_user.id)
            services.post_message(
                get_session(),
                actor=current_user,
                conversation=conversation,
                body=form.body.data,
                client_key=form.client_key.data,
            )
        except (Invalid, pace.TooFast) as error:
            form.service_error(error.code, error.message)
            status = error.status
        else:
            return hx_redirect(url_for("messages.thread", conversation_id=conversation.id) + "#latest")
    return _thread_page(conversation, form, status)


@bp.route("/messages/<int:conversation_id>/poll")
@login_required
@writes
def poll(conversation_id: int):
    """Every 10 seconds while the thread is open: 204 when nothing changed (htmx swaps nothing),
    else the live part again with the newest message id and state in its next poll."""
    conversation = _conversation_or_404(conversation_id)
    if not is_partial():
        return redirect(url_for("messages.thread", conversation_id=conversation.id))
    live = _live(conversation)
    after = request.args.get("after", "")
    if after == str(live["last_id"]) and request.args.get("state") == live["state"]:
        return "", 204
    services.mark_read(get_session(), user=current_user, conversation=conversation)
    return render_template("messages/_live.html", **live)


# --- I need help now -----------------------------------------------------------------------------


def _tel(phone: str) -> str:
    return re.sub(r"[^\d+]", "", phone)


def _open_lines(db, now: datetime) -> list[dict]:
    return [{"line": line, "tel": _tel(line.phone), "open": True} for line in hours.lines_open_now(db, now)]


def _help_context() -> dict:
    db = get_session()
    now = utcnow()
    opening = hours.opening_hours(db)
    open_now = hours.is_open(opening, now)
    return {
        "lines": [
            {"line": line, "tel": _tel(line.phone), "open": hours.line_is_open(line, now)}
            for line in hours.crisis_lines(db)
        ],
        "open_now": open_now,
        "back_at": None if open_now else hours.next_opening(opening, now),
        "week": _week(opening),
    }


def _week(opening: hours.Hours) -> list[dict]:
    names = get_locale().days["format"]["wide"]
    return [{"day": names[day], "span": opening.get(day)} for day in range(7)]


@bp.route("/help", endpoint="help")
def help_page():
    """For everyone, logged in or not, and offline (the service worker keeps a copy)."""
    can_send = current_user.is_authenticated and current_user.is_young
    return render("messages/help.html", can_send=can_send, **_help_context())


@bp.route("/help/urgent", methods=["GET", "POST"])
@roles_required(Role.YOUNG)
def urgent():
    db = get_session()
    form = UrgentForm()
    status = 200
    if form.validate_on_submit():
        try:
            if not services.already_sent(db, form.client_key.data, current_user):
                pace.take("urgent", current_user.id)
            conversation = services.start_conversation(
                db,
                actor=current_user,
                topic=form.topic.data or Topic.OTHER,
                # In a crisis nobody should be stopped by an empty box.
                body=form.body.data or _("I need help now."),
                urgent=True,
                client_key=form.client_key.data,
            )
        except (Invalid, pace.TooFast) as error:
            form.service_error(error.code, error.message)
            status = error.status
        else:
            flash(_("Your urgent message is sent."), "success")
            return hx_redirect(url_for("messages.thread", conversation_id=conversation.id))
    form.give_key()
    context = _help_context()
    too_fast = status == pace.TooFast.status
    return render(
        "messages/urgent.html",
        status=422 if form.errors and status == 200 else status,
        form=form,
        route=urgency.urgent_route(db, utcnow(), urgency.escalate_minutes()),
        open_lines=[row for row in context["lines"] if row["open"]],
        # Held back by the limit: the help lines whatever the hour, and the way to the open conversation.
        too_fast=too_fast,
        open_urgent=services.open_urgent(db, current_user) if too_fast else None,
        **context,
    )


# --- for templates everywhere --------------------------------------------------------------------


bp.add_app_template_filter(message_html, "message_html")


@bp.app_template_filter("message_when")
def message_when(value: datetime) -> str:
    """'i dag kl. 15.00', 'i morgen kl. 13.00', 'mandag 16. marts kl. 13.00' (Aarhus time)."""
    today = utcnow().astimezone(hours.AARHUS).date()
    day = value.astimezone(hours.AARHUS).date()
    if day == today:
        return _("today at %(time)s", time=when(value, "time"))
    if day == today + timedelta(days=1):
        return _("tomorrow at %(time)s", time=when(value, "time"))
    return when(value, "weekday_time")


@bp.app_template_filter("message_stamp")
def message_stamp(value: datetime) -> str:
    """A message's time: '14.03' today, else '12. mar. kl. 14.03'."""
    if value.astimezone(hours.AARHUS).date() == utcnow().astimezone(hours.AARHUS).date():
        return when(value, "time")
    return when(value, "day_time")


@bp.app_template_global()
def unread_messages(user: User) -> int:
    """Conversations with something new for this person: the badge on the Messages tab."""
    if not user.is_authenticated:
        return 0
    return services.unread_count(get_session(), user)


@bp.app_template_global()
def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))
