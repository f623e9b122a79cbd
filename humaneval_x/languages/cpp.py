"""C++: g++ with Boost and OpenSSL available, then run the binary."""

from __future__ import annotations

from pathlib import Path

import sandboxes
from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

# Headers the tests and typical completions rely on without including them, as the first
# include of every program; prepare.sh precompiles it with the same flags (PCH_FLAGS).
PRELUDE_FILE = Path(sandboxes.__file__).with_name("cpp") / "prelude.h"
PRELUDE = PRELUDE_FILE.read_text(encoding="utf-8")
PCH_FLAGS = ("-std=c++17", "-O0")


class Cpp(LanguageSpec):
    key = "cpp"
    task_prefix = "CPP"
    display_name = "C++"
    comment = "//"
    job_cost_s = 0.4
    wrong_completion = "    throw 1;\n}\n"

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        source = context + completion + "\n" + problem.test + "\n"
        prelude = ("-include", "{toolchains}/cpp/prelude.h")
        gold = "-fuse-ld=gold"  # a third of the default linker's time for the same binary
        compile_argv = ("g++", *PCH_FLAGS, *prelude, gold, "-o", "main", "main.cpp", "-lcrypto")
        return Program(
            files={"main.cpp": source},
            steps=(
                Step("compile", compile_argv, self.compile_timeout_s, memory_mb=2048),
                Step("run", ("./main",), self.run_timeout_s),
            ),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return "Assertion" in result.stderr_tail and "failed" in result.stderr_tail
