"""The report of `make bench`: latest.json (every number) and latest.md (tables and a chart).

Every section has the same shape, whoever measured it:
    {"name": "server", "title": "…", "rows": [row, …], "notes": ["…"]}
and every row puts a figure next to its reference from the same run and its target:
    {"item": "young home", "metric": "requests/s", "value": 812.3, "unit": "req/s",
     "reference": 2100.0, "reference_name": "bare route", "target": "≥ 1/3 of bare", "met": true}
`reference` and `target` may be None (the target is then the reference itself, or there is none);
`met` is None where there is no target to meet. A section that could not run has no rows and
says why in its notes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

BAR_WIDTH = 40


def row(item, metric, value, unit, reference=None, reference_name=None, target=None, met=None) -> dict:
    """One figure of a section, in the shape above."""
    return {
        "item": item,
        "metric": metric,
        "value": value,
        "unit": unit,
        "reference": reference,
        "reference_name": reference_name,
        "target": target,
        "met": met,
    }


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return str(value)


def _met(met) -> str:
    return {True: "✅ met", False: "❌ not met", None: ""}[met]


def _ratio(row: dict) -> str:
    value, reference = row.get("value"), row.get("reference")
    if not isinstance(value, int | float) or not isinstance(reference, int | float) or not reference:
        return ""
    return f"{value / reference:.2f}×"


def table(section: dict) -> list[str]:
    lines = [
        "| Item | Metric | Value | Reference | Ratio | Target | |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for row in section["rows"]:
        unit = row.get("unit") or ""
        reference = "" if row.get("reference") is None else f"{_number(row['reference'])} {unit}".strip()
        if reference and row.get("reference_name"):
            reference += f" ({row['reference_name']})"
        lines.append(
            f"| {row['item']} | {row['metric']} | {_number(row['value'])} {unit} | {reference} | {_ratio(row)} "
            f"| {row.get('target') or ''} | {_met(row.get('met'))} |"
        )
    return lines


def bar_chart(rows: list[dict], title: str) -> list[str]:
    """A Unicode bar chart of one metric's rows, with their shared reference as the last bar."""
    bars = [(row["item"], row["value"]) for row in rows if isinstance(row.get("value"), int | float)]
    references = {row.get("reference_name"): row.get("reference") for row in rows if row.get("reference") is not None}
    bars += [(name, value) for name, value in references.items() if name]
    if not bars:
        return []
    top = max(value for _, value in bars) or 1
    width = max(len(name) for name, _ in bars)
    lines = ["```text", title]
    for name, value in bars:
        filled = value / top * BAR_WIDTH
        bar = "█" * int(filled) + ("▌" if filled - int(filled) >= 0.5 else "")
        lines.append(f"{name.ljust(width)} │{bar.ljust(BAR_WIDTH + 1)} {_number(value)}")
    lines.append("```")
    return lines


def markdown(report: dict) -> str:
    machine = report.get("machine", {})
    lines = [
        "# `make bench`",
        "",
        f"Run {report['date']} on {machine.get('cpu', '?')} ({machine.get('cpus', '?')} CPUs), "
        f"{machine.get('python', '')}; load average at the start {machine.get('load_average', '?')}. "
        f"Database: {report['parameters'].get('database', '?')}."
        + (" **Small run** (a quick check that everything runs; the numbers mean little)." if report["small"] else ""),
        "",
        "Each figure is next to its reference measured in the same run on the same machine, and its target. "
        "Targets are reported here, not asserted by the test suite.",
        "",
    ]
    met = [row.get("met") for section in report["sections"] for row in section["rows"]]
    lines += [f"**{met.count(True)} targets met, {met.count(False)} not met.**", ""]
    for section in report["sections"]:
        lines += [f"## {section['title']}", ""]
        if section["rows"]:
            lines += [*table(section), ""]
        chart = [row for row in section["rows"] if row.get("metric") == "requests/s"]
        if chart:
            lines += [*bar_chart(chart, "Requests per second, full load (wrk)"), ""]
        lines += [f"- {note}" for note in section.get("notes", [])]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write(report: dict, folder: Path) -> str:
    """Write latest.json and latest.md into `folder` (both replaced); return the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    text = markdown(report)
    (folder / "latest.md").write_text(text)
    return text
