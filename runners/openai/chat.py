"""Chat mode: the instruction sent to a chat model, and the completion read back from its reply.

The reply's first fenced code block (the whole reply when it has none) is aligned with the
task's context: when it repeats the function's signature line, what follows that line is the
completion (a repeated docstring or comment stays: it is still valid code), and what comes
before it (imports, helpers) is dropped; otherwise the block is taken as the body itself. The
completion then goes through the same stop rule and cleanup as a plain completion, so it
continues the context like any other sample.
"""

from __future__ import annotations

import re

from humaneval_x.languages import get_language
from humaneval_x.tasks import Task

FENCES = {"python": "python", "cpp": "cpp", "java": "java", "js": "javascript", "go": "go",
          "rust": "rust"}  # fmt: skip
GENERATION = (
    "Complete the following {language} code. Reply with the whole function in one "
    "```{fence} code block.\n\n```{fence}\n{context}\n```"
)
TRANSLATION = (
    "Translate the following {source_language} code to {language}.\n\n"
    "```{source_fence}\n{source}\n```\n\n"
    "Complete this {language} code with the translation, and reply with the whole function in "
    "one ```{fence} code block.\n\n```{fence}\n{context}\n```"
)
PROMPT_FORMAT = {
    "messages": "one user message; no system message",
    "generation": GENERATION,
    "translation": TRANSLATION,
    "reply": "first fenced code block (else the whole reply); the completion is what follows "
    "the signature line of the task's context there (all of it when the signature is not "
    "repeated), then the stop rule and cleanup of a completion",
}
BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
OPENING = re.compile(r"^```[^\n]*\n", re.M)


def chat_prompt(task: Task) -> str:
    """The user message that asks for the task's function."""
    spec = get_language(task.language)
    fields = {"language": spec.display_name, "fence": FENCES[task.language],
              "context": task.context.rstrip("\n")}  # fmt: skip
    if task.source is None:
        return GENERATION.format(**fields)
    source = task.source.declaration + task.source.canonical_solution.rstrip()
    source_spec = get_language(task.source.language)
    return TRANSLATION.format(source_language=source_spec.display_name,
                              source_fence=FENCES[task.source.language], source=source,
                              **fields)  # fmt: skip


def block_closed(reply: str) -> bool:
    """Whether the reply's first code block is complete (nothing after it is read)."""
    return BLOCK.search(reply) is not None


def reply_code(reply: str) -> str:
    """The first fenced code block of a reply; an unclosed one runs to the end; no block: all."""
    block = BLOCK.search(reply)
    if block:
        return block.group(1)
    opening = OPENING.search(reply)
    return reply[opening.end() :] if opening else reply


def completion_text(task: Task, reply: str) -> str:
    """The reply's code as text that continues the task's context (before the stop rule)."""
    code = reply_code(reply).splitlines(keepends=True)
    signature = _signature(task)
    for index, line in enumerate(code):
        if _same(line, signature):
            return "".join(_skip_opening_brace(code[index + 1 :], signature))
    return "".join(code)


def _signature(task: Task) -> str:
    """The function's signature: the last line of the declaration that closes a parameter list
    and opens a body."""
    lines = reversed(task.problem.declaration.splitlines())
    return next(line for line in lines if ")" in line and line.rstrip().endswith(("{", ":")))


def _same(line: str, other: str) -> bool:
    """Equal but for whitespace and a trailing opening brace."""
    return _squeeze(line).removesuffix("{") == _squeeze(other).removesuffix("{")


def _squeeze(line: str) -> str:
    return "".join(line.split())


def _skip_opening_brace(lines: list[str], signature: str) -> list[str]:
    """Drop a brace the reply put on its own line when the context's signature line has it."""
    if lines and _squeeze(lines[0]) == "{" and _squeeze(signature).endswith("{"):
        return lines[1:]
    return lines
