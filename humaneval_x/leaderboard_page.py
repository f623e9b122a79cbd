"""The leaderboard as one self-contained HTML page: inline CSS, JS and SVG, nothing fetched.

Per task: a table sortable by clicking a header, each pass@k with its 95% interval and each
entry's coverage; averages not over every group of the task are marked (†), and so are groups
not fully covered (*). For generation a bar chart of pass@k by language (one bar per entry,
whiskers for the intervals); for translation a source x target heatmap of pass@1 per entry.
Every entry's provenance is listed at the end (charts: humaneval_x.leaderboard_charts).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from humaneval_x.coverage import benchmark_groups, describe, groups_note
from humaneval_x.leaderboard_charts import (
    bar_chart,
    entry_label,
    group_name,
    heat_legend,
    heatmap,
    interval_text,
    ordered_groups,
)
from humaneval_x.metrics import KS

TASK_TITLES = {"generation": "Code generation", "translation": "Code translation"}

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.text, th.text { text-align: left; }
svg text { font: 11px system-ui, sans-serif; }
.legend span { display: inline-block; margin-right: 1em; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.heatmaps { display: flex; flex-wrap: wrap; gap: 2em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }
dt { font-weight: bold; } dd { margin: 0; font-family: monospace; word-break: break-all; }
small.ci { display: block; color: #666; font-size: 11px; }
sup.mark { color: #b00; cursor: help; }
p.marks { color: #444; font-size: 12px; }
"""

SCRIPT = """
function sortTable(table, th, column) {
  const numeric = th.dataset.type === "number";
  const current = th.getAttribute("aria-sort");
  const ascending = current ? current === "descending" : !numeric;
  table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const value = (row) => row.cells[column].dataset.value;
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = value(a), y = value(b);
    if (x === "" || y === "") return (x === "") - (y === "");
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return ascending ? order : -order;
  });
  rows.forEach((row) => body.appendChild(row));
}
document.querySelectorAll("table.sortable").forEach((table) => {
  table.querySelectorAll("th").forEach((th, column) => {
    th.addEventListener("click", () => sortTable(table, th, column));
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sortTable(table, th, column); });
  });
});
"""


def write_page(board: dict, path: Path) -> None:
    """Render `board` (a leaderboard of the current schema) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(board), encoding="utf-8")


def render_page(board: dict) -> str:
    """The whole page as a string."""
    entries = board["entries"]
    tasks = [task for task in TASK_TITLES if any(e["task"] == task for e in entries)]
    body = [
        "<h1>HumanEval-X leaderboard</h1>",
        f"<p>Updated {escape(board['updated'])} &middot; schema_version "
        f"{board['schema_version']} &middot; {len(entries)} entries &middot; "
        "values are pass@k in %</p>",
        *(_task_section(task, entries) for task in tasks),
        _provenance(entries),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>HumanEval-X leaderboard</title>"
        f"<style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def _task_section(task: str, all_entries: list[dict]) -> str:
    indexed = [(i, e) for i, e in enumerate(all_entries) if e["task"] == task]
    groups = ordered_groups(g for _, e in indexed for g in e["groups"])
    ks = [k for k in KS if any(f"pass@{k}" in e["average"] for _, e in indexed)]
    parts = [
        f'<section id="task-{task}"><h2>{TASK_TITLES[task]}</h2>',
        _table(task, indexed, groups, ks),
        '<p class="marks">&dagger; an average over fewer than all '
        f"{len(benchmark_groups(task))} {_unit(task)} (see Coverage): not comparable with "
        "averages over others. * the entry judged only some problems of the group. "
        "Small print: 95% bootstrap interval over problems.</p>",
    ]
    if task == "generation":
        parts += [bar_chart(indexed, groups, k) for k in ks]
    else:
        parts.append(heat_legend())
        parts.append('<div class="heatmaps">')
        parts += [heatmap(e) for _, e in indexed]
        parts.append("</div>")
    return "\n".join(parts) + "</section>"


def _unit(task: str) -> str:
    return "translation pairs" if task == "translation" else "languages"


def _table(task: str, indexed: list[tuple[int, dict]], groups: list[str], ks: list[int]) -> str:
    per_group = groups if task == "generation" else []
    header = [("Model", "text"), ("Checkpoint", "text")]
    header += [(f"Average pass@{k}", "number") for k in ks]
    header += [(f"{group_name(g)} pass@1", "number") for g in per_group]
    header += [("Coverage", "number"), ("n", "number"), ("Date", "text")]
    head = "".join(
        f'<th tabindex="0" data-type="{kind}" class="{kind}">{escape(name)}</th>'
        for name, kind in header
    )
    rows = []
    for index, entry in indexed:
        note = groups_note(task, ordered_groups(entry["groups"]))
        average_mark = ("&dagger;", f"average {note}") if note else None
        cells = [
            _text_cell(entry["model"], f"#entry-{index}"),
            _text_cell(entry["checkpoint"] or ""),
            *(_number_cell(entry["average"].get(f"pass@{k}"), mark=average_mark) for k in ks),
            *(_group_cell(entry["groups"].get(g, {})) for g in per_group),
            _coverage_cell(task, entry),
            _number_cell(entry["n"], percent=False),
            _text_cell(entry["date"] or ""),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="sortable" id="table-{task}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _text_cell(text: str, link: str | None = None) -> str:
    shown = f'<a href="{link}">{escape(text)}</a>' if link else escape(text)
    return f'<td class="text" data-value="{escape(text)}">{shown}</td>'


def _number_cell(
    value: float | int | None,
    percent: bool = True,
    interval: list[float] | None = None,
    mark: tuple[str, str] | None = None,
) -> str:
    """A number (in % unless not `percent`), a mark (symbol, why) telling that it is not
    comparable with others as it stands, and its 95% interval below it."""
    if value is None:
        return '<td data-value="">&ndash;</td>'
    shown = f"{value * 100:.2f}" if percent else str(value)
    if mark:
        shown += f'<sup class="mark" title="{escape(mark[1])}">{mark[0]}</sup>'
    if interval:
        shown += f'<small class="ci">{interval_text(interval)}</small>'
    return f'<td data-value="{value!r}">{shown}</td>'


def _group_cell(metrics: dict) -> str:
    """A group's pass@1 with its interval; * when the entry judged only some of its problems."""
    tasks, problems = metrics.get("n_tasks"), metrics.get("n_problems")
    partial = tasks is not None and problems is not None and tasks < problems
    mark = ("*", f"{tasks} of {problems} problems") if partial else None
    return _number_cell(metrics.get("pass@1"), interval=metrics.get("pass@1_ci95"), mark=mark)


def _coverage_cell(task: str, entry: dict) -> str:
    """How much of the benchmark the entry covers; sorted by its share of the problems."""
    cover = entry.get("coverage")
    if not cover:
        return '<td class="text coverage" data-value="">unknown</td>'
    share = cover["groups"] / cover["of_groups"]
    if cover.get("problems"):
        share *= cover["tasks"] / cover["problems"]
    text = "complete" if cover["complete"] else describe(task, cover)
    return f'<td class="text coverage" data-value="{share!r}">{escape(text)}</td>'


def _provenance(entries: list[dict]) -> str:
    blocks = [
        f'<article id="entry-{i}"><h3>{escape(entry_label(e))} &middot; {escape(e["task"])}</h3>'
        f"<dl>{_facts(e)}</dl></article>"
        for i, e in enumerate(entries)
    ]
    return '<section id="provenance"><h2>Provenance</h2>' + "".join(blocks) + "</section>"


def _facts(entry: dict) -> str:
    dataset = entry["dataset"] or {}
    sandbox = entry["sandbox"] or {}
    facts = {
        "run id": entry["run_id"],
        "date": entry["date"],
        "harness version": entry["harness_version"],
        "runner": entry.get("runner"),
        "checkpoint sha256": entry.get("checkpoint_sha256"),
        "samples per problem (n)": entry["n"],
        "sampling": entry["sampling"],
        "dataset": " ".join(str(dataset.get(f) or "") for f in ("name", "source")).strip(),
        "dataset digests": dataset.get("digests") or dataset.get("digest"),
        "coverage": entry.get("coverage") and describe(entry["task"], entry["coverage"]),
        "post-processing": entry.get("postprocess"),
        "sandbox backend": sandbox.get("backend"),
        "sandbox images": sandbox.get("images"),
        "toolchains": sandbox.get("toolchains"),
        "migrated from schema_version": entry.get("migrated_from"),
    }
    return "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(_show(value))}</dd>"
        for name, value in facts.items()
        if name != "migrated from schema_version" or value is not None
    )


def _show(value: object) -> str:
    if value is None or value == "":
        return "unknown"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
