"""Chat mode of the openai runner: the instruction, and the completion read from a reply."""

from __future__ import annotations

import pytest

from humaneval_x.tasks import build_tasks
from runners.openai.chat import block_closed, chat_prompt, completion_text, reply_code


@pytest.fixture(scope="module")
def tasks(dataset) -> dict[str, object]:
    generation = build_tasks(dataset, "generation", ["python", "cpp"])
    translation = build_tasks(dataset, "translation", ["python", "go"], "python:go")
    return {t.key: t for t in generation + translation}


def test_the_instruction_holds_the_context_in_a_fenced_block(tasks):
    task = tasks["Python/0"]
    prompt = chat_prompt(task)
    assert prompt.startswith("Complete the following Python code.")
    assert f"```python\n{task.context.rstrip()}\n```" in prompt


def test_a_translation_shows_the_source_solution_and_the_target_declaration(tasks):
    task = tasks["Python/3->Go/3"]
    prompt = chat_prompt(task)
    assert prompt.startswith("Translate the following Python code to Go.")
    assert task.source.canonical_solution.strip() in prompt
    assert prompt.endswith(f"```go\n{task.context.rstrip()}\n```")


def test_a_repeated_signature_and_docstring_are_aligned_with_the_context(tasks):
    task = tasks["Python/0"]
    reply = (
        "Here it is:\n```python\nimport math\n\n"
        "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
        '    """ Check. """\n    return False\n```\nIt returns False."'
    )
    assert completion_text(task, reply) == '    """ Check. """\n    return False\n'


def test_a_brace_on_its_own_line_and_other_spacing_are_accepted(tasks):
    task = tasks["CPP/0"]
    reply = (
        "```cpp\nbool has_close_elements(vector<float> numbers, float threshold)\n{\n"
        "    return false;\n}\nint main() {}\n```"
    )
    assert completion_text(task, reply) == "    return false;\n}\nint main() {}\n"


def test_a_reply_without_the_signature_is_the_body(tasks):
    body = "    return true;\n}\n"
    assert completion_text(tasks["CPP/0"], f"```\n{body}```") == body


def test_the_code_of_a_reply():
    assert reply_code("no fence at all") == "no fence at all"
    assert reply_code("a\n```js\nx\n```\n```py\ny\n```") == "x\n"
    assert reply_code("```js\nunclosed\n") == "unclosed\n"
    assert not block_closed("text\n```python\n    return 1\n")
    assert block_closed("text\n```python\n    return 1\n```")
