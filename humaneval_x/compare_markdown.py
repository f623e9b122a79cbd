"""The markdown form of a comparison report (compare.json): one table per pass@k, values in %,
then the flipped problems. Rows of groups the runs do not fully cover, and an average that is
not over every group of the task, are marked and explained below the tables."""

from __future__ import annotations

import re

from humaneval_x.coverage import describe
from humaneval_x.metrics import KS


def render_markdown(report: dict) -> str:
    """The report as markdown: one table per pass@k (values in %), then the flips."""
    labels = [run["label"] for run in report["runs"]]
    base, others = labels[0], labels[1:]
    rows = {**report["groups"], "average": report["average"]}
    lines = [f"# Comparison with baseline `{base}`", ""]
    lines += [f"- `{r['label']}`: {_describe(r)}" for r in report["runs"]]
    lines += [
        "",
        f"Interval: 95% paired bootstrap over problems ({report['bootstrap_samples']} "
        f"resamples). p: {report['test']}.",
        "",
    ]
    for k in KS:
        metric = f"pass@{k}"
        shown = {g: row for g, row in rows.items() if metric in row["scores"][base]}
        if shown:
            lines += _metric_table(metric, base, others, shown)
    lines += _notes(report)
    lines += _flip_lines(report, others)
    return "\n".join(lines) + "\n"


def _describe(run: dict) -> str:
    model = run.get("model") or {}
    parts = [model.get("model"), model.get("checkpoint")] if isinstance(model, dict) else [model]
    text = ", ".join(str(p) for p in parts if p) or run["path"]
    if run.get("coverage"):
        text += f"; covers {describe(run['task'], run['coverage'])}"
    return text


def _label(group: str, row: dict) -> str:
    """The row's name, marked (*) when the runs share only part of its problems, and (†) for
    an average that is not over every group of the task."""
    if group == "average":
        return "average †" if row.get("note") else "average"
    total = row.get("group_problems")
    return (
        f"{group} * ({row['n_problems']}/{total})" if total and row["n_problems"] < total else group
    )


def _notes(report: dict) -> list[str]:
    notes = []
    if any(_label(g, row) != g for g, row in report["groups"].items()):
        notes.append("\\* scores over the problems all runs share, not the whole group")
    if report["average"].get("note"):
        notes.append(f"† the unweighted mean {report['average']['note']}")
    return [*notes, ""] if notes else []


def _metric_table(metric: str, base: str, others: list[str], rows: dict) -> list[str]:
    header = [f"{metric} (%)", base]
    for label in others:
        header += [label, f"Δ {label} [95% CI]", "p"]
    lines = [f"## {metric}", "", _row(header), _row(["---"] * len(header))]
    for group, row in rows.items():
        cells = [_label(group, row), _pct(row["scores"][base][metric])]
        for label in others:
            diff = row["differences"][label][metric]
            low, high = diff["ci95"]
            cells += [
                _pct(row["scores"][label][metric]),
                f"{_pct(diff['delta'], '+')} [{_pct(low, '+')}, {_pct(high, '+')}]",
                f"{diff['p_value']:.3g}",
            ]
        lines.append(_row(cells))
    return lines + [""]


def _flip_lines(report: dict, others: list[str]) -> list[str]:
    lines = [f"## Flips ({report['flip_rule']})", ""]
    for label in others:
        for group, row in report["groups"].items():
            flips = row["flips"][label]
            gained, lost = _task_list(flips["gained"]), _task_list(flips["lost"])
            lines.append(f"- {label}, {group}: gained {gained}; lost {lost}")
    return lines


SHOWN_FLIPS = 20


def _task_list(tasks: list[str]) -> str:
    """Count and task ids in problem order; past SHOWN_FLIPS, compare.json has the rest."""
    if not tasks:
        return "0"
    ordered = sorted(tasks, key=lambda key: [int(n) for n in re.findall(r"\d+", key)])
    more = len(ordered) - SHOWN_FLIPS
    shown = ", ".join(ordered[:SHOWN_FLIPS]) + (f", … {more} more" if more > 0 else "")
    return f"{len(tasks)} ({shown})"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _pct(value: float, sign: str = "") -> str:
    return f"{value * 100:{sign}.2f}"
