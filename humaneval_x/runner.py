"""The runner contract: turn tasks into completions, n per task, streaming."""

from __future__ import annotations

import argparse
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

from humaneval_x.errors import InputError
from humaneval_x.ranges import COUNT, FRACTION, INDEX, NON_NEGATIVE, check
from humaneval_x.tasks import Task


@dataclass(frozen=True)
class Sampling:
    """How completions are drawn. `greedy` ignores temperature, top-p and top-k."""

    n: int = 1
    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 0
    greedy: bool = False
    max_new_tokens: int = 1024
    seed: int = 42

    def __post_init__(self) -> None:
        check("n", self.n, COUNT)
        check("temperature", self.temperature, NON_NEGATIVE)
        check("top_p", self.top_p, FRACTION)
        check("top_k", self.top_k, INDEX)
        check("max_new_tokens", self.max_new_tokens, COUNT)
        check("seed", self.seed, INDEX)
        if self.temperature == 0 and not self.greedy:
            raise InputError("temperature must be > 0 when sampling (for argmax decoding: greedy)")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Completion:
    """One completion of a task: `generation` is the cleaned text that follows the context."""

    generation: str
    finish: str  # "eos", "stop_rule", "length" or "reference"


def task_seed(seed: int, task_key: str) -> int:
    """A per-task seed, so a task's samples do not depend on order, batching or resumption."""
    digest = hashlib.sha256(f"{seed}:{task_key}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class Runner(ABC):
    """A model behind one small interface."""

    name: str

    @abstractmethod
    def describe(self) -> dict:
        """Provenance for summary.json: model name, checkpoint path and digest, settings."""

    @abstractmethod
    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        """Yield each task with its `sampling.n` completions, in any order, as they finish."""


class RunnerFactory(ABC):
    """How the CLI builds a runner: its own options, then an instance."""

    @staticmethod
    @abstractmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """Add this runner's options (checkpoint, device, …) to a CLI parser."""

    @staticmethod
    @abstractmethod
    def from_args(args: argparse.Namespace) -> Runner:
        """Build the runner from parsed options."""
