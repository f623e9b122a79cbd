"""Helpers for the sandbox tests: backends that skip (or fail in CI) when unavailable, problem-53
completions in every language, and checks that the host and the pool are left healthy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from humaneval_x.data import LANGUAGE_KEYS, Dataset, load_dataset
from humaneval_x.errors import ToolchainError
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.samples import Sample
from humaneval_x.tasks import Task, build_tasks
from sandboxes.backend import Backend

REQUIRE_ENV = {"docker": "HUMANEVAL_X_REQUIRE_DOCKER", "local": "HUMANEVAL_X_REQUIRE_TOOLCHAINS"}
PROBLEM = 53  # add(x, y): a one-line canonical solution in every language
LOCAL_UIDS = range(61000, 62000)  # the local job runner's per-slot uids (as root)
DOCKER_UIDS = range(62000, 64000)  # one per sandbox container


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


def make_backend(kind: str, languages: list[str], workers: int = 2) -> Backend:
    """A prepared backend of `kind` ("local" or "docker"), or skip/fail."""
    if kind == "docker":
        from sandboxes.docker_backend import DockerBackend, docker_available

        if not docker_available():
            unavailable(kind, "no Docker engine, or no sandbox images and no base image")
        backend: Backend = DockerBackend(workers=workers)
    else:
        from sandboxes.local import LocalBackend

        backend = LocalBackend(workers=workers)
    try:
        backend.prepare(languages)
    except ToolchainError as exc:
        backend.close()
        unavailable(kind, f"{kind} sandbox unavailable: {exc}")
    return backend


def tasks_53(dataset: Dataset) -> dict[str, Task]:
    """The generation task of problem 53 in each language."""
    tasks = build_tasks(dataset, "generation", LANGUAGE_KEYS)
    return {task.language: task for task in tasks if task.problem.number == PROBLEM}


def judge(backend: Backend, samples: list[Sample], out_dir: Path, run_s: float) -> dict:
    """Evaluate samples; return their result rows by (task key, completion id)."""
    options = EvaluationOptions(run_timeout_s=run_s, progress=False)
    rows = evaluate(samples, out_dir, backend, options)
    return {(row["task_id"], row["completion_id"]): row for row in rows}


def sandbox_processes() -> list[tuple[int, int, str]]:
    """(pid, uid, command line) of host processes running as a sandbox uid, but job runners and
    their compile servers: after a batch there must be none."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        runner = "jobrunner.py" in command or "JavacServer" in command
        if (uid in LOCAL_UIDS or uid in DOCKER_UIDS) and not runner:
            found.append((int(entry), uid, command.strip()))
    return found


def processes_with(token: str) -> list[str]:
    """Command lines of host processes (containers' included) that mention `token`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if token in command:
                found.append(command)
    return found
