"""Python: the tests run in a trusted driver, the completion in a process of its own.

The driver (drivers/python_driver.py) forks the child that runs the prompt and the completion,
then runs the dataset's tests with the entry point bound to a proxy: calls cross a pipe as
plain data (marshal), so the completion can neither touch the tests nor answer with an object
of its own class. See docs/sandbox.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from humaneval_x.languages.base import LanguageSpec, Program, Verdict, cut_at_last, last_line
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

STOP_MARKERS = ("\ndef", "\nclass", "\nif", "\n#", "\nprint")
CLEAN_MARKERS = STOP_MARKERS + ("\nassert",)
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
DRIVER = (Path(__file__).parent / "drivers" / "python_driver.py").read_text(encoding="utf-8")
CHECK_CALL = re.compile(r"^check\((\w+)\)\s*$", re.M)
DEFINITION = re.compile(r"^def (\w+)\(", re.M)


class Python(LanguageSpec):
    key = "python"
    task_prefix = "Python"
    display_name = "Python"
    comment = "#"
    job_cost_s = 0.03
    wrong_completion = "    raise NotImplementedError('doctor')\n"

    def is_finished(self, text: str) -> bool:
        top_level = any(line.strip() and line[0] not in " \t" for line in text.splitlines())
        return top_level or any(marker in text for marker in STOP_MARKERS)

    def clean(self, text: str) -> str:
        for marker in CLEAN_MARKERS:
            text = cut_at_last(text, marker)
        return text

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        files = {
            "driver.py": DRIVER,
            "candidate.py": context + completion + "\n",
            "reference.py": problem.prompt + problem.canonical_solution + "\n",
            "test.py": problem.test + "\n",
        }
        # -S -s -P: no site packages (the same modules in every sandbox), no script folder on
        # sys.path; not -I, which would ignore PYTHONHASHSEED (the same set order every run).
        argv = ("python3", "-S", "-s", "-P", "driver.py", entry_point(problem))
        step = Step("run", argv, self.run_timeout_s, env={"PYTHONHASHSEED": "0"}, proof=True)
        return Program(files=files, steps=(step,))

    def classify(self, results: list[StepResult]) -> Verdict:
        last = results[-1] if results else None
        crashed = last is not None and last.exit_code not in (0, None) and not last.timed_out
        if crashed and last_line(last.stderr_tail).startswith(SYNTAX_ERRORS):
            return Verdict("compile_error")
        return super().classify(results)

    def assertion_failed(self, result: StepResult) -> bool:
        return last_line(result.stderr_tail).startswith("AssertionError")


def entry_point(problem: Problem) -> str:
    """The function the tests check: `check(NAME)`, else the prompt's last function."""
    names = CHECK_CALL.findall(problem.test) or DEFINITION.findall(problem.prompt)
    if not names:
        raise ValueError(f"{problem.task_id}: no check(NAME) in the test, no def in the prompt")
    return names[-1]
