"""Numbers checked at the door: a bad one is one line and exit code 2, in the CLI and the API."""

from __future__ import annotations

import json

import pytest

from humaneval_x.cli import main, make_backend
from humaneval_x.compare import compare_runs, load_run
from humaneval_x.errors import InputError
from humaneval_x.evaluate import EvaluationOptions
from humaneval_x.ranges import COUNT, FRACTION, SECONDS, check
from humaneval_x.runner import Sampling
from tests.conftest import data_dir

EVALUATE = ["evaluate", "samples.jsonl", "--out", "run", "--sandbox", "local"]
GENERATE = ["generate", "--out", "s.jsonl", "--languages", "python"]


@pytest.mark.parametrize(
    "argv",
    [
        [*EVALUATE, "--workers", "-1"],
        [*EVALUATE, "--workers", "0"],
        [*EVALUATE, "--workers", "two"],
        [*EVALUATE, "--timeout", "0"],
        [*EVALUATE, "--timeout", "-3"],
        [*EVALUATE, "--timeout", "nan"],
        [*EVALUATE, "--timeout", "inf"],
        [*GENERATE, "--n", "0"],
        [*GENERATE, "--temperature", "-0.1"],
        [*GENERATE, "--top-p", "1.5"],
        [*GENERATE, "--top-k", "-1"],
        [*GENERATE, "--max-new-tokens", "0"],
        [*GENERATE, "--seed", "-1"],
        ["doctor", "--workers", "0"],
        ["compare", "a", "b", "--bootstrap-samples", "0"],
        ["compare", "a", "b", "--seed", "-2"],
    ],
)
def test_a_bad_number_is_one_line_and_exit_code_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"argument {argv[-2]}: expected" in err
    assert not (tmp_path / "run").exists()


def test_temperature_zero_without_greedy_is_refused(capsys, tmp_path):
    argv = [*GENERATE, "--temperature", "0", "--data-dir", str(data_dir())]
    assert main([*argv[:2], str(tmp_path / "s.jsonl"), *argv[3:]]) == 2
    err = capsys.readouterr().err
    assert "temperature must be > 0" in err and err.count("\n") == 1
    assert not (tmp_path / "s.jsonl").exists()


@pytest.mark.parametrize(
    "build",
    [
        lambda: EvaluationOptions(run_timeout_s=0),
        lambda: EvaluationOptions(run_timeout_s=float("nan")),
        lambda: EvaluationOptions(run_timeouts={"Python/0": -1.0}),
        lambda: Sampling(n=0),
        lambda: Sampling(top_p=2.0),
        lambda: Sampling(temperature=0.0),
        lambda: Sampling(seed=-1),
        lambda: make_backend("local", -1),
        lambda: make_backend("local", 0),
    ],
)
def test_the_python_api_checks_the_same_ranges(build):
    with pytest.raises(InputError, match=r"must be"):
        build()


def test_greedy_allows_temperature_zero():
    assert Sampling(temperature=0.0, greedy=True).temperature == 0.0


def test_compare_api_checks_bootstrap_samples(tmp_path):
    summary = {
        "schema": "humaneval-x/summary/1", "task": "generation", "groups": ["python"],
        "per_task": {"Python/0": [1, 1]}, "dataset": {}, "sampling": None,
    }  # fmt: skip
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps({**summary, "run_id": name}))
    runs = [load_run(tmp_path / "a"), load_run(tmp_path / "b")]
    with pytest.raises(InputError, match="bootstrap samples must be an integer >= 1, got 0"):
        compare_runs(runs, samples=0)


def test_ranges_say_what_they_allow():
    assert str(COUNT) == "an integer >= 1"
    assert str(SECONDS) == "a number > 0"
    assert str(FRACTION) == "a number in [0, 1]"
    assert check("x", 0.5, FRACTION) == 0.5
    with pytest.raises(InputError, match="x must be an integer >= 1, got True"):
        check("x", True, COUNT)
