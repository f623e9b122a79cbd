"""A part of the problems, for a quick look: the first N of each language (--limit), or the
problems named by --task-ids."""

from __future__ import annotations

from dataclasses import dataclass

from humaneval_x.data import Dataset
from humaneval_x.errors import InputError
from humaneval_x.tasks import Task, key_parts


@dataclass(frozen=True)
class Selection:
    """Which tasks to keep: those of the problems in `first` (None: all), and of those only
    the tasks whose task id or task key is in `named` (empty: all)."""

    first: frozenset[str] | None = None
    named: frozenset[str] = frozenset()

    def keeps(self, task: Task) -> bool:
        if self.first is not None and task.task_id not in self.first:
            return False
        return not self.named or bool(self.named & {task.task_id, task.key})


def parse_selection(limit: int | None, task_ids: str | None, dataset: Dataset) -> Selection:
    """The selection of --limit N (the first N problems of each language) and --task-ids,
    each task id checked against the dataset."""
    first = None
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit {limit}: must be at least 1")
        first = frozenset(
            i for problems in dataset.problems.values() for i in list(problems)[:limit]
        )
    named = frozenset(part.strip() for part in (task_ids or "").split(",") if part.strip())
    for key in sorted(named):
        for task_id in key_parts(key):
            try:
                dataset.problem(task_id)
            except KeyError:
                loaded = ", ".join(dataset.languages)
                raise InputError(
                    f"--task-ids: unknown task id {task_id!r} (loaded languages: {loaded})"
                ) from None
    return Selection(first, named)
