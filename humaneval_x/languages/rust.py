"""Rust: `rustc --test` against pre-built rand/regex/md5 crates, then run the test binary.

Programs are built sixteen to a crate, each as a module of its own (`batch`): rustc's start-up,
the crates' metadata, the test harness and the link are two thirds of a program's build. Each
program's tests still run in their own process, picked by the module path.
"""

from __future__ import annotations

import dataclasses

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Job, Member, Step, StepResult

CRATES = ("rand", "regex", "md5")
# Words that may make a program behave differently as a module of a batch crate than as a
# crate of its own (crate-level attributes, paths through the crate root or a parent, items
# global to a binary, external crates and files); programs whose own text has one are built
# alone. The tests' `use super::*` is not checked: only the prompt and the completion are.
UNBATCHABLE = (
    "#!", "crate", "super", "extern", "include", "global_allocator", "no_mangle",
    "export_name", "link", "macro_export", "path", "panic_handler",
)  # fmt: skip


class Rust(LanguageSpec):
    key = "rust"
    task_prefix = "Rust"
    display_name = "Rust"
    comment = "//"
    job_cost_s = 0.3
    wrong_completion = '    panic!("doctor");\n}\n'
    batch_size = 16

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
        batchable = not any(word in context + completion for word in UNBATCHABLE)
        return Program(
            files={"main.rs": source},
            steps=(
                Step("compile", argv, self.compile_timeout_s, memory_mb=2048),
                Step("run", ("./main", "--test-threads=1"), self.run_timeout_s),
            ),
            batch_group="rust" if batchable else "",
        )

    def batch(self, jobs: list[Job], batch_id: str) -> Job:
        """A crate with each program as module `humaneval_x_<i>` of file p<i>.rs."""
        files = {f"p{i}.rs": job.files["main.rs"] for i, job in enumerate(jobs)}
        files["main.rs"] = "".join(
            f'#[path = "p{i}.rs"]\nmod humaneval_x_{i};\n' for i in range(len(jobs))
        )
        members = tuple(
            Member(job.id, (_only_module(job.steps[1], i),)) for i, job in enumerate(jobs)
        )
        return dataclasses.replace(
            jobs[0], id=batch_id, files=files, steps=jobs[0].steps[:1], binary="main",
            members=members,
        )  # fmt: skip

    def blamed(self, index: int, build_output: str) -> bool:
        return f"p{index}.rs:" in build_output

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == 101 and "assertion" in result.stdout_tail


def _only_module(run: Step, index: int) -> Step:
    """The run step, filtered to the tests of module `humaneval_x_<index>`."""
    return dataclasses.replace(run, argv=(*run.argv, f"humaneval_x_{index}::"))
