"""JavaScript: node; `console.assert` only prints, so a hook turns failures into an exit code."""

from __future__ import annotations

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

ASSERT_EXIT_CODE = 86
# Installed between the completion and the tests, so the completion cannot undo it.
ASSERT_HOOK = (
    "console.assert = (ok, ...message) => { if (!ok) { "
    f"process.exitCode = {ASSERT_EXIT_CODE}; "
    "process.stderr.write('Assertion failed ' + message.join(' ') + '\\n'); } };\n"
)


class JavaScript(LanguageSpec):
    key = "js"
    task_prefix = "JavaScript"
    display_name = "JavaScript"
    comment = "//"
    job_cost_s = 0.06
    wrong_completion = "  throw new Error('doctor');\n}\n"

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        source = context + completion + "\n" + ASSERT_HOOK + problem.test + "\n"
        env = {"NODE_PATH": "{toolchains}/js/node_modules"}
        argv = (
            "{toolchains}/js/bin/node",
            "--max-old-space-size=1024",
            "--stack-size=8192",
            "main.js",
        )
        return Program(
            files={"main.js": source},
            steps=(Step("run", argv, self.run_timeout_s, memory_mb=None, env=env),),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == ASSERT_EXIT_CODE
