"""The fast path gives the per-sample baseline's verdicts: canonical, wrong and broken programs."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bench.baseline import baseline_job, run_baseline
from humaneval_x.doctor import KNOWN_ANOMALIES
from humaneval_x.evaluate import EvaluationOptions, evaluate, program_job
from humaneval_x.languages import LANGUAGES, get_language
from humaneval_x.languages.cpp import BUILD, PRELUDE
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks
from sandboxes.jobrunner import compile_server
from sandboxes.local import LocalBackend
from tests.conftest import require_toolchain

BROKEN = "this is not a program }\n"  # a compile error (Python and JS: a syntax error)
OPTIONS = EvaluationOptions(progress=False)


def parity_samples(dataset, languages: list[str], every: int) -> list[Sample]:
    """Canonical, wrong and broken completions of every `every`-th problem."""
    tasks = [t for t in generation_tasks(dataset, languages) if t.problem.number % every == 0]
    return [
        Sample(task, index, text)
        for task in tasks
        for index, text in enumerate(
            (task.problem.canonical_solution, get_language(task.language).wrong_completion, BROKEN)
        )
    ]


def statuses(rows) -> dict[tuple[str, int], str]:
    return {(row["task_id"], row["completion_id"]): row["status"] for row in rows}


def compare(samples: list[Sample], tmp_path: Path) -> None:
    with LocalBackend() as backend:
        fast = statuses(evaluate(samples, tmp_path, backend, OPTIONS))
        slow = statuses(run_baseline(samples, backend))
    assert fast == slow
    assert set(fast.values()) - {"passed"}, "the wrong programs must fail"


def test_baseline_jobs_undo_every_trick(dataset) -> None:
    tasks = {t.language: t for t in generation_tasks(dataset, LANGUAGES) if t.problem.number == 0}
    for language, task in tasks.items():
        _, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
        plain = baseline_job(job, 7)
        argv = " ".join(arg for step in plain.steps for arg in step.argv)
        argv += plain.files.get("build.sh", "")
        assert plain.id == f"{job.id}-7"
        assert not any(step.server for step in plain.steps)
        assert "-include" not in argv and "prefer-dynamic" not in argv and "gold" not in argv
        assert "gotest" not in argv
        units = ("candidate.cpp", "tests.cpp") if language == "cpp" else ()
        for name, text in job.files.items():
            if name in units:
                assert plain.files[name] == PRELUDE + text
            elif name != "build.sh":
                assert plain.files[name] == text


@pytest.mark.toolchain
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_fast_path_matches_the_baseline(language: str, dataset, tmp_path: Path) -> None:
    require_toolchain(language)
    compare(parity_samples(dataset, [language], every=20), tmp_path)


# Completions that add functions `go test` treats specially. In the solution file (not a
# _test.go file) they are ordinary functions for gotest as for go test, or clash with the test
# file's own (its TestMain); they cannot add tests.
GO_EXTRAS = (
    'func TestExtra(t *testing.T) { t.Fatal("an added test fails") }',  # no testing: no build
    "func TestBad(n int) {}",  # an ordinary function
    'func ExampleWrong() {\n\tfmt.Println("hi")\n\t// Output: bye\n}',  # not an example
    "func TestMain(m int) {}",  # TestMain is declared twice: the build fails
    "func TestGeneric[T any](t T) {}",
    "func init() { _ = fmt.Sprint(1) }",  # built alone: a batch would run it for every member
    'var early = strings.Repeat("a", 3)',  # built alone too
    "var empty []int\nvar boom = empty[3]",  # an index can panic: built alone, and it does
    'var table = map[string]int{"a": 1}',  # batched: initialising it runs no code of its own
)


@pytest.mark.toolchain
def test_go_finds_the_tests_go_test_finds(dataset, tmp_path: Path) -> None:
    require_toolchain("go")
    tasks = [t for t in generation_tasks(dataset, ["go"]) if t.problem.number in (13, 53)]
    samples = [
        Sample(task, index, task.problem.canonical_solution + "\n" + extra + "\n")
        for task in tasks
        for index, extra in enumerate(GO_EXTRAS)
    ]
    wrong = (get_language("go").wrong_completion, "    return 0\n}\n")  # both return int
    samples += [Sample(task, len(GO_EXTRAS) + i, w) for task in tasks for i, w in enumerate(wrong)]
    with LocalBackend() as backend:
        fast = statuses(evaluate(samples, tmp_path, backend, OPTIONS))
        slow = statuses(run_baseline(samples, backend))
    assert fast == slow
    assert {"passed", "failed", "compile_error", "runtime_error"} <= set(fast.values())


# Rust completions that test the edges of building programs as modules of one crate. Only the
# driver test runs, so tests a completion adds do not count.
RUST_EXTRAS = (
    "",
    "#[test]\nfn added_fails() { assert_eq!(1, 2); }",
    "#[test]\nfn exits_early() { std::process::exit(0); }",
    "macro_rules! twice { ($e:expr) => { $e * 2 }; }\n#[test]\nfn macro_test() "
    "{ assert_eq!(twice!(2), 4); }",
    "fn helper() -> i32 { crate::other() }\nfn other() -> i32 { 1 }",  # built alone
    "#![allow(unused)]",  # an inner attribute here does not compile, alone or not
    "fn main() {}",  # a second main
    "this is not rust",
    "#[test]\nfn out_of_bounds() { let v: Vec<i32> = Vec::new(); let _ = v[1]; }",
)


@pytest.mark.toolchain
def test_rust_batches_give_the_verdicts_of_programs_built_alone(dataset, tmp_path: Path) -> None:
    require_toolchain("rust")
    tasks = [t for t in generation_tasks(dataset, ["rust"]) if t.problem.number in (0, 13, 27)]
    samples = [
        Sample(task, index, task.problem.canonical_solution + "\n" + extra + "\n")
        for task in tasks
        for index, extra in enumerate(RUST_EXTRAS)
    ]
    wrong = (get_language("rust").wrong_completion, "    return Default::default();\n}\n")
    first = len(RUST_EXTRAS)
    samples += [Sample(task, first + i, w) for task in tasks for i, w in enumerate(wrong)]
    with LocalBackend() as backend:
        fast = statuses(evaluate(samples, tmp_path, backend, OPTIONS))
        slow = statuses(run_baseline(samples, backend))
    assert fast == slow
    assert {"passed", "failed", "compile_error", "runtime_error"} <= set(fast.values())


@pytest.mark.toolchain
@pytest.mark.slow
def test_full_canonical_sweep_and_wrong_programs(dataset, tmp_path: Path) -> None:
    """All canonical and wrong programs: the doctor's verdicts, and the baseline's on a share."""
    languages = sorted(LANGUAGES)
    for language in languages:
        require_toolchain(language)
    tasks = generation_tasks(dataset, languages)
    samples = [Sample(t, 0, t.problem.canonical_solution) for t in tasks]
    samples += [Sample(t, 1, get_language(t.language).wrong_completion) for t in tasks]
    with LocalBackend() as backend:
        fast = statuses(evaluate(samples, tmp_path, backend, OPTIONS))
    for (task_id, index), status in fast.items():
        kind = "wrong" if index else "canonical"
        expected = (status == "passed") != (index == 1)
        assert expected or (task_id, kind) in KNOWN_ANOMALIES, (task_id, kind, status)
    share = [s for s in samples if s.task.problem.number % 10 == 3]
    with LocalBackend() as backend:
        slow = statuses(run_baseline(share, backend))
    assert {key: fast[key] for key in slow} == slow


@pytest.mark.toolchain
def test_cpp_programs_use_the_precompiled_prelude(dataset, tmp_path: Path) -> None:
    require_toolchain("cpp")
    backend = LocalBackend()
    backend.prepare(["cpp"])
    task = next(t for t in generation_tasks(dataset, ["cpp"]) if t.problem.number == 0)
    _, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
    (tmp_path / "candidate.cpp").write_text(job.files["candidate.cpp"])
    compile_line = next(line for line in BUILD.splitlines() if "candidate.cpp" in line)
    command = ["sh", "-c", compile_line + " -H", "build", f"{backend.toolchains}/cpp"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"! {backend.toolchains}/cpp/prelude.h.gch" in done.stderr


@pytest.mark.toolchain
def test_a_killed_javac_server_is_restarted_and_answers_alike(dataset) -> None:
    require_toolchain("java")
    backend = LocalBackend()
    backend.prepare(["java"])
    task = next(t for t in generation_tasks(dataset, ["java"]) if t.problem.number == 0)
    good = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)[1]
    broken = program_job(Sample(task, 1, BROKEN), OPTIONS)[1]
    toolchains = str(backend.toolchains)
    try:
        first = _serve(good, toolchains)
        assert first["exit_code"] == 0 and "humaneval_x/test/Main.class" in first["made"]
        server = next(iter(compile_server._servers.values()))
        server.process.kill()  # what a program of the same uid could do between two jobs
        server.process.wait()
        again = _serve(good, toolchains)
        assert again["exit_code"] == 0 and again["made"] == first["made"]
        failed = _serve(broken, toolchains)
        assert failed["exit_code"] == 1 and "error" in failed["stderr_tail"]
        assert failed["made"] == []
    finally:
        for key in list(compile_server._servers):
            compile_server._drop_server(key, usable=True)


def _serve(job, toolchains: str) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        started = time.monotonic()
        step = job.to_json()["steps"][0]
        result = compile_server.serve_step(step, directory, toolchains, job.files)
        assert result is not None and time.monotonic() - started < 60
        made = sorted(str(p.relative_to(directory)) for p in Path(directory).rglob("*.class"))
    return {**result, "made": made}


@pytest.mark.toolchain
def test_java_compiles_go_through_the_compile_server(dataset, tmp_path: Path) -> None:
    """In the job runner as it really runs (isolated workers, the server under a uid of its
    own), a Java build is answered by the compile server, not a javac process."""
    require_toolchain("java")
    task = next(t for t in generation_tasks(dataset, ["java"]) if t.problem.number == 0)
    _, job = program_job(Sample(task, 0, task.problem.canonical_solution), OPTIONS)
    with LocalBackend(workers=1) as backend:
        backend.prepare(["java"])
        verdicts = list(backend.run([job, replace(job, id="again")]))
    assert [verdict["steps"][0].get("served") for verdict in verdicts] == [True, True]
