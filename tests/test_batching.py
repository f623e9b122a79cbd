"""Batch jobs: one build, each member run in a folder of its own that no other member reaches."""

from __future__ import annotations

import uuid

import pytest
from sandbox_fixtures import make_backend

from humaneval_x.batching import run_jobs
from sandboxes.backend import Job, Member, Step

# The "build" writes a shell script as the batch binary; members run it, or attack it.
BUILD = Step("compile", ("sh", "build.sh"), 20, memory_mb=None)
BUILD_SCRIPT = "printf '#!/bin/sh\\necho pristine\\n' > prog && chmod +x prog\n"
LATE = f"hx-late-{uuid.uuid4().hex[:12]}"
# Changes the binary and its folder, and leaves a process that would write a file later on.
TAMPER = (
    "printf '#!/bin/sh\\necho tampered\\n' > prog; echo left > leftover; "
    f"(sleep 2; echo late > /tmp/{LATE}) > /dev/null 2>&1 & echo done"
)
INSPECT = f"./prog; ls; sleep 3; ls /tmp | grep -c {LATE}; true"


def run_step(command: str) -> Step:
    return Step("run", ("sh", "-c", command), 20, memory_mb=None)


def batch_job(build_script: str) -> Job:
    members = (Member("tamper", (run_step(TAMPER),)), Member("inspect", (run_step(INSPECT),)))
    return Job(
        "batch-test", "python", {"build.sh": build_script}, (BUILD,), binary="prog", members=members
    )


@pytest.mark.parametrize("kind", ["local", "docker"])
def test_members_get_a_pristine_binary_and_folder(kind: str) -> None:
    with make_backend(kind, ["python"]) as backend:
        (verdict,) = list(backend.run([batch_job(BUILD_SCRIPT)]))
    assert verdict["error"] is None, verdict
    tamper, inspect = verdict["members"]
    assert (tamper["id"], inspect["id"]) == ("tamper", "inspect")
    assert tamper["steps"][0]["phase"] == "compile" and tamper["steps"][1]["exit_code"] == 0
    listing = inspect["steps"][1]["stdout_tail"].split()
    assert listing == ["pristine", "prog", "0"], listing  # no leftover file, no live sleeper


@pytest.mark.parametrize("kind", ["local", "docker"])
def test_a_failed_build_has_no_member_verdicts(kind: str) -> None:
    with make_backend(kind, ["python"]) as backend:
        (verdict,) = list(backend.run([batch_job("exit 3\n")]))
    assert verdict["members"] is None
    assert verdict["steps"][0]["exit_code"] == 3


class FakeBackend:
    """Builds fail when a member's file holds "broken"; records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    def run(self, jobs: list[Job]):
        self.sent.append([job.id for job in jobs])
        for job in jobs:
            if not job.members:
                yield {"id": job.id, "steps": [], "error": None}
                continue
            broken = [name for name, text in job.files.items() if "broken" in text]
            if broken:
                step = {"stderr_tail": f"error --> {broken[0]}:1:1", "exit_code": 1}
                yield {"id": job.id, "steps": [step], "members": None, "error": None}
            else:
                yield {"id": job.id, "steps": [], "members": [
                    {"id": member.id, "steps": [], "error": None} for member in job.members
                ], "error": None}  # fmt: skip


def rust_job(name: str, text: str) -> Job:
    steps = (Step("compile", (), 60), Step("run", ("./main",), 10))
    return Job(name, "rust", {"main.rs": text}, steps, batch_group="rust")


def test_a_failed_batch_runs_the_named_member_alone_and_rebatches_the_others() -> None:
    jobs = [rust_job(f"ok{i}", "fn f() {}") for i in range(4)] + [rust_job("bad", "broken")]
    backend = FakeBackend()
    verdicts = list(run_jobs(jobs, backend))
    assert sorted(v["id"] for v in verdicts) == sorted(job.id for job in jobs)
    first, second = backend.sent
    assert len(first) == 1 and first[0].startswith("batch-")
    assert "bad" in second and sum(name.startswith("batch-") for name in second) == 1
    assert len(second) == 2
