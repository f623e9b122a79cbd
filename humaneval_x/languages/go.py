"""Go: build the test binary as `go test -c -vet=off` would (GOPATH mode, testify), then run it.

The build goes through sandboxes/go/gotest.go, which calls the compiler and linker directly.
Programs are built sixteen to a binary (`batch`), each compiled alone as a package of its
own; the link, four fifths of a program's build, is shared. Each program's tests still run in
their own process, picked by $HUMANEVAL_X_MEMBER.
"""

from __future__ import annotations

import dataclasses

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
        body = context.replace(imports, "", 1) + completion + "\n" + problem.test
        setup = problem.extra["test_setup"]
        candidates = (set(_import_paths(imports)) | set(STD_PACKAGES)) - set(_import_paths(setup))
        packages = used_packages(body, sorted(candidates))
        import_block = "import (\n" + "".join(f'    "{p}"\n' for p in packages) + ")\n"
        source = problem.extra["test_setup"] + "\n" + (import_block if packages else "") + body
        return Program(
            files={"main_test.go": source + "\n"},
            steps=(
                Step(
                    "compile",
                    ("{toolchains}/go/gotest", "-o", "main.test", "main_test.go"),
                    self.compile_timeout_s,
                    memory_mb=None,
                    env=BUILD_ENV,
                ),
                Step("run", ("./main.test", "-test.v"), self.run_timeout_s, None),
            ),
            batch_group="go",  # gotest refuses, by name, files whose initialisation runs code
        )

    def batch(self, jobs: list[Job], batch_id: str) -> Job:
        """One binary of files p<i>_test.go; member i's run sets HUMANEVAL_X_MEMBER=i."""
        files = {f"p{i}_test.go": job.files["main_test.go"] for i, job in enumerate(jobs)}
        build = jobs[0].steps[0]
        build = dataclasses.replace(build, argv=(*build.argv[:-1], *files))
        members = tuple(
            Member(job.id, (_member_run(job.steps[1], i),)) for i, job in enumerate(jobs)
        )
        return dataclasses.replace(
            jobs[0], id=batch_id, files=files, steps=(build,), binary="main.test", members=members
        )

    def blamed(self, index: int, build_output: str) -> bool:
        return f"p{index}_test.go:" in build_output

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == 1 and "--- FAIL" in result.stdout_tail


def _member_run(run: Step, index: int) -> Step:
    """The run step of batch member `index`."""
    return dataclasses.replace(run, env={**run.env, "HUMANEVAL_X_MEMBER": str(index)})


def _import_paths(block: str) -> list[str]:
    """The quoted import paths of a Go import block."""
    return [line.split('"')[1] for line in block.splitlines() if line.count('"') >= 2]
