"""The local backend: the job runner on this host, with the limits the host allows."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sandboxes.backend import Backend, Job, SandboxUnavailable, stream_jobs
from sandboxes.jobrunner.process import BASE_ENV

SANDBOXES = Path(__file__).parent
TOOLCHAINS_ENV = "HUMANEVAL_X_TOOLCHAINS"
TOOLCHAIN_FILE = "toolchain.json"  # in sandboxes/<lang>/: for the host, not built from


@dataclass(frozen=True)
class HostToolchain:
    """What the local sandbox needs on this host for one language."""

    tools: tuple[str, ...]  # executables, looked up on the job runner's PATH
    install: str  # how to install them on Debian


def host_toolchain(language: str) -> HostToolchain:
    """The host toolchain of a language, from sandboxes/<lang>/toolchain.json."""
    path = SANDBOXES / language / TOOLCHAIN_FILE
    fields = json.loads(path.read_text(encoding="utf-8"))
    return HostToolchain(tuple(fields["tools"]), fields["install"])


def missing_tools(language: str) -> list[str]:
    """The executables of a language's host toolchain that this host lacks."""
    tools = host_toolchain(language).tools
    return [tool for tool in tools if not shutil.which(tool, path=BASE_ENV["PATH"])]


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
        missing = missing_tools(language)
        if missing:
            raise SandboxUnavailable(
                f"the local sandbox cannot run {language}: {', '.join(missing)} not found. "
                f"Install it with `{host_toolchain(language).install}`, or use --sandbox docker."
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
                raise SandboxUnavailable(
                    f"preparing {language} in {target} failed:\n{done.stderr[-2000:]}\n"
                    f"Install it with `{host_toolchain(language).install}`, "
                    f"or use --sandbox docker."
                )
            subprocess.run(["chmod", "-R", "a+rX", str(self.toolchains)], check=True)
            stamp.write_text(inputs_digest(script.parent))
        found = version.read_text().strip() if version.exists() else None
        found = found or _tool_version(host_toolchain(language).tools[0])
        prepared = read_text_or_none(stamp)
        return f"{found}; prepared {prepared[:12]}" if prepared else found

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
    """Digest of what a prepare script builds from: the language's folder, sub-folders included,
    but its Dockerfile, toolchain.json and what a host-side preparation built into build/."""
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] not in ("Dockerfile", TOOLCHAIN_FILE, "build"):
            sha.update(str(relative).encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def read_text_or_none(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
