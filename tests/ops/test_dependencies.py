"""Every package the code imports is declared in pyproject.toml, where it belongs.

deptry runs twice. The app's own code (hub/, migrations/) may import only runtime dependencies: an
undeclared import, one that comes only through another package, or a test tool fails it, and so
does a runtime dependency nothing uses (unless pyproject.toml says why). Tests and benchmarks may
import runtime and test dependencies alike, but nothing undeclared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPTRY = Path(sys.executable).parent / "deptry"


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(["hub", "migrations"], id="app-runtime-dependencies"),
        # deptry skips folders named tests unless told otherwise; here test tools are ordinary dependencies.
        pytest.param(
            ["tests", "bench", "--exclude", r"\.venv", "--ignore", "DEP002,DEP004"], id="tests-all-dependencies"
        ),
    ],
)
def test_every_imported_package_is_declared(arguments):
    result = subprocess.run(
        [str(DEPTRY), *arguments, "--no-ansi"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
