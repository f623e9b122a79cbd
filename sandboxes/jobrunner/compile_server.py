"""Long-lived compilers of a worker (e.g. JavacServer), used for a job's compile step."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import struct
import subprocess
import time

from .isolation import Isolation
from .process import BASE_ENV, DEFAULT_LIMITS, expand, kill_group, limiter, step_result


class CompileServer:
    """A long-lived compiler of this worker (e.g. JavacServer): sources in, class files out.

    It gets the job's files in its request and answers the files it made, so it needs no
    access to job directories. As root it runs under its own uid, never a job's. It must make
    itself non-dumpable (checked after every answer: /proc/PID/mem then belongs to root), so
    jobs of the same uid can neither ptrace it nor open its pipes; signals they send only stop
    or kill it, which the next request undoes (SIGCONT, restart).
    """

    def __init__(self, argv: list[str]) -> None:
        uid = Isolation.compiler_uid()
        limits = {**DEFAULT_LIMITS, "processes": 4096}
        self.answered = False
        self.answers, answers = os.pipe()  # its answers, apart from whatever the JVM prints
        if uid is not None:  # the server opens it as /proc/self/fd/N, as its own uid
            os.fchown(answers, uid, uid)
        try:
            self.process = subprocess.Popen(
                [*argv, str(answers)], cwd="/", env={**BASE_ENV, "HOME": "/"},
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(answers,), start_new_session=True,
                preexec_fn=limiter(None, 1 << 30, limits, uid),
            )  # fmt: skip
        finally:
            os.close(answers)

    def compile(self, args: list[str], files: dict[str, str], deadline: float) -> tuple:
        """(exit code, stdout, stderr, {class file: bytes}); raises OSError when lost."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
        pairs = [text for item in files.items() for text in item]
        request = _pack(len(args), args) + _pack(len(files), pairs)
        self.process.stdin.write(request)
        self.process.stdin.flush()
        reader = _FrameReader(self.answers, deadline)
        code, stdout, stderr = reader.int(), reader.text(), reader.text()
        made = {reader.text(): reader.bytes() for _ in range(reader.int())}
        if os.stat(f"/proc/{self.process.pid}/mem").st_uid != 0:
            raise OSError("the compile server is dumpable")
        self.answered = True
        return code, stdout, stderr, made

    def stop(self) -> None:
        kill_group(self.process.pid)
        self.process.wait()
        os.close(self.answers)


class _FrameReader:
    """Big-endian ints and length-prefixed strings from a pipe, before a deadline."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline, self.buffer = fd, deadline, bytearray()

    def take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise TimeoutError("the compile server did not answer in time")
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise OSError("the compile server exited")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def bytes(self) -> bytes:
        return self.take(self.int())

    def text(self) -> str:
        return self.bytes().decode("utf-8", "replace")


def _pack(count: int, texts: list[str]) -> bytes:
    """A count, then each text as a length and UTF-8 bytes (JavacServer's request format)."""
    encoded = [text.encode("utf-8") for text in texts]
    return struct.pack(">i", count) + b"".join(struct.pack(">i", len(e)) + e for e in encoded)


_servers: dict[tuple[str, ...], CompileServer | None] = {}  # None: unusable in this worker


def server_pids() -> set[int]:
    """The processes of this worker's compile servers (they outlive jobs)."""
    return {server.process.pid for server in _servers.values() if server}


def serve_step(step: dict, directory: str, toolchains: str, files: dict) -> dict | None:
    """Run a compile step on the worker's compile server; None to run it as a process instead.

    Process-only arguments (javac's -J options) are not sent; the server's answer is written
    into the job directory as the command would have written it.
    """
    key = tuple(expand(arg, toolchains, directory) for arg in step["server"])
    args = _server_args([expand(arg, toolchains, directory) for arg in step["argv"][1:]])
    started = time.monotonic()
    for _ in range(2):  # a server killed by an earlier job is restarted once
        if _servers.get(key, False) is None:
            return None
        server = _servers.get(key) or _start_server(key)
        if server is None:
            return None
        try:
            code, stdout, stderr, made = server.compile(args, files, started + step["timeout_s"])
        except TimeoutError:
            _drop_server(key, usable=True)
            timed_out = step_result(step["phase"], None, None, True, started, b"", b"", False)
            return {**timed_out, "limit_s": step["timeout_s"]}
        except OSError:  # restart a server that once answered and was killed since
            _drop_server(key, usable=server.answered and server.process.poll() is not None)
            continue
        _write_made(directory, made)
        result = step_result(step["phase"], code, None, False, started, stdout.encode(),
                             stderr.encode(), False)  # fmt: skip
        return {**result, "served": True}
    return None


def _server_args(args: list[str]) -> list[str]:
    """The compiler's arguments without what only a process needs (-J options, -d DIR)."""
    kept: list[str] = []
    for arg in args:
        if kept and kept[-1] == "-d":
            kept.pop()
        elif not arg.startswith("-J"):
            kept.append(arg)
    return kept


def _start_server(key: tuple[str, ...]) -> CompileServer | None:
    try:
        _servers[key] = CompileServer(list(key))
    except OSError:
        _servers[key] = None
    return _servers[key]


def _drop_server(key: tuple[str, ...], usable: bool) -> None:
    server = _servers.pop(key, None)
    if server:
        server.stop()
    if not usable:
        _servers[key] = None


def _write_made(directory: str, made: dict[str, bytes]) -> None:
    """Write the compiler's files (relative paths of plain names) into the job directory."""
    owner = os.stat(directory)
    for name, data in made.items():
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"compile server file name {name!r} must be a relative path")
        path = directory
        for part in parts[:-1]:
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                _give(path, owner)
        path = os.path.join(path, parts[-1])
        with open(path, "wb") as handle:
            handle.write(data)
        _give(path, owner)


def _give(path: str, owner: os.stat_result) -> None:
    """Hand a file the runner made to the job's uid (as root)."""
    if os.geteuid() == 0:
        os.chown(path, owner.st_uid, owner.st_gid)
