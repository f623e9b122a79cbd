"""--limit and --task-ids: a few problems of each language, or named ones."""

from __future__ import annotations

import json

import pytest

from humaneval_x.cli import main
from humaneval_x.selection import parse_selection
from humaneval_x.tasks import build_tasks
from tests.conftest import data_dir


def task_ids(path) -> list[str]:
    return [json.loads(line)["task_id"] for line in path.read_text().splitlines()]


def test_limit_keeps_the_first_problems_of_each_language(dataset):
    selection = parse_selection(2, None, dataset)
    tasks = build_tasks(dataset, "generation", ["python", "go"])
    assert [t.task_id for t in tasks if selection.keeps(t)] == [
        "Python/0",
        "Python/1",
        "Go/0",
        "Go/1",
    ]


def test_task_ids_name_problems_or_translation_keys(dataset):
    tasks = build_tasks(dataset, "translation", ["python", "cpp", "java"], "all")
    by_target = parse_selection(None, "CPP/3", dataset)
    assert sorted(t.key for t in tasks if by_target.keeps(t)) == [
        "Java/3->CPP/3",
        "Python/3->CPP/3",
    ]
    by_key = parse_selection(5, " Java/3->CPP/3 ,", dataset)
    assert [t.key for t in tasks if by_key.keeps(t)] == ["Java/3->CPP/3"]
    assert [t.key for t in tasks if parse_selection(3, "Java/3->CPP/3", dataset).keeps(t)] == []


@pytest.mark.parametrize(
    "extra, expected",
    [(["--limit", "2"], ["Python/0", "Python/1", "JavaScript/0", "JavaScript/1"]),
     (["--task-ids", "JavaScript/7,Python/3"], ["Python/3", "JavaScript/7"])],
)  # fmt: skip
def test_generate_writes_only_the_selection(tmp_path, extra, expected):
    out = tmp_path / "samples.jsonl"
    argv = ["generate", "--languages", "python,js", "--data-dir", str(data_dir()),
            "--no-progress", "--out", str(out), *extra]  # fmt: skip
    assert main(argv) == 0
    assert task_ids(out) == expected
