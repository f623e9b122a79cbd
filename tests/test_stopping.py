"""The line-end stop rule of the text-producing runners (runners/stopping.py)."""

from __future__ import annotations

from humaneval_x.languages import get_language
from runners.stopping import finish, finished_prefix

PYTHON, CPP = get_language("python"), get_language("cpp")


def test_the_cut_is_the_first_line_end_where_the_rule_holds():
    text = "    return 1;\n}\nint main() {}\n"
    assert finished_prefix(CPP, text, complete=False) == text.index("\n}") + 2
    assert finish(CPP, text, "length") == ("    return 1;\n}", "stop_rule")


def test_python_is_cut_at_the_next_definition_and_cleaned():
    text = "    return 1\n\ndef helper():\n    pass\n"
    assert finish(PYTHON, text, "eos") == ("    return 1\n", "stop_rule")


def test_a_top_level_line_without_a_stop_marker_is_kept_whole():
    """Where the rule differs from a per-token check: the whole line stays, not its first token."""
    assert finish(PYTHON, "    return x\nvalue = 1\n", "eos") == (
        "    return x\nvalue = 1",
        "stop_rule",
    )


def test_a_line_still_being_written_is_not_cut_until_the_text_is_complete():
    text = "    return 1;\n}"
    assert finished_prefix(CPP, text, complete=False) is None
    assert finished_prefix(CPP, text, complete=True) == len(text)


def test_the_search_resumes_after_the_line_ends_already_checked():
    text = "    int a;\n    return a;\n}\n"
    assert finished_prefix(CPP, text, complete=False, start=text.index("}")) == len(text) - 1
    assert finished_prefix(CPP, text[:12], complete=False) is None


def test_unfinished_text_keeps_the_model_s_reason():
    text = "    x = 1\n    y = 2\n"
    assert finish(PYTHON, text, "length") == (text, "length")
