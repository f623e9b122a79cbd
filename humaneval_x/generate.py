"""The generation driver: ask a runner for the completions a samples file still lacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

from humaneval_x.errors import InputError
from humaneval_x.jsonl import Appender, read_rows, write_json_atomic
from humaneval_x.progress import progress_bar
from humaneval_x.runner import Runner, Sampling
from humaneval_x.samples import row_key, sample_row
from humaneval_x.tasks import Task

GENERATION_META = "generation.json"


def parse_shard(text: str) -> tuple[int, int]:
    """--shard RANK/COUNT, or "env": $RANK_ID/$RANK_SIZE as MindSpore's msrun exports them."""
    if text == "env":
        if "RANK_ID" not in os.environ or "RANK_SIZE" not in os.environ:
            raise InputError("--shard env needs RANK_ID and RANK_SIZE (msrun sets them)")
        text = f"{os.environ['RANK_ID']}/{os.environ['RANK_SIZE']}"
    try:
        rank, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: expected RANK/COUNT (e.g. 0/8) or env") from None
    return rank, count


def shard(tasks: list[Task], rank: int, count: int) -> list[Task]:
    """Every count-th task starting at rank: the share of one data-parallel worker."""
    if not 0 <= rank < count:
        raise InputError(f"shard rank {rank} is not in 0..{count - 1}")
    return tasks[rank::count]


def generate(
    runner: Runner,
    tasks: list[Task],
    sampling: Sampling,
    out: Path,
    task_kind: str,
    progress: bool = True,
) -> int:
    """Append the missing samples of `tasks` to `out`; return how many rows were written.

    A task is complete when all its `sampling.n` completion ids are present; incomplete tasks
    are generated again whole (their seed makes them identical) and only missing rows written.
    """
    meta = {"task": task_kind, "model": runner.describe(), "sampling": sampling.to_json()}
    _check_meta(out.parent / GENERATION_META, meta)
    done = {row_key(row) for row in read_rows(out)}
    todo = [task for task in tasks if any((task.key, i) not in done for i in range(sampling.n))]
    written = 0
    with (
        Appender(out) as appender,
        progress_bar("generate", len(todo), "task", progress) as bar,
    ):
        for task, completions in runner.generate(todo, sampling):
            for completion_id, completion in enumerate(completions):
                if (task.key, completion_id) not in done:
                    row = sample_row(task, completion_id, completion.generation, completion.finish)
                    appender.write(row)
                    written += 1
            bar.update(1)
    return written


def _check_meta(path: Path, meta: dict) -> None:
    """Refuse to append samples of another model or sampling to an existing file."""
    if path.exists():
        previous = json.loads(path.read_text())
        if previous != meta:
            raise InputError(
                f"{path}: this folder holds samples from other settings ({previous}); "
                f"use another --out or remove it"
            )
    else:
        write_json_atomic(path, meta)


def read_meta(samples_path: Path) -> dict:
    """Model, task and sampling recorded beside a samples file, if it was generated here."""
    path = samples_path.parent / GENERATION_META
    return json.loads(path.read_text()) if path.exists() else {}
