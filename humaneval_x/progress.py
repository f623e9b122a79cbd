"""Progress of a long stage: a live bar on a terminal, a line every ten seconds in a log."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

LOG_INTERVAL_S = 10.0


class LogProgress:
    """Progress for output that is not a terminal: whole lines, at most one per interval."""

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float = LOG_INTERVAL_S,
    ) -> None:
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.clock, self.interval_s = clock, interval_s
        self.done = 0
        self.started = self.last = clock()

    def update(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.interval_s:
            self.last = now
            share = f"{100 * self.done / self.total:.0f}%" if self.total else "-"
            counts = f"{self.done}/{self.total} {self.unit}s ({share})"
            print(
                f"{self.label}: {counts}, {now - self.started:.0f} s", file=self.stream, flush=True
            )

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NoProgress(LogProgress):
    """Progress that prints nothing (--no-progress, or nothing to do)."""

    def update(self, count: int = 1) -> None:
        self.done += count


def progress_bar(
    label: str, total: int, unit: str, enabled: bool = True, stream: TextIO | None = None
) -> tqdm | LogProgress:
    """A context manager with `update(n)`: a tqdm bar on a terminal, `LogProgress` elsewhere."""
    stream = stream or sys.stderr
    if not enabled or not total:
        return NoProgress(label, total, unit, stream)
    if stream.isatty():
        return tqdm(total=total, unit=unit, desc=label, file=stream)
    return LogProgress(label, total, unit, stream)
