"""The code passes bandit, the Python security linter, with no medium or high finding.

A finding that is not a risk is marked where it is, `# nosec BXXX` with the reason beside it,
so the reason is read with the code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bandit_finds_nothing_of_medium_or_high_severity():
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "hub", "--severity-level", "medium", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    assert findings == [], "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 10_000  # it read the code
