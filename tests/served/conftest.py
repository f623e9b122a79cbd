"""Fixtures for the served-model runners: the designed tiny model, and a real OpenAI-compatible
server (`transformers serve`) on 127.0.0.1 (faulty_proxy.py puts faults in front of it).

Without torch, transformers or httpx these tests skip; with HUMANEVAL_X_REQUIRE_SERVER=1 (CI)
they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.served.faulty_proxy import free_port

REQUIRE_SERVER = "HUMANEVAL_X_REQUIRE_SERVER"
NEEDED = ("httpx", "torch", "transformers", "fastapi", "uvicorn")
START_TIMEOUT_S = 180


def require_server_packages(modules: tuple[str, ...] = NEEDED) -> None:
    """Skip (a test, or a module when called at its top) when a package is missing, or fail when
    CI demands the server tests."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        message = f"not installed: {', '.join(missing)} (pip install -e '.[openai,transformers]')"
        if os.environ.get(REQUIRE_SERVER) == "1":
            pytest.fail(f"{message} ({REQUIRE_SERVER}=1)")
        pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    require_server_packages()
    from tests.served.tiny_model import write_tiny_model

    return write_tiny_model(tmp_path_factory.mktemp("served") / "tiny-llama")


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, and its log (uvicorn's access lines among others)."""

    url: str
    log: Path

    def requests(self, path: str) -> int:
        """How many POST requests to `path` the server has logged so far."""
        return self.log.read_text(errors="replace").count(f'"POST {path} HTTP')


@pytest.fixture(scope="session")
def server(tiny_model, tmp_path_factory) -> Iterator[Server]:
    """`transformers serve` pinned to the tiny model, on a free port of 127.0.0.1."""
    import httpx

    port = free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    command = [_transformers_cli(), "serve", str(tiny_model), "--host", "127.0.0.1",
               "--port", str(port), "--device", "cpu"]  # fmt: skip
    with open(log, "wb") as output:
        offline = {**os.environ, "HF_HUB_OFFLINE": "1"}  # a local model: never ask the hub
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=offline)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log, httpx)
        yield Server(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _transformers_cli() -> str:
    beside = Path(sys.executable).with_name("transformers")
    return str(beside) if beside.exists() else shutil.which("transformers") or "transformers"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, httpx) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"transformers serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"transformers serve did not answer in {START_TIMEOUT_S} s:\n{log.read_text()}")
