"""The proof channel: a step that asks for it gets a fresh token on stdin, and only lines that
carry that token count as what the program reports about its tests.

A program's trusted test driver reads the token before any code of the completion runs and,
when the tests have run to the end, writes `HUMANEVAL_X <token> done` on stdout; other events
(`fail`, `reject`, `tamper`, `early-exit`) carry a short detail. Nothing else the program
prints can be mistaken for them, since nobody else knows the token.
"""

from __future__ import annotations

import contextlib
import re

PREFIX = b"HUMANEVAL_X "
MAX_EVENTS = 16
DETAIL_BYTES = 500


class ProofReader:
    """Hands the token to a process and collects the events it reports with it."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.marker = PREFIX + token.encode() + b" "
        self.events: list[list[str]] = []
        self._line = bytearray()
        self._skipping = False  # the current line cannot be an event line

    def hand_over(self, stdin) -> None:
        """Write the token to the process's stdin and close it."""
        with contextlib.suppress(OSError):
            stdin.write(self.token.encode() + b"\n")
        with contextlib.suppress(OSError):
            stdin.close()

    def feed(self, chunk: bytes) -> None:
        """Scan output as it arrives; event lines are complete lines starting with the marker."""
        start = 0
        while start < len(chunk):
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if not self._skipping:
                self._line += piece
                if not self.marker.startswith(bytes(self._line[: len(self.marker)])):
                    self._skipping = True
                    self._line.clear()
                elif len(self._line) > len(self.marker) + DETAIL_BYTES:
                    del self._line[len(self.marker) + DETAIL_BYTES :]
            if end < 0:
                return
            self._end_line()
            start = end + 1

    def _end_line(self) -> None:
        if not self._skipping and self._line.startswith(self.marker):
            text = self._line[len(self.marker) :].decode("utf-8", "replace")
            event, _, detail = text.partition(" ")
            if len(self.events) < MAX_EVENTS:
                self.events.append([event, detail.strip()])
        self._line.clear()
        self._skipping = False

    def report(self, result: dict) -> dict:
        """The events, and the step's stdout tail without the event lines (and the token)."""
        self._end_line()
        pattern = re.escape(PREFIX.decode() + self.token) + r" [^\n]*\n?"
        return {"events": self.events, "stdout_tail": re.sub(pattern, "", result["stdout_tail"])}
