"""The runner on the tiny random model: options, completions, seeds."""

from __future__ import annotations

import argparse
import json

import pytest

from humaneval_x.errors import InputError
from humaneval_x.plugins import runner_factory
from humaneval_x.problem import Problem
from humaneval_x.runner import Sampling
from humaneval_x.tasks import Task
from runners.codegeex.options import Options
from runners.codegeex.runner import CodeGeeXRunner
from tests.codegeex.conftest import tiny_model_args

FINISHES = {"eos", "stop_rule", "length"}


def task(number: int, language: str = "cpp") -> Task:
    prefix = {"cpp": "CPP", "python": "Python"}[language]
    problem = Problem(f"{prefix}/{number}", language, "int f(int x) {\n", "", "", "")
    return Task(problem, None, f"// language: C++\nint f{number}(int x) {{\n")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    runner_factory("codegeex").add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def runner(tiny_checkpoint, tokenizer_path) -> CodeGeeXRunner:
    args = parse(tiny_model_args(tiny_checkpoint, tokenizer_path, batch_size=2))
    return runner_factory("codegeex").from_args(args)


def test_generate_yields_n_cleaned_completions(runner):
    tasks = [task(1), task(2)]
    sampling = Sampling(n=2, temperature=1.0, top_p=0.95, max_new_tokens=5, seed=1)
    results = list(runner.generate(tasks, sampling))
    assert [t.key for t, _ in results] == ["CPP/1", "CPP/2"]
    for _, completions in results:
        assert len(completions) == 2
        assert all(c.finish in FINISHES for c in completions)
    again = list(runner.generate(tasks[::-1], sampling))
    assert dict((t.key, c) for t, c in again) == dict((t.key, c) for t, c in results)
    other_seed = list(
        runner.generate(tasks, Sampling(n=2, temperature=1.0, max_new_tokens=5, seed=2))
    )
    assert other_seed != results


def test_describe(runner, tiny_checkpoint):
    info = runner.describe()
    assert info["runner"] == "codegeex" and info["checkpoint"] == tiny_checkpoint.name
    assert "/" not in json.dumps(info)  # published: names, never local paths
    assert len(info["checkpoint_sha256"]) == 64


def test_device_id_from_environment(monkeypatch):
    args = parse(["--checkpoint", "x", "--tokenizer", "y", "--device-id", "env"])
    monkeypatch.delenv("DEVICE_ID", raising=False)
    with pytest.raises(InputError, match="DEVICE_ID"):
        runner_factory("codegeex").from_args(args)


@pytest.mark.parametrize("bad", [dict(device="tpu"), dict(batch_size=0), dict(mode="eager")])
def test_bad_options(bad):
    with pytest.raises(InputError):
        Options(checkpoint="c", tokenizer="t", **bad)


def test_missing_paths_are_reported():
    with pytest.raises(InputError, match="--checkpoint"):
        runner_factory("codegeex").from_args(parse([]))
