"""In-sandbox job runner: reads jobs as JSON lines on stdin, writes one verdict line per job.

It is the only code that touches untrusted programs, and the same file runs on the host (local
backend) and inside every container (docker backend). Standard library only.

A job is `{"id", "files": {name: text}, "steps": [{"phase", "argv", "timeout_s", "memory_mb",
"env"}], "limits": {"output_bytes", "processes", "file_bytes"}}`. Each job runs in a fresh
directory, each step in its own session with resource limits and a wall-clock limit that kills
every process the job started (the worker is a child subreaper, so nothing escapes by
daemonising). When run as root the job also gets its own unprivileged uid and no network.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import multiprocessing
import os
import resource
import select
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

# data_mb caps committed private memory (RLIMIT_DATA) of steps without memory_mb, whose runtimes
# (JVM, node, Go) reserve far more address space than they use: it keeps the host safe.
DEFAULT_LIMITS = {
    "output_bytes": 1 << 20, "processes": 64, "file_bytes": 64 << 20, "data_mb": 4096,
}  # fmt: skip
SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # where any uid may write
TAIL_BYTES = 4096
EXIT_POLL_S = 0.1  # how often a step with open pipes is checked for having exited
EXIT_GRACE_S = 0.2  # how long output is still read after the process itself exited
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
SANDBOX_UID_BASE = 61000
SLOT_LOCKS = "/run/humaneval-x"  # as root, each worker holds the lock of a host-wide slot
COMPILER_UID_BASE = 60000  # compile servers, one uid per worker slot, never a job's

_libc = ctypes.CDLL(None, use_errno=True)
_slot = 0  # this worker's slot number, set by the pool initializer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--toolchains", default="/opt/humaneval-x", help="prepared toolchains")
    parser.add_argument("--workdir", default=None, help="where job directories are made")
    parser.add_argument(
        "--exclusive-workdir",
        action="store_true",
        help="the workdir is this runner's alone: empty it after each job",
    )
    args = parser.parse_args(argv)
    _require_child_lists()
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # die with the harness, even on kill -9
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="humaneval-x-jobs-") as private:
            os.chmod(private, 0o711)  # jobs reach their own directory but cannot list the others
            return _serve(args, private)
    return _serve(args, args.workdir)


def _serve(args: argparse.Namespace, workdir: str) -> int:
    """Run the jobs read from stdin, one verdict line each on stdout."""
    options = (args.toolchains, workdir, args.exclusive_workdir)
    jobs = ((line, *options) for line in sys.stdin if line.strip())
    if args.workers == 1:  # jobs run below this very process: no pool worker a job could kill
        _become_worker(0)
        _emit(map(_run_line, jobs))
        return 0
    context = multiprocessing.get_context("fork")
    slots = context.Queue()
    for slot in range(args.workers):
        slots.put(slot)
    with context.Pool(args.workers, _init_worker, (slots,), maxtasksperchild=None) as pool:
        _emit(pool.imap_unordered(_run_line, jobs))
    return 0


def _emit(verdicts) -> None:
    for verdict in verdicts:
        sys.stdout.write(verdict + "\n")
        sys.stdout.flush()


def _init_worker(slots) -> None:
    _become_worker(slots.get())


def _become_worker(slot: int) -> None:
    global _slot
    _slot = _claim_slot(slot)
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not dumpable: a job running under the same uid cannot ptrace this process or open its
    # /proc files (its stdin and stdout carry the jobs and verdicts).
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _claim_slot(preferred: int) -> int:
    """As root, a slot (so uids) that no other job runner of this host holds; else `preferred`.

    Job runners started side by side would otherwise give their jobs the same uids, and a job
    could signal another runner's jobs or have its leftovers cleaned up by it.
    """
    if os.geteuid() != 0:
        return preferred
    os.makedirs(SLOT_LOCKS, exist_ok=True)
    for slot in range(1000):
        fd = os.open(f"{SLOT_LOCKS}/slot-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot  # the lock is held as long as this worker lives (fd not inherited)
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError("every sandbox slot of this host is taken")


def _run_line(item: tuple[str, str, str | None, bool]) -> str:
    line, toolchains, workdir, exclusive = item
    job_id = None
    try:
        job = json.loads(line)
        job_id = job.get("id")
        verdict = run_job(job, toolchains, workdir, exclusive)
    except Exception as exc:  # a broken job must not take the runner down
        verdict = {"id": job_id, "steps": [], "error": f"{type(exc).__name__}: {exc}"}
    return json.dumps(verdict)


def run_job(job: dict, toolchains: str, workdir: str | None, exclusive: bool = False) -> dict:
    """Run every step of one job in a fresh directory; stop at the first failing step.

    A batch job (with "members") builds first, then runs each member in a fresh directory of
    its own with a copy of the built binary: what one member's program does to its folder or
    leaves running cannot reach the next. Its verdict has "members" (None if the build failed).
    """
    limits = {**DEFAULT_LIMITS, **job.get("limits", {})}
    with _fresh_directory(job["files"], workdir, exclusive) as (directory, uid):
        results = _run_steps(job["steps"], job["files"], directory, toolchains, limits, uid)
        built = "members" in job and _succeeded(results)
        binary = _read(os.path.join(directory, job["binary"])) if built else None
    verdict = {"id": job["id"], "steps": results, "error": None}
    if "members" not in job:
        return verdict
    members = None
    if binary is not None:
        members = []
        for member in job["members"]:
            with _fresh_directory({}, workdir, exclusive) as (directory, uid):
                _write_binary(os.path.join(directory, job["binary"]), binary, uid)
                runs = _run_steps(member["steps"], {}, directory, toolchains, limits, uid)
            members.append({"id": member["id"], "steps": results + runs, "error": None})
    return {**verdict, "members": members}


@contextlib.contextmanager
def _fresh_directory(files: dict[str, str], workdir: str | None, exclusive: bool):
    """A new job directory holding `files`, and the uid to run in it; all of it removed after.

    With `exclusive`, everything in `workdir` is removed afterwards, not only the job's
    directory: a job running under the runner's own uid may write beside its directory.
    """
    directory = tempfile.mkdtemp(prefix="job-", dir=workdir)
    uid = SANDBOX_UID_BASE + _slot if os.geteuid() == 0 else None
    try:
        _write_files(directory, files, uid)
        yield directory, uid
    finally:
        _kill_descendants()
        shutil.rmtree(directory, ignore_errors=True)
        if exclusive and workdir:
            _remove_entries([workdir], lambda entry: True)
        if uid is not None:
            _remove_entries(SHARED_DIRS, lambda entry: _owner(entry) == uid)


def _run_steps(steps, files, directory, toolchains, limits, uid) -> list[dict]:
    """Run steps in order until one fails."""
    results = []
    for step in steps:
        served = step.get("server") and serve_step(step, directory, toolchains, files)
        result = served or run_step(step, directory, toolchains, limits, uid)
        results.append(result)
        if not _succeeded([result]):
            break
    return results


def _succeeded(results: list[dict]) -> bool:
    return all(not r["timed_out"] and r["exit_code"] == 0 for r in results)


def _read(path: str) -> bytes | None:
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        return handle.read()
    return None


def _write_binary(path: str, data: bytes, uid: int | None) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o755)
    if uid is not None:
        os.chown(path, uid, uid)


def _remove_entries(directories, wanted) -> None:
    """Remove the entries of `directories` that `wanted` picks (what a job left behind)."""
    for directory in directories:
        with contextlib.suppress(OSError):
            for entry in os.scandir(directory):
                if not wanted(entry):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _owner(entry: os.DirEntry) -> int | None:
    try:
        return entry.stat(follow_symlinks=False).st_uid
    except OSError:
        return None


def _write_files(directory: str, files: dict[str, str], uid: int | None) -> None:
    for name, text in files.items():
        if os.path.basename(name) != name or name in ("", ".", ".."):
            raise ValueError(f"file name {name!r} must be a plain name")
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    if uid is not None:
        for name in [".", *files]:
            os.chown(os.path.join(directory, name), uid, uid)


def _expand(value: str, toolchains: str, directory: str) -> str:
    return value.replace("{toolchains}", toolchains).replace("{workdir}", directory)


def run_step(step: dict, directory: str, toolchains: str, limits: dict, uid: int | None) -> dict:
    """Run one command under the limits; return its exit status and output tails."""
    argv = [_expand(arg, toolchains, directory) for arg in step["argv"]]
    env = {**BASE_ENV, "HOME": directory, "TMPDIR": directory}
    env.update({k: _expand(v, toolchains, directory) for k, v in step.get("env", {}).items()})
    timeout = float(step["timeout_s"])
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_limiter(step.get("memory_mb"), timeout, limits, uid),
        )
    except OSError as exc:
        return _result(step["phase"], 127, None, False, started, b"", str(exc).encode(), False)
    stdout, stderr, timed_out, flooded = _collect(process, started + timeout, limits)
    _kill_group(process.pid)
    process.wait()
    code = process.returncode
    exit_code, sig = (None, -code) if code < 0 else (code, None)
    timed_out = timed_out or sig == signal.SIGXCPU
    return _result(step["phase"], exit_code, sig, timed_out, started, stdout, stderr, flooded)


def _result(phase, exit_code, sig, timed_out, started, stdout, stderr, flooded) -> dict:
    note = b"\n[output limit exceeded]" if flooded else b""
    return {
        "phase": phase,
        "exit_code": exit_code,
        "signal": sig,
        "timed_out": timed_out,
        "output_limit": flooded,
        "duration_s": round(time.monotonic() - started, 4),
        "stdout_tail": stdout[-TAIL_BYTES:].decode("utf-8", "replace"),
        "stderr_tail": (stderr[-TAIL_BYTES:] + note).decode("utf-8", "replace"),
    }


class CompileServer:
    """A long-lived compiler of this worker (e.g. JavacServer): sources in, class files out.

    It gets the job's files in its request and answers the files it made, so it needs no
    access to job directories. As root it runs under its own uid, never a job's. It must make
    itself non-dumpable (checked after every answer: /proc/PID/mem then belongs to root), so
    jobs of the same uid can neither ptrace it nor open its pipes; signals they send only stop
    or kill it, which the next request undoes (SIGCONT, restart).
    """

    def __init__(self, argv: list[str]) -> None:
        uid = COMPILER_UID_BASE + _slot if os.geteuid() == 0 else None
        limits = {**DEFAULT_LIMITS, "processes": 4096}
        self.answered = False
        self.process = subprocess.Popen(
            argv, cwd="/", env={**BASE_ENV, "HOME": "/"}, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_limiter(None, 1 << 30, limits, uid),
        )  # fmt: skip

    def compile(self, args: list[str], files: dict[str, str], deadline: float) -> tuple:
        """(exit code, stdout, stderr, {class file: bytes}); raises OSError when lost."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
        pairs = [text for item in files.items() for text in item]
        request = _pack(len(args), args) + _pack(len(files), pairs)
        self.process.stdin.write(request)
        self.process.stdin.flush()
        reader = _FrameReader(self.process.stdout.fileno(), deadline)
        code, stdout, stderr = reader.int(), reader.text(), reader.text()
        made = {reader.text(): reader.bytes() for _ in range(reader.int())}
        if os.stat(f"/proc/{self.process.pid}/mem").st_uid != 0:
            raise OSError("the compile server is dumpable")
        self.answered = True
        return code, stdout, stderr, made

    def stop(self) -> None:
        _kill_group(self.process.pid)
        self.process.wait()


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


def serve_step(step: dict, directory: str, toolchains: str, files: dict) -> dict | None:
    """Run a compile step on the worker's compile server; None to run it as a process instead.

    Process-only arguments (javac's -J options) are not sent; the server's answer is written
    into the job directory as the command would have written it.
    """
    key = tuple(_expand(arg, toolchains, directory) for arg in step["server"])
    args = [arg for arg in step["argv"][1:] if not arg.startswith("-J")]
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
            return _result(step["phase"], None, None, True, started, b"", b"", False)
        except OSError:  # restart a server that once answered and was killed since
            _drop_server(key, usable=server.answered and server.process.poll() is not None)
            continue
        _write_made(directory, made)
        return _result(step["phase"], code, None, False, started, stdout.encode(),
                       stderr.encode(), False)  # fmt: skip
    return None


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
    owner = os.stat(directory)
    for name, data in made.items():
        if os.path.basename(name) != name or name in ("", ".", ".."):
            raise ValueError(f"compile server file name {name!r} must be a plain name")
        path = os.path.join(directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        if os.geteuid() == 0:
            os.chown(path, owner.st_uid, owner.st_gid)


def _limiter(memory_mb: int | None, timeout: float, limits: dict, uid: int | None):
    """The function run in the child between fork and exec."""

    def apply() -> None:
        cpu = int(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20,) * 2)
        else:
            resource.setrlimit(resource.RLIMIT_DATA, (limits["data_mb"] << 20,) * 2)
        if uid is not None:
            _libc.unshare(CLONE_NEWNET)  # no network: a fresh namespace with only loopback
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return apply


def _collect(process: subprocess.Popen, deadline: float, limits: dict):
    """Read stdout and stderr until both close, the deadline passes or output floods.

    Once the process has exited, its output is only drained for EXIT_GRACE_S: a background
    child that keeps the pipes open must not turn a finished program into a timeout.
    """
    buffers = {process.stdout: bytearray(), process.stderr: bytearray()}
    total, cap = 0, limits["output_bytes"]
    timed_out = flooded = False
    exited_at = None
    with selectors.DefaultSelector() as selector:
        for stream in buffers:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > EXIT_GRACE_S:
                break
            for key, _ in selector.select(min(deadline - now, EXIT_POLL_S)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                total += len(chunk)
                buffer = buffers[key.fileobj]
                buffer += chunk
                del buffer[: max(0, len(buffer) - 2 * TAIL_BYTES)]
            if total > cap:
                flooded = True
                break
    if not timed_out and not flooded:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    process.stdout.close()
    process.stderr.close()
    return bytes(buffers[process.stdout]), bytes(buffers[process.stderr]), timed_out, flooded


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _kill_descendants() -> None:
    """Kill every process below this worker (orphans re-parent to it) but its compile servers."""
    me = os.getpid()
    keep = {server.process.pid for server in _servers.values() if server}
    while True:
        children = [pid for pid in _descendants(me) if pid not in keep]
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _reap()


def _reap() -> None:
    """Collect the children that have exited; the living (compile servers) are left alone."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    time.sleep(0.001)


def _descendants(root: int) -> list[int]:
    """Every process below `root`, from the kernel's child lists: cheap however busy the host."""
    found, frontier = [], [root]
    while frontier:
        kids = _children(frontier.pop())
        found.extend(kids)
        frontier.extend(kids)
    return found


def _children(pid: int) -> list[int]:
    kids = []
    with contextlib.suppress(OSError):  # the process is gone
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                kids.extend(int(child) for child in handle.read().split())
    return kids


def _require_child_lists() -> None:
    """Without /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN) leftovers could not be found."""
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        raise SystemExit("the job runner needs a kernel with /proc/PID/task/TID/children")


if __name__ == "__main__":
    sys.exit(main())
