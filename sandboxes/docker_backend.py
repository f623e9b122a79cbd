"""The Docker backend: the job runner inside long-lived, locked-down containers.

Each container runs one job runner (`--workers 1`, as the container's PID 1) that reads jobs on
its stdin through the attach socket and answers one verdict line per job. Containers have no
network, no SysV IPC or message queues, a read-only root filesystem, a size-limited tmpfs for
job directories, memory (swap included), CPU and pid limits and no-new-privileges. The runner
is root with only the capabilities it needs to run each job as the unprivileged uid of the
container's host-wide slot (and the compile servers as another), so no two containers of any
run on the host share a uid. A pool of containers per language is kept for the whole run; at
most `workers` jobs run at once, across concurrent run() calls too (the Ray backend's node
actors make such calls). A container that dies or stops answering is replaced and its job
retried once.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import socket
import struct
import threading
import time
import weakref
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import docker
from docker.errors import DockerException, ImageNotFound
from docker.types import LogConfig

from sandboxes import images
from sandboxes import languages as sandbox_languages
from sandboxes.backend import Backend, Job, SandboxUnavailable
from sandboxes.jobrunner.isolation import claim_slot
from sandboxes.jobrunner.process import WALL_FACTOR, WALL_SLACK_S

SANDBOX_LABEL = "org.humaneval-x.sandbox"
OWNER_LABEL = "org.humaneval-x.owner"
TOOLCHAINS = "/opt/humaneval-x/toolchains"
# What the runner needs to run jobs as another uid, hand them their files and clean up after.
RUNNER_CAPABILITIES = ["SETUID", "SETGID", "KILL", "CHOWN", "FOWNER", "DAC_OVERRIDE"]
# No SysV shared memory, message queues or semaphores in the container's IPC namespace.
NO_SYSV_IPC = {"kernel.shmall": "0", "kernel.msgmni": "0",
               "kernel.sem": "0 0 0 0"}  # fmt: skip
ANSWER_SLACK_S = 30.0  # beyond the job's own step limits, before a container counts as hung
STDERR_KEEP = 2000


@dataclass(frozen=True)
class ContainerLimits:
    """Resources of one container (it runs one job at a time)."""

    memory_mb: int = 3072  # swap included; above the 2 GiB compile steps and the JVM's 1 GiB heap
    tmpfs_mb: int = 512
    cpus: float = 2.0  # room for parallel compilers (go, javac); a fork bomb gets no more
    pids: int = 256


class SandboxLost(Exception):
    """The container died, broke the protocol or stopped answering."""


class _Sandbox:
    """One container and its attach socket: one job in, one verdict out."""

    def __init__(self, client: docker.DockerClient, image: str, limits: ContainerLimits):
        self.slot, self._slot_lock = claim_slot()  # held for the container's life
        command = ["python3", "-u", "-P", "-m", "jobrunner", "--workers", "1", "--isolation",
                   "container", "--slot", str(self.slot), "--toolchains", TOOLCHAINS]  # fmt: skip
        try:
            self.container = client.containers.create(
                image,
                command=command,
                stdin_open=True,
                network_mode="none",
                ipc_mode="none",
                sysctls=NO_SYSV_IPC,
                read_only=True,
                tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={limits.tmpfs_mb}m,mode=1777"},
                mem_limit=f"{limits.memory_mb}m",
                memswap_limit=f"{limits.memory_mb}m",
                nano_cpus=int(limits.cpus * 1e9),
                pids_limit=limits.pids,
                cap_drop=["ALL"],
                cap_add=RUNNER_CAPABILITIES,
                security_opt=["no-new-privileges"],
                user="0:0",
                log_config=LogConfig(type=LogConfig.types.NONE),
                labels={SANDBOX_LABEL: "1", OWNER_LABEL: _owner()},
            )
        except Exception:
            os.close(self._slot_lock)
            raise
        try:
            params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            attached = self.container.attach_socket(params=params)
            self._socket: socket.socket = getattr(attached, "_sock", attached)
            self.container.start()
        except Exception:
            self.destroy()
            raise
        self._stdout = b""
        self._stderr = b""

    def run(self, job: Job, timeout: float) -> dict:
        """Send one job and wait for its verdict; raise SandboxLost if none comes."""
        try:
            self._socket.sendall((json.dumps(job.to_json()) + "\n").encode())
        except OSError as exc:
            raise SandboxLost(f"cannot send the job: {exc}; {self._state()}") from exc
        deadline = time.monotonic() + timeout
        while b"\n" not in self._stdout:
            self._read_frame(deadline)
        line, _, self._stdout = self._stdout.partition(b"\n")
        try:
            verdict = json.loads(line)
        except ValueError as exc:
            raise SandboxLost(f"unreadable verdict {line[:200]!r}") from exc
        if not isinstance(verdict, dict) or verdict.get("id") != job.id:
            raise SandboxLost(f"verdict {line[:200]!r} is not for job {job.id!r}")
        return verdict

    def read_file(self, path: str) -> str:
        result = self.container.exec_run(["cat", path])
        return result.output.decode("utf-8", "replace").strip() if result.exit_code == 0 else ""

    def _read_frame(self, deadline: float) -> None:
        stream, size = struct.unpack(">BxxxL", self._recv(8, deadline))
        data = self._recv(size, deadline)
        if stream == 2:
            self._stderr = (self._stderr + data)[-STDERR_KEEP:]
        else:
            self._stdout += data

    def _recv(self, size: int, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxLost("the container stopped answering")
            self._socket.settimeout(remaining)
            try:
                chunk = self._socket.recv(size - len(data))
            except TimeoutError:
                continue
            except OSError as exc:
                raise SandboxLost(f"attach socket failed: {exc}") from exc
            if not chunk:
                raise SandboxLost(f"the container exited: {self._state()}")
            data += chunk
        return data

    def _state(self) -> str:
        try:
            self.container.reload()
            state = self.container.attrs["State"]
            text = f"status {state['Status']}, exit code {state['ExitCode']}"
            text += ", OOM-killed" if state.get("OOMKilled") else ""
        except DockerException as exc:
            text = f"state unknown ({exc})"
        stderr = self._stderr.decode("utf-8", "replace").strip()
        return f"{text}; runner stderr: {stderr[-500:]}" if stderr else text

    def destroy(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
        # The engine may be gone at exit; orphans are then removed by the next prepare().
        with contextlib.suppress(DockerException):
            self.container.remove(force=True)
        with contextlib.suppress(OSError):
            os.close(self._slot_lock)  # its uids are free once the container is gone


class DockerBackend(Backend):
    name = "docker"

    def __init__(self, workers: int | None = None, limits: ContainerLimits | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.limits = limits or ContainerLimits()
        self._client: docker.DockerClient | None = None
        self._images: dict[str, str] = {}
        self._versions: dict[str, str] = {}
        self._idle: dict[str, list[_Sandbox]] = defaultdict(list)
        self._live: set[_Sandbox] = set()
        self._lock = threading.Lock()
        self._running = threading.BoundedSemaphore(self.workers)  # across concurrent run() calls
        self._closed = False
        _BACKENDS.add(self)

    @classmethod
    def available(cls) -> bool:
        """Whether a Docker engine answers and the sandbox images exist or can be built."""
        try:
            client = docker.from_env(timeout=10)
            client.ping()
            if all(images.is_current(client, lang) for lang in sandbox_languages()):
                return True
            client.images.get(images.base_image())
            return True
        except (DockerException, ImageNotFound):
            return False

    def prepare(self, languages: Iterable[str]) -> None:
        """Check the engine, build missing or stale images and start one container each."""
        client = self._connect()
        _install_sigterm_handler()
        _remove_orphans(client)
        wanted = [lang for lang in languages if lang not in self._images]
        self._images.update(images.ensure(client, wanted))
        for language in wanted:
            sandbox = self._start(language)
            self._versions[language] = sandbox.read_file(f"{TOOLCHAINS}/{language}/VERSION")
            self._release(language, sandbox)

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        if not jobs:
            return
        missing = sorted({job.language for job in jobs} - self._images.keys())
        if missing:
            self.prepare(missing)
        pending = deque(jobs)
        verdicts: queue.Queue[dict | None] = queue.Queue()
        stop = threading.Event()
        threads = [
            threading.Thread(target=self._drain, args=(pending, verdicts, stop), daemon=True)
            for _ in range(min(self.workers, len(jobs)))
        ]
        for thread in threads:
            thread.start()
        try:
            finished = 0
            while finished < len(threads):
                verdict = verdicts.get()
                if verdict is None:
                    finished += 1
                else:
                    yield verdict
        finally:
            stop.set()

    def describe(self) -> dict:
        return {
            "backend": self.name,
            "images": {
                lang: {"tag": images.image_tag(lang), "id": image}
                for lang, image in self._images.items()
            },
            "toolchains": dict(self._versions),
            "limits": {**self.limits.__dict__, "workers": self.workers},
        }

    def close(self) -> None:
        """Remove every container of this backend (also run at exit and on SIGTERM)."""
        with self._lock:
            self._closed = True
            sandboxes = list(self._live)
            self._live.clear()
            self._idle.clear()
        if sandboxes:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(_Sandbox.destroy, sandboxes))

    def _connect(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.from_env()
                self._client.ping()
            except DockerException as exc:
                self._client = None
                raise SandboxUnavailable(
                    f"the docker sandbox needs a running Docker engine ({exc}); start dockerd, "
                    f"or use --sandbox local"
                ) from exc
        return self._client

    def _drain(self, pending: deque[Job], verdicts: queue.Queue, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                with self._running:  # a job is taken only when it can start
                    try:
                        job = pending.popleft()
                    except IndexError:
                        return
                    try:
                        verdicts.put(self._judge(job))
                    except Exception as exc:  # a worker thread must not lose its job
                        error = f"docker backend: {exc!r}"
                        verdicts.put({"id": job.id, "steps": [], "error": error})
        finally:
            verdicts.put(None)

    def _judge(self, job: Job) -> dict:
        """Run one job; a lost container is replaced and the job retried once."""
        reason = ""
        for _attempt in range(2):
            try:
                sandbox = self._acquire(job.language)
            except (DockerException, SandboxUnavailable) as exc:
                reason = f"cannot start a container: {exc}"
                continue
            try:
                verdict = sandbox.run(job, _answer_timeout(job))
            except SandboxLost as exc:
                reason = str(exc)
                self._discard(sandbox)
                continue
            self._release(job.language, sandbox)
            return verdict
        return {"id": job.id, "steps": [], "error": f"sandbox failed twice: {reason}"}

    def _acquire(self, language: str) -> _Sandbox:
        with self._lock:
            if self._idle[language]:
                return self._idle[language].pop()
        return self._start(language)

    def _start(self, language: str) -> _Sandbox:
        if self._closed:
            raise SandboxUnavailable("the docker backend is closed")
        sandbox = _Sandbox(self._connect(), self._images[language], self.limits)
        with self._lock:
            self._live.add(sandbox)
        return sandbox

    def _release(self, language: str, sandbox: _Sandbox) -> None:
        with self._lock:
            if not self._closed:
                self._idle[language].append(sandbox)
                return
        sandbox.destroy()

    def _discard(self, sandbox: _Sandbox) -> None:
        with self._lock:
            self._live.discard(sandbox)
        sandbox.destroy()


def _answer_timeout(job: Job) -> float:
    """The job runner's wall-clock backstops of every step, and slack (jobrunner/process.py)."""
    steps = job.all_steps()
    return sum(WALL_FACTOR * step.timeout_s + WALL_SLACK_S for step in steps) + ANSWER_SLACK_S


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _remove_orphans(client: docker.DockerClient) -> None:
    """Remove sandbox containers left by processes of this host that no longer exist."""
    host = socket.gethostname()
    for container in client.containers.list(all=True, filters={"label": SANDBOX_LABEL}):
        owner_host, _, pid = container.labels.get(OWNER_LABEL, "").rpartition(":")
        if owner_host == host and pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(DockerException):
                container.remove(force=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_BACKENDS: weakref.WeakSet[DockerBackend] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for backend in list(_BACKENDS):
        backend.close()


def _install_sigterm_handler() -> None:
    """Turn SIGTERM into SystemExit, so context managers and atexit remove the containers."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
