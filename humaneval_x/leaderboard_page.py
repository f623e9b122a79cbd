"""The leaderboard as one self-contained HTML page: inline CSS, JS and SVG, nothing fetched.

Per task: a table sortable by clicking a header; for generation a bar chart of pass@k by
language (one bar per entry); for translation a source x target heatmap of pass@1 per entry.
Every entry's provenance is listed at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from pathlib import Path

from humaneval_x.languages import LANGUAGES
from humaneval_x.metrics import KS
from humaneval_x.tasks import group_key, key_parts

TASK_TITLES = {"generation": "Code generation", "translation": "Code translation"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
BAR_WIDTH, BAR_GAP, CHART_HEIGHT, CHART_MARGIN = 14, 18, 160, 40
CELL, LABEL_WIDTH = 54, 76

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
    groups = _ordered_groups(g for _, e in indexed for g in e["groups"])
    ks = [k for k in KS if any(f"pass@{k}" in e["average"] for _, e in indexed)]
    parts = [
        f'<section id="task-{task}"><h2>{TASK_TITLES[task]}</h2>',
        _table(task, indexed, groups, ks),
    ]
    if task == "generation":
        parts += [_bar_chart(indexed, groups, k) for k in ks]
    else:
        parts.append('<div class="heatmaps">')
        parts += [_heatmap(e) for _, e in indexed]
        parts.append("</div>")
    return "\n".join(parts) + "</section>"


def _ordered_groups(groups: Iterable[str]) -> list[str]:
    """Groups in the harness's language order (source first, then target), unknown ones last."""
    order = {key: i for i, key in enumerate(LANGUAGES)}
    rank = {g: tuple(order.get(part, len(order)) for part in key_parts(g)) for g in set(groups)}
    return sorted(rank, key=lambda g: (rank[g], g))


def _label(entry: dict) -> str:
    checkpoint = entry["checkpoint"]
    return entry["model"] + (f" ({checkpoint})" if checkpoint else "")


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _table(task: str, indexed: list[tuple[int, dict]], groups: list[str], ks: list[int]) -> str:
    per_group = groups if task == "generation" else []
    header = [("Model", "text"), ("Checkpoint", "text")]
    header += [(f"Average pass@{k}", "number") for k in ks]
    header += [(f"{_group_name(g)} pass@1", "number") for g in per_group]
    header += [("n", "number"), ("Date", "text")]
    head = "".join(
        f'<th tabindex="0" data-type="{kind}" class="{kind}">{escape(name)}</th>'
        for name, kind in header
    )
    rows = []
    for index, entry in indexed:
        cells = [
            _text_cell(entry["model"], f"#entry-{index}"),
            _text_cell(entry["checkpoint"] or ""),
            *(_number_cell(entry["average"].get(f"pass@{k}")) for k in ks),
            *(_number_cell(entry["groups"].get(g, {}).get("pass@1")) for g in per_group),
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


def _number_cell(value: float | int | None, percent: bool = True) -> str:
    if value is None:
        return '<td data-value="">&ndash;</td>'
    shown = f"{value * 100:.2f}" if percent else str(value)
    return f'<td data-value="{value!r}">{shown}</td>'


def _group_name(group: str) -> str:
    names = [LANGUAGES[p].display_name if p in LANGUAGES else p for p in key_parts(group)]
    return " \u2192 ".join(names)


def _bar_chart(indexed: list[tuple[int, dict]], groups: list[str], k: int) -> str:
    """Grouped bars: one cluster per language, one bar per entry, height pass@k."""
    metric = f"pass@{k}"
    cluster = len(indexed) * BAR_WIDTH + BAR_GAP
    width, height = CHART_MARGIN + len(groups) * cluster, CHART_HEIGHT + 40
    parts = [_axis(width)]
    for g_index, group in enumerate(groups):
        x0 = CHART_MARGIN + g_index * cluster + BAR_GAP / 2
        for slot, (index, entry) in enumerate(indexed):
            value = entry["groups"].get(group, {}).get(metric)
            if value is not None:
                parts.append(_bar(x0 + slot * BAR_WIDTH, value, index, entry, group, metric))
        label_x = x0 + len(indexed) * BAR_WIDTH / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{CHART_HEIGHT + 25}" text-anchor="middle">'
            f"{escape(_group_name(group))}</text>"
        )
    legend = "".join(
        f'<span><i style="background:{_color(i)}"></i>{escape(_label(e))}</span>'
        for i, e in indexed
    )
    return (
        f"<figure><figcaption>{metric} by language (%)</figcaption>"
        f'<svg class="chart bars" data-metric="{metric}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
        f'{"".join(parts)}</svg><div class="legend">{legend}</div></figure>'
    )


def _axis(width: float) -> str:
    lines = []
    for tick in (0, 25, 50, 75, 100):
        y = 10 + CHART_HEIGHT * (1 - tick / 100)
        lines.append(
            f'<line x1="{CHART_MARGIN - 4}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{CHART_MARGIN - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    return "".join(lines)


def _bar(x: float, value: float, index: int, entry: dict, group: str, metric: str) -> str:
    height = CHART_HEIGHT * value
    title = f"{_label(entry)}, {_group_name(group)}: {metric} = {value * 100:.2f}%"
    return (
        f'<rect class="bar" x="{x:.1f}" y="{10 + CHART_HEIGHT - height:.1f}" '
        f'width="{BAR_WIDTH - 2}" height="{height:.1f}" fill="{_color(index)}">'
        f"<title>{escape(title)}</title></rect>"
    )


def _heatmap(entry: dict) -> str:
    """Source (rows) x target (columns) pass@1 of one translation entry."""
    groups = entry["groups"].items()
    pairs = {g: m["pass@1"] for g, m in groups if "pass@1" in m and len(key_parts(g)) > 1}
    languages = _ordered_groups(part for g in pairs for part in key_parts(g))
    width, height = LABEL_WIDTH + CELL * len(languages), CELL * (len(languages) + 1)
    parts = []
    for i, language in enumerate(languages):
        name = escape(_group_name(language))
        row_y, column_x = CELL * (i + 1.5) + 4, LABEL_WIDTH + CELL * (i + 0.5)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{row_y}" text-anchor="end">{name}</text>')
        parts.append(f'<text x="{column_x}" y="{CELL - 6}" text-anchor="middle">{name}</text>')
    for row, source in enumerate(languages):
        for column, target in enumerate(languages):
            value = pairs.get(group_key(target, source))
            if value is not None:
                x, y = LABEL_WIDTH + CELL * column, CELL * (row + 1)
                parts.append(_cell(x, y, value, source, target))
    return (
        f"<figure><figcaption>{escape(_label(entry))}: pass@1 (%), source (rows) "
        "&rarr; target (columns)</figcaption>"
        f'<svg class="chart heatmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(parts)}</svg></figure>'
    )


def _cell(x: int, y: int, value: float, source: str, target: str) -> str:
    shade = round(255 - 200 * value)
    ink = "#fff" if value > 0.6 else "#000"
    title = f"{_group_name(source)} \u2192 {_group_name(target)}: pass@1 = {value * 100:.2f}%"
    return (
        f'<rect class="cell" x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" '
        f'fill="rgb({shade},{shade},255)"><title>{escape(title)}</title></rect>'
        f'<text x="{x + CELL / 2 - 1}" y="{y + CELL / 2 + 3}" text-anchor="middle" '
        f'fill="{ink}">{value * 100:.1f}</text>'
    )


def _provenance(entries: list[dict]) -> str:
    blocks = [
        f'<article id="entry-{i}"><h3>{escape(_label(e))} &middot; {escape(e["task"])}</h3>'
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
        "dataset digest": dataset.get("digest"),
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
