"""Tasks: what a model is asked (generation per language, translation per ordered pair)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from humaneval_x.data import Dataset, check_languages
from humaneval_x.errors import InputError
from humaneval_x.languages import LANGUAGE_KEYS, get_language, language_of_task
from humaneval_x.problem import Problem
from humaneval_x.prompts import generation_prompt, translation_prompt

TASK_KINDS = ("generation", "translation")
KEY_SEPARATOR = "->"  # between the source and the target of a translation key


def task_key(task_id: str, source_task_id: str | None = None) -> str:
    """A task's key, unique within a run: "CPP/3", or "Python/3->CPP/3" for translation."""
    return _joined(source_task_id, task_id)


def group_key(language: str, source_language: str | None = None) -> str:
    """What metrics are reported by: "cpp", or "python->cpp" for translation."""
    return _joined(source_language, language)


def key_parts(key: str) -> list[str]:
    """The task ids of a task key, or the languages of a group key, source first."""
    return key.split(KEY_SEPARATOR)


def group_of_key(key: str) -> str:
    """The group of a task key: "CPP/3" -> "cpp", "Python/3->CPP/3" -> "python->cpp"."""
    return KEY_SEPARATOR.join(language_of_task(part).key for part in key_parts(key))


def _joined(source: str | None, target: str) -> str:
    return f"{source}{KEY_SEPARATOR}{target}" if source else target


@dataclass(frozen=True)
class Task:
    """One prompt: a target problem, and for translation the source problem."""

    problem: Problem
    source: Problem | None
    prompt: str

    @property
    def task_id(self) -> str:
        return self.problem.task_id

    @property
    def source_task_id(self) -> str | None:
        return self.source.task_id if self.source else None

    @property
    def language(self) -> str:
        return self.problem.language

    @property
    def key(self) -> str:
        """Unique within a run: "CPP/3" or "Python/3->CPP/3"."""
        return task_key(self.task_id, self.source_task_id)

    @property
    def group(self) -> str:
        """What metrics are reported by: "cpp" or "python->cpp"."""
        return group_key(self.language, self.source.language if self.source else None)

    @property
    def context(self) -> str:
        """The text the test program starts with, before the completion."""
        spec = get_language(self.language)
        if self.source:
            return spec.translation_context(self.problem)
        return spec.generation_context(self.problem)


def generation_tasks(dataset: Dataset, languages: Iterable[str]) -> list[Task]:
    """One task per problem of each language."""
    return [
        Task(problem, None, generation_prompt(problem))
        for language in check_languages(languages)
        for problem in dataset.problems[language].values()
    ]


def translation_tasks(dataset: Dataset, pairs: Iterable[tuple[str, str]]) -> list[Task]:
    """One task per problem number present in both languages of each pair."""
    tasks = []
    for source_lang, target_lang in pairs:
        sources = {p.number: p for p in dataset.problems[source_lang].values()}
        for target in dataset.problems[target_lang].values():
            source = sources.get(target.number)
            if source is not None:
                tasks.append(Task(target, source, translation_prompt(source, target)))
    return tasks


def parse_pairs(text: str, languages: Iterable[str] = LANGUAGE_KEYS) -> list[tuple[str, str]]:
    """ "all" (every ordered pair of `languages`) or "python:cpp,java:go"."""
    chosen = check_languages(languages)
    if text.strip() == "all":
        return [(a, b) for a in chosen for b in chosen if a != b]
    pairs = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) != 2 or parts[0] == parts[1]:
            raise InputError(f"bad language pair {item.strip()!r}: expected SOURCE:TARGET")
        check_languages(parts)
        outside = [part for part in parts if part not in chosen]
        if outside:
            loaded = ", ".join(chosen)
            raise InputError(f"--pairs {item.strip()}: {outside[0]} is not in --languages {loaded}")
        pairs.append((parts[0], parts[1]))
    return pairs


def build_tasks(
    dataset: Dataset, kind: str, languages: Iterable[str], pairs: str = "all"
) -> list[Task]:
    """The tasks of one kind over the chosen languages (translation: the chosen pairs)."""
    if kind == "generation":
        return generation_tasks(dataset, languages)
    if kind == "translation":
        return translation_tasks(dataset, parse_pairs(pairs, languages))
    raise InputError(f"unknown task {kind!r}; known: {', '.join(TASK_KINDS)}")
