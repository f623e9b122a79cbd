"""Building several programs in one compiler run, each still run and judged on its own.

Jobs whose programs share a batch group (Program.batch_group) are built `batch_size` at a time
by one job (LanguageSpec.batch); the job runner then runs every member in a fresh directory of
its own. A member's verdict is the one it gets alone: a batch whose build fails is split, the
members its build output names run alone, the others are batched once more and then run alone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator

from humaneval_x.languages import get_language
from sandboxes.backend import Backend, Job

ROUNDS = 3  # batched, re-batched without the blamed members, alone


def run_jobs(jobs: list[Job], backend: Backend) -> Iterator[dict]:
    """One verdict per job, in whatever order they finish."""
    alone: set[str] = set()
    pending = jobs
    for round_number in range(ROUNDS):
        batches = _batches(pending, alone) if round_number < ROUNDS - 1 else {}
        batched = {job.id for members in batches.values() for job in members}
        singles = [job for job in pending if job.id not in batched]
        batch_jobs = [
            get_language(members[0].language).batch(members, batch_id)
            for batch_id, members in batches.items()
        ]
        pending = []
        for verdict in backend.run([*batch_jobs, *singles]):
            members = batches.get(verdict["id"])
            if members is None:
                yield verdict
            elif verdict.get("members") is not None:
                yield from verdict["members"]
            else:
                alone.update(job.id for job in _blamed(members, verdict))
                pending.extend(members)
        if not pending:
            return


def _batches(jobs: list[Job], alone: set[str]) -> dict[str, list[Job]]:
    """Batch id -> member jobs, for the jobs that may be built together (two or more)."""
    groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        if job.batch_group and job.id not in alone:
            groups[job.language, job.batch_group].append(job)
    batches = {}
    for (language, _), group in groups.items():
        size = get_language(language).batch_size
        for start in range(0, len(group), size):
            members = group[start : start + size]
            if len(members) > 1:
                batches[_batch_id(members)] = members
    return batches


def _batch_id(members: list[Job]) -> str:
    ids = "\n".join(job.id for job in members)
    return "batch-" + hashlib.sha256(ids.encode()).hexdigest()


def _blamed(members: list[Job], verdict: dict) -> list[Job]:
    """The members a failed build names; all of them when it names none."""
    output = "".join(step.get("stderr_tail", "") + step.get("stdout_tail", "")
                     for step in verdict.get("steps", []))  # fmt: skip
    spec = get_language(members[0].language)
    named = [job for index, job in enumerate(members) if spec.blamed(index, output)]
    return named or members
