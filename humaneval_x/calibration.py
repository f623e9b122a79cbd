"""Run-time limits that fit the machine: a floor plus a multiple of the canonical run time.

The canonical solution of every problem is run once on this machine and sandbox; its run step's
wall time t gives the problem's limit FLOOR_S + MULTIPLE * t. Limits are cached per language by
the language's problems and the sandbox identity (image or toolchain), so a slow machine gets
longer limits and an infinite loop costs seconds, not the default limit of every language.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from humaneval_x.cache import sandbox_identity
from humaneval_x.data import Dataset
from humaneval_x.evaluate import EvaluationOptions, judge_jobs, program_job, schedule
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.languages import get_language
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks
from sandboxes.backend import Backend

FLOOR_S = 3.0
MULTIPLE = 10.0
OPTIONS = EvaluationOptions(progress=False)  # the default limits, while measuring


def limit_for(run_s: float) -> float:
    """The run-time limit of a problem whose canonical solution runs in `run_s` seconds."""
    return round(FLOOR_S + MULTIPLE * run_s, 2)


def calibrated_timeouts(
    dataset: Dataset, backend: Backend, languages: list[str], cache_dir: Path
) -> dict[str, float]:
    """Run-time limits by task id for `languages`, measured once and then read from cache_dir."""
    backend.prepare(languages)
    timeouts: dict[str, float] = {}
    for language in languages:
        path = cache_dir / "timeouts" / f"{language}-{_digest(dataset, backend, language)}.json"
        if not path.exists():
            write_json_atomic(path, _measure(dataset, backend, language))
        timeouts.update(json.loads(path.read_text(encoding="utf-8")))
    return timeouts


def _measure(dataset: Dataset, backend: Backend, language: str) -> dict[str, float]:
    """Judge every canonical solution of one language afresh; limits from their run steps."""
    tasks = generation_tasks(dataset, [language])
    jobs = {}
    for task in tasks:
        digest, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
        jobs[digest] = (task.problem.task_id, job)
    timeouts = {}
    for verdict in judge_jobs(schedule([job for _, job in jobs.values()]), backend, None):
        task_id = jobs[verdict["id"]][0]
        runs = [step for step in verdict.get("steps", []) if step["phase"] == "run"]
        if runs and not runs[-1]["timed_out"]:
            timeouts[task_id] = limit_for(runs[-1]["duration_s"])
        else:
            timeouts[task_id] = get_language(language).run_timeout_s
    return dict(sorted(timeouts.items()))


def _digest(dataset: Dataset, backend: Backend, language: str) -> str:
    """Of the language's problems, the sandbox that measures them and the formula."""
    problems = [
        [p.task_id, p.prompt, p.canonical_solution, p.test]
        for p in dataset.problems[language].values()
    ]
    identity = sandbox_identity(backend.describe(), language)
    text = json.dumps([problems, identity, FLOOR_S, MULTIPLE], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
