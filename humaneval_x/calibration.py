"""Run-time limits that fit the machine: a floor plus a multiple of the canonical run time.

The canonical solution of a problem is run once on this machine and sandbox; its run step's wall
time t gives the problem's limit FLOOR_S + MULTIPLE * t. Limits are cached per language by the
language's problems, the sandbox identity (image or toolchain) and the machine (processor and
cores), and measured the first time a problem needs one, so a slow machine gets longer limits
and an infinite loop costs seconds, not the default limit of every language.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Collection
from pathlib import Path

from humaneval_x.cache import sandbox_identity
from humaneval_x.data import Dataset
from humaneval_x.evaluate import EvaluationOptions, judge_jobs, program_job, schedule
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.languages import get_language
from humaneval_x.progress import progress_bar
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
    dataset: Dataset,
    backend: Backend,
    languages: list[str],
    cache_dir: Path,
    task_ids: Collection[str] | None = None,
    progress: bool = False,
) -> dict[str, float]:
    """Run-time limits by task id for the problems of `languages` (or only `task_ids`): read
    from cache_dir, and those not there yet measured and added."""
    backend.prepare(languages)
    timeouts: dict[str, float] = {}
    for language in languages:
        wanted = [i for i in dataset.problems[language] if task_ids is None or i in task_ids]
        if not wanted:
            continue
        path = cache_dir / "timeouts" / f"{language}-{_digest(dataset, backend, language)}.json"
        known = _read(path)
        missing = [task_id for task_id in wanted if task_id not in known]
        if missing:
            known.update(_measure(dataset, backend, language, missing, progress))
            ordered = {i: known[i] for i in dataset.problems[language] if i in known}
            write_json_atomic(path, ordered)
        timeouts.update({task_id: known[task_id] for task_id in wanted})
    return timeouts


def _read(path: Path) -> dict[str, float]:
    try:
        limits = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return limits if isinstance(limits, dict) else {}


def _measure(
    dataset: Dataset, backend: Backend, language: str, task_ids: list[str], progress: bool
) -> dict[str, float]:
    """Judge the canonical solutions of `task_ids` afresh; limits from their run steps."""
    tasks = [task for task in generation_tasks(dataset, [language]) if task.task_id in task_ids]
    jobs = {}
    for task in tasks:
        digest, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
        jobs[digest] = (task.problem.task_id, job)
    timeouts = {}
    verdicts = judge_jobs(schedule([job for _, job in jobs.values()]), backend, None)
    with progress_bar(f"calibrate {language}", len(jobs), "program", progress) as bar:
        for verdict in verdicts:
            task_id = jobs[verdict["id"]][0]
            runs = [step for step in verdict.get("steps", []) if step["phase"] == "run"]
            if runs and not runs[-1]["timed_out"]:
                timeouts[task_id] = limit_for(runs[-1]["duration_s"])
            else:
                timeouts[task_id] = get_language(language).run_timeout_s
            bar.update(1)
    return timeouts


def machine() -> dict:
    """What of this machine decides run times: processor, cores, architecture."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1] for line in info if line.startswith("model name")]
        model = names[0].strip() if names else model
    except OSError:
        pass
    return {"processor": model, "cores": os.cpu_count(), "arch": platform.machine()}


def _digest(dataset: Dataset, backend: Backend, language: str) -> str:
    """Of the language's problems, the sandbox and machine that measure them, and the formula."""
    problems = [
        [p.task_id, p.prompt, p.canonical_solution, p.test]
        for p in dataset.problems[language].values()
    ]
    identity = sandbox_identity(backend.describe(), language)
    text = json.dumps([problems, identity, machine(), FLOOR_S, MULTIPLE], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
