"""What each judged program printed, kept in the run folder for `humaneval-x show`.

outputs.jsonl has one row per program judged in the folder: its digest (results.jsonl's
`program_sha256`), the limits of its steps, and what the job runner reported of each step: exit
code, signal, time, and the tails of stdout and stderr, which the job runner keeps to its last
4 KiB; a row holds at most OUTPUT_CHARS of each stream of each step.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandboxes.backend import Job

OUTPUTS_FILE = "outputs.jsonl"
OUTPUT_CHARS = 4096
STREAMS = ("stdout_tail", "stderr_tail")


def output_row(job: Job, verdict: dict) -> dict:
    """The outputs.jsonl row of a program from its job and its verdict."""
    steps = [
        {**step, **{name: step.get(name, "")[-OUTPUT_CHARS:] for name in STREAMS}}
        for step in verdict.get("steps", [])
    ]
    limits = [
        {"phase": step.phase, "timeout_s": step.timeout_s, "memory_mb": step.memory_mb}
        for step in job.steps
    ]
    return {"program_sha256": job.id, "limits": limits, "error": verdict.get("error"),
            "steps": steps}  # fmt: skip


def read_outputs(run_dir: Path) -> dict[str, dict]:
    """The rows of a run folder by program digest (the last of a digest counts); a line torn by
    a crash, or one still being written, is skipped."""
    path = run_dir / OUTPUTS_FILE
    rows: dict[str, dict] = {}
    if not path.exists():
        return rows
    with open(path, "rb") as lines:
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and isinstance(row.get("program_sha256"), str):
                rows[row["program_sha256"]] = row
    return rows
