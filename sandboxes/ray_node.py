"""One Ray node's sandbox: the actor that hosts the node's backend for the Ray backend.

It runs on the node (sandboxes/ray_backend.py places one on each node), so it imports only
`sandboxes`: the node's Docker backend, or its local backend where the node has no Docker
engine (or HUMANEVAL_X_RAY_NODE_SANDBOX=local says so). Several chunk calls run at once in the
actor's threads; the Docker backend keeps to `workers` jobs at a time across them, the local
one runs one chunk at a time (each chunk a job runner of `workers` workers).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

from sandboxes.backend import Backend, Job, SandboxUnavailable

NODE_SANDBOX_ENV = "HUMANEVAL_X_RAY_NODE_SANDBOX"  # docker or local (default: docker if it works)


def node_backend(workers: int) -> Backend:
    """The backend of this node: Docker when an engine answers (and the images exist or can be
    built), else local."""
    from sandboxes.docker_backend import DockerBackend

    wanted = os.environ.get(NODE_SANDBOX_ENV, "")
    if wanted == "docker" or (wanted != "local" and DockerBackend.available()):
        return DockerBackend(workers=workers)
    from sandboxes.local import LocalBackend

    return LocalBackend(workers=workers)


class NodeSandbox:
    """The actor: prepare, run chunks of jobs, describe, close."""

    def __init__(self, workers: int) -> None:
        self.backend = node_backend(workers)
        self.workers = workers
        concurrent = getattr(self.backend, "_running", None) is not None
        self._serial = contextlib.nullcontext() if concurrent else threading.Lock()

    def prepare(self, languages: list[str]) -> dict:
        """The node's description, or {"unavailable": why} when it cannot run the languages."""
        try:
            self.backend.prepare(languages)
        except SandboxUnavailable as exc:
            return {"unavailable": str(exc), "host": socket.gethostname()}
        return self.describe()

    def describe(self) -> dict:
        return {**self.backend.describe(), "host": socket.gethostname(), "pid": os.getpid(),
                "workers": self.workers}  # fmt: skip

    def run_chunk(self, jobs: list[Job]) -> list[dict]:
        """One verdict per job of the chunk, once all are judged."""
        with self._serial:
            return list(self.backend.run(jobs))

    def ping(self, jobs: list[Job]) -> int:
        """A chunk's trip without running it: the driver's dispatch cost (bench/ray_overhead.py)."""
        return len(jobs)

    def sandboxes(self) -> list[dict]:
        """The slot and container of each live Docker sandbox (none for the local backend)."""
        live = list(getattr(self.backend, "_live", ()))
        return [{"slot": s.slot, "container": s.container.id} for s in live]

    def close(self) -> None:
        self.backend.close()
