"""Content-addressed verdict cache: a program once judged is not run again, in any later run.

A verdict is stored under the digest of the job (its language, files, steps and limits), the
identity of what judged it (the backend, its limits, the language's image or toolchain version,
the job runner) and the version of the rules that turn steps into verdicts. Only verdicts that
depend on the program alone are stored: not sandbox errors, and not a timeout that the
program did not earn by using its CPU time (it waited, or other processes had the CPU).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from humaneval_x.jsonl import write_json_atomic
from sandboxes.backend import Job, jobrunner_digest

CACHE_ENV = "HUMANEVAL_X_CACHE"
# Changes whenever what a verdict means changes, so no verdict of older rules is reused.
VERDICT_RULES = "proof-1"
CPU_SHARE = 0.9  # a timeout is the program's own when it used this share of its time limit


def default_cache_dir() -> Path:
    """$HUMANEVAL_X_CACHE, else ~/.cache/humaneval-x."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path.home() / ".cache" / "humaneval-x"


def sandbox_identity(sandbox: dict, language: str) -> dict:
    """What, besides the job itself, decides a verdict of `language` (from backend.describe())."""
    return {
        "backend": sandbox.get("backend"),
        "limits": sandbox.get("limits"),
        "image": sandbox.get("images", {}).get(language),
        "toolchain": sandbox.get("toolchains", {}).get(language),
        "jobrunner": jobrunner_digest(),
        "rules": VERDICT_RULES,
    }


class VerdictCache:
    """Verdicts on disk, one JSON file per key, under root/verdicts/."""

    def __init__(self, root: Path, sandbox: dict) -> None:
        self.root = root / "verdicts"
        self.sandbox = sandbox
        self._identities: dict[str, str] = {}

    def key(self, job: Job) -> str:
        if job.language not in self._identities:
            identity = sandbox_identity(self.sandbox, job.language)
            self._identities[job.language] = json.dumps(identity, sort_keys=True)
        text = json.dumps([job.to_json(), job.language, self._identities[job.language]])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, job: Job, repeats: int = 1) -> dict | None:
        """The stored verdict of `job`, with the job's id, if it held at least `repeats` times."""
        try:
            verdict = json.loads(self._path(self.key(job)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if verdict.get("repeats", 1) < repeats:
            return None
        return {**verdict, "id": job.id}

    def put(self, job: Job, verdicts: list[dict]) -> None:
        """Store the verdict of a program's runs (atomically) if they agree and it depends on
        the program alone; it records how many runs it held for."""
        first = verdicts[0]
        if any(_outcome(verdict) != _outcome(first) for verdict in verdicts[1:]):
            return
        if not all(depends_on_program_alone(verdict) for verdict in verdicts):
            return
        write_json_atomic(self._path(self.key(job)), {**first, "repeats": len(verdicts)})


def depends_on_program_alone(verdict: dict) -> bool:
    """Not a sandbox error, and no step timed out before using most of its CPU time limit."""
    if verdict.get("error"):
        return False
    for step in verdict.get("steps", []):
        limit = step.get("limit_s", float("inf"))
        if step.get("timed_out") and step.get("cpu_s", 0.0) < CPU_SHARE * limit:
            return False
    return True


def _outcome(verdict: dict) -> list:
    """What a verdict says, without timings and tails: whether two runs agree."""
    keys = ("exit_code", "signal", "timed_out", "output_limit", "oom_killed")
    steps = [[step.get(key) for key in keys] + [step.get("events")] for step in verdict["steps"]]
    members = verdict.get("members")
    return [steps, None if members is None else [_outcome(member) for member in members]]
