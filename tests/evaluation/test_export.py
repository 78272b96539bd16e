"""The export for the evaluator: pseudonyms that join up within an export, differ between exports
and cannot be made without the hub's key; small groups blank; every column described; recorded."""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.db import utcnow
from hub.evaluation import export
from hub.evaluation.models import EvaluationExport
from tests.evaluation.conftest import (
    KEY,
    add_pulse,
    add_status,
    came_to_event,
    enrolled_people,
    read_csv,
    text,
)
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("english")

FILES = {
    "README.md",
    "data_dictionary.csv",
    "enrolments.csv",
    "status_records.csv",
    "pulse_answers.csv",
    "participation.csv",
    "statistics.csv",
}


@pytest.fixture
def trial(world, as_user):
    """Six young people in the 2026 cohort with a status and a pulse each; five came to an event."""
    now = utcnow()
    with world() as s:
        louise = make_user(s, is_staff=True, name="Louise Holm")
        people = enrolled_people(s, 6, at=now - timedelta(days=40))
        for young in people:
            add_status(s, young, at=now - timedelta(days=39), network_note="Hemmelig note om netværket")
            add_pulse(s, young, at=now - timedelta(days=2))
        came_to_event(s, people[:5], when=now - timedelta(days=1), category="workshop")
        came_to_event(s, people[:2], when=now - timedelta(days=1), category="health")
    return louise, people, as_user(louise)


def download(client) -> dict[str, str]:
    response = client.post("/staff/evaluation/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_the_export_holds_every_file_and_the_dictionary_describes_every_column(trial):
    _louise, people, client = trial
    files = download(client)
    assert set(files) == FILES
    described = {(r["file"], r["column"]) for r in read_csv(files["data_dictionary.csv"])}
    for name, body in files.items():
        if name.endswith(".csv"):
            header = body.splitlines()[0].split(",")
            for column in header:
                assert (name, column) in described, f"{name}:{column} is not in the data dictionary"
    assert len(read_csv(files["enrolments.csv"])) == 6
    assert len(read_csv(files["status_records.csv"])) == 6
    assert len(read_csv(files["pulse_answers.csv"])) == 6
    first = read_csv(files["status_records.csv"])[0]
    assert (first["kind"], first["housing"], first["risk"], first["network"], first["months_since_enrolment"]) == (
        "start",
        "own_home",
        "low",
        "3",
        "0",
    )


def test_nobody_can_be_recognised_in_the_files(trial):
    _louise, people, client = trial
    files = download(client)
    everything = "\n".join(files.values())
    for person in people:
        assert person.email not in everything and person.name not in everything
    assert "Hemmelig note" not in everything  # staff's free text stays in the hub
    assert KEY not in everything


def test_pseudonyms_join_up_within_an_export_and_differ_between_exports(trial):
    _louise, people, client = trial
    first, second = download(client), download(client)
    ids = {}
    for n, files in enumerate((first, second)):
        enrolled = {r["person"] for r in read_csv(files["enrolments.csv"])}
        assert len(enrolled) == 6
        assert {r["person"] for r in read_csv(files["status_records.csv"])} == enrolled
        assert {r["person"] for r in read_csv(files["pulse_answers.csv"])} == enrolled
        ids[n] = enrolled
    assert ids[0].isdisjoint(ids[1])  # a new export, new pseudonyms: exports cannot be linked


def test_a_pseudonym_is_not_the_user_id_and_needs_the_hubs_key(app, world, trial):
    _louise, people, client = trial
    files = download(client)
    pseudonyms = {r["person"] for r in read_csv(files["enrolments.csv"])}
    with world() as s:
        [made] = s.exec(select(EvaluationExport)).all()
    user_ids = {person.id for person in people}
    for name in pseudonyms:
        assert name.isalpha() and name.islower() and len(name) == export.PSEUDONYM_LETTERS
        assert all(str(user_id) not in name for user_id in user_ids)
    # With the hub's key and the recorded export id, the hub (only) can tell who is who …
    assert {export.pseudonym(KEY.encode(), made.export_id, user_id) for user_id in user_ids} == pseudonyms
    # … while without the key, knowing the export id and the scheme gets nobody anywhere.
    for guess in (b"", b"test-secret", app.secret_key.encode(), KEY.encode()[:-1]):
        assert not {export.pseudonym(guess, made.export_id, user_id) for user_id in user_ids} & pseudonyms
    plain = {hashlib.sha256(f"{made.export_id}:{user_id}".encode()).hexdigest() for user_id in user_ids}
    assert not any(p.startswith(name) or name in p for p in plain for name in pseudonyms)
    assert made.export_id not in KEY and made.export_id in files["README.md"]


def test_the_pseudonym_is_an_hmac_of_the_export_and_the_person():
    key, digest = b"k" * 32, hmac.new(b"k" * 32, b"abc:7", hashlib.sha256).digest()
    number, letters = int.from_bytes(digest[:12], "big"), ""
    for _ in range(export.PSEUDONYM_LETTERS):
        number, rest = divmod(number, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[rest]
    assert export.pseudonym(key, "abc", 7) == letters
    assert export.pseudonym(key, "abc", 7) != export.pseudonym(key, "abd", 7) != export.pseudonym(key, "abc", 8)


def test_small_groups_are_blank_in_the_aggregates(trial):
    _louise, _people, client = trial
    files = download(client)
    rows = read_csv(files["participation.csv"])
    came = [r for r in rows if r["scope"] == "trial" and r["people"] not in ("", "0")]
    assert [(r["category"], r["people"], r["visits"]) for r in came] == [("workshop", "5", "5")]
    health = [r for r in rows if r["scope"] == "trial" and r["category"] == "health" and r["visits"] == ""]
    assert len(health) == 1 and health[0]["people"] == ""  # two people: hidden
    assert "<5" not in files["participation.csv"] and "<5" not in files["statistics.csv"]
    statistics = read_csv(files["statistics.csv"])
    assert {r["scope"] for r in statistics} == {"all", "trial"}


def test_each_export_is_recorded_with_who_and_when(world, trial):
    louise, _people, client = trial
    download(client)
    with world() as s:
        [made] = s.exec(select(EvaluationExport)).all()
    assert made.created_by_id == louise.id and made.people == 6
    assert utcnow() - made.created_at < timedelta(minutes=1)
    page = text(client.get("/staff/evaluation/export"))
    assert "Louise Holm" in page and made.export_id[:8] in page


def test_only_staff_can_export(world, as_user):
    with world() as s:
        young, mentor = make_user(s, is_young=True), make_user(s, is_mentor=True)
        caseworker = make_user(s, support_type="caseworker")
    for person in (young, mentor, caseworker):
        assert as_user(person).post("/staff/evaluation/export").status_code == 403
    with world() as s:
        assert s.exec(select(EvaluationExport)).all() == []


def test_without_a_configured_key_one_is_made_once_and_kept_on_the_server(app, tmp_path):
    app.config["EVALUATION_KEY"] = None
    app.instance_path = str(tmp_path)
    first = export.evaluation_key(app)
    assert len(first) >= 32 and export.evaluation_key(app) == first
    assert (tmp_path / export.KEY_FILE).stat().st_mode & 0o077 == 0  # readable by the app only
