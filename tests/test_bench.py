"""`make bench` runs end to end on a small data set and reports every section with numbers.

No target is asserted (performance belongs in the report): only that each part ran, on
PostgreSQL under gunicorn, and wrote a figure for every row. Results go to a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from bench import __main__ as bench
from tests.conftest import PG_URL


@pytest.fixture
def bench_database(backend_url_factory):
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("HUB_TEST_DATABASE_URL is not set, and CI must run the benchmark on PostgreSQL")
        pytest.skip("PostgreSQL: HUB_TEST_DATABASE_URL is not set (CI sets it)")
    if not shutil.which("wrk"):
        if os.environ.get("CI"):
            pytest.fail("wrk is not installed, and CI must run the load benchmark")
        pytest.skip("wrk is not installed (CI has it)")
    return backend_url_factory("postgresql")


def test_a_small_run_reports_every_section_with_numbers(bench_database, tmp_path):
    status = bench.main(["--small", "--database-url", bench_database, "--out", str(tmp_path)])

    report = json.loads((tmp_path / "latest.json").read_text())
    markdown = (tmp_path / "latest.md").read_text()
    assert [section["name"] for section in report["sections"]] == list(bench.SECTIONS)
    for section in report["sections"]:
        assert section["rows"], (section["name"], section["notes"])
        assert all(isinstance(row["value"], int | float) for row in section["rows"]), section["name"]
        assert f"## {section['title']}" in markdown
    assert status == 0
    server = {(row["item"], row["metric"]): row for row in report["sections"][0]["rows"]}
    for page in bench.PAGES:
        assert server[(page, "requests/s")]["value"] > 0
        assert server[(page, "requests/s")]["reference"] > 0
    rows = report["sections"][3]["rows"]
    queries = [row for row in rows if row["metric"].startswith("queries at") and row["reference"] is not None]
    assert len(queries) == 2 * len(bench.QUERY_PAGES)
    assert all(row["value"] > 0 for row in queries)
    timed = [row for row in rows if row["metric"].startswith("ms in process")]
    assert len(timed) == 3 * len(bench.QUERY_PAGES)
    assert all(row["value"] > row["reference"] > 0 for row in timed)  # a page costs more than the bare route
