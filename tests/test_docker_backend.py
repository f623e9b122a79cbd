"""The Docker backend: container settings, streaming, replacement of lost containers, cleanup."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_fixtures import make_backend

from sandboxes import docker_backend, images
from sandboxes.backend import Job, SandboxUnavailable, Step
from sandboxes.docker_backend import OWNER_LABEL, DockerBackend

REPO = Path(__file__).resolve().parents[1]


def python_job(name: str, code: str, timeout_s: float = 5.0) -> Job:
    step = Step("run", ("python3", "main.py"), timeout_s, memory_mb=512)
    return Job(id=name, language="python", files={"main.py": code}, steps=(step,))


@pytest.fixture(scope="module")
def backend():
    backend = make_backend("docker", ["python"])
    with backend:
        yield backend


def _owned_containers(client, pid: int) -> list:
    owner = f"{socket.gethostname()}:{pid}"
    return client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})


def test_docker_is_unavailable_without_an_engine(monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert DockerBackend.available() is False


@pytest.mark.docker
def test_containers_are_locked_down(backend: DockerBackend) -> None:
    sandbox = next(iter(backend._live))
    sandbox.container.reload()
    host = sandbox.container.attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["Memory"] == host["MemorySwap"] == backend.limits.memory_mb << 20
    assert host["PidsLimit"] == backend.limits.pids
    assert host["NanoCpus"] == int(backend.limits.cpus * 1e9)
    assert f"size={backend.limits.tmpfs_mb}m" in host["Tmpfs"]["/tmp"]
    assert sorted(host["CapAdd"]) == sorted(docker_backend.RUNNER_CAPABILITIES)
    assert host["Sysctls"] == docker_backend.NO_SYSV_IPC
    command = sandbox.container.attrs["Config"]["Cmd"]
    assert command[command.index("--isolation") + 1] == "container"
    assert int(command[command.index("--slot") + 1]) == sandbox.slot


@pytest.mark.docker
def test_each_container_holds_a_slot_of_its_own(backend: DockerBackend) -> None:
    """Slots (and so job uids) are unique among the containers of every run on the host."""
    with DockerBackend(workers=2) as other:
        other.prepare(["python"])
        slots = [sandbox.slot for sandbox in [*backend._live, *other._live]]
    assert len(slots) == len(set(slots))


@pytest.mark.docker
def test_describe_reports_images_and_toolchains(backend: DockerBackend) -> None:
    described = backend.describe()
    assert described["backend"] == "docker"
    assert described["images"]["python"]["id"].startswith("sha256:")
    assert described["toolchains"]["python"].startswith("Python 3")


@pytest.mark.docker
def test_jobs_stream_through_long_lived_containers(backend: DockerBackend) -> None:
    before = len(backend._live)
    jobs = [python_job(f"j{n}", f"print({n} * 2)") for n in range(12)]
    verdicts = {v["id"]: v for v in backend.run(jobs)}
    assert {v["steps"][0]["stdout_tail"] for v in verdicts.values()} == {
        f"{n * 2}\n" for n in range(12)
    }
    assert len(backend._live) <= max(before, backend.workers)


@pytest.mark.docker
def test_a_killed_container_is_replaced_and_its_job_retried(backend, monkeypatch) -> None:
    kills = _kill_on_run(monkeypatch, times=1)
    [verdict] = backend.run([python_job("retried", "print('survived')")])
    assert verdict["error"] is None and verdict["steps"][0]["stdout_tail"] == "survived\n"
    assert kills and all(_gone(container) for container in kills)


@pytest.mark.docker
def test_a_job_that_loses_two_containers_is_a_sandbox_error(backend, monkeypatch) -> None:
    kills = _kill_on_run(monkeypatch, times=2)
    [verdict] = backend.run([python_job("doomed", "print('never')")])
    assert verdict["steps"] == [] and "failed twice" in verdict["error"]
    assert len(kills) == 2
    [after] = backend.run([python_job("after", "print('fine')")])
    assert after["error"] is None


@pytest.mark.docker
def test_a_container_that_stops_answering_is_replaced(backend, monkeypatch) -> None:
    monkeypatch.setattr(docker_backend, "ANSWER_SLACK_S", 1.0)
    original = docker_backend._Sandbox.run
    paused = []

    def pause_once(sandbox, job, timeout):
        if not paused:
            sandbox.container.pause()
            paused.append(sandbox.container)
        return original(sandbox, job, timeout)

    monkeypatch.setattr(docker_backend._Sandbox, "run", pause_once)
    started = time.monotonic()
    [verdict] = backend.run([python_job("hung", "print('answered')", timeout_s=1.0)])
    assert verdict["error"] is None and verdict["steps"][0]["stdout_tail"] == "answered\n"
    assert time.monotonic() - started < 15
    assert _gone(paused[0])


@pytest.mark.docker
def test_missing_base_image_gives_a_clear_error(backend, monkeypatch) -> None:
    monkeypatch.setenv(images.BASE_ENV, "humaneval-x/no-such-base:missing")
    with pytest.raises(SandboxUnavailable, match="make base-image"):
        images.ensure(backend._client, ["python"])


@pytest.mark.docker
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_containers_are_removed_when_interrupted(backend, signum) -> None:
    script = (
        "import sys\n"
        "from sandboxes.docker_backend import DockerBackend\n"
        "from tests.test_docker_backend import python_job\n"
        "with DockerBackend(workers=1) as backend:\n"
        "    backend.prepare(['python'])\n"
        "    print('ready', flush=True)\n"
        "    list(backend.run([python_job('slow', 'import time; time.sleep(60)', 90)]))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'tests'}"},
    )  # fmt: skip
    try:
        assert process.stdout.readline().strip() == "ready"
        assert _owned_containers(backend._client, process.pid)
        time.sleep(1.0)  # the job is running
        process.send_signal(signum)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert _owned_containers(backend._client, process.pid) == []


def _kill_on_run(monkeypatch, times: int) -> list:
    """Make the next `times` job submissions find their container killed from outside."""
    original = docker_backend._Sandbox.run
    killed = []

    def kill_then_run(sandbox, job, timeout):
        if len(killed) < times:
            sandbox.container.kill()
            killed.append(sandbox.container)
        return original(sandbox, job, timeout)

    monkeypatch.setattr(docker_backend._Sandbox, "run", kill_then_run)
    return killed


def _gone(container) -> bool:
    try:
        container.reload()
    except Exception:  # docker.errors.NotFound
        return True
    return False
