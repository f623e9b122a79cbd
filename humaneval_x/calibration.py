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
    from cache_dir; those not there yet are measured together, then added."""
    backend.prepare(languages)
    wanted = {
        language: [i for i in dataset.problems[language] if task_ids is None or i in task_ids]
        for language in languages
    }
    paths = {
        language: cache_dir / "timeouts" / f"{language}-{_digest(dataset, backend, language)}.json"
        for language in languages
    }
    known = {language: _read(paths[language]) for language in languages}
    missing = [i for language in languages for i in wanted[language] if i not in known[language]]
    if missing:
        measured = _measure(dataset, backend, missing, progress)
        for language in languages:
            if any(task_id in measured for task_id in wanted[language]):
                known[language].update({i: measured[i] for i in wanted[language] if i in measured})
                ordered = {i: known[language][i] for i in dataset.problems[language]
                           if i in known[language]}  # fmt: skip
                write_json_atomic(paths[language], ordered)
    return {i: known[language][i] for language in languages for i in wanted[language]}


def _read(path: Path) -> dict[str, float]:
    try:
        limits = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return limits if isinstance(limits, dict) else {}


def _measure(
    dataset: Dataset, backend: Backend, task_ids: list[str], progress: bool
) -> dict[str, float]:
    """Judge the canonical solutions of `task_ids` afresh, all languages mixed; limits from
    their run steps."""
    chosen = set(task_ids)
    tasks = [t for t in generation_tasks(dataset, dataset.languages) if t.task_id in chosen]
    jobs = {}
    for task in tasks:
        digest, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
        jobs[digest] = (task, job)
    timeouts = {}
    verdicts = judge_jobs(schedule([job for _, job in jobs.values()]), backend, None)
    with progress_bar("calibrate", len(jobs), "program", progress) as bar:
        for verdict in verdicts:
            task = jobs[verdict["id"]][0]
            runs = [step for step in verdict.get("steps", []) if step["phase"] == "run"]
            if runs and not runs[-1]["timed_out"]:
                timeouts[task.task_id] = limit_for(runs[-1]["duration_s"])
            else:
                timeouts[task.task_id] = get_language(task.language).run_timeout_s
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
