"""The reference runner: answers every task with the target's canonical solution."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence

from humaneval_x.runner import Completion, Runner, RunnerFactory, Sampling
from humaneval_x.tasks import Task


class ReferenceRunner(Runner):
    name = "reference"

    def describe(self) -> dict:
        return {"runner": self.name, "model": "canonical-solutions"}

    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        for task in tasks:
            completion = Completion(task.problem.canonical_solution, "reference")
            yield task, [completion] * sampling.n


class Factory(RunnerFactory):
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """The reference runner has no options."""

    @staticmethod
    def from_args(args: argparse.Namespace) -> Runner:
        return ReferenceRunner()
