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
class Job:
    """Files to write and steps to run for one program.

    A batch job builds several programs with its `steps` into the file `binary`, then runs
    each of `members` ({"id", "steps"}) in a fresh directory of its own holding a copy of it;
    its verdict carries one verdict per member, or none when the build failed.
    `batch_group` names the jobs that may be built together (empty: never batched).
    """

    id: str
    language: str
    files: dict[str, str]
    steps: list[dict]
    limits: dict[str, int] = field(default_factory=dict)
    batch_group: str = ""
    binary: str = ""
    members: tuple[dict, ...] = ()

    def to_json(self) -> dict:
        job = {"id": self.id, "files": self.files, "steps": self.steps, "limits": self.limits}
        if self.members:
            job.update(binary=self.binary, members=list(self.members))
        return job

    def all_steps(self) -> list[dict]:
        """Every step the job runs, its members' included."""
        return [*self.steps, *(step for member in self.members for step in member["steps"])]


class Backend(ABC):
    """Where the job runner lives. Use as a context manager so everything is cleaned up."""

    name: str

    @abstractmethod
    def prepare(self, languages: Iterable[str]) -> None:
        """Check and set up what the languages need; raise ToolchainError with a remedy."""

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
