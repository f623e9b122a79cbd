"""Java: javac then java; the tests throw AssertionError when an answer is wrong."""

from __future__ import annotations

from humaneval_x.languages.base import LanguageSpec, Program
from humaneval_x.problem import Problem
from sandboxes.backend import Step, StepResult

# The JVM reserves far more address space than it uses, so its heap flag bounds memory.
JVM_FLAGS = (
    "-Xmx1g", "-Xss64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
)  # fmt: skip
# The job runner's long-lived javac (sandboxes/java/JavacServer.java, built by prepare.sh).
JAVAC_SERVER = (
    "java", "-Xmx1g", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
    "--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED",
    "-cp", "{toolchains}/java", "JavacServer",
)  # fmt: skip


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
        source = context + completion + "\n" + problem.test + "\n"
        return Program(
            files={"Main.java": source},
            steps=(
                Step(
                    "compile",
                    ("javac", "-J-Xmx1g", "-encoding", "UTF-8", "-nowarn", "Main.java"),
                    self.compile_timeout_s,
                    memory_mb=None,
                    server=JAVAC_SERVER,
                ),
                Step("run", ("java", *JVM_FLAGS, "-cp", ".", "Main"), self.run_timeout_s, None),
            ),
        )

    def assertion_failed(self, result: StepResult) -> bool:
        return "java.lang.AssertionError" in result.stderr_tail
