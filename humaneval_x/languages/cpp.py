"""C++: g++ with Boost and OpenSSL available, then run the binary."""

from __future__ import annotations

from humaneval_x.data import Problem
from humaneval_x.languages.base import LanguageSpec, Program, Step, StepResult

# Headers the HumanEval-X C++ tests and typical completions rely on without including them.
COMMON_HEADERS = (
    "algorithm", "climits", "cmath", "cstdlib", "cstring", "iostream", "map",
    "math.h", "numeric", "set", "stdio.h", "stdlib.h", "string", "vector",
)  # fmt: skip
PRELUDE = "".join(f"#include<{header}>\n" for header in COMMON_HEADERS)


class Cpp(LanguageSpec):
    key = "cpp"
    task_prefix = "CPP"
    display_name = "C++"
    comment = "//"
    tools = ("g++",)
    install_hint = "apt-get install g++ libboost-dev libssl-dev"

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        source = PRELUDE + context + completion + "\n" + problem.test + "\n"
        compile_argv = ("g++", "-std=c++17", "-O0", "-o", "main", "main.cpp", "-lcrypto")
        return Program(
            files={"main.cpp": source},
            steps=(
                Step("compile", compile_argv, self.compile_timeout_s, memory_mb=2048),
                Step("run", ("./main",), self.run_timeout_s),
            ),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return "Assertion" in result.stderr_tail and "failed" in result.stderr_tail
