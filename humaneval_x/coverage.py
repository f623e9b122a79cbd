"""How much of HumanEval-X a run covers: the problems of each group it judged, and the groups
(languages, or translation pairs) of the whole benchmark it has.

A run is complete when it has every group of its task and every problem of each. Averages over
different sets of groups are not comparable, so every report says what an average is over.
"""

from __future__ import annotations

from collections.abc import Mapping

from humaneval_x.data import Dataset
from humaneval_x.languages import LANGUAGE_KEYS
from humaneval_x.tasks import group_key, key_parts


def benchmark_groups(task: str) -> list[str]:
    """Every group of a task: the six languages, or the thirty ordered pairs."""
    if task == "translation":
        return [group_key(t, s) for s in LANGUAGE_KEYS for t in LANGUAGE_KEYS if s != t]
    return list(LANGUAGE_KEYS)


def group_problems(dataset: Dataset, group: str) -> int:
    """The problems a group has: a language's, or for a pair the numbers both languages have."""
    numbers = [{p.number for p in dataset.problems[lang].values()} for lang in key_parts(group)]
    return len(set.intersection(*numbers))


def coverage(task: str, metrics: Mapping[str, Mapping]) -> dict:
    """A run's coverage from its metrics (n_tasks and n_problems per group)."""
    groups = sorted(metrics)
    tasks = sum(int(metrics[g].get("n_tasks", 0)) for g in groups)
    known = all("n_problems" in metrics[g] for g in groups)
    problems = sum(int(metrics[g]["n_problems"]) for g in groups) if known else None
    full = benchmark_groups(task)
    return {
        "groups": len(groups),
        "of_groups": len(full),
        "tasks": tasks,
        "problems": problems,
        "complete": set(groups) == set(full) and tasks == problems,
    }


def describe(task: str, cover: Mapping) -> str:
    """ "2 of 6 languages, 167 of 328 problems" (problems unknown for older summaries)."""
    unit = "translation pairs" if task == "translation" else "languages"
    problems = "?" if cover.get("problems") is None else str(cover["problems"])
    return (
        f"{cover['groups']} of {cover['of_groups']} {unit}, {cover['tasks']} of {problems} problems"
    )


def groups_note(task: str, groups: list[str]) -> str:
    """What an average is over, when it is not over every group of the task, else ""."""
    full = benchmark_groups(task)
    if set(groups) == set(full):
        return ""
    unit = "translation pairs" if task == "translation" else "languages"
    return f"over {len(groups)} of {len(full)} {unit}: {', '.join(groups)}"
