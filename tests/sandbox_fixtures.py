"""Helpers for the sandbox tests: backends that skip (or fail in CI) when unavailable, problem-53
completions in every language, and checks that the host and the pool are left healthy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from humaneval_x.data import Dataset, load_dataset
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.languages import LANGUAGE_KEYS
from humaneval_x.samples import Sample
from humaneval_x.tasks import Task, build_tasks
from sandboxes.backend import Backend, SandboxUnavailable

REQUIRE_ENV = {
    "docker": "HUMANEVAL_X_REQUIRE_DOCKER",
    "local": "HUMANEVAL_X_REQUIRE_TOOLCHAINS",
    "ray": "HUMANEVAL_X_REQUIRE_RAY",
}
PROBLEM = 53  # add(x, y): a one-line canonical solution in every language
SANDBOX_UIDS = range(60000, 62000)  # compile servers' and jobs' uids, one pair per host slot


def unavailable(kind: str, reason: str) -> None:
    """Skip, or fail when the environment demands this kind of sandbox."""
    variable = REQUIRE_ENV[kind]
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1)")
    pytest.skip(reason)


def load_data(kind: str) -> Dataset:
    directory = os.environ.get("HUMANEVAL_X_DATA")
    if not directory or not Path(directory).is_dir():
        unavailable(kind, "set HUMANEVAL_X_DATA to the HumanEval-X files")
    return load_dataset(LANGUAGE_KEYS, data_dir=directory)


def make_backend(
    kind: str, languages: list[str], workers: int = 2, memory_mb: int | None = None
) -> Backend:
    """A prepared backend of `kind` ("local" or "docker"), or skip/fail; `memory_mb` sets the
    containers' memory limit."""
    if kind == "docker":
        from sandboxes.docker_backend import ContainerLimits, DockerBackend

        if not DockerBackend.available():
            unavailable(kind, "no Docker engine, or no sandbox images and no base image")
        limits = ContainerLimits(memory_mb=memory_mb) if memory_mb else None
        backend: Backend = DockerBackend(workers=workers, limits=limits)
    else:
        from sandboxes.local import LocalBackend

        backend = LocalBackend(workers=workers)
    try:
        backend.prepare(languages)
    except SandboxUnavailable as exc:
        backend.close()
        unavailable(kind, f"{kind} sandbox unavailable: {exc}")
    return backend


def tasks_of(dataset: Dataset, number: int = PROBLEM) -> dict[str, Task]:
    """The generation task of one problem in each language."""
    tasks = build_tasks(dataset, "generation", LANGUAGE_KEYS)
    return {task.language: task for task in tasks if task.problem.number == number}


def judge(
    backend: Backend, samples: list[Sample], out_dir: Path, run_s: float | dict[str, float]
) -> dict:
    """Evaluate samples with one run-time limit, or one per task id; return their result rows
    by (task id, completion id)."""
    if isinstance(run_s, dict):
        options = EvaluationOptions(run_timeouts=run_s, progress=False)
    else:
        options = EvaluationOptions(run_timeout_s=run_s, progress=False)
    rows = evaluate(samples, out_dir, backend, options)
    return {(row["task_id"], row["completion_id"]): row for row in rows}


def sandbox_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, command line) of host processes of a sandbox uid that no job runner owns:
    what escaped its job. Jobs of runners still at work (anyone's) are not counted."""
    table = _process_table()
    found = []
    for pid, (uid, _, command) in table.items():
        if uid in SANDBOX_UIDS and not _owned_by_runner(pid, table):
            found.append((pid, uid, command))
    return found


def _owned_by_runner(pid: int, table: dict[int, tuple[int, int, str]]) -> bool:
    while pid in table and pid > 1:
        uid, parent, command = table[pid]
        if "jobrunner" in command or "JavacServer" in command:
            return True
        pid = parent
    return False


def _process_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (uid, parent pid, command line) of every host process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        parent = int(stat[stat.rfind(b")") + 2 :].split()[1])
        table[int(entry)] = (uid, parent, command)
    return table


def processes_with(token: str) -> list[str]:
    """Command lines of host processes (containers' included) that mention `token`."""
    table = _process_table()
    me = os.getpid()
    return [command for pid, (_, _, command) in table.items() if token in command and pid != me]
