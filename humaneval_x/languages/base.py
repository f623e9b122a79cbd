"""What every language spec provides: prompts context, stop rules, program assembly, verdicts."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from humaneval_x.problem import Problem
from sandboxes.backend import Job, Step, StepResult

STATUSES = (
    "passed",
    "failed",
    "compile_error",
    "runtime_error",
    "timeout",
    "oom",
    "sandbox_error",
)

# Messages that runtimes print when an allocation fails under the memory limit.
OOM_MARKERS = (
    "MemoryError",
    "std::bad_alloc",
    "java.lang.OutOfMemoryError",
    "fatal error: runtime: out of memory",
    "memory allocation of",
    "JavaScript heap out of memory",
    "Cannot allocate memory",
    "out of memory allocating",
    "Array buffer allocation failed",
)


@dataclass(frozen=True)
class Program:
    """The files and commands that test one completion.

    Programs of the same non-empty `batch_group` may be built together (LanguageSpec.batch).
    """

    files: dict[str, str]
    steps: tuple[Step, ...]
    batch_group: str = ""


SIGKILL = 9
# What a sample tried that the sandbox stopped (summary.json counts them per language).
INTEGRITY_EVENTS = ("early_exit", "tampering", "rejected_answer")
EARLY_EXIT_DETAIL = "the tests did not run to the end (the program exited with status 0 first)"


@dataclass(frozen=True)
class Verdict:
    """A status, and when the sample tried something the sandbox stopped, what and how."""

    status: str
    integrity: str | None = None  # one of INTEGRITY_EVENTS
    detail: str = ""


class LanguageSpec(ABC):
    """One HumanEval-X language: everything the harness needs to know about it."""

    key: str  # lowercase key used everywhere: CLI, files, summaries
    task_prefix: str  # task ids look like f"{task_prefix}/{number}"
    display_name: str  # name used in translation prompts
    comment: str  # line-comment marker of the language tag
    # Rough CPU seconds of one program (compile and run) with warm toolchains: the longest
    # jobs go first, so that no core idles at the end of a sweep.
    job_cost_s: float
    # A body that compiles where the language allows and fails whatever the test checks.
    wrong_completion: str

    compile_timeout_s: float = 60.0
    run_timeout_s: float = 10.0
    batch_size: int = 0  # programs one compiler run may build (0: no batches)

    @property
    def tag_line(self) -> str:
        return f"{self.comment} language: {self.display_name}"

    def generation_context(self, problem: Problem) -> str:
        """Text the model continues in code generation (and that the program starts with)."""
        return problem.prompt

    def translation_context(self, problem: Problem) -> str:
        """Text the model continues after the target header in code translation."""
        return problem.declaration

    def is_finished(self, text: str) -> bool:
        """Stop rule on newly generated text: the function body is closed."""
        return text.count("{") + 1 == text.count("}")

    def clean(self, text: str) -> str:
        """Trim newly generated text to the function it should complete."""
        cut = text.rfind("}")
        return text[: cut + 1] if cut >= 0 else text

    @abstractmethod
    def program(self, problem: Problem, context: str, completion: str) -> Program:
        """Assemble the test program of one completion."""

    def classify(self, results: list[StepResult]) -> Verdict:
        """Turn the executed steps of a job into a verdict.

        A run passes only when it exited cleanly after its driver reported `done` with the
        step's token: exit status 0 alone is an early exit, and fails.
        """
        if not results:
            return Verdict("sandbox_error")
        last = results[-1]
        stopped = _stopped(last)
        if stopped:
            return stopped
        if last.timed_out:
            return Verdict("timeout")
        if last.output_limit:
            return Verdict("runtime_error", detail="output limit exceeded")
        if last.phase == "compile":
            return Verdict("oom" if self.out_of_memory(last) else "compile_error")
        clean_exit = last.exit_code == 0 and last.signal is None
        if clean_exit and "done" in last.event_names and "fail" not in last.event_names:
            return Verdict("passed")
        if "fail" in last.event_names or (not clean_exit and self.assertion_failed(last)):
            return Verdict("failed")
        if clean_exit:
            return Verdict("failed", "early_exit", _detail(last, "early-exit", EARLY_EXIT_DETAIL))
        if self.out_of_memory(last):
            return Verdict("oom")
        return Verdict("runtime_error")

    def out_of_memory(self, result: StepResult) -> bool:
        """An allocation failed (the runtime says so), or the kernel killed it for memory."""
        text = result.stdout_tail + result.stderr_tail
        return any(marker in text for marker in OOM_MARKERS) or result.oom_killed

    def batch(self, jobs: list[Job], batch_id: str) -> Job:
        """One job that builds `jobs` together and runs each (languages with a batch_size)."""
        raise NotImplementedError(f"{self.key} programs are not built in batches")

    def blamed(self, index: int, build_output: str) -> bool:
        """Whether the failed build of a batch names its `index`-th member."""
        return False

    @abstractmethod
    def assertion_failed(self, result: StepResult) -> bool:
        """Whether a run step ended because a test assertion did not hold."""


def _stopped(result: StepResult) -> Verdict | None:
    """The verdict of a step whose driver or build tool stopped the sample, if it did."""
    for event, detail in result.events:
        if event == "tamper":
            return Verdict("failed", "tampering", detail)
        if event == "reject":
            return Verdict("failed", "rejected_answer", detail)
    return None


def _detail(result: StepResult, event: str, default: str) -> str:
    return next((detail for name, detail in result.events if name == event and detail), default)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def cut_at_last(text: str, marker: str) -> str:
    """Cut `text` at the last occurrence of `marker`, if any."""
    index = text.rfind(marker)
    return text[:index] if index >= 0 else text


GO_COMMENTS_AND_STRINGS = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`', re.S)


def used_packages(code: str, candidates: list[str]) -> list[str]:
    """Go import paths whose package name is referenced as `name.` in `code` (comments and
    string literals aside: "a list of strings." is not a use of package strings)."""
    code = GO_COMMENTS_AND_STRINGS.sub(" ", code)
    return [p for p in candidates if re.search(rf"\b{re.escape(p.split('/')[-1])}\.", code)]
