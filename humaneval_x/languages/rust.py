"""Rust: `rustc --test` against pre-built rand/regex/md5 crates, then run the test binary."""

from __future__ import annotations

from humaneval_x.data import Problem
from humaneval_x.languages.base import LanguageSpec, Program, Step, StepResult

CRATES = ("rand", "regex", "md5")


class Rust(LanguageSpec):
    key = "rust"
    task_prefix = "Rust"
    display_name = "Rust"
    comment = "//"
    tools = ("rustc", "cargo")
    install_hint = "apt-get install rustc cargo librust-regex-dev librust-md5-dev"

    def generation_context(self, problem: Problem) -> str:
        return problem.prompt + problem.declaration

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        source = context + completion + "\n" + problem.test + "\n"
        deps = "{toolchains}/rust"
        externs = [
            arg for crate in CRATES for arg in ("--extern", f"{crate}={deps}/lib{crate}.rlib")
        ]
        argv = (
            "rustc", "--test", "--edition", "2021", "-A", "warnings", "-C", "debuginfo=0",
            "-C", "prefer-dynamic",  # links libstd.so: half the time of a static test binary
            "-L", f"dependency={deps}", *externs, "-o", "main", "main.rs",
        )  # fmt: skip
        return Program(
            files={"main.rs": source},
            steps=(
                Step("compile", argv, self.compile_timeout_s, memory_mb=2048),
                Step("run", ("./main", "--test-threads=1"), self.run_timeout_s),
            ),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == 101 and "assertion" in result.stdout_tail
