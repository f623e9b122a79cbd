"""One HumanEval-X problem: a dataset row of one language."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One HumanEval-X row."""

    task_id: str
    language: str
    prompt: str
    declaration: str
    canonical_solution: str
    test: str
    example_test: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.task_id.split("/")[1])
