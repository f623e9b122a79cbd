"""One command of a job: run under resource limits and a time budget, its output tails kept.

A step's `timeout_s` is time the step had the machine for: wall-clock time less the longest
time one of its processes stood ready in the run queue while others had the CPU
(/proc/PID/schedstat), or CPU time of all its processes, whichever is spent first. So a busy
host does not turn a program that would finish into a timeout, and a program that waits (sleeps,
blocks) still times out. The wall clock itself is a backstop, at WALL_FACTOR times the limit
plus WALL_SLACK_S.
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import selectors
import signal
import subprocess
import time

from .isolation import Isolation, libc, step_namespaces
from .proof import ProofReader

# data_mb caps committed private memory (RLIMIT_DATA) of steps without memory_mb, whose runtimes
# (JVM, node, Go) reserve far more address space than they use: it keeps the host safe.
DEFAULT_LIMITS = {
    "output_bytes": 1 << 20, "processes": 64, "file_bytes": 64 << 20, "data_mb": 4096,
}  # fmt: skip
TAIL_BYTES = 4096
EXIT_POLL_S = 0.1  # how often a step with open pipes is checked for having exited
EXIT_GRACE_S = 0.2  # how long output is still read after the process itself exited
WALL_FACTOR, WALL_SLACK_S = 3.0, 1.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
ADDR_NO_RANDOMIZE = 0x0040000  # personality(2): the same addresses in every run
RLIMIT_MSGQUEUE = getattr(resource, "RLIMIT_MSGQUEUE", 12)
OOM_COUNTERS = (  # the memory cgroup's (v2, v1) when there is one, else the host's
    ("/sys/fs/cgroup/memory.events", "oom_kill"),
    ("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
    ("/proc/vmstat", "oom_kill"),
)


def expand(value: str, toolchains: str, directory: str) -> str:
    return value.replace("{toolchains}", toolchains).replace("{workdir}", directory)


def run_step(step: dict, directory: str, toolchains: str, limits: dict, uid: int | None) -> dict:
    """Run one command under the limits; return its exit status and output tails."""
    argv = [expand(arg, toolchains, directory) for arg in step["argv"]]
    env = {**BASE_ENV, "HOME": directory, "TMPDIR": directory}
    env.update({k: expand(v, toolchains, directory) for k, v in step.get("env", {}).items()})
    timeout = float(step["timeout_s"])
    proof = ProofReader(secrets.token_hex(16)) if step.get("proof") else None
    ooms, cpu = oom_kills(), _children_cpu()
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            cwd=directory,
            env=env,
            stdin=subprocess.PIPE if proof else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=limiter(step.get("memory_mb"), timeout, limits, uid),
        )
    except OSError as exc:
        return step_result(step["phase"], 127, None, False, started, b"", str(exc).encode(), False)
    if proof:
        proof.hand_over(process.stdin)
    budget = Budget(process.pid, timeout, started)
    stdout, stderr, timed_out, flooded = _collect(process, budget, limits, proof)
    kill_group(process.pid)
    process.wait()
    code = process.returncode
    exit_code, sig = (None, -code) if code < 0 else (code, None)
    timed_out = timed_out or sig == signal.SIGXCPU
    result = step_result(step["phase"], exit_code, sig, timed_out, started, stdout, stderr, flooded)
    result["cpu_s"] = round(_children_cpu() - cpu, 4)
    result["limit_s"] = timeout
    result["oom_killed"] = sig == signal.SIGKILL and oom_kills() > ooms
    return {**result, **proof.report(result)} if proof else result


def oom_kills() -> int:
    """How many processes the kernel has killed for lack of memory, in this container's memory
    cgroup or, outside one, on the host."""
    for path, key in OOM_COUNTERS:
        with contextlib.suppress(OSError, ValueError), open(path) as counters:
            for line in counters:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    return 0


def _children_cpu() -> float:
    """CPU seconds of this worker's finished children (a step's processes, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def step_result(phase, exit_code, sig, timed_out, started, stdout, stderr, flooded) -> dict:
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


def limiter(memory_mb: int | None, timeout: float, limits: dict, uid: int | None):
    """The function run in the child between fork and exec.

    Besides the limits: no POSIX message queues (RLIMIT_MSGQUEUE 0), the same address layout
    in every run where the kernel lets a process ask for it (a seccomp profile may not), and
    as an isolated worker the step's own namespaces and unprivileged uid.
    """

    def apply() -> None:
        cpu = int(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
        resource.setrlimit(RLIMIT_MSGQUEUE, (0, 0))
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20,) * 2)
        else:
            resource.setrlimit(resource.RLIMIT_DATA, (limits["data_mb"] << 20,) * 2)
        libc.personality(ADDR_NO_RANDOMIZE)
        if Isolation.mode == "namespaces":
            step_namespaces()
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return apply


class Budget:
    """A step's time (see the module docstring), checked as its output is read."""

    def __init__(self, pid: int, limit_s: float, started: float) -> None:
        self.pid, self.limit_s, self.started = pid, limit_s, started
        self.deadline = started + WALL_FACTOR * limit_s + WALL_SLACK_S
        self.queued: dict[int, float] = {}  # the last queued time seen of each process

    def spent(self, now: float) -> bool:
        if now >= self.deadline:
            return True
        processes = [self.pid, *descendants(self.pid)]
        for pid in processes:
            self.queued[pid] = max(self.queued.get(pid, 0.0), _queued(pid))
        return now - self.started - max(self.queued.values()) >= self.limit_s or (
            sum(_cpu(pid) for pid in processes) >= self.limit_s
        )

    def wait_s(self, now: float) -> float:
        return min(self.deadline - now, EXIT_POLL_S)


def _collect(process: subprocess.Popen, budget: Budget, limits: dict, proof: ProofReader | None):
    """Read stdout and stderr until both close, the budget is spent or output floods; stdout
    goes through `proof`, which picks out the lines that carry the step's token.

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
        checked = 0.0
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is None and now - checked >= EXIT_POLL_S:
                checked = now
                if budget.spent(now):
                    timed_out = True
                    break
            if exited_at is not None and now - exited_at > EXIT_GRACE_S:
                break
            for key, _ in selector.select(budget.wait_s(now)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                total += len(chunk)
                if proof and key.fileobj is process.stdout:
                    proof.feed(chunk)
                buffer = buffers[key.fileobj]
                buffer += chunk
                del buffer[: max(0, len(buffer) - 2 * TAIL_BYTES)]
            if total > cap:
                flooded = True
                break
    while not timed_out and not flooded:
        try:
            process.wait(EXIT_POLL_S)  # its output is closed; it may still run
            break
        except subprocess.TimeoutExpired:
            timed_out = budget.spent(time.monotonic())
    process.stdout.close()
    process.stderr.close()
    return bytes(buffers[process.stdout]), bytes(buffers[process.stderr]), timed_out, flooded


def _queued(pid: int) -> float:
    """Seconds a process stood ready to run while others had the CPU (0 if unknown)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _cpu(pid: int) -> float:
    """CPU seconds of a process and of the children it reaped (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def descendants(root: int) -> list[int]:
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


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
