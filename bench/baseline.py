"""The per-sample baseline: every sample compiled and run on its own, nothing reused.

This is how CodeGeeX's own evaluator works: no deduplication, no verdict cache, and none of the
warm-toolchain tricks (C++ parses its common headers in every program and links with the default
linker, javac starts a JVM per program, Go runs the go command with vet, Rust links a static
test binary). It runs on the same job runner as the harness, so its verdicts are the reference
the optimized path must reproduce.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from humaneval_x.evaluate import EvaluationOptions, program_job, result_row
from humaneval_x.languages.cpp import BUILD, PRELUDE
from humaneval_x.samples import Sample
from sandboxes.backend import Backend, Job, Step

# What a per-sample evaluator runs for Go: the go command, vet included, in GOPATH mode (with
# the proof package that the test file imports).
GO_TEST = ("go", "test", "-c", "-o", "main.test", "solution.go", "solution_test.go")
GO_TEST_ENV = {
    "GO111MODULE": "off",
    "GOPATH": "/usr/share/gocode:{toolchains}/go/gopath",
    "GOCACHE": "{toolchains}/go/cache",  # read-only: standard packages come pre-built
    "CGO_ENABLED": "0",
}


def baseline_job(job: Job, index: int) -> Job:
    """`job` as a per-sample evaluator would run it, under an id of its own (sample `index`)."""
    files = dict(job.files)
    steps = tuple(_plain_step(step, job.language) for step in job.steps)
    if job.language == "cpp":  # the prelude parsed in each unit, the default linker
        plain = BUILD.replace(' -include "$1/prelude.h"', "").replace(" -fuse-ld=gold", "")
        files["build.sh"] = plain
        for unit in ("candidate.cpp", "tests.cpp"):
            files[unit] = PRELUDE + files[unit]
    return dataclasses.replace(job, id=f"{job.id}-{index}", files=files, steps=steps)


def _plain_step(step: Step, language: str) -> Step:
    """No compile server (a fresh javac per program), plain compiler flags, go test for Go."""
    if language == "go" and step.phase == "compile":
        return dataclasses.replace(step, argv=GO_TEST, env=dict(GO_TEST_ENV), server=())
    return dataclasses.replace(step, argv=_plain_argv(step.argv), server=())


def _plain_argv(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Without the precompiled prelude (`-include PATH`), gold, or Rust's shared libstd."""
    plain: list[str] = []
    for arg in argv:
        if plain and (plain[-1] == "-include" or (plain[-1], arg) == ("-C", "prefer-dynamic")):
            plain.pop()
        elif arg != "-fuse-ld=gold":
            plain.append(arg)
    return tuple(plain)


def run_baseline(samples: list[Sample], backend: Backend) -> Iterator[dict]:
    """Result rows of every sample, each from its own compile-and-run."""
    jobs: dict[str, tuple[Sample, str, Job]] = {}
    for index, sample in enumerate(samples):
        digest, job = program_job(sample, EvaluationOptions(progress=False))
        plain = baseline_job(job, index)
        jobs[plain.id] = (sample, digest, plain)
    backend.prepare(sorted({job.language for _, _, job in jobs.values()}))
    for verdict in backend.run([job for _, _, job in jobs.values()]):
        sample, digest, _ = jobs[verdict["id"]]
        yield result_row(sample, digest, verdict)
