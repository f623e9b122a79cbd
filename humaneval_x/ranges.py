"""The ranges of the numbers a user gives: argparse types for the CLI, and the same checks where
a number enters the Python API. Either way a bad number is one line, never a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

from humaneval_x.errors import InputError


@dataclass(frozen=True)
class Range:
    """Integers or finite reals between `low` and `high` (inclusive; `low` excluded if open)."""

    integer: bool
    low: float | None = None
    high: float | None = None
    low_open: bool = False

    def __str__(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} in [{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{kind} {'>' if self.low_open else '>='} {self.low:g}"
        return kind

    def holds(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high


COUNT = Range(integer=True, low=1)  # workers, samples, tokens, resamples, batch sizes
INDEX = Range(integer=True, low=0)  # seeds, top-k, device ids
SECONDS = Range(integer=False, low=0, low_open=True)  # time limits
NON_NEGATIVE = Range(integer=False, low=0)  # temperature
FRACTION = Range(integer=False, low=0, high=1)  # top-p


def check(name: str, value: object, allowed: Range) -> int | float:
    """`value` when it is in range, else InputError naming `name`, the range and the value."""
    if not allowed.holds(value):
        raise InputError(f"{name} must be {allowed}, got {value!r}")
    return value  # type: ignore[return-value]


def argument(allowed: Range) -> Callable[[str], int | float]:
    """An argparse `type` that parses a number and checks its range."""

    def parse(text: str) -> int | float:
        try:
            value = int(text) if allowed.integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None
        if not allowed.holds(value):
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
        return value

    parse.__name__ = str(allowed)  # argparse names the type in some messages
    return parse
