"""Prompts, translation pairs, stop rules and cleanup, on real HumanEval-X rows."""

from __future__ import annotations

import pytest

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.tasks import build_tasks, parse_pairs


def test_generation_prompt_is_tag_line_then_prompt(dataset):
    tasks = {t.task_id: t for t in build_tasks(dataset, "generation", ["python", "cpp", "rust"])}
    python = tasks["Python/0"]
    assert python.prompt == "# language: Python\n" + python.problem.prompt
    assert tasks["CPP/5"].prompt.startswith("// language: C++\n/*")
    rust = tasks["Rust/0"]
    assert rust.prompt == "// language: Rust\n" + rust.problem.prompt + rust.problem.declaration
    assert rust.context == rust.problem.prompt + rust.problem.declaration


def test_translation_prompt_layout(dataset):
    tasks = build_tasks(dataset, "translation", ["python", "cpp"], "python:cpp")
    task = next(t for t in tasks if t.task_id == "CPP/0")
    source, target = dataset.problem("Python/0"), dataset.problem("CPP/0")
    assert task.prompt == (
        "code translation\nPython:\n"
        + source.declaration
        + "\n"
        + source.canonical_solution.rstrip()
        + "\n"
        + "C++:\n"
        + target.declaration
    )
    assert "Check if in given list" not in task.prompt  # no description
    assert task.key == "Python/0->CPP/0" and task.group == "python->cpp"
    assert task.context == target.declaration


def test_all_pairs_cover_30_ordered_pairs(dataset):
    pairs = parse_pairs("all")
    assert len(pairs) == 30 and len(set(pairs)) == 30
    tasks = build_tasks(dataset, "translation", dataset.languages, "all")
    assert len(tasks) == 30 * 164
    assert len({t.group for t in tasks}) == 30


@pytest.mark.parametrize("text", ["python", "python:python", "python:cobol"])
def test_bad_pairs_are_refused(text):
    with pytest.raises(InputError):
        parse_pairs(text)


def test_python_stop_rule_and_cleanup():
    python = get_language("python")
    assert not python.is_finished("    x = 1\n    return x\n")
    assert python.is_finished("    return x\n\ndef other():\n")
    assert python.is_finished("    return x\nprint(f(1))")
    assert python.clean("    return x\n\n\ndef g():\n    pass\n") == "    return x\n\n"
    assert python.clean("    return x\n# test\nassert f(1)") == "    return x"


def test_brace_languages_stop_when_the_body_closes():
    for key in ("cpp", "java", "js", "go", "rust"):
        spec = get_language(key)
        assert not spec.is_finished("    if (x) {\n        return 1;\n    }\n")
        assert spec.is_finished("    if (x) {\n        return 1;\n    }\n    return 0;\n}\n")


def test_language_cleanups():
    assert get_language("cpp").clean("  return 1;\n}\nint main(){}\n junk") == (
        "  return 1;\n}\nint main(){}"
    )
    java = get_language("java")
    body = "        return 1;\n    }\n    public static void main(String[] a) {\n    }\n}"
    assert java.clean(body) == "        return 1;\n    }\n    }"
    go = get_language("go")
    assert go.clean("    return 1\n}\n\nfunc main() {\n}\n") == "    return 1\n}"
    assert go.clean("    return 1\n}\n// trailing comment") == "    return 1\n}"
