"""Java: the completion in package humaneval_x.solution, the tests in humaneval_x.test.

No class of the completion can stand for a name the tests use (Arrays, List, ...): the tests'
package holds only trusted classes, among them a `Solution` that forwards each method of the
prompt to the completion's class and copies every answer into JDK values (Guard, in
sandboxes/java/driver/Driver.java, prepared once per toolchain), rejecting objects of the
completion's own classes. Driver.main reads the token before any completion class loads and
reports after the last assertion.
"""

from __future__ import annotations

import re

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

# The JVM reserves far more address space than it uses, so its heap flag bounds memory.
JVM_FLAGS = (
    "-Xmx1g", "-Xss64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
)  # fmt: skip
# The job runner's long-lived javac (sandboxes/java/JavacServer.java, built by prepare.sh). No
# job can attach to it or make it print (-Xrs: no SIGQUIT thread dumps); see compile_server.py.
JAVAC_SERVER = (
    "java", "-Xmx1g", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
    "-XX:+DisableAttachMechanism", "-Xrs",
    "--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED",
    "-cp", "{toolchains}/java", "JavacServer",
)  # fmt: skip
# Driver and Guard, prepared; first on the class path, where no job can write.
DRIVER_CLASSES = "{toolchains}/java/driver"
# String concatenation compiled to StringBuilder calls: the same strings without the ~20 ms
# that the JVM spends bootstrapping invokedynamic concatenation in every short run.
JAVAC_FLAGS = ("-encoding", "UTF-8", "-nowarn", "-XDstringConcat=inline", "-cp", DRIVER_CLASSES)
SOLUTION_CLASS = "\nclass Solution {"
METHOD = re.compile(
    r"^[ \t]*public\s+([\w<>\[\],.? ]+?)\s+(\w+)\s*\(([^)]*)\)\s*(throws\s+[\w., ]+?)?\s*\{", re.M
)
TOP_LEVEL_COMMA = re.compile(r",(?![^<]*>)")


class Java(LanguageSpec):
    key = "java"
    task_prefix = "Java"
    display_name = "Java"
    comment = "//"
    job_cost_s = 0.35
    wrong_completion = '        throw new RuntimeException("doctor");\n    }\n}\n'

    def clean(self, text: str) -> str:
        main = text.find("public static void main")
        if main >= 0:
            text = text[:main] + "}"
        text = super().clean(text)
        if text.count("{") + 1 == text.count("}"):
            text += "\n}"
        return text

    def program(self, problem: Problem, context: str, completion: str) -> Program:
        imports = "".join(
            line + "\n" for line in context.splitlines() if line.startswith("import ")
        )
        solution = context.replace(SOLUTION_CLASS, "\npublic " + SOLUTION_CLASS[1:], 1)
        files = {
            "Solution.java": "package humaneval_x.solution;\n" + solution + completion + "\n",
            "Main.java": "package humaneval_x.test;\n" + imports + problem.test + "\n",
            "Forwarder.java": "package humaneval_x.test;\n" + imports + _forwarder(problem.prompt),
        }
        compile_argv = ("javac", "-J-Xmx1g", *JAVAC_FLAGS, "-d", ".", *files)
        run_argv = ("java", *JVM_FLAGS, "-cp", f"{DRIVER_CLASSES}:.", "humaneval_x.test.Driver")
        return Program(
            files=files,
            steps=(
                Step("compile", compile_argv, self.compile_timeout_s, None, server=JAVAC_SERVER),
                Step("run", run_argv, self.run_timeout_s, None, proof=True),
            ),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return "java.lang.AssertionError" in result.stderr_tail


def _forwarder(prompt: str) -> str:
    """The tests' `Solution`: each public method of the prompt, forwarded and guarded."""
    methods = []
    for returns, name, params, throws in METHOD.findall(prompt):
        args = ", ".join(p.split()[-1] for p in TOP_LEVEL_COMMA.split(params) if p.strip())
        call = f"inner.{name}({args})"
        body = f"{call};" if returns == "void" else f"return Guard.copy({call});"
        header = f"public {returns} {name}({params}) {throws}".rstrip()
        methods.append(f"    {header} {{\n        {body}\n    }}\n")
    inner = "humaneval_x.solution.Solution"
    return (
        f"class Solution {{\n    private final {inner} inner = new {inner}();\n\n"
        + "\n".join(methods)
        + "}\n"
    )
