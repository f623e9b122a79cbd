"""Crash-safe JSON-lines files: append whole lines, and on reading drop a line torn by a crash."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from types import TracebackType


def read_rows(path: Path, repair: bool = True) -> list[dict]:
    """Complete rows of a file this harness appended to; truncates a torn last line unless
    `repair` is false (a reader while a writer may still be appending)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data) and repair:
        with open(path, "r+b") as handle:
            handle.truncate(end)
    return [json.loads(line) for line in data[:end].splitlines() if line.strip()]


class Appender:
    """Appends rows as whole lines, flushed to the OS at once and synced to disk on close."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, row: dict) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def __enter__(self) -> Appender:
        return self

    def __exit__(
        self, kind: type | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write a JSON file so readers see the old or the new content, never half of it."""
    _replace(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def write_rows_atomic(path: Path, rows: list[dict]) -> None:
    """Replace a JSON-lines file by `rows` in one step, as write_json_atomic does."""
    _replace(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def _replace(path: Path, text: str) -> None:
    """The text goes to a temporary file of a unique name in the same folder first, so that
    concurrent writers of one path never share it, then replaces `path` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
