"""Self-check of the dataset and sandbox: canonical solutions pass, wrong completions fail."""

from __future__ import annotations

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
    ("Rust/32", "wrong"): "the whole test module is commented out, so any completion that "
    "compiles passes",
}


def run_doctor(
    dataset: Dataset, backend: Backend, out_dir: Path, options: EvaluationOptions
) -> dict:
    """Judge canonical and wrong completions of every problem; return the anomalies found.

    Each run judges anew (the verdict cache, keyed by the sandbox's identity, keeps it quick)."""
    tasks = generation_tasks(dataset, dataset.languages)
    canonical = [Sample(task, 0, task.problem.canonical_solution) for task in tasks]
    wrong = [Sample(task, 1, get_language(task.language).wrong_completion) for task in tasks]
    clear(out_dir)  # judge afresh: the sandbox or the languages may differ
    rows = evaluate(canonical + wrong, out_dir, backend, options)
    anomalies = []
    for row in rows:
        kind = "canonical" if row["completion_id"] == 0 else "wrong"
        if row["passed"] != (kind == "canonical"):
            anomalies.append(
                {
                    "task_id": row["task_id"],
                    "kind": kind,
                    "status": row["status"],
                    "known": KNOWN_ANOMALIES.get((row["task_id"], kind)),
                    "stderr_tail": row["stderr_tail"][-500:],
                }
            )
    anomalies.sort(key=lambda a: (a["task_id"].split("/")[0], int(a["task_id"].split("/")[1])))
    return {"problems": len(tasks), "anomalies": anomalies}


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
        lines.append(f"  {anomaly['task_id']}: {expected}, got {anomaly['status']} ({note})")
    unknown = [a for a in report["anomalies"] if not a["known"]]
    lines.append("doctor: OK" if not unknown else f"doctor: {len(unknown)} unexplained anomalies")
    return "\n".join(lines)
