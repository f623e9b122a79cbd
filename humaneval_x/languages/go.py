"""Go: build the test binary as `go test -c -vet=off` would (GOPATH mode, testify), then run it.

The build goes through sandboxes/go/gotest.go, which calls the compiler and linker directly.
"""

from __future__ import annotations

from humaneval_x.data import Problem
from humaneval_x.languages.base import (
    LanguageSpec,
    Program,
    Step,
    StepResult,
    cut_at_last,
    used_packages,
)

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
    tools = ("go",)
    install_hint = "apt-get install golang-go golang-github-stretchr-testify-dev"

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
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == 1 and "--- FAIL" in result.stdout_tail


def _import_paths(block: str) -> list[str]:
    """The quoted import paths of a Go import block."""
    return [line.split('"')[1] for line in block.splitlines() if line.count('"') >= 2]
