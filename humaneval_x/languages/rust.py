"""Rust: `rustc --test` against pre-built rand/regex/md5 crates, then run one driver test.

The dataset's tests live in a module of their own, `humaneval_x_test`, declared before the
completion (so none of its macros is in scope there) whose names are its own: the prompt's
`use` lines, and for each function the tests call, a wrapper with the signature the dataset
gives it, so a completion that shadows `String` or `Vec` gets a type error instead of its own
`PartialEq`. A driver test, the only test the run selects (`--exact`), hands the dataset's tests
to the prepared crate humaneval_x_driver (sandboxes/rust/), which reads the token, calls each
test and reports `done` after the last one. Attributes that give symbols
a name of their choosing or place code in other sections (`no_mangle`, `link_section`, `asm!`)
could run code before the driver or interpose the C library; programs using them are refused.

Programs are built sixteen to a crate, each as a module of its own (`batch`): rustc's start-up,
the crates' metadata, the test harness and the link are two thirds of a program's build. Each
program's driver still runs in its own process.
"""

from __future__ import annotations

import dataclasses
import re

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Job, Member, Step, StepResult

CRATES = ("rand", "regex", "md5", "humaneval_x_driver")  # the last: sandboxes/rust/
# Words that may make a program behave differently as a module of a batch crate than as a
# crate of its own (crate-level attributes, paths through the crate root or a parent, items
# global to a binary, external crates and files); programs whose own text has one are built
# alone. The tests are not checked: only the prompt and the completion are.
UNBATCHABLE = (
    "#!", "crate", "super", "extern", "include", "global_allocator", "no_mangle",
    "export_name", "link", "macro_export", "path", "panic_handler",
)  # fmt: skip
# Words of the completion that are refused as tampering (see the module docstring).
FORBIDDEN = ("no_mangle", "export_name", "link_section", "link_name", "asm!", "naked")
TEST_MODULE = "humaneval_x_test"
DRIVER_TEST = f"{TEST_MODULE}::tests::humaneval_x_driver"
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
ITEM = re.compile(r"\b(fn|enum|struct|type|trait|const|static)\s+(\w+)")
TESTS_MODULE = re.compile(r"\bmod\s+tests\s*\{")
TEST_FN = re.compile(r"#\[test\]\s*fn\s+(\w+)")


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
        forbidden = [word for word in FORBIDDEN if word in completion]
        if forbidden:
            return _refused(f"the completion uses {forbidden[0]!r}")
        source = _test_module(problem) + context + completion + "\n"
        deps = "{toolchains}/rust"
        externs = [
            arg for crate in CRATES for arg in ("--extern", f"{crate}={deps}/lib{crate}.rlib")
        ]
        argv = (
            "rustc", "--test", "--edition", "2021", "-A", "warnings", "-C", "debuginfo=0",
            "-C", "prefer-dynamic",  # links libstd.so: half the time of a static test binary
            "-L", f"dependency={deps}", *externs, "-o", "main", "main.rs",
        )  # fmt: skip
        run = ("./main", "--test-threads=1", "--nocapture", "--exact", DRIVER_TEST)
        batchable = not any(word in context + completion for word in UNBATCHABLE)
        return Program(
            files={"main.rs": source},
            steps=(
                Step("compile", argv, self.compile_timeout_s, memory_mb=2048),
                Step("run", run, self.run_timeout_s, proof=True),
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
        return result.exit_code == 101 and "assertion" in result.stdout_tail + result.stderr_tail


def _only_module(run: Step, index: int) -> Step:
    """The run step, selecting the driver test of module `humaneval_x_<index>` only."""
    return dataclasses.replace(run, argv=(*run.argv[:-1], f"humaneval_x_{index}::{DRIVER_TEST}"))


def _refused(reason: str) -> Program:
    """A program whose build only reports, through the proof channel, why it was refused."""
    script = f'read token; printf "\\nHUMANEVAL_X %s tamper %s\\n" "$token" "{reason}"; exit 1'
    step = Step("compile", ("sh", "-c", script), 10.0, proof=True)
    return Program(files={}, steps=(step,))


def _test_module(problem: Problem) -> str:
    """The module that holds the dataset's tests, before the completion's code."""
    declaration = COMMENT.sub(lambda m: " " * len(m.group()), problem.declaration)
    uses = "".join(line + "\n" for line in declaration.splitlines() if line.startswith("use "))
    entry = _signatures(problem.declaration)[-1]
    test = COMMENT.sub(lambda m: " " * len(m.group()), problem.test)
    canonical = dict(_signatures(problem.canonical_solution))
    declared = {name for _, name in ITEM.findall(declaration)}
    wrappers, imports = [_wrapper(*entry)], []
    for kind, name in ITEM.findall(problem.canonical_solution):
        if name in declared or not re.search(rf"\b{name}\b", test):
            continue
        if kind == "fn" and name in canonical:
            wrappers.append(_wrapper(name, canonical[name]))
        else:
            imports.append(f"    #[allow(unused_imports)]\n    use super::{name};\n")
    return (
        f"mod {TEST_MODULE} {{\n{uses}{''.join(imports)}{''.join(wrappers)}"
        f"{_with_driver(problem.test, TEST_FN.findall(test))}\n}}\n"
    )


def _signatures(code: str) -> list[tuple[str, str]]:
    """(name, `<generics>(params) -> returns`) of each `fn` of `code`, in order."""
    found = []
    clean = COMMENT.sub(lambda m: " " * len(m.group()), code)
    for match in re.finditer(r"\bfn\s+(\w+)\s*", clean):
        end = clean.find("{", match.end())
        found.append((match.group(1), clean[match.end() : end].strip()))
    return found


def _wrapper(name: str, signature: str) -> str:
    """`fn name<...>(a0: T0, ...) -> R { super::name(a0, ...) }`: the dataset's types, pinned."""
    generics, _, rest = signature.partition("(")
    params, _, returns = rest.rpartition(")")
    types = [_param_type(part) for part in _top_level(params, ",") if part.strip()]
    args = ", ".join(f"a{i}" for i in range(len(types)))
    typed = ", ".join(f"a{i}: {kind}" for i, kind in enumerate(types))
    return (
        f"    #[allow(dead_code)]\n    fn {name}{generics.strip()}({typed}) {returns.strip()} "
        f"{{\n        super::{name}({args})\n    }}\n"
    )


def _param_type(param: str) -> str:
    return _top_level(param, ":", limit=1)[1].strip()


def _top_level(text: str, separator: str, limit: int = -1) -> list[str]:
    """Split `text` at `separator` outside brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += char in "<([" and 1 or char in ">)]" and -1 or 0
        if char == separator and depth == 0 and limit != 0:
            parts.append(text[start:index])
            start, limit = index + 1, limit - 1
    return [*parts, text[start:]]


def _with_driver(test: str, tests: list[str]) -> str:
    """The dataset's test text with the driver test added to its `mod tests`."""
    driver = _driver(tests)
    found = TESTS_MODULE.search(COMMENT.sub(lambda m: " " * len(m.group()), test))
    if not found:
        return test + f"\n#[cfg(test)]\nmod tests {{\n{driver}}}\n"
    return test[: found.end()] + "\n" + driver + test[found.end() :]


def _driver(tests: list[str]) -> str:
    """The one test a run selects: sandboxes/rust/humaneval_x_driver.rs runs the dataset's."""
    return f"""    #[test]
    fn humaneval_x_driver() {{
        ::humaneval_x_driver::drive(&[{", ".join(tests)}]);
    }}
"""
