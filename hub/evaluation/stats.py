"""The numbers the trial's evaluation asks for, as charts with tables, and as one CSV file.

Every figure goes through `suppress.figure` with the number of distinct people it was computed
from, so a group smaller than five never shows. Each query reads rows and groups in Python:
local months and medians then come out the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlmodel import Session, select

from hub.accounts.models import SUPPORT_TYPE_LABELS, User
from hub.core.charts import Chart, Series, Value, bar_chart, line_chart
from hub.core.export import csv_text
from hub.credits.models import OFFER_CATEGORY_LABELS, EntryKind, KlipEntry, Offer, Voucher
from hub.evaluation.models import (
    HOUSING_LABELS,
    OCCUPATION_LABELS,
    PULSE_QUESTIONS,
    PULSE_SHORT,
    EvaluationEnrolment,
    Occupation,
    PulseAnswer,
    StatusRecord,
)
from hub.evaluation.services import DEFAULT_INTERVAL
from hub.evaluation.suppress import csv_cell, figure
from hub.events.models import CATEGORY_LABELS, Booking, Event, EventStatus
from hub.messages.models import TOPIC_LABELS, Conversation
from hub.plans.models import LIFE_AREA_LABELS, Goal, GoalStatus
from hub.support.models import ChangeKind, SupportChange, SupportOption

ALL, TRIAL = "all", "trial"
SCOPES = {ALL: _l("All young people"), TRIAL: _l("Young people in the trial")}
KLIP_EVENTS = "events"
KLIP_LABELS = {**OFFER_CATEGORY_LABELS, KLIP_EVENTS: _l("Events at the hub")}
SUPPORTER_LABELS = {**SUPPORT_TYPE_LABELS, "mentor": _l("Volunteer mentor")}
OPTION_CHANGES = {
    ChangeKind.REQUESTED: _l("Asked for"),
    ChangeKind.ACTIVATED: _l("Switched on"),
    ChangeKind.SCALED_UP: _l("Scaled up"),
    ChangeKind.SCALED_DOWN: _l("Scaled down"),
}


# --- the window and who counts ------------------------------------------------------------------


def year_back(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first day of the month eleven months ago until the end of this month, local time."""
    local = now.astimezone(tz)
    year, month = (local.year, local.month - 11) if local.month > 11 else (local.year - 1, local.month + 1)
    since = datetime.combine(local.date().replace(year=year, month=month, day=1), time(), tz)
    next_month = (local.date().replace(day=28) + timedelta(days=4)).replace(day=1)
    return since, datetime.combine(next_month, time(), tz)


def month_keys(since: datetime, until: datetime, tz: ZoneInfo) -> list[str]:
    start, last = since.astimezone(tz), (until - timedelta(microseconds=1)).astimezone(tz)
    keys, year, month = [], start.year, start.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def in_trial_ids():
    """Young people in the trial now, with a cohort."""
    return (
        select(EvaluationEnrolment.young_id)
        .join(User, User.id == EvaluationEnrolment.young_id)
        .where(User.trial_enrolled_at.is_not(None))
    )


def young_ids(scope: str):
    return in_trial_ids() if scope == TRIAL else select(User.id).where(User.is_young)


@dataclass
class Numbers:
    """The statistics page: charts in sections, and a few single figures."""

    scope: str
    since: datetime
    until: datetime
    sections: list[tuple[str, list[Chart]]] = field(default_factory=list)
    figures: list[tuple[str, str, Value]] = field(default_factory=list)  # (key, label, figure)

    @property
    def charts(self) -> list[Chart]:
        return [chart for _title, charts in self.sections for chart in charts]


def _counted(cells: dict, keys: list[str]) -> tuple[list[Value], list[Value]]:
    """People and events per key, from {key: (set of people, count)}."""
    people, counts = [], []
    for key in keys:
        who, count = cells.get(key, (set(), 0))
        people.append(figure(len(who), len(who)))
        counts.append(figure(count, len(who)))
    return people, counts


def _cells():
    return defaultdict(lambda: [set(), 0])


# --- participation ------------------------------------------------------------------------------------


def attended(session: Session, *, since, until, scope) -> list[tuple[int, datetime, str]]:
    """(person, when, kind of event) for every check-in at an event in the window."""
    return list(
        session.exec(
            select(Booking.user_id, Event.starts_at, Event.category)
            .join(Event, Event.id == Booking.event_id)
            .where(Booking.checked_in_at.is_not(None), Event.status == EventStatus.SCHEDULED)
            .where(Event.starts_at >= since, Event.starts_at < until, Booking.user_id.in_(young_ids(scope)))
        ).all()
    )


def participation(session: Session, *, since, until, tz, scope) -> list[Chart]:
    rows = attended(session, since=since, until=until, scope=scope)
    by_month, by_category = _cells(), _cells()
    for user_id, starts_at, category in rows:
        for cells, key in ((by_month, starts_at.astimezone(tz).strftime("%Y-%m")), (by_category, category)):
            cells[key][0].add(user_id)
            cells[key][1] += 1
    months = month_keys(since, until, tz)
    categories = [c.value for c in CATEGORY_LABELS]
    people_m, visits_m = _counted(by_month, months)
    people_c, visits_c = _counted(by_category, categories)
    people, visits = str(_("People who came")), str(_("Visits"))
    return [
        bar_chart(
            "participation-month",
            _("People who came to events, per month"),
            _("Month"),
            months,
            [Series(people, people_m), Series(visits, visits_m)],
            note=_("Checked in at an event. A person who came twice counts once as a person and twice as a visit."),
        ),
        bar_chart(
            "participation-category",
            _("People who came, per kind of event"),
            _("Kind of event"),
            [str(CATEGORY_LABELS[c]) for c in CATEGORY_LABELS],
            [Series(people, people_c), Series(visits, visits_c)],
        ),
    ]


# --- support chosen and changed -------------------------------------------------------------------------


def support(session: Session, *, since, until, scope) -> tuple[list[Chart], list[tuple[str, str, Value]]]:
    changes = session.exec(
        select(SupportChange.young_id, SupportChange.kind, SupportChange.supporter_type, SupportChange.option_id)
        .where(SupportChange.at >= since, SupportChange.at < until, SupportChange.young_id.in_(young_ids(scope)))
        .where(SupportChange.kind.in_([ChangeKind.PRIMARY_CHOSEN, *OPTION_CHANGES]))
    ).all()
    chosen, per_option = _cells(), defaultdict(_cells)
    choices_per_person: dict[int, int] = defaultdict(int)
    for young_id, kind, supporter_type, option_id in changes:
        if kind == ChangeKind.PRIMARY_CHOSEN:
            chosen[supporter_type or "network"][0].add(young_id)
            chosen[supporter_type or "network"][1] += 1
            choices_per_person[young_id] += 1
        elif option_id is not None:
            per_option[option_id][kind][0].add(young_id)
            per_option[option_id][kind][1] += 1
    types = list(SUPPORTER_LABELS) + sorted(set(chosen) - set(SUPPORTER_LABELS))
    people_t, choices_t = _counted(chosen, types)
    options = session.exec(select(SupportOption).order_by(SupportOption.position, SupportOption.id)).all()
    shown = [o for o in options if o.active or o.id in per_option]
    series = []
    for kind, label in OPTION_CHANGES.items():
        values = []
        for option in shown:
            who, count = per_option[option.id].get(kind, (set(), 0))
            values.append(figure(count, len(who)))
        series.append(Series(str(label), values))
    changed = sum(1 for n in choices_per_person.values() if n > 1)
    charts = [
        bar_chart(
            "support-primary",
            _("Primary support person chosen, by kind"),
            _("Kind of support person"),
            [str(SUPPORTER_LABELS.get(t, t)) for t in types],
            [Series(str(_("People who chose")), people_t), Series(str(_("Choices")), choices_t)],
        ),
        bar_chart(
            "support-options",
            _("Support asked for, switched on and changed"),
            _("Support option"),
            [o.name for o in shown],
            series,
            note=_("Each number counts changes; a person can ask for, and scale, the same support more than once."),
            empty=_("There are no support options yet."),
        ),
    ]
    figures = [
        ("support_changed_primary", _("People who changed their primary support person"), figure(changed, changed))
    ]
    return charts, figures


# --- klip ----------------------------------------------------------------------------------------------


def klip(session: Session, *, since, until, scope) -> tuple[list[Chart], list[tuple[str, str, Value]]]:
    rows = session.exec(
        select(KlipEntry.user_id, KlipEntry.kind, KlipEntry.amount, KlipEntry.booking_id, Offer.category)
        .select_from(KlipEntry)
        .outerjoin(Voucher, Voucher.id == KlipEntry.voucher_id)
        .outerjoin(Offer, Offer.id == Voucher.offer_id)
        .where(KlipEntry.created_at >= since, KlipEntry.created_at < until, KlipEntry.user_id.in_(young_ids(scope)))
    ).all()
    spent, spenders, granted = _cells(), defaultdict(set), set()
    granted_total = 0
    for user_id, kind, amount, booking_id, category in rows:
        on = KLIP_EVENTS if booking_id is not None else (category or "other")
        if kind == EntryKind.GRANT:
            granted.add(user_id)
            granted_total += amount
        elif kind in (EntryKind.SPEND, EntryKind.REFUND):
            spent[on][0].add(user_id)  # a refund, too, is about a person
            spent[on][1] -= amount
            if kind == EntryKind.SPEND:
                spenders[on].add(user_id)
    categories = list(KLIP_LABELS)
    _people, klip_spent = _counted(spent, categories)
    people_c = [figure(len(spenders[c]), len(spenders[c])) for c in categories]
    everyone = set().union(*(who for who, _n in spent.values()))
    chart = bar_chart(
        "klip-category",
        _("Klip spent, by category"),
        _("Category"),
        [str(KLIP_LABELS[c]) for c in categories],
        [Series(str(_("Klip spent")), klip_spent), Series(str(_("People who spent")), people_c)],
        note=_("Spent less what was given back."),
    )
    spent_total = sum(count for _who, count in spent.values())
    figures = [
        ("klip_granted", _("Klip granted"), figure(granted_total, len(granted))),
        ("klip_granted_people", _("People who were granted klip"), figure(len(granted), len(granted))),
        ("klip_spent", _("Klip spent in all"), figure(spent_total, len(everyone))),
    ]
    return [chart], figures


# --- messages --------------------------------------------------------------------------------------------


def _median_hours(waits: list[timedelta]) -> float | None:
    if not waits:
        return None
    return round(statistics.median(w.total_seconds() for w in waits) / 3600, 1)


def messages(session: Session, *, since, until, scope) -> tuple[list[Chart], list[tuple[str, str, Value]]]:
    rows = session.exec(
        select(
            Conversation.young_id,
            Conversation.topic,
            Conversation.supporter_id,
            Conversation.created_at,
            Conversation.first_response_at,
        )
        .where(Conversation.created_at >= since, Conversation.created_at < until)
        .where(Conversation.started_by_id == Conversation.young_id, Conversation.young_id.in_(young_ids(scope)))
    ).all()
    started = _cells()
    waits: dict[str, list[timedelta]] = defaultdict(list)
    answered: dict[str, set[int]] = defaultdict(set)
    for young_id, topic, supporter_id, created_at, first_response_at in rows:
        started[topic][0].add(young_id)
        started[topic][1] += 1
        if supporter_id is None and first_response_at is not None:
            waits[topic].append(first_response_at - created_at)
            answered[topic].add(young_id)
    topics = [t.value for t in TOPIC_LABELS]
    _people, conversations = _counted(started, topics)
    medians = [figure(_median_hours(waits.get(t, [])), len(answered.get(t, ())), digits=1) for t in topics]
    labels = [str(TOPIC_LABELS[t]) for t in TOPIC_LABELS]
    everyone = set().union(*answered.values())
    all_waits = [w for found in waits.values() for w in found]
    return (
        [
            bar_chart(
                "messages-topic",
                _("Conversations started, by topic"),
                _("Topic"),
                labels,
                [Series(str(_("Conversations")), conversations)],
                note=_("With the hub or a support person, started by the young person."),
            ),
            bar_chart(
                "messages-response",
                _("Median time to the hub's first answer, by topic (hours)"),
                _("Topic"),
                labels,
                [Series(str(_("Hours")), medians)],
            ),
        ],
        [
            (
                "messages_median_hours",
                _("Median first answer, all topics (hours)"),
                figure(_median_hours(all_waits), len(everyone), digits=1),
            )
        ],
    )


# --- goals --------------------------------------------------------------------------------------------------


def goals(session: Session, *, since, until, scope) -> list[Chart]:
    rows = session.exec(
        select(Goal.young_id, Goal.area, Goal.status).where(
            Goal.created_at >= since, Goal.created_at < until, Goal.young_id.in_(young_ids(scope))
        )
    ).all()
    made, reached = _cells(), _cells()
    for young_id, area, status in rows:
        made[area][0].add(young_id)
        made[area][1] += 1
        if status == GoalStatus.DONE:
            reached[area][0].add(young_id)
            reached[area][1] += 1
    areas = [a.value for a in LIFE_AREA_LABELS]
    _p1, set_values = _counted(made, areas)
    _p2, reached_values = _counted(reached, areas)
    return [
        bar_chart(
            "goals-area",
            _("Goals set and reached, by life area"),
            _("Life area"),
            [str(LIFE_AREA_LABELS[a]) for a in LIFE_AREA_LABELS],
            [Series(str(_("Goals set")), set_values), Series(str(_("Reached")), reached_values)],
            note=_("Goals set in the period; “reached” is those of them that are done now."),
        )
    ]


# --- status records and the pulse (the trial only) --------------------------------------------------------------


def _round_label(index: int, months: int) -> str:
    return _("Start") if index == 0 else ngettext("%(num)d month", "%(num)d months", index * months)


def status_over_time(session: Session, *, every: timedelta = DEFAULT_INTERVAL) -> list[Chart]:
    """Per cohort and round (start, 6 months, 12 months …): the share in education or a job, and
    the network score. A person counts once per round, with their latest record in it."""
    rows = session.exec(
        select(StatusRecord, EvaluationEnrolment.cohort_year, EvaluationEnrolment.enrolled_at)
        .join(EvaluationEnrolment, EvaluationEnrolment.young_id == StatusRecord.young_id)
        .where(StatusRecord.young_id.in_(in_trial_ids()))
        .order_by(StatusRecord.recorded_at, StatusRecord.id)
    ).all()
    latest: dict[tuple[int, int, int], StatusRecord] = {}
    for record, cohort, enrolled_at in rows:
        index = max(0, round((record.recorded_at - enrolled_at) / every))
        latest[(cohort, index, record.young_id)] = record  # ordered: the last one wins
    cohorts = sorted({cohort for cohort, _i, _y in latest})
    rounds = max((index for _c, index, _y in latest), default=0) + 1
    months = max(1, round(every.days / 30.4))
    occupied, network = [], []
    for cohort in cohorts:
        share_values, network_values = [], []
        for index in range(rounds):
            records = [r for (c, i, _y), r in latest.items() if c == cohort and i == index]
            n = len(records)
            working = sum(1 for r in records if r.occupation != Occupation.NEITHER)
            share_values.append(figure(round(100 * working / n) if n else None, n))
            network_values.append(figure(statistics.mean(r.network for r in records) if n else None, n, digits=1))
        label = _("Cohort %(year)d", year=cohort)
        occupied.append(Series(label, share_values))
        network.append(Series(label, network_values))
    round_labels = [_round_label(i, months) for i in range(rounds)]
    return [
        line_chart(
            "status-occupation",
            _("In education or a job, per cohort over time (%)"),
            _("When"),
            round_labels,
            occupied,
            scale=(0, 100),
            note=_("The share of the people with a status record at that time who are in education, a job or both."),
        ),
        line_chart(
            "status-network",
            _("Network and relations, per cohort over time (average, 1 to 5)"),
            _("When"),
            round_labels,
            network,
            scale=(1, 5),
        ),
    ]


def _latest_per_person(items: list, key) -> list:
    latest = {}
    for item in items:
        if item.young_id not in latest or key(item) >= key(latest[item.young_id]):
            latest[item.young_id] = item
    return list(latest.values())


def status_now(session: Session) -> list[Chart]:
    records = _latest_per_person(
        list(session.exec(select(StatusRecord).where(StatusRecord.young_id.in_(in_trial_ids()))).all()),
        key=lambda r: (r.recorded_at, r.id),
    )
    charts = []
    for key, title, heading, labels, attribute in (
        ("status-housing", _("Housing at the latest status"), _("Housing"), HOUSING_LABELS, "housing"),
        (
            "status-occupation-now",
            _("Education and job at the latest status"),
            _("Education or job"),
            OCCUPATION_LABELS,
            "occupation",
        ),
    ):
        counts = {value: sum(1 for r in records if getattr(r, attribute) == value) for value in labels}
        charts.append(
            bar_chart(
                key,
                title,
                heading,
                [str(label) for label in labels.values()],
                [Series(str(_("People")), [figure(n, n) for n in counts.values()])],
            )
        )
    return charts


def pulse_now(session: Session) -> list[Chart]:
    answers = _latest_per_person(
        list(session.exec(select(PulseAnswer).where(PulseAnswer.young_id.in_(in_trial_ids()))).all()),
        key=lambda a: (a.answered_at, a.id),
    )
    n = len(answers)
    values = [
        figure(statistics.mean(getattr(a, q) for a in answers) if n else None, n, digits=1) for q in PULSE_QUESTIONS
    ]
    return [
        bar_chart(
            "pulse-latest",
            _("Wellbeing pulse: the latest answers (average, 1 to 5)"),
            _("Question"),
            [str(label) for label in PULSE_SHORT.values()],
            [Series(str(_("Average")), values)],
            note=_("Each young person in the trial counts once, with their latest answers."),
        )
    ]


# --- all of it --------------------------------------------------------------------------------------------------


def numbers(
    session: Session, *, now: datetime, tz: ZoneInfo, scope: str = ALL, every: timedelta = DEFAULT_INTERVAL
) -> Numbers:
    since, until = year_back(now, tz)
    result = Numbers(scope=scope, since=since, until=until)
    window = {"since": since, "until": until, "scope": scope}
    support_charts, support_figures = support(session, **window)
    klip_charts, klip_figures = klip(session, **window)
    message_charts, message_figures = messages(session, **window)
    result.sections = [
        (_("Participation"), participation(session, tz=tz, **window)),
        (_("Support chosen and changed"), support_charts),
        (_("Klip"), klip_charts),
        (_("Messages"), message_charts),
        (_("Goals in the plan"), goals(session, **window)),
        (_("Status in the trial"), status_over_time(session, every=every) + status_now(session)),
        (_("Wellbeing pulse"), pulse_now(session)),
    ]
    result.figures = support_figures + klip_figures + message_figures
    return result


CSV_COLUMNS = ["chart", "chart_title", "row", "series", "value"]


def csv_rows(result: Numbers) -> list[tuple]:
    rows = []
    for chart in result.charts:
        for row, values in chart.table:
            for series, shown in zip(chart.series, values, strict=True):
                rows.append((chart.key, chart.title, row, series.label, csv_cell(shown)))
    for key, label, shown in result.figures:
        rows.append(("key_figures", str(_("Key figures")), str(label), key, csv_cell(shown)))
    return rows


def export_csv(result: Numbers) -> str:
    """Every figure on the page, one per line; hidden figures are blank."""
    return csv_text(CSV_COLUMNS, csv_rows(result))
