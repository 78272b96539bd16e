"""The export for the external evaluator: a zip of CSV files and a data dictionary.

People appear only as pseudonyms: HMAC-SHA256 with a key that never leaves the server, over
the export's own id and the person's id. Within one export the same person always has the same
pseudonym, so the files join up; a new export has a new id, so its pseudonyms differ, and the
evaluator cannot link exports, or find a person, without the hub's key. The pseudonyms are
letters only, so no digit of an account number can show through. Every export is recorded:
who made it and when.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
import string
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlmodel import Session, select

from hub.accounts.models import User
from hub.core.export import csv_text
from hub.errors import Forbidden
from hub.evaluation import stats
from hub.evaluation.models import PULSE_QUESTIONS, EvaluationEnrolment, EvaluationExport, PulseAnswer, StatusRecord
from hub.evaluation.suppress import MIN_PEOPLE, csv_cell, figure
from hub.events.models import Category

PSEUDONYM_LETTERS = 14  # 26**14 ≈ 2**66: no two people in a trial of 64 will ever share one
KEY_FILE = "evaluation_key"


def evaluation_key(app: Flask | None = None) -> bytes:
    """The hub's key for pseudonyms: EVALUATION_KEY in the config (HUB_EVALUATION_KEY, required in
    production), or in development a key made once and kept in the instance folder, readable only
    by the app."""
    app = app or current_app
    configured = app.config.get("EVALUATION_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    path = Path(app.instance_path) / KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def pseudonym(key: bytes, export_id: str, user_id: int) -> str:
    """A stable, letters-only pseudonym for one person in one export."""
    digest = hmac.new(key, f"{export_id}:{user_id}".encode(), hashlib.sha256).digest()
    number, letters = int.from_bytes(digest[:12], "big"), []
    for _i in range(PSEUDONYM_LETTERS):
        number, rest = divmod(number, 26)
        letters.append(string.ascii_lowercase[rest])
    return "".join(letters)


# --- the files ------------------------------------------------------------------------------------------

DICTIONARY = {
    "enrolments.csv": {
        "person": "Pseudonym of the young person (stable within this export only).",
        "cohort_year": "The year the young person joined the trial (their cohort).",
        "enrolled_month": "Month of enrolment, YYYY-MM, Danish time.",
        "in_trial_now": "yes if the young person is in the trial at the time of export, no if taken out.",
    },
    "status_records.csv": {
        "person": "Pseudonym of the young person (as in enrolments.csv).",
        "recorded_on": "Date the status was recorded with the young person, YYYY-MM-DD, Danish time.",
        "months_since_enrolment": "Whole months from enrolment to the record.",
        "kind": "start (the first record) or follow_up.",
        "housing": "own_home, family (with family or in foster care), supported (supported housing), "
        "homeless (homeless or sofa-surfing) or other.",
        "occupation": "education, job, both or neither.",
        "risk": "Staff's judgement of the risk of dropping out of education or work: low, middle or high. "
        "Never shown to the young person.",
        "network": "Network and relations, 1 (very few) to 5 (very good). Staff's free-text note is not exported.",
    },
    "pulse_answers.csv": {
        "person": "Pseudonym of the young person (as in enrolments.csv).",
        "answered_on": "Date the young person answered, YYYY-MM-DD, Danish time.",
        "months_since_enrolment": "Whole months from enrolment to the answer.",
        **{
            key: f"“{question}” 1 (not at all) to 5 (completely), answered by the young person."
            for key, question in (
                ("talk", "I have someone to talk to when things are hard."),
                ("home", "I feel good about where I live."),
                ("days", "My days have something I care about: school, a job or something else."),
                ("say", "I decide what my support looks like."),
                ("future", "I look forward to what is coming."),
            )
        },
    },
    "participation.csv": {
        "scope": "all (every young person with an account) or trial (young people in the trial now).",
        "month": "Month, YYYY-MM, Danish time.",
        "category": "Kind of event: " + ", ".join(c.value for c in Category) + ".",
        "people": f"Distinct young people checked in at such events that month; blank when fewer than {MIN_PEOPLE}.",
        "visits": f"Check-ins (a person may come more than once); blank when from fewer than {MIN_PEOPLE} people.",
    },
    "statistics.csv": {
        "scope": "all or trial, as in participation.csv.",
        "chart": "Which chart on the hub's statistics page the figure belongs to (key_figures: single figures).",
        "chart_title": "The chart's title, in the language of the person who made the export.",
        "row": "The row of the chart's table (a month, a category, a topic, a round …).",
        "series": "The column of the chart's table (what is counted).",
        "value": f"The figure; blank when computed from fewer than {MIN_PEOPLE} distinct people or when there is none.",
    },
    "data_dictionary.csv": {
        "file": "The file a column is in.",
        "column": "The column's name.",
        "meaning": "What the column holds.",
    },
}


def _months_between(start: datetime, end: datetime) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def _participation_rows(session: Session, *, since: datetime, until: datetime, tz: ZoneInfo) -> list[tuple]:
    rows = []
    for scope in (stats.ALL, stats.TRIAL):
        cells: dict[tuple[str, str], list] = {}
        for user_id, starts_at, category in stats.attended(session, since=since, until=until, scope=scope):
            cell = cells.setdefault((starts_at.astimezone(tz).strftime("%Y-%m"), category), [set(), 0])
            cell[0].add(user_id)
            cell[1] += 1
        for month in stats.month_keys(since, until, tz):
            for category in (c.value for c in Category):
                who, visits = cells.get((month, category), (set(), 0))
                people = len(who)
                rows.append(
                    (scope, month, category, csv_cell(figure(people, people)), csv_cell(figure(visits, people)))
                )
    return rows


def build(session: Session, *, actor: User, now: datetime, tz: ZoneInfo, key: bytes) -> tuple[EvaluationExport, bytes]:
    """Make an export: record it, and give back its zip file."""
    if not actor.is_staff_member:
        raise Forbidden("not_staff")
    export_id = secrets.token_hex(16)

    def who(user_id: int) -> str:
        return pseudonym(key, export_id, user_id)

    enrolments = session.exec(
        select(EvaluationEnrolment, User.trial_enrolled_at)
        .join(User, User.id == EvaluationEnrolment.young_id)
        .order_by(EvaluationEnrolment.cohort_year, EvaluationEnrolment.id)
    ).all()
    enrolled_at = {e.young_id: e.enrolled_at.astimezone(tz) for e, _at in enrolments}
    files: dict[str, str] = {}
    files["enrolments.csv"] = csv_text(
        list(DICTIONARY["enrolments.csv"]),
        sorted(
            (who(e.young_id), e.cohort_year, enrolled_at[e.young_id].strftime("%Y-%m"), "yes" if at else "no")
            for e, at in enrolments
        ),
    )
    records = session.exec(
        select(StatusRecord)
        .where(StatusRecord.young_id.in_(list(enrolled_at) or [-1]))
        .order_by(StatusRecord.recorded_at, StatusRecord.id)
    ).all()
    files["status_records.csv"] = csv_text(
        list(DICTIONARY["status_records.csv"]),
        [
            (
                who(r.young_id),
                r.recorded_at.astimezone(tz).date().isoformat(),
                _months_between(enrolled_at[r.young_id], r.recorded_at.astimezone(tz)),
                r.kind,
                r.housing,
                r.occupation,
                r.risk,
                r.network,
            )
            for r in records
        ],
    )
    answers = session.exec(
        select(PulseAnswer)
        .where(PulseAnswer.young_id.in_(list(enrolled_at) or [-1]))
        .order_by(PulseAnswer.answered_at, PulseAnswer.id)
    ).all()
    files["pulse_answers.csv"] = csv_text(
        list(DICTIONARY["pulse_answers.csv"]),
        [
            (
                who(a.young_id),
                a.answered_at.astimezone(tz).date().isoformat(),
                _months_between(enrolled_at[a.young_id], a.answered_at.astimezone(tz)),
                *(getattr(a, q) for q in PULSE_QUESTIONS),
            )
            for a in answers
        ],
    )
    since, until = stats.year_back(now, tz)
    files["participation.csv"] = csv_text(
        list(DICTIONARY["participation.csv"]), _participation_rows(session, since=since, until=until, tz=tz)
    )
    statistics_rows = []
    for scope in (stats.ALL, stats.TRIAL):
        result = stats.numbers(session, now=now, tz=tz, scope=scope)
        statistics_rows += [(scope, *row) for row in stats.csv_rows(result)]
    files["statistics.csv"] = csv_text(list(DICTIONARY["statistics.csv"]), statistics_rows)
    files["data_dictionary.csv"] = csv_text(
        ["file", "column", "meaning"],
        [(name, column, meaning) for name, columns in DICTIONARY.items() for column, meaning in columns.items()],
    )
    files["README.md"] = _readme(export_id, now.astimezone(tz), since.astimezone(tz), until.astimezone(tz))

    export = EvaluationExport(export_id=export_id, created_at=now, created_by_id=actor.id, people=len(enrolments))
    session.add(export)
    session.flush()
    return export, _zip(files, now.astimezone(tz))


def _readme(export_id: str, made: datetime, since: datetime, until: datetime) -> str:
    last_day = (until - timedelta(days=1)).date()
    return (
        "# Ungehub: data for the evaluation of the trial\n\n"
        f"Export {export_id}, made {made:%Y-%m-%d %H:%M} (Danish time).\n\n"
        "- People are pseudonyms, stable within this export only: a new export gives everyone new ones. "
        "Only the hub holds the key that links a pseudonym to a person.\n"
        f"- Figures about groups (participation.csv, statistics.csv) are blank when they were computed from "
        f"fewer than {MIN_PEOPLE} distinct people.\n"
        f"- participation.csv and statistics.csv cover {since.date()} to {last_day}; status records and pulse "
        "answers cover the whole trial.\n"
        "- data_dictionary.csv describes every column of every file.\n"
    )


def _zip(files: dict[str, str], when: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body.encode("utf-8"))
    return buffer.getvalue()


def history(session: Session, limit: int = 20) -> list[tuple[EvaluationExport, User | None]]:
    return list(
        session.exec(
            select(EvaluationExport, User)
            .outerjoin(User, User.id == EvaluationExport.created_by_id)
            .order_by(EvaluationExport.created_at.desc(), EvaluationExport.id.desc())
            .limit(limit)
        ).all()
    )
