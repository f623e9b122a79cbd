"""Reading and writing samples.jsonl: the completions a runner produced, one per line."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from humaneval_x.data import Dataset, parse_json_line
from humaneval_x.errors import InputError
from humaneval_x.prompts import generation_prompt, translation_prompt
from humaneval_x.tasks import Task, task_key


@dataclass(frozen=True)
class Sample:
    """One completion of one task."""

    task: Task
    completion_id: int
    generation: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.key, self.completion_id)


def read_samples(path: str | os.PathLike, dataset: Dataset) -> list[Sample]:
    """Parse and validate every row first, so bad input fails before any output is written."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such samples file")
    next_id: dict[str, int] = defaultdict(int)
    samples, seen = [], set()
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            row = parse_json_line(raw, str(path), line_no)
            sample = _sample(row, dataset, f"{path}, line {line_no}", next_id)
            if sample.key in seen:
                raise InputError(
                    f"{path}, line {line_no}: field 'completion_id' {sample.completion_id} repeats "
                    f"for {sample.task.key}"
                )
            seen.add(sample.key)
            samples.append(sample)
    if not samples:
        raise InputError(f"{path}: no samples")
    return samples


def _sample(row: dict, dataset: Dataset, where: str, next_id: dict[str, int]) -> Sample:
    task = task_of_row(row, dataset, where)
    generation = row.get("generation", row.get("completion"))
    if not isinstance(generation, str):
        raise InputError(
            f"{where}: field 'generation' (or 'completion') is missing or not a string"
        )
    completion_id = row.get("completion_id")
    if completion_id is None:
        completion_id = next_id[task.key]
    elif not isinstance(completion_id, int) or isinstance(completion_id, bool) or completion_id < 0:
        raise InputError(f"{where}: field 'completion_id' must be a non-negative integer")
    next_id[task.key] = max(next_id[task.key], completion_id + 1)
    return Sample(task, completion_id, generation)


def task_of_row(row: dict, dataset: Dataset, where: str) -> Task:
    """The task a sample row answers, checked against the loaded dataset."""
    target = _problem(row, "task_id", dataset, where)
    if row.get("source_task_id") is None:
        return Task(target, None, generation_prompt(target))
    source = _problem(row, "source_task_id", dataset, where)
    if source.language == target.language:
        raise InputError(f"{where}: field 'source_task_id' is in the same language as 'task_id'")
    return Task(target, source, translation_prompt(source, target))


def _problem(row: dict, field: str, dataset: Dataset, where: str):
    task_id = row.get(field)
    if not isinstance(task_id, str):
        raise InputError(f"{where}: field {field!r} is missing or not a string")
    try:
        return dataset.problem(task_id)
    except KeyError:
        loaded = ", ".join(dataset.languages)
        raise InputError(
            f"{where}: field {field!r}: unknown task id {task_id!r} (loaded languages: {loaded})"
        ) from None


def sample_row(task: Task, completion_id: int, generation: str, finish: str) -> dict:
    """The samples.jsonl row of one completion."""
    row = {"task_id": task.task_id, "completion_id": completion_id, "generation": generation}
    if task.source_task_id:
        row["source_task_id"] = task.source_task_id
    row["finish"] = finish
    return row


def row_key(row: dict) -> tuple[str, int]:
    """The (task key, completion id) of a samples or results row we wrote ourselves."""
    return (task_key(row["task_id"], row.get("source_task_id")), row["completion_id"])
