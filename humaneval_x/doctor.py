"""Self-check of the dataset and sandbox: canonical solutions pass, wrong completions fail.

Canonical solutions are judged `options.repeat` times (3 by default from the CLI): a solution
whose verdict changes between runs is listed as flaky.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from humaneval_x.data import Dataset
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.languages import get_language
from humaneval_x.runfolder import clear
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks
from sandboxes.backend import Backend

# Anomalies of the HumanEval-X data itself, explained in docs/doctor.md.
KNOWN_ANOMALIES = {
    ("JavaScript/112", "canonical"): "the canonical solution returns `(z, false)`, which the comma "
    "operator turns into a bare boolean; the test expects the pair [string, boolean]",
    ("JavaScript/155", "canonical"): "the canonical solution's digit loop never runs for 0, so "
    "evenOddCount(0) gives [0, 0]; the test expects [1, 0]",
    ("Go/95", "canonical"): "the canonical solution's verdict depends on Go's randomised map "
    "iteration order: it passes about half the time",
    ("Rust/32", "canonical"): "the whole test module is commented out, so no test of the "
    "dataset runs and nothing can pass",
}


def run_doctor(
    dataset: Dataset, backend: Backend, out_dir: Path, options: EvaluationOptions
) -> dict:
    """Judge canonical (repeatedly) and wrong completions of every problem; return the anomalies
    and the flaky canonical solutions.

    Each run judges anew (the verdict cache, keyed by the sandbox's identity, keeps it quick)."""
    tasks = generation_tasks(dataset, dataset.languages)
    canonical = [Sample(task, 0, task.problem.canonical_solution) for task in tasks]
    wrong = [Sample(task, 1, get_language(task.language).wrong_completion) for task in tasks]
    for part in ("canonical", "wrong"):
        clear(out_dir / part)  # judge afresh: the sandbox or the languages may differ
    rows = evaluate(canonical, out_dir / "canonical", backend, options)
    once = dataclasses.replace(options, repeat=1)
    rows += evaluate(wrong, out_dir / "wrong", backend, once)
    anomalies = []
    for row in rows:
        kind = "canonical" if row["completion_id"] == 0 else "wrong"
        if row["passed"] != (kind == "canonical"):
            anomalies.append(
                {
                    "task_id": row["task_id"],
                    "kind": kind,
                    "status": row["status"],
                    "statuses": row.get("statuses"),
                    "known": KNOWN_ANOMALIES.get((row["task_id"], kind)),
                    "stderr_tail": row["stderr_tail"][-500:],
                }
            )
    anomalies.sort(key=lambda a: (a["task_id"].split("/")[0], int(a["task_id"].split("/")[1])))
    flaky = [a["task_id"] for a in anomalies if a["statuses"]]
    return {
        "problems": len(tasks),
        "repeat": options.repeat,
        "anomalies": anomalies,
        "flaky": flaky,
    }


def format_report(report: dict) -> str:
    """One line per anomaly: what was expected, what happened, and whether it is known."""
    lines = [f"doctor: {report['problems']} problems checked"]
    for anomaly in report["anomalies"]:
        expected = (
            "canonical solution should pass"
            if anomaly["kind"] == "canonical"
            else ("wrong completion should fail")
        )
        note = f"known: {anomaly['known']}" if anomaly["known"] else "NEW"
        got = anomaly["status"]
        if anomaly.get("statuses"):
            got = f"flaky over {len(anomaly['statuses'])} runs ({', '.join(anomaly['statuses'])})"
        lines.append(f"  {anomaly['task_id']}: {expected}, got {got} ({note})")
    unknown = [a for a in report["anomalies"] if not a["known"]]
    lines.append("doctor: OK" if not unknown else f"doctor: {len(unknown)} unexplained anomalies")
    return "\n".join(lines)
