"""The generation driver: appends, resumes per task, refuses mixed settings, shards."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import pytest

from humaneval_x.errors import InputError
from humaneval_x.generate import generate, read_meta, shard
from humaneval_x.runner import Completion, Runner, Sampling, task_seed
from humaneval_x.tasks import Task, build_tasks
from runners.reference import ReferenceRunner


class CountingRunner(Runner):
    """Answers with the task key and the per-task seed, and counts what it was asked."""

    name = "counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def describe(self) -> dict:
        return {"runner": self.name}

    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        for task in tasks:
            self.asked.append(task.key)
            seed = task_seed(sampling.seed, task.key)
            yield task, [Completion(f"{task.key}:{seed}:{i}", "eos") for i in range(sampling.n)]


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_reference_runner_answers_with_canonical_solutions(tmp_path, dataset):
    tasks = build_tasks(dataset, "translation", ["python", "go"], "python:go")[:3]
    out = tmp_path / "samples.jsonl"
    assert generate(ReferenceRunner(), tasks, Sampling(n=2), out, "translation") == 6
    rows = _rows(out)
    assert rows[0]["source_task_id"] == "Python/0" and rows[0]["task_id"] == "Go/0"
    assert rows[0]["generation"] == dataset.problem("Go/0").canonical_solution
    assert [row["completion_id"] for row in rows[:2]] == [0, 1]
    assert read_meta(out)["task"] == "translation"


def test_resume_generates_only_incomplete_tasks_identically(tmp_path, dataset):
    tasks = build_tasks(dataset, "generation", ["python"])[:4]
    out = tmp_path / "samples.jsonl"
    sampling = Sampling(n=3, seed=7)
    generate(CountingRunner(), tasks, sampling, out, "generation")
    complete = out.read_text()
    lines = complete.splitlines(keepends=True)
    out.write_text("".join(lines[:4]) + lines[4][:10])  # task 1 half done, torn line
    runner = CountingRunner()
    assert generate(runner, tasks, sampling, out, "generation") == 8
    assert runner.asked == ["Python/1", "Python/2", "Python/3"]
    assert sorted(out.read_text().splitlines()) == sorted(complete.splitlines())


def test_other_settings_in_the_same_folder_are_refused(tmp_path, dataset):
    tasks = build_tasks(dataset, "generation", ["python"])[:1]
    out = tmp_path / "samples.jsonl"
    generate(CountingRunner(), tasks, Sampling(n=1), out, "generation")
    with pytest.raises(InputError, match="other settings"):
        generate(CountingRunner(), tasks, Sampling(n=1, temperature=0.2), out, "generation")


def test_shards_partition_the_tasks(dataset):
    tasks = build_tasks(dataset, "generation", ["python"])
    parts = [shard(tasks, rank, 3) for rank in range(3)]
    assert sorted(t.key for part in parts for t in part) == sorted(t.key for t in tasks)
    with pytest.raises(InputError):
        shard(tasks, 3, 3)
