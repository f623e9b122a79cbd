"""The six HumanEval-X languages, by lowercase key."""

from __future__ import annotations

from humaneval_x.languages.base import LanguageSpec
from humaneval_x.languages.cpp import Cpp
from humaneval_x.languages.go import Go
from humaneval_x.languages.java import Java
from humaneval_x.languages.js import JavaScript
from humaneval_x.languages.python import Python
from humaneval_x.languages.rust import Rust

# In the harness's order: the default of --languages, tables and pages.
LANGUAGES: dict[str, LanguageSpec] = {
    spec.key: spec for spec in (Python(), Cpp(), Java(), JavaScript(), Go(), Rust())
}
LANGUAGE_KEYS = tuple(LANGUAGES)


def get_language(key: str) -> LanguageSpec:
    """The spec of a language key such as "cpp"."""
    return LANGUAGES[key]


def language_of_task(task_id: str) -> LanguageSpec:
    """The spec whose task prefix starts `task_id` ("CPP/3" -> cpp)."""
    prefix = task_id.split("/")[0]
    for spec in LANGUAGES.values():
        if spec.task_prefix == prefix:
            return spec
    raise KeyError(task_id)
