"""C++: the completion and the tests are two translation units, checked, then linked.

The tests' unit (tests.cpp) is built from prompts and tests alone: their includes, then for
each problem its helpers and its test (`main` renamed) in a namespace of its own, the entry
point declared weak, and a driver that reads the token and the problem's index (argv[1]) from
`.preinit_array`, before any constructor of the completion runs, calls that problem's test and
reports `done` after it returns. No macro, overload or specialisation of the completion can
reach it; sandboxes/cpp/linkcheck.cpp refuses completion objects that could at link time, and
fails a completion that lacks its entry point as the linker would (see there).

Programs are built eight to a batch (`batch`): one tests' unit holds the eight problems' tests
(each distinct test once) and is compiled once, with the common headers precompiled; each
program then compiles its own unit, is checked and linked in a directory of its own.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import sandboxes
from humaneval_x.languages.base import LanguageSpec, Program, Verdict
from humaneval_x.problem import Problem
from sandboxes.backend import Job, Member, Step, StepResult

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
# The tests' unit, each function in a section of its own: linkcheck finds what each problem's
# test refers to by the relocations of its sections.
TESTS_BUILD = (
    "g++", *PCH_FLAGS, "-include", "{toolchains}/cpp/prelude.h", "-ffunction-sections",
    "-c", "tests.cpp", "-o", "tests.o",
)  # fmt: skip
# A program's build: its unit with the precompiled prelude, the link check, then gold (a third
# of the default linker's time). $1: the prepared toolchain folder, $2: the entry point's name,
# $3: the problem's index in the tests' unit.
BUILD = f"""set -e
g++ {" ".join(PCH_FLAGS)} -include "$1/prelude.h" {" ".join(UB_FLAGS)} -c candidate.cpp
"$1/linkcheck" candidate.o tests.o "$2" "$3"
g++ -fuse-ld=gold -o main tests.o candidate.o -lcrypto
"""
DECLARATIONS = re.compile(r"// <humaneval-x declarations>\n(.*?)// </humaneval-x", re.S)
BODY = re.compile(r"// <humaneval-x test>\n(.*?)// </humaneval-x", re.S)
DRIVER = """
namespace humaneval_x {
extern "C" long read(int, void *, unsigned long);
extern "C" long write(int, const void *, unsigned long);
static char token[128];
static unsigned long token_size;
static long selected = -1;

// Runs from .preinit_array: before any constructor, the completion's included.
static void read_token(int argc, char **argv, char **) {
    long got = 1;
    while (token_size < sizeof token && got > 0) {
        got = read(0, token + token_size, sizeof token - token_size);
        token_size += got > 0 ? got : 0;
    }
    while (token_size && (token[token_size - 1] == '\\n' || token[token_size - 1] == ' '))
        token_size--;
    if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9') {
        selected = 0;
        for (const char *c = argv[1]; *c >= '0' && *c <= '9'; c++)
            selected = selected * 10 + (*c - '0');
    }
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
    batch_size = 8

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        entry, *unit = _test_parts(problem)
        build = Step(
            "compile", ("sh", "build.sh", "{toolchains}/cpp", entry, "0"), self.compile_timeout_s,
            memory_mb=2048, proof=True,
        )  # fmt: skip
        return Program(
            files={
                "tests.cpp": _tests_unit([tuple(unit)]),
                "build.sh": BUILD,
                "candidate.cpp": context + completion + "\n",
            },
            steps=(
                Step("compile", TESTS_BUILD, self.compile_timeout_s, memory_mb=2048),
                build,
                Step("run", ("./main", "0"), self.run_timeout_s, proof=True),
            ),
            batch_group="cpp",
        )

    def batch(self, jobs: list[Job], batch_id: str) -> Job:
        """One tests' unit holding each distinct test once; member i builds against it."""
        units: list[tuple[str, str, str]] = []
        members = []
        for job in jobs:
            text = job.files["tests.cpp"]
            hoisted = text[: text.index("// <humaneval-x declarations>")]
            unit = (hoisted, DECLARATIONS.search(text).group(1), BODY.search(text).group(1))
            if unit not in units:
                units.append(unit)
            index = str(units.index(unit))
            build, run = (_select(step, index) for step in job.steps[1:])
            files = {name: job.files[name] for name in ("build.sh", "candidate.cpp")}
            members.append(Member(job.id, (build, run), files))
        return dataclasses.replace(
            jobs[0], id=batch_id, files={"tests.cpp": _tests_unit(units)},
            steps=jobs[0].steps[:1], binary="tests.o", members=tuple(members),
        )  # fmt: skip

    def classify(self, results: list[StepResult]) -> Verdict:
        verdict = super().classify(results)
        if verdict.status == "runtime_error" and results[-1].signal == SIGILL:
            return Verdict("runtime_error", detail=TRAPPED)
        return verdict

    def assertion_failed(self, result: StepResult) -> bool:
        return "Assertion" in result.stderr_tail and "failed" in result.stderr_tail


def _select(step: Step, index: str) -> Step:
    """A member's build or run step, naming its problem's index in the tests' unit."""
    return dataclasses.replace(step, argv=(*step.argv[:-1], index))


def _test_parts(problem: Problem) -> tuple[str, str, str, str]:
    """The entry point's name; the includes and `using` lines of the prompt and the test; the
    prompt's helpers (in an anonymous namespace) and the entry point's weak declaration; and
    the test, for a namespace of its own."""
    prompt = problem.prompt
    opening, boundary = _entry_opening(prompt)
    signature = prompt[boundary:opening].strip()
    entry = re.search(r"(\w+)\s*\($", signature.split("(")[0] + "(").group(1)
    hoisted, helpers, test = [], [], []
    for target, text in ((helpers, prompt[:boundary]), (test, problem.test)):
        for line in text.splitlines():
            top = line.lstrip().startswith(("#", "using "))
            (hoisted if top else target).append(line + "\n")
    declarations = (
        "namespace {\n" + "".join(helpers) + "}  // namespace\n"
        + f"__attribute__((weak)) {signature};\n"
    )  # fmt: skip
    body = "#define main humaneval_x_test_main\n" + "".join(test) + "\n#undef main\n"
    return entry, "".join(hoisted), declarations, body


def _tests_unit(units: list[tuple[str, str, str]]) -> str:
    """The tests' unit: the includes, each problem's declarations, each test in namespace
    humaneval_x_<i>, then the driver, whose main runs the test that argv[1] names."""
    hoisted = "".join(dict.fromkeys(line for unit in units for line in unit[0].splitlines(True)))
    declarations = "".join(
        f"// <humaneval-x declarations>\n{text}// </humaneval-x declarations>\n"
        for text in dict.fromkeys(unit[1] for unit in units)
    )
    bodies = "".join(
        f"namespace {{\nnamespace humaneval_x_{i} {{\n// <humaneval-x test>\n{body}"
        f"// </humaneval-x test>\n}}\n}}\n"
        for i, (_, _, body) in enumerate(units)
    )
    cases = "".join(
        f"    case {i}: humaneval_x_{i}::humaneval_x_test_main(); break;\n"
        for i in range(len(units))
    )
    return (
        hoisted + declarations + "// <humaneval-x tests>\n" + bodies + DRIVER
        + "int main() {\n    switch (humaneval_x::selected) {\n" + cases
        + "    default: return 3;\n    }\n"
        + '    humaneval_x::report("done");\n    return 0;\n}\n'
    )  # fmt: skip


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
