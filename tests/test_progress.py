"""Progress in a log: whole lines, at most one every ten seconds; a bar only on a terminal."""

from __future__ import annotations

import io

from humaneval_x.progress import LOG_INTERVAL_S, LogProgress, progress_bar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_one_line_per_interval() -> None:
    stream, clock = io.StringIO(), Clock()
    with LogProgress("evaluate", 400, "sample", stream, clock) as bar:
        for _ in range(400):  # 0.125 s a sample: 50 s in all
            clock.now += 0.125
            bar.update(1)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 50 // LOG_INTERVAL_S
    assert lines[0] == "evaluate: 80/400 samples (20%), 10 s"
    assert "\r" not in stream.getvalue()


def test_a_quick_stage_and_a_disabled_bar_print_nothing() -> None:
    stream, clock = io.StringIO(), Clock()
    with LogProgress("generate", 5, "task", stream, clock) as bar:
        clock.now += 9.0
        bar.update(5)
    with progress_bar("evaluate", 5, "sample", enabled=False, stream=stream) as bar:
        bar.update(5)
    assert stream.getvalue() == ""


def test_a_pipe_gets_log_lines_not_a_bar() -> None:
    assert isinstance(progress_bar("evaluate", 5, "sample", stream=io.StringIO()), LogProgress)
