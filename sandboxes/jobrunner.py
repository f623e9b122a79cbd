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
import json
import multiprocessing
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DEFAULT_LIMITS = {"output_bytes": 1 << 20, "processes": 64, "file_bytes": 64 << 20}
TAIL_BYTES = 4096
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
SANDBOX_UID_BASE = 61000

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
    options = (args.toolchains, args.workdir, args.exclusive_workdir)
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
    _slot = slot
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not dumpable: a job running under the same uid cannot ptrace this process or open its
    # /proc files (its stdin and stdout carry the jobs and verdicts).
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


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

    With `exclusive`, everything in `workdir` is removed afterwards, not only the job's
    directory: a job running under the runner's own uid may write beside its directory.
    """
    limits = {**DEFAULT_LIMITS, **job.get("limits", {})}
    directory = tempfile.mkdtemp(prefix="job-", dir=workdir)
    uid = SANDBOX_UID_BASE + _slot if os.geteuid() == 0 else None
    try:
        _write_files(directory, job["files"], uid)
        results = []
        for step in job["steps"]:
            result = run_step(step, directory, toolchains, limits, uid)
            results.append(result)
            if result["timed_out"] or result["exit_code"] != 0:
                break
        return {"id": job["id"], "steps": results, "error": None}
    finally:
        _kill_descendants()
        shutil.rmtree(directory, ignore_errors=True)
        if exclusive and workdir:
            _empty(workdir)


def _empty(directory: str) -> None:
    for entry in os.scandir(directory):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


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
        if uid is not None:
            _libc.unshare(CLONE_NEWNET)  # no network: a fresh namespace with only loopback
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return apply


def _collect(process: subprocess.Popen, deadline: float, limits: dict):
    """Read stdout and stderr until both close, the deadline passes or output floods."""
    buffers = {process.stdout: bytearray(), process.stderr: bytearray()}
    total, cap = 0, limits["output_bytes"]
    timed_out = flooded = False
    with selectors.DefaultSelector() as selector:
        for stream in buffers:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in selector.select(remaining):
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
    """Kill every process below this worker (orphans re-parent to it) and reap them."""
    me = os.getpid()
    while True:
        children = _descendants(me)
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _reap()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


if __name__ == "__main__":
    sys.exit(main())
