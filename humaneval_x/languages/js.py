"""JavaScript: a trusted driver freezes the built-ins and runs the tests apart from the code.

The completion (candidate.js) and the canonical solution (reference.js, for the helpers the
tests call) are modules of their own; drivers/js_driver.js loads them after freezing the
language's built-ins, and runs the tests in a scope where `console` is its own and the entry point's
answers are checked to be plain data and copied. See docs/sandbox.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

ASSERT_EXIT_CODE = 86  # the driver's exit code when a console.assert failed
DRIVER = (Path(__file__).parent / "drivers" / "js_driver.js").read_text(encoding="utf-8")
TOP_LEVEL_NAME = re.compile(r"^(?:const|let|var|function)\s+([A-Za-z_$][\w$]*)", re.M)


class JavaScript(LanguageSpec):
    key = "js"
    task_prefix = "JavaScript"
    display_name = "JavaScript"
    comment = "//"
    job_cost_s = 0.06
    wrong_completion = "  throw new Error('doctor');\n}\n"

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        *helpers, entry = TOP_LEVEL_NAME.findall(problem.prompt)
        files = {
            "driver.js": DRIVER,
            "candidate.js": context + completion + "\n" + _exports([entry]),
            "reference.js": problem.prompt + problem.canonical_solution + "\n" + _exports(helpers),
            "test.js": problem.test + "\n",
        }
        env = {"NODE_PATH": "{toolchains}/js/node_modules"}
        argv = (
            "{toolchains}/js/bin/node",
            "--experimental-permission",  # no inspector, child processes or files beyond these
            "--allow-fs-read={workdir}/",
            "--allow-fs-read={toolchains}/js/node_modules/",
            "--allow-fs-write={workdir}/",
            "--no-warnings",  # the permission model is an experimental feature of node 20
            "--random-seed=42",  # Math.random gives the same numbers in every run
            "--max-old-space-size=1024",
            "--stack-size=8192",
            "driver.js",
            entry,
            *helpers,
        )
        step = Step("run", argv, self.run_timeout_s, memory_mb=None, env=env, proof=True)
        return Program(files=files, steps=(step,))

    def assertion_failed(self, result: StepResult) -> bool:
        return result.exit_code == ASSERT_EXIT_CODE


def _exports(names: list[str]) -> str:
    """`module.exports` of top-level names, undefined where the code did not define one."""
    pairs = ", ".join(
        f"{name}: typeof {name} === 'undefined' ? undefined : {name}" for name in names
    )
    return f";\nmodule.exports = {{ {pairs} }};\n"
