"""Judging a program several times, to tell a verdict that holds from one that depends on luck.

With `--repeat K` every program is run K times (each a job of its own, `DIGEST#r`). Verdicts
that agree are the program's verdict, cached as having held K times. Verdicts that differ make
the sample `flaky`: it passes only if every repeat passed (so never), its status is the most
common failing one, and results.jsonl lists the K statuses. Such verdicts are never cached.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from sandboxes.backend import Job

SEPARATOR = "#"


def copies(jobs: list[Job], repeat: int) -> list[Job]:
    """Each job `repeat` times, as jobs of their own (ids DIGEST#0, DIGEST#1, ...)."""
    if repeat == 1:
        return jobs
    return [
        dataclasses.replace(job, id=f"{job.id}{SEPARATOR}{r}")
        for r in range(repeat)
        for job in jobs
    ]


def original_id(job_id: str) -> str:
    return job_id.split(SEPARATOR, 1)[0]


def combined(rows: list[dict]) -> dict:
    """One results row from the rows of a sample's repeats."""
    statuses = [row["status"] for row in rows]
    if len(set(statuses)) == 1:
        return {**rows[0], "repeats": len(rows)} if len(rows) > 1 else rows[0]
    failing = Counter(status for status in statuses if status != "passed").most_common(1)[0][0]
    chosen = next(row for row in rows if row["status"] == failing)
    return {**chosen, "repeats": len(rows), "flaky": True, "statuses": statuses}
