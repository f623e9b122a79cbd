"""Go: build the test binary as `go test -c -vet=off` would (GOPATH mode, testify), then run it.

The completion is a file of its own (solution.go) and the dataset's tests another (the test
file), so only the dataset's tests are tests: a TestMain or Test function of the completion is
an ordinary function. The test file imports the proof package (sandboxes/go/guard), whose
init reads the token before any code of the program runs; each test is wrapped to record that
it returned without failing, and TestMain reports through the guard after the last test.
gotest refuses a completion that redeclares a predeclared name (`true`, `len`, `int`, ...).

The build goes through sandboxes/go/gotest.go, which calls the compiler and linker directly.
Programs are built sixteen to a binary (`batch`), each compiled alone as a package of its
own; the link, four fifths of a program's build, is shared. Each program's tests still run in
their own process, picked by $HUMANEVAL_X_MEMBER.
"""

from __future__ import annotations

import dataclasses
import re

from humaneval_x.languages.base import LanguageSpec, Program, cut_at_last, used_packages
from humaneval_x.problem import Problem
from sandboxes.backend import Job, Member, Step, StepResult

# Standard packages a completion may use without the prompt importing them.
STD_PACKAGES = [
    "bytes", "crypto/md5", "encoding/hex", "fmt", "math", "math/rand", "regexp", "sort",
    "strconv", "strings", "time", "unicode",
]  # fmt: skip
# The compiler and linker of one small test need no garbage collection.
BUILD_ENV = {"GOGC": "off"}
GUARD = "humanevalXGuard"  # the proof package's name in the test file
TEST_PACKAGES = ["testing", "github.com/stretchr/testify/assert"]
TEST_FUNC = re.compile(r"^func (Test\w*)\(", re.M)


class Go(LanguageSpec):
    key = "go"
    task_prefix = "Go"
    display_name = "Go"
    comment = "//"
    job_cost_s = 0.3
    wrong_completion = '    panic("doctor")\n}\n'
    batch_size = 16

    def clean(self, text: str) -> str:
        text = cut_at_last(cut_at_last(text, "\n//"), "\nfunc main(")
        return super().clean(text)

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        imports = problem.extra.get("import", "")
        known = _import_paths(imports) + _import_paths(problem.extra["test_setup"]) + STD_PACKAGES
        candidates = sorted(set(known) - set(TEST_PACKAGES))
        solution = context.replace(imports, "", 1) + completion
        files = {
            "solution.go": "package main\n\n" + _import_block(solution, candidates) + solution,
            "solution_test.go": _test_file(problem, candidates),
        }
        build = ("{toolchains}/go/gotest", "-o", "main.test", ",".join(files))
        return Program(
            files={name: text + "\n" for name, text in files.items()},
            steps=(
                Step("compile", build, self.compile_timeout_s, None, BUILD_ENV, proof=True),
                Step("run", ("./main.test", "-test.v"), self.run_timeout_s, None, proof=True),
            ),
            batch_group="go",  # gotest refuses, by name, files whose initialisation runs code
        )

    def batch(self, jobs: list[Job], batch_id: str) -> Job:
        """One binary of packages p<i> (p<i>.go, p<i>_test.go); member i's run sets
        HUMANEVAL_X_MEMBER=i."""
        files, packages = {}, []
        for i, job in enumerate(jobs):
            files[f"p{i}.go"] = job.files["solution.go"]
            files[f"p{i}_test.go"] = job.files["solution_test.go"]
            packages.append(f"p{i}.go,p{i}_test.go")
        build = jobs[0].steps[0]
        build = dataclasses.replace(build, argv=(*build.argv[:-1], *packages))
        members = tuple(
            Member(job.id, (_member_run(job.steps[1], i),)) for i, job in enumerate(jobs)
        )
        return dataclasses.replace(
            jobs[0], id=batch_id, files=files, steps=(build,), binary="main.test", members=members
        )

    def blamed(self, index: int, build_output: str) -> bool:
        return f"p{index}.go:" in build_output or f"p{index}_test.go:" in build_output

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == 1 and "--- FAIL" in result.stdout_tail


def _import_block(code: str, candidates: list[str]) -> str:
    """An import block of the candidate packages that `code` uses (Go refuses unused ones)."""
    packages = used_packages(code, candidates)
    return "import (\n" + "".join(f'    "{p}"\n' for p in packages) + ")\n" if packages else ""


def _test_file(problem: Problem, candidates: list[str]) -> str:
    """The dataset's tests, each wrapped to tell the guard it ran, and a TestMain reporting."""
    tests = TEST_FUNC.findall(problem.test)
    body = TEST_FUNC.sub(r"func humanevalX\1(", problem.test)
    imports = _import_block(problem.test, candidates).replace("import (\n", "", 1)
    header = "package main\n\nimport (\n" + "".join(f'    "{p}"\n' for p in TEST_PACKAGES)
    header += imports or ")\n"
    wrappers = "".join(
        f"\nfunc {name}(t *testing.T) {{\n\thumanevalX{name}(t)\n"
        f"\tif !t.Failed() {{\n\t\t{GUARD}.Ran({index})\n\t}}\n}}\n"
        for index, name in enumerate(tests)
    )
    finish = f"\nfunc TestMain(m *testing.M) {{\n\t{GUARD}.Finish(m.Run(), {len(tests)})\n}}\n"
    guard = f'import {GUARD} "humaneval_x/guard"\n\n'
    return header + guard + body + wrappers + finish


def _member_run(run: Step, index: int) -> Step:
    """The run step of batch member `index`."""
    return dataclasses.replace(run, env={**run.env, "HUMANEVAL_X_MEMBER": str(index)})


def _import_paths(block: str) -> list[str]:
    """The quoted import paths of a Go import block."""
    return [line.split('"')[1] for line in block.splitlines() if line.count('"') >= 2]
