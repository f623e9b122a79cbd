"""The verdict cache: keys, identity, and a run that reuses verdicts instead of running again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

from humaneval_x.cache import VerdictCache
from humaneval_x.evaluate import EvaluationOptions, evaluate, judge_jobs, schedule
from humaneval_x.problem import Problem
from humaneval_x.samples import Sample
from humaneval_x.tasks import Task
from sandboxes.backend import Backend, Job, Step

SANDBOX = {"backend": "fake", "images": {}, "toolchains": {"python": "Python 3"}}
PASSED = {  # a run whose driver reported the end of its tests (the proof channel)
    "phase": "run", "exit_code": 0, "signal": None, "timed_out": False, "duration_s": 0.1,
    "events": [["done", ""]],
}  # fmt: skip


class FakeBackend(Backend):
    """Answers every job as passed, or with a sandbox error; remembers what it ran."""

    name = "fake"

    def __init__(self, error: str | None = None) -> None:
        self.ran: list[str] = []
        self.error = error

    def prepare(self, languages: Iterable[str]) -> None:
        pass

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        for job in jobs:
            self.ran.append(job.id)
            steps = [] if self.error else [PASSED]
            yield {"id": job.id, "steps": steps, "error": self.error}

    def describe(self) -> dict:
        return SANDBOX


def job(text: str = "print(1)", language: str = "python") -> Job:
    steps = (Step("run", ("python3", "main.py"), 10),)
    return Job(id=f"id-{text}", language=language, files={"main.py": text}, steps=steps)


def samples(completions: list[str]) -> list[Sample]:
    problem = Problem("Python/0", "python", "def f():\n", "", "", "check()\n")
    task = Task(problem=problem, source=None, prompt=problem.prompt)
    return [Sample(task, index, text) for index, text in enumerate(completions)]


def test_a_stored_verdict_comes_back_under_the_jobs_id(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    assert cache.get(job()) is None
    cache.put(job(), [{"id": "other", "steps": [PASSED], "error": None}])
    stored = {"id": "id-print(1)", "steps": [PASSED], "error": None, "repeats": 1}
    assert cache.get(job()) == stored


def test_a_verdict_is_stored_only_when_its_repeats_agree(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    failed = {**PASSED, "exit_code": 1}
    cache.put(job(), [{"steps": [PASSED], "error": None}, {"steps": [failed], "error": None}])
    assert cache.get(job()) is None
    cache.put(job(), [{"steps": [PASSED], "error": None}] * 3)
    assert cache.get(job(), repeats=3)["repeats"] == 3
    assert cache.get(job(), repeats=4) is None  # held three times: not enough for four


def test_a_timeout_that_did_not_get_its_cpu_time_is_not_stored(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    starved = {**PASSED, "exit_code": None, "timed_out": True, "limit_s": 10.0, "cpu_s": 0.5}
    cache.put(job(), [{"steps": [starved], "error": None}])
    assert cache.get(job()) is None
    spent = {**starved, "cpu_s": 9.9}
    cache.put(job(), [{"steps": [spent], "error": None}])
    assert cache.get(job()) is not None


def test_the_key_covers_the_program_and_the_sandbox(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    assert cache.key(job()) == VerdictCache(tmp_path, dict(SANDBOX)).key(job())
    assert cache.key(job()) != cache.key(job("print(2)"))
    slower = dataclasses.replace(job(), steps=(dataclasses.replace(job().steps[0], timeout_s=5),))
    assert cache.key(job()) != cache.key(slower)
    other_toolchain = {**SANDBOX, "toolchains": {"python": "Python 4"}}
    assert cache.key(job()) != VerdictCache(tmp_path, other_toolchain).key(job())
    other_image = {**SANDBOX, "images": {"python": {"id": "sha256:1"}}}
    assert cache.key(job()) != VerdictCache(tmp_path, other_image).key(job())


def test_sandbox_errors_are_not_stored(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    cache.put(job(), [{"id": job().id, "steps": [], "error": "job runner exited (1)"}])
    assert cache.get(job()) is None


def test_judge_jobs_runs_only_what_the_cache_lacks(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, SANDBOX)
    first = FakeBackend()
    assert len(list(judge_jobs([job("a"), job("b")], first, cache))) == 2
    second = FakeBackend()
    verdicts = list(judge_jobs([job("a"), job("b"), job("c")], second, cache))
    assert second.ran == ["id-c"]
    assert sorted(v["id"] for v in verdicts) == ["id-a", "id-b", "id-c"]


def test_a_second_run_reuses_verdicts_and_no_cache_runs_again(tmp_path: Path) -> None:
    options = EvaluationOptions(progress=False, cache_dir=tmp_path / "cache")
    texts = ["    return 1\n", "    return 1\n", "    return 2\n"]
    first = FakeBackend()
    rows = evaluate(samples(texts), tmp_path / "run1", first, options)
    assert len(first.ran) == 2  # identical programs are judged once
    assert len(rows) == 3 and len({row["program_sha256"] for row in rows}) == 2
    second = FakeBackend()
    again = evaluate(samples(texts), tmp_path / "run2", second, options)
    assert second.ran == [] and [r["status"] for r in again] == [r["status"] for r in rows]
    uncached = FakeBackend()
    evaluate(samples(texts), tmp_path / "run3", uncached, EvaluationOptions(progress=False))
    assert len(uncached.ran) == 2


def test_a_sandbox_error_is_retried_in_the_next_run(tmp_path: Path) -> None:
    options = EvaluationOptions(progress=False, cache_dir=tmp_path / "cache")
    evaluate(samples(["    return 1\n"]), tmp_path / "run1", FakeBackend("lost"), options)
    retry = FakeBackend()
    evaluate(samples(["    return 1\n"]), tmp_path / "run2", retry, options)
    assert len(retry.ran) == 1


def test_per_task_run_timeouts_reach_the_run_step(tmp_path: Path) -> None:
    backend = FakeBackend()
    options = EvaluationOptions(progress=False, run_timeouts={"Python/0": 4.5})
    captured: list[Job] = []
    backend.run = lambda jobs: (captured.extend(jobs), FakeBackend.run(backend, jobs))[1]
    evaluate(samples(["    return 1\n"]), tmp_path / "run", backend, options)
    assert [step.timeout_s for step in captured[0].steps if step.phase == "run"] == [4.5]


def test_schedule_puts_slow_languages_and_long_sources_first() -> None:
    jobs = [job("x", "python"), job("y" * 9000, "cpp"), job("z", "cpp"), job("w", "java")]
    order = [(j.language, len(j.files["main.py"])) for j in schedule(jobs)]
    assert order == [("cpp", 9000), ("cpp", 1), ("java", 1), ("python", 1)]
