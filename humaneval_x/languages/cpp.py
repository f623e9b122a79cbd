"""C++: the completion and the tests are two translation units, checked, then linked.

The tests' unit (test.cpp) is built from the prompt alone: its includes, its helpers in an
anonymous namespace, the entry point's declaration, the dataset's test with its `main`
renamed, and a driver that reads the token from `.preinit_array` (before any constructor of
the completion runs) and reports `done` after the test's main returns. No macro, overload or
specialisation of the completion can reach it; sandboxes/cpp/linkcheck.cpp refuses completion
objects that could at link time (see there). g++ runs with the common headers precompiled.
"""

from __future__ import annotations

import re
from pathlib import Path

import sandboxes
from humaneval_x.languages.base import LanguageSpec, Program, Verdict
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

# Headers the tests and typical completions rely on without including them, as the first
# include of every program; prepare.sh precompiles it with the same flags (PCH_FLAGS).
PRELUDE_FILE = Path(sandboxes.__file__).with_name("cpp") / "prelude.h"
PRELUDE = PRELUDE_FILE.read_text(encoding="utf-8")
PCH_FLAGS = ("-std=c++17", "-O0")
# Undefined behaviour that would decide a test by chance becomes a verdict of its own: reaching
# the end of a value-returning function (or __builtin_unreachable) executes a trap instruction
# (no runtime library needed), and locals read before being written hold zero, not whatever
# the stack held. Costs and effects measured in docs/performance.md.
UB_FLAGS = (
    "-fsanitize=return,unreachable", "-fsanitize-undefined-trap-on-error",
    "-ftrivial-auto-var-init=zero",
)  # fmt: skip
SIGILL = 4  # what the trap raises
TRAPPED = "undefined behaviour stopped at run time (e.g. the end of a value-returning function)"
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
# The build: both units with the precompiled prelude, the link check, then gold (a third of the
# default linker's time). $1: the prepared toolchain folder, $2: the entry point's name.
BUILD = f"""set -e
g++ {" ".join(PCH_FLAGS)} -include "$1/prelude.h" {" ".join(UB_FLAGS)} -c candidate.cpp
g++ {" ".join(PCH_FLAGS)} -include "$1/prelude.h" -c test.cpp
"$1/linkcheck" candidate.o test.o "$2"
g++ -fuse-ld=gold -o main test.o candidate.o -lcrypto
"""
DRIVER = """
namespace humaneval_x {
extern "C" long read(int, void *, unsigned long);
extern "C" long write(int, const void *, unsigned long);
static char token[128];
static unsigned long token_size;

// Runs from .preinit_array: before any constructor, the completion's included.
static void read_token(int, char **, char **) {
    long got = 1;
    while (token_size < sizeof token && got > 0) {
        got = read(0, token + token_size, sizeof token - token_size);
        token_size += got > 0 ? got : 0;
    }
    while (token_size && (token[token_size - 1] == '\\n' || token[token_size - 1] == ' '))
        token_size--;
}
__attribute__((section(".preinit_array"), used))
static void (*read_token_first)(int, char **, char **) = read_token;

static void report(const char *event) {
    char line[256] = "\\nHUMANEVAL_X ";
    unsigned long size = 13;
    for (unsigned long i = 0; i < token_size && size < 200; i++) line[size++] = token[i];
    line[size++] = ' ';
    for (const char *c = event; *c && size < 254; c++) line[size++] = *c;
    line[size++] = '\\n';
    write(1, line, size);
}
}  // namespace humaneval_x
"""


class Cpp(LanguageSpec):
    key = "cpp"
    task_prefix = "CPP"
    display_name = "C++"
    comment = "//"
    job_cost_s = 0.4
    wrong_completion = "    throw 1;\n}\n"

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        entry, test_unit = _test_unit(problem)
        files = {
            "build.sh": BUILD,
            "candidate.cpp": context + completion + "\n",
            "test.cpp": test_unit,
        }
        build = ("sh", "build.sh", "{toolchains}/cpp", entry)
        return Program(
            files=files,
            steps=(
                Step("compile", build, self.compile_timeout_s, memory_mb=2048, proof=True),
                Step("run", ("./main",), self.run_timeout_s, proof=True),
            ),
        )

    def classify(self, results: list[StepResult]) -> Verdict:
        verdict = super().classify(results)
        if verdict.status == "runtime_error" and results[-1].signal == SIGILL:
            return Verdict("runtime_error", detail=TRAPPED)
        return verdict

    def assertion_failed(self, result: StepResult) -> bool:
        return "Assertion" in result.stderr_tail and "failed" in result.stderr_tail


def _test_unit(problem: Problem) -> tuple[str, str]:
    """The entry point's name, and the tests' translation unit."""
    prompt = problem.prompt
    opening, boundary = _entry_opening(prompt)
    signature = prompt[boundary:opening].strip()
    entry = re.search(r"(\w+)\s*\($", signature.split("(")[0] + "(").group(1)
    hoisted, helpers = [], []
    for line in prompt[:boundary].splitlines():
        target = hoisted if line.lstrip().startswith(("#", "using ")) else helpers
        target.append(line + "\n")
    return entry, (
        "".join(hoisted)
        + "namespace {\n"
        + "".join(helpers)
        + "}  // namespace\n"
        + signature
        + ";\n"
        + DRIVER
        + "#define main humaneval_x_test_main\n"
        + problem.test
        + "\n#undef main\n"
        + 'int main() {\n    humaneval_x_test_main();\n    humaneval_x::report("done");\n'
        + "    return 0;\n}\n"
    )


def _entry_opening(prompt: str) -> tuple[int, int]:
    """Where the entry point's body opens (its last top-level `{`), and where its signature
    starts (after the last top-level `;`, `}` or preprocessor line before that)."""
    clean = COMMENT.sub(lambda m: " " * len(m.group()), prompt)
    depth, opening, boundary, last_boundary = 0, -1, 0, 0
    for index, char in enumerate(clean):
        if char == "{":
            if depth == 0:
                opening, boundary = index, last_boundary
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                last_boundary = index + 1
        elif depth == 0 and (char == ";" or (char == "\n" and _directive_before(clean, index))):
            last_boundary = index + 1
    return opening, boundary


def _directive_before(text: str, newline: int) -> bool:
    line_start = text.rfind("\n", 0, newline) + 1
    return text[line_start:newline].lstrip().startswith("#")
