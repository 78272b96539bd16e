"""Lighthouse: performance, accessibility and best practices of the main pages, on a phone.

How it is measured:
- Lighthouse 12 (it runs on the Node of Debian here), installed with npm on first use into a
  cache folder outside the project (~/.cache/ungehub-bench, or $HUB_BENCH_CACHE), and run
  against Debian's Chromium (CHROME_PATH) headless, with its defaults: the mobile form factor
  and simulated throttling (a mid-range phone on a slow 4G connection).
- Each page is run `runs` times; each category's figure is the median score × 100. The page is
  loaded as its person: their session cookie goes in every request (`--extra-headers`).
- The reference, in the same run on the same machine: the bare offline page (/offline, no login,
  almost nothing on it), measured the same way. A page far below it has something of its own
  to fix; both low means the machine or Lighthouse.
- The notes name the failing audits of every category below its target (performance ≥ 95,
  accessibility and best practices 100), and give LCP, TBT and CLS (medians) of each page.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.report import row

LIGHTHOUSE = "lighthouse@12"
CATEGORIES = {"performance": 95, "accessibility": 100, "best-practices": 100}
METRICS = {  # audit id → (label, unit, factor from Lighthouse's numericValue)
    "largest-contentful-paint": ("LCP", "s", 0.001),
    "total-blocking-time": ("TBT", "ms", 1),
    "cumulative-layout-shift": ("CLS", "", 1),
}
REFERENCE_PATH = "/offline"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_TIMEOUT = 180  # seconds for one Lighthouse run
QUIET_MODES = {"notApplicable", "manual", "informative", "error"}


# --- Lighthouse itself ---------------------------------------------------------------------------


def cache_dir() -> Path:
    if os.environ.get("HUB_BENCH_CACHE"):
        return Path(os.environ["HUB_BENCH_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ungehub-bench"


def lighthouse_cli() -> Path:
    """The Lighthouse command, installed with npm into the cache folder the first time."""
    folder = cache_dir()
    cli = folder / "node_modules" / ".bin" / "lighthouse"
    if cli.exists():
        return cli
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (apt-get install npm): Lighthouse comes from npm")
    folder.mkdir(parents=True, exist_ok=True)
    # One install at a time: test workers running side by side may all find it missing.
    with open(folder / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cli.exists():
            subprocess.run(
                [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error", LIGHTHOUSE],
                check=True,
                timeout=600,
            )
    return cli


def chromium_path() -> str:
    found = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise RuntimeError("Chromium is not installed (apt-get install chromium, or set HUB_CHROMIUM)")
    return found


def run_once(cli: Path, url: str, cookie_jar: dict[str, str] | None) -> dict:
    """One Lighthouse run of one URL; its report (the LHR) as a dict."""
    with tempfile.TemporaryDirectory(prefix="ungehub-lighthouse-") as folder:
        output = Path(folder) / "report.json"
        command = [
            str(cli),
            url,
            "--output=json",
            f"--output-path={output}",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        ]
        if cookie_jar:
            cookie = "; ".join(f"{name}={value}" for name, value in cookie_jar.items())
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        env = {**os.environ, "CHROME_PATH": chromium_path(), "TMPDIR": folder}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        if done.returncode != 0 or not output.exists():
            raise RuntimeError(f"Lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-2000:]}")
        return json.loads(output.read_text())


# --- reading a report ----------------------------------------------------------------------------


def scores(report: dict) -> dict[str, float | None]:
    """Each category's score × 100 (None when Lighthouse could not score it)."""
    found = {}
    for category in CATEGORIES:
        score = report["categories"].get(category, {}).get("score")
        found[category] = None if score is None else round(score * 100, 1)
    return found


def metrics(report: dict) -> dict[str, float | None]:
    found = {}
    for audit_id, (label, _unit, factor) in METRICS.items():
        value = report["audits"].get(audit_id, {}).get("numericValue")
        found[label] = None if value is None else round(value * factor, 3)
    return found


def failing_audits(report: dict, category: str) -> list[str]:
    """The ids of the category's audits that did not pass (what to fix), worst first."""
    failing = []
    for ref in report["categories"].get(category, {}).get("auditRefs", []):
        audit = report["audits"].get(ref["id"], {})
        if audit.get("scoreDisplayMode") in QUIET_MODES or audit.get("score") is None:
            continue
        if audit["score"] < 1:
            failing.append((audit["score"], ref["id"]))
    return [audit_id for _score, audit_id in sorted(failing)]


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def measure(cli: Path, url: str, cookie_jar: dict[str, str] | None, runs: int) -> dict:
    """`runs` Lighthouse runs of one URL: median scores and metrics, and what failed in any run."""
    reports = [run_once(cli, url, cookie_jar) for _ in range(runs)]
    per_run = [scores(report) for report in reports]
    per_run_metrics = [metrics(report) for report in reports]
    failing: dict[str, list[str]] = {}
    for category in CATEGORIES:
        ids: list[str] = []
        for report in reports:
            ids.extend(i for i in failing_audits(report, category) if i not in ids)
        failing[category] = ids
    return {
        "url": url,
        "final_url": reports[-1].get("finalDisplayedUrl") or reports[-1].get("finalUrl"),
        "lighthouse": reports[-1].get("lighthouseVersion"),
        "scores": {c: _median([s[c] for s in per_run]) for c in CATEGORIES},
        "scores_per_run": per_run,
        "metrics": {label: _median([m[label] for m in per_run_metrics]) for label, *_ in METRICS.values()},
        "failing_audits": failing,
        "warnings": sorted({w for report in reports for w in report.get("runWarnings", [])}),
    }


# --- the section ---------------------------------------------------------------------------------


def _row(item: str, category: str, value: float | None, reference: dict | None) -> dict:
    target = CATEGORIES[category]
    return row(
        item,
        category,
        value,
        "score",
        reference=None if reference is None else reference["scores"][category],
        reference_name=None if reference is None else f"bare {REFERENCE_PATH} page",
        target=f"≥ {target}",
        met=None if value is None else value >= target,
    )


def _metrics_note(name: str, measured: dict) -> str:
    parts = []
    for label, unit, _factor in METRICS.values():
        value = measured["metrics"][label]
        parts.append(f"{label} {'–' if value is None else f'{value:g}'}{(' ' + unit) if unit else ''}")
    return f"{name}: {', '.join(parts)} (medians)."


def run(
    base_url: str,
    cookies: dict[str, dict[str, str]],
    pages: dict[str, tuple[str, str]],
    runs: int,
    small: bool,
) -> dict:
    """The section "Lighthouse": medians of `runs` runs per page; small=True skips the reference."""
    cli = lighthouse_cli()
    reference = None if small else measure(cli, base_url + REFERENCE_PATH, None, runs)
    rows, notes, details = [], [], {"runs": runs, "pages": {}, "reference": reference}
    for name, (role, path) in pages.items():
        measured = measure(cli, base_url + path, cookies[role], runs)
        details["pages"][name] = {"role": role, "path": path, **measured}
        rows.extend(_row(name, category, measured["scores"][category], reference) for category in CATEGORIES)
        notes.append(_metrics_note(name, measured))
        for category, target in CATEGORIES.items():
            score = measured["scores"][category]
            if score is not None and score < target:
                failing = ", ".join(measured["failing_audits"][category]) or "none listed"
                notes.append(f"{name}: {category} {score:g} < {target}; failing audits: {failing}.")
        if measured["final_url"] and not measured["final_url"].startswith(base_url + path):
            notes.append(f"{name}: Lighthouse ended on {measured['final_url']}, not {path}: check the login.")
        notes.extend(f"{name}: {warning}" for warning in measured["warnings"])
    version = next((p["lighthouse"] for p in details["pages"].values() if p["lighthouse"]), "?")
    notes.insert(
        0,
        f"Lighthouse {version}, mobile (its default: simulated slow 4G and a mid-range phone), Debian Chromium "
        f"headless; the median of {runs} run{'s' if runs != 1 else ''} per page; scores × 100. "
        + (
            f"Reference: the bare {REFERENCE_PATH} page, without login, measured the same way."
            if reference
            else "No reference run (small)."
        ),
    )
    if reference:
        notes.append(_metrics_note(f"reference {REFERENCE_PATH}", reference))
    return {"name": "lighthouse", "title": "Lighthouse (mobile)", "rows": rows, "notes": notes, "details": details}
