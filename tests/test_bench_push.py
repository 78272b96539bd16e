"""The push benchmark (bench/push.py) runs end to end on a tiny outbox and reports sane numbers.

No timing is asserted, only that every push arrives and every rate is a positive number.
"""

from __future__ import annotations

import json

from sqlalchemy import create_engine, func, select

from bench import push as bench
from hub.accounts.models import User


def test_a_tiny_run_delivers_every_push_and_reports_rates(db_url, tmp_path):
    result = bench.run(count=20, delay=0.01, pool_sizes=(4,), sequential=5, crypto=5, database_url=db_url)

    [outbox] = result["outbox"]
    assert outbox["delivered"] == outbox["received_by_endpoint"] == 20
    assert outbox["notifications"] == 20
    assert outbox["sweeps"] == 1
    assert outbox["per_second"] > 0
    assert set(outbox["phase_seconds"]) == {"fan_out", "claim", "send_all", "record", "other"}
    assert result["sequential"]["delivered"] == 5
    assert result["sequential"]["failed"] == 0
    assert result["sequential"]["per_second"] > 0
    assert result["crypto_only"]["total_ms"] > 0
    assert result["speedup"]["4"] > 0
    assert result["rejected"] == []


def test_devices_share_a_notification_and_the_given_database_is_left_clean(db_url):
    result = bench.run(
        count=12, delay=0.0, pool_sizes=(3,), sequential=1, crypto=1, devices_per_user=4, database_url=db_url
    )

    [outbox] = result["outbox"]
    assert (outbox["notifications"], outbox["delivered"]) == (3, 12)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == 0
    engine.dispose()


def test_results_are_written_as_json_and_markdown(db_url, tmp_path):
    result = bench.run(count=4, delay=0.0, pool_sizes=(2,), sequential=2, crypto=1, database_url=db_url)

    text = bench.write(result, tmp_path)

    assert json.loads((tmp_path / "push.json").read_text())["parameters"]["pushes"] == 4
    assert (tmp_path / "push.md").read_text() == text
    assert "pool 2 | 4 of 4 |" in text
    assert "2 of the 4 (rate per second)" in text
