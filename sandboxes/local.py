"""The local backend: the job runner on this host, with the limits the host allows."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from humaneval_x.errors import ToolchainError
from humaneval_x.languages import get_language
from sandboxes.backend import Backend, Job, stream_jobs
from sandboxes.jobrunner.process import BASE_ENV

SANDBOXES = Path(__file__).parent
TOOLCHAINS_ENV = "HUMANEVAL_X_TOOLCHAINS"


def default_toolchains_dir() -> Path:
    """Prepared crates, packages and caches; readable by the sandbox users when run as root."""
    if os.environ.get(TOOLCHAINS_ENV):
        return Path(os.environ[TOOLCHAINS_ENV])
    if os.geteuid() == 0:
        return Path("/var/cache/humaneval-x/toolchains")
    return Path.home() / ".cache" / "humaneval-x" / "toolchains"


class LocalBackend(Backend):
    name = "local"

    def __init__(self, workers: int | None = None, toolchains: Path | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.toolchains = toolchains or default_toolchains_dir()
        self.versions: dict[str, str] = {}

    def prepare(self, languages: Iterable[str]) -> None:
        for language in languages:
            self._check_tools(language)
            self.versions[language] = self._prepare_language(language)

    def _check_tools(self, language: str) -> None:
        spec = get_language(language)
        missing = [tool for tool in spec.tools if not shutil.which(tool, path=BASE_ENV["PATH"])]
        if missing:
            raise ToolchainError(
                f"the local sandbox cannot run {language}: {', '.join(missing)} not found. "
                f"Install it with `{spec.install_hint}`, or use --sandbox docker."
            )

    def _prepare_language(self, language: str) -> str:
        """Run sandboxes/<language>/prepare.sh when its inputs changed; return the version."""
        script = SANDBOXES / language / "prepare.sh"
        target = self.toolchains / language
        stamp, version = target / ".prepared", target / "VERSION"
        if script.exists() and read_text_or_none(stamp) != inputs_digest(script.parent):
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(["sh", str(script), str(target)], capture_output=True, text=True)
            if done.returncode != 0:
                raise ToolchainError(
                    f"preparing {language} in {target} failed:\n{done.stderr[-2000:]}\n"
                    f"Install it with `{get_language(language).install_hint}`, "
                    f"or use --sandbox docker."
                )
            subprocess.run(["chmod", "-R", "a+rX", str(self.toolchains)], check=True)
            stamp.write_text(inputs_digest(script.parent))
        if version.exists():
            return version.read_text().strip()
        return _tool_version(get_language(language).tools[0])

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        if not jobs:
            return
        command = [sys.executable, "-m", "sandboxes.jobrunner", "--workers", str(self.workers),
                   "--toolchains", str(self.toolchains)]  # fmt: skip
        process = subprocess.Popen(  # from the folder above sandboxes/: the first on sys.path
            command, cwd=SANDBOXES.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
        try:
            yield from stream_jobs(process, jobs)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, 9)
                process.wait()

    def describe(self) -> dict:
        return {"backend": self.name, "images": {}, "toolchains": dict(self.versions)}


def _tool_version(tool: str) -> str:
    path = shutil.which(tool, path=BASE_ENV["PATH"])
    if path is None:
        return "missing"
    flag = "-version" if tool == "java" else "--version"
    done = subprocess.run([path, flag], capture_output=True, text=True)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def inputs_digest(folder: Path) -> str:
    """Digest of what a prepare script builds from: every file of the language's folder."""
    sha = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != "Dockerfile"):
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def read_text_or_none(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
