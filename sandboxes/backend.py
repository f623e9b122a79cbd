"""The sandbox contract: jobs in, one verdict per job out, whatever hosts the job runner."""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

JOBRUNNER = Path(__file__).with_name("jobrunner")  # the package every sandbox runs


def jobrunner_files() -> list[Path]:
    """The job runner's modules: what is copied into the images and decides its digest."""
    return sorted(JOBRUNNER.glob("*.py"))


def jobrunner_digest() -> str:
    sha = hashlib.sha256()
    for path in jobrunner_files():
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


@dataclass(frozen=True)
class Step:
    """One command of a job: `compile` failures are compile errors, `run` ones are judged.

    `server` starts a long-lived compiler that the job runner may ask instead of running
    `argv` (see sandboxes/jobrunner/compile_server.py); the verdict must not depend on which.
    `proof`: the step gets a token on stdin and reports its tests through lines that carry it
    (sandboxes/jobrunner/proof.py); a run step passes only with the `done` event.
    """

    phase: str
    argv: tuple[str, ...]
    timeout_s: float
    memory_mb: int | None = 1024
    env: dict[str, str] = field(default_factory=dict)
    server: tuple[str, ...] = ()
    proof: bool = False


@dataclass(frozen=True)
class Member:
    """One program of a batch job: run alone, after the shared build, with its own steps, in
    a directory holding the shared build's `binary` and the member's own `files`."""

    id: str
    steps: tuple[Step, ...]
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """Files to write and steps to run for one program.

    A batch job builds several programs with its `steps` into the file `binary`, then runs
    each of `members` in a fresh directory of its own holding a copy of it; its verdict
    carries one verdict per member, or none when the build failed.
    `batch_group` names the jobs that may be built together (empty: never batched).
    """

    id: str
    language: str
    files: dict[str, str]
    steps: tuple[Step, ...]
    limits: dict[str, int] = field(default_factory=dict)
    batch_group: str = ""
    binary: str = ""
    members: tuple[Member, ...] = ()

    def to_json(self) -> dict:
        """The job as the job runner reads it (sandboxes/jobrunner): the only JSON form."""
        steps = [_step_json(step) for step in self.steps]
        job = {"id": self.id, "files": self.files, "steps": steps, "limits": self.limits}
        if self.members:
            members = [
                {
                    "id": member.id,
                    "files": member.files,
                    "steps": [_step_json(step) for step in member.steps],
                }
                for member in self.members
            ]
            job.update(binary=self.binary, members=members)
        return job

    def all_steps(self) -> tuple[Step, ...]:
        """Every step the job runs, its members' included."""
        return (*self.steps, *(step for member in self.members for step in member.steps))


def _step_json(step: Step) -> dict:
    fields = {
        "phase": step.phase,
        "argv": list(step.argv),
        "timeout_s": step.timeout_s,
        "memory_mb": step.memory_mb,
        "env": dict(step.env),
    }
    if step.server:
        fields["server"] = list(step.server)
    if step.proof:
        fields["proof"] = True
    return fields


@dataclass(frozen=True)
class StepResult:
    """What the job runner reports about one executed step."""

    phase: str
    exit_code: int | None
    signal: int | None
    timed_out: bool
    duration_s: float
    stdout_tail: str
    stderr_tail: str
    output_limit: bool = False  # killed for printing more than the output cap
    oom_killed: bool = False  # the kernel killed it for lack of memory
    events: tuple[tuple[str, str], ...] = ()  # proof events: (event, detail), in order

    @property
    def event_names(self) -> tuple[str, ...]:
        return tuple(event for event, _ in self.events)

    @classmethod
    def from_json(cls, row: dict) -> StepResult:
        return cls(
            phase=row["phase"],
            exit_code=row.get("exit_code"),
            signal=row.get("signal"),
            timed_out=bool(row.get("timed_out")),
            duration_s=float(row.get("duration_s", 0.0)),
            stdout_tail=row.get("stdout_tail", ""),
            stderr_tail=row.get("stderr_tail", ""),
            output_limit=bool(row.get("output_limit")),
            oom_killed=bool(row.get("oom_killed")),
            events=tuple((str(event), str(detail)) for event, detail in row.get("events", ())),
        )


class SandboxUnavailable(Exception):
    """A backend cannot run a language here; the message says what to install or start."""


class Backend(ABC):
    """Where the job runner lives, built as `Backend(workers=N)` (None: one per core).

    Use as a context manager so everything is cleaned up.
    """

    name: str

    @classmethod
    def available(cls) -> bool:
        """Whether this backend can work on this machine at all (`--sandbox auto` asks)."""
        return True

    @abstractmethod
    def prepare(self, languages: Iterable[str]) -> None:
        """Check and set up what the languages need; raise SandboxUnavailable with a remedy."""

    @abstractmethod
    def run(self, jobs: list[Job]) -> Iterator[dict]:
        """Yield one verdict per job, as they finish: {"id", "steps", "error"}."""

    @abstractmethod
    def describe(self) -> dict:
        """Provenance for summary.json: backend, images, toolchain versions."""

    def close(self) -> None:  # noqa: B027 - backends without resources need no cleanup
        """Release containers or processes."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def stream_jobs(process: subprocess.Popen, jobs: list[Job]) -> Iterator[dict]:
    """Feed jobs to a job-runner process and yield its verdicts; a lost job is a sandbox error."""

    def feed() -> None:
        with contextlib.suppress(OSError):  # the runner died: its jobs come back as lost
            for job in jobs:
                process.stdin.write(json.dumps(job.to_json()) + "\n")
                process.stdin.flush()
        with contextlib.suppress(OSError):
            process.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    pending = {job.id for job in jobs}
    for line in process.stdout:
        verdict = json.loads(line)
        pending.discard(verdict["id"])
        yield verdict
    feeder.join()
    process.wait()
    for job_id in sorted(pending):
        yield {"id": job_id, "steps": [], "error": f"job runner exited ({process.returncode})"}
