"""Calibrated run-time limits: a floor plus a multiple of the canonical run time, cached."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from humaneval_x.calibration import FLOOR_S, MULTIPLE, calibrated_timeouts, limit_for
from sandboxes.backend import Backend, Job


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
            slow = "def fib4" in job.files["main.py"]  # Python/46
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
