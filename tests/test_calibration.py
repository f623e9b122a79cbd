"""Calibrated run-time limits: a floor plus a multiple of the canonical run time, cached."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from humaneval_x.calibration import FLOOR_S, MULTIPLE, calibrated_timeouts, limit_for
from humaneval_x.cli import main
from humaneval_x.outputs import read_outputs
from sandboxes.backend import Backend, Job
from tests.conftest import data_dir, require_toolchain


class TimedBackend(Backend):
    """Every canonical run takes 0.5 s, except that Python/1 times out."""

    name = "timed"

    def __init__(self, toolchain: str = "1") -> None:
        self.runs = 0
        self.toolchain = toolchain

    def prepare(self, languages: Iterable[str]) -> None:
        pass

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        for job in jobs:
            self.runs += 1
            slow = "def fib4" in job.files["candidate.py"]  # Python/46
            step = {"phase": "run", "exit_code": None if slow else 0, "signal": None,
                    "timed_out": slow, "duration_s": 10.0 if slow else 0.5}  # fmt: skip
            yield {"id": job.id, "steps": [step], "error": None}

    def describe(self) -> dict:
        return {"backend": self.name, "images": {}, "toolchains": {"python": self.toolchain}}


def test_limit_is_a_floor_plus_a_multiple() -> None:
    assert limit_for(0.0) == FLOOR_S
    assert limit_for(0.5) == FLOOR_S + MULTIPLE * 0.5


def test_limits_are_measured_once_per_sandbox(dataset, tmp_path: Path) -> None:
    backend = TimedBackend()
    timeouts = calibrated_timeouts(dataset, backend, ["python"], tmp_path)
    assert len(timeouts) == len(dataset.problems["python"]) == backend.runs
    assert timeouts["Python/0"] == limit_for(0.5)
    assert timeouts["Python/46"] == 10.0  # a canonical timeout keeps the language default
    assert calibrated_timeouts(dataset, backend, ["python"], tmp_path) == timeouts
    assert backend.runs == len(timeouts)  # read from the cache
    other = TimedBackend(toolchain="2")
    calibrated_timeouts(dataset, other, ["python"], tmp_path)
    assert other.runs == len(timeouts)  # another toolchain is measured afresh


def test_only_the_problems_asked_for_are_measured(dataset, tmp_path: Path) -> None:
    backend = TimedBackend()
    some = calibrated_timeouts(dataset, backend, ["python"], tmp_path, {"Python/0", "Python/1"})
    assert set(some) == {"Python/0", "Python/1"} and backend.runs == 2
    every = calibrated_timeouts(dataset, backend, ["python"], tmp_path)
    assert backend.runs == len(every) == len(dataset.problems["python"])  # each measured once
    assert every["Python/0"] == some["Python/0"]


@pytest.mark.toolchain
def test_evaluate_calibrates_by_default_and_timeout_overrides(tmp_path: Path) -> None:
    require_toolchain("python")
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "Python/53", "generation": "    return x + y\n"}))

    def run_limit(run: str, *extra: str) -> float:
        argv = ["evaluate", str(samples), "--out", str(tmp_path / run), "--sandbox", "local",
                "--languages", "python", "--data-dir", str(data_dir()), "--no-progress",
                "--no-cache", *extra]  # fmt: skip
        assert main(argv) == 0
        (output,) = read_outputs(tmp_path / run).values()
        return next(limit["timeout_s"] for limit in output["limits"] if limit["phase"] == "run")

    calibrated = run_limit("default")
    assert FLOOR_S <= calibrated < 10.0  # 10 s: Python's own limit, which --no-calibrate keeps
    assert run_limit("timeout", "--timeout", "5") == 5.0
    assert run_limit("fixed", "--no-calibrate") == 10.0
