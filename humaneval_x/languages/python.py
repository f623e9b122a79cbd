"""Python: run the prompt, the completion and `check(entry_point)` in one interpreter."""

from __future__ import annotations

from humaneval_x.languages.base import LanguageSpec, Program, cut_at_last, last_line
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

STOP_MARKERS = ("\ndef", "\nclass", "\nif", "\n#", "\nprint")
CLEAN_MARKERS = STOP_MARKERS + ("\nassert",)
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


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
        source = context + completion + "\n\n" + problem.test + "\n"
        return Program(
            files={"main.py": source},
            steps=(Step("run", ("python3", "-I", "main.py"), self.run_timeout_s),),
        )

    def classify(self, results: list[StepResult]) -> str:
        last = results[-1] if results else None
        crashed = last is not None and last.exit_code not in (0, None) and not last.timed_out
        if crashed and last_line(last.stderr_tail).startswith(SYNTAX_ERRORS):
            return "compile_error"
        return super().classify(results)

    def assertion_failed(self, result: StepResult) -> bool:
        return last_line(result.stderr_tail).startswith("AssertionError")
