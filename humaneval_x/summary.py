"""summary.json: what ran, where, and pass@k per language or translation pair; the printed table."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from humaneval_x import __version__
from humaneval_x.data import HUB_DATASET, Dataset
from humaneval_x.languages.base import STATUSES
from humaneval_x.metrics import KS, average_metrics, group_metrics
from humaneval_x.samples import row_key
from humaneval_x.tasks import group_of_key

SCHEMA = "humaneval-x/summary/1"


def build_summary(
    rows: list[dict], dataset: Dataset, sandbox: dict, run: dict, wall_s: float
) -> dict:
    """The summary of one run. `run` carries run_id, task, model and sampling."""
    per_task: dict[str, list[int]] = {}
    by_group: dict[str, list[str]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        key = row_key(row)[0]
        counts = per_task.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += int(row["passed"])
        group = group_of_key(key)
        if key not in by_group[group]:
            by_group[group].append(key)
        statuses[group][row["status"]] += 1
    metrics = {}
    for group in sorted(by_group):
        counts = [tuple(per_task[key]) for key in by_group[group]]
        metrics[group] = {
            **group_metrics(counts),
            "n_tasks": len(counts),
            "n_samples": sum(n for n, _ in counts),
            "status_counts": _ordered(statuses[group]),
        }
    total = sum(statuses.values(), Counter())
    return {
        "schema": SCHEMA,
        "run_id": run.get("run_id"),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "harness_version": __version__,
        "task": run.get("task"),
        "model": run.get("model"),
        "sampling": run.get("sampling"),
        "dataset": {"name": HUB_DATASET, "source": dataset.source, "digest": dataset.digest},
        "sandbox": sandbox,
        "groups": sorted(by_group),
        "metrics": metrics,
        "average": average_metrics(metrics),
        "status_counts": _ordered(total),
        "per_task": per_task,
        "unique_programs": len({row["program_sha256"] for row in rows}),
        "wall_s": round(wall_s, 2),
    }


def _ordered(counter: Counter) -> dict[str, int]:
    return {status: counter[status] for status in STATUSES if counter[status]}


def format_table(summary: dict) -> str:
    """A markdown table: pass@k per group with the status counts, then the average."""
    ks = [f"pass@{k}" for k in KS if any(f"pass@{k}" in m for m in summary["metrics"].values())]
    header = ["group", *ks, "tasks", "samples", *STATUSES]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group, metrics in summary["metrics"].items():
        cells = [group, *(_percent(metrics.get(k)) for k in ks)]
        cells += [str(metrics["n_tasks"]), str(metrics["n_samples"])]
        cells += [str(metrics["status_counts"].get(status, 0)) for status in STATUSES]
        lines.append("| " + " | ".join(cells) + " |")
    if len(summary["metrics"]) > 1:
        average = ["average", *(_percent(summary["average"].get(k)) for k in ks)]
        lines.append("| " + " | ".join(average + [""] * (len(header) - len(average))) + " |")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"
