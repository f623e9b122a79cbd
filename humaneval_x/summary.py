"""summary.json: what ran, where, and pass@k per language or translation pair; the printed table."""

from __future__ import annotations

import datetime
import json
from collections import Counter, defaultdict
from pathlib import Path

from humaneval_x import __version__
from humaneval_x.coverage import coverage, describe, group_problems, groups_note
from humaneval_x.data import HUB_DATASET, Dataset
from humaneval_x.errors import InputError
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.languages.base import STATUSES
from humaneval_x.metrics import KS, average_metrics, group_metrics
from humaneval_x.samples import row_key
from humaneval_x.tasks import group_of_key, key_parts

SCHEMA = "humaneval-x/summary/1"
SUMMARY_FILE = "summary.json"


def summary_path(path: Path) -> Path:
    """The summary file of a run folder, or `path` itself when it is a file."""
    return path / SUMMARY_FILE if path.is_dir() else path


def write_summary(path: Path, summary: dict) -> None:
    """Write a summary file atomically."""
    write_json_atomic(path, summary)


def read_summary(path: Path) -> dict:
    """Read and check a summary file; errors name the file and the field."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read a summary: {error}") from error
    if not isinstance(summary, dict) or summary.get("schema") != SCHEMA:
        raise InputError(f"{path}: field 'schema' must be {SCHEMA!r}")
    for field, kind in (("task", str), ("groups", list), ("per_task", dict)):
        if not isinstance(summary.get(field), kind):
            raise InputError(f"{path}: field {field!r} is missing or not a {kind.__name__}")
    for key, value in summary["per_task"].items():
        _check_per_task(path, summary["groups"], key, value)
    return summary


def _check_per_task(path: Path, groups: list, key: str, value: object) -> None:
    """A per_task entry is [n, c] with 0 <= c <= n, n >= 1, under a key of a listed group."""
    if not _is_counts(value):
        raise InputError(f"{path}: per_task[{key!r}] must be [n, c] with 0 <= c <= n, n >= 1")
    try:
        group = group_of_key(key)
    except KeyError as error:
        raise InputError(f"{path}: per_task key {key!r} names no known language") from error
    if group not in groups:
        raise InputError(f"{path}: per_task key {key!r} is in group {group!r}, not in groups")


def _is_counts(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in value)
        and 0 <= value[1] <= value[0]
        and value[0] >= 1
    )


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
            "n_problems": group_problems(dataset, group),
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
        "postprocess": run.get("postprocess", "none"),
        "dataset": dataset_provenance(dataset, sorted(by_group)),
        "sandbox": sandbox,
        "groups": sorted(by_group),
        "metrics": metrics,
        "average": average_metrics(metrics),
        "coverage": coverage(run.get("task", "generation"), metrics),
        "status_counts": _ordered(total),
        "per_task": per_task,
        "unique_programs": len({row["program_sha256"] for row in rows}),
        "wall_s": round(wall_s, 2),
    }


def dataset_provenance(dataset: Dataset, groups: list[str]) -> dict:
    """Name, source and the digest of each language of the groups (the run's dataset digest)."""
    languages = sorted({language for group in groups for language in key_parts(group)})
    digests = {language: dataset.digests[language] for language in languages}
    return {"name": HUB_DATASET, "source": dataset.source, "digests": digests}


def _ordered(counter: Counter) -> dict[str, int]:
    return {status: counter[status] for status in STATUSES if counter[status]}


def format_table(summary: dict) -> str:
    """A markdown table: pass@k per group, the problems covered and the status counts, then
    the average; a line says when the run does not cover the whole benchmark."""
    ks = [f"pass@{k}" for k in KS if any(f"pass@{k}" in m for m in summary["metrics"].values())]
    header = ["group", *ks, "problems", "samples", *STATUSES]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group, metrics in summary["metrics"].items():
        cells = [group, *(_percent(metrics.get(k)) for k in ks)]
        cells += [f"{metrics['n_tasks']}/{metrics['n_problems']}", str(metrics["n_samples"])]
        cells += [str(metrics["status_counts"].get(status, 0)) for status in STATUSES]
        lines.append("| " + " | ".join(cells) + " |")
    note = groups_note(summary["task"], summary["groups"])
    if len(summary["metrics"]) > 1:
        label = "average †" if note else "average"
        average = [label, *(_percent(summary["average"].get(k)) for k in ks)]
        lines.append("| " + " | ".join(average + [""] * (len(header) - len(average))) + " |")
    cover = summary["coverage"]
    if not cover["complete"]:
        lines.append(
            f"\npartial coverage: {describe(summary['task'], cover)} of HumanEval-X; "
            "scores are over the covered problems only"
        )
    if note and len(summary["metrics"]) > 1:
        lines.append(f"† the unweighted mean {note}: not comparable with averages over others")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"
