"""Every package the code imports is declared in pyproject.toml, where it belongs, and the locks in
requirements/ pin each declared package at a release pyproject.toml allows.

deptry runs twice. The app's own code (hub/, migrations/) may import only runtime dependencies: an
undeclared import, one that comes only through another package, or a test tool fails it, and so
does a runtime dependency nothing uses (unless pyproject.toml says why). Tests and benchmarks may
import runtime and test dependencies alike, but nothing undeclared.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
DEPTRY = Path(sys.executable).parent / "deptry"
LOCKS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


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


def pins(lock: str) -> dict[str, Version]:
    found = {}
    for line in (LOCKS / lock).read_text().splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match[1])] = Version(match[2])
    return found


def test_the_locks_pin_every_declared_package_at_a_release_it_allows():
    """A dependency added to pyproject.toml without `make lock` would be missing from every install."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    runtime, test, build = pins("runtime.txt"), pins("test.txt"), pins("build.txt")
    wanted = [
        *((Requirement(text), runtime) for text in project["dependencies"]),
        *((Requirement(text), test) for text in project["optional-dependencies"]["test"]),
        *((Requirement(text), build) for text in pyproject["build-system"]["requires"]),
    ]
    unmet = []
    for requirement, lock in wanted:
        locked = lock.get(canonicalize_name(requirement.name))
        if locked is None or not requirement.specifier.contains(locked, prereleases=True):
            unmet.append(f"{requirement} (locked: {locked or 'nothing'})")
    assert unmet == [], "run `make lock`: " + ", ".join(unmet)


def test_tests_run_on_the_releases_production_installs():
    runtime, test, build = pins("runtime.txt"), pins("test.txt"), pins("build.txt")
    assert {name: (version, test.get(name)) for name, version in runtime.items() if test.get(name) != version} == {}
    assert {
        name: (version, test.get(name)) for name, version in build.items() if name in test and test[name] != version
    } == {}
