"""Hostile completions against both backends: each must end with the right status within its
limits, leave the correct jobs of the same batch passing, and leave the host and pool healthy.

All attacks of a backend run in one batch, together with a correct completion per language, so
they also run next to each other and next to innocent jobs. The attacks complete problem 53
(`add(x, y)`) and, where they do not end the program, still answer it correctly.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sandbox_fixtures import (
    PROBLEM,
    judge,
    load_data,
    make_backend,
    processes_with,
    sandbox_processes,
    tasks_of,
)

from humaneval_x.samples import Sample
from sandboxes.jobrunner.process import WALL_FACTOR, WALL_SLACK_S

RUN_S = 10.0  # the run-step limit of the batch (the default): infinite loops cost this much
# Memory bombs that touch their memory (JS heap, Go under the cgroup limit) take long on small
# loaded VMs (slow page faults, reclaim before the OOM kill): they complete another problem, with
# this run-time limit, which they never reach when the limit works.
BOMB_PROBLEM = 2
BOMB_S = 60.0
# Smaller than the default 3 GiB, so that memory bombs meet the cgroup limit sooner (page
# faults are slow on small VMs); still above every legitimate job of the batch.
DOCKER_MEMORY_MB = 1024
TOKEN = f"hx{uuid.uuid4().hex[:12]}"
HARNESS_FILE = Path(__file__).resolve()
OUTSIDE_NAME = f"hx-outside-{TOKEN}"


@dataclass(frozen=True)
class Attack:
    name: str
    language: str
    completion: str
    expected: str
    backends: tuple[str, ...] = ("local", "docker")
    root_only: bool = False  # the local backend isolates jobs from each other only as root
    extra: dict = field(default_factory=dict)
    problem: int = 53  # other problems: the completion is appended to the canonical solution

    @property
    def id(self) -> str:
        return f"{self.name}-{self.language}"


PY = "    return x + y\n\n"
CPP = "    return x+y;\n}\n"
JAVA = "        return x + y;\n    }\n"
GO = "    return x + y\n}\n"


def _py(body: str) -> str:
    return PY + body.strip("\n") + "\n"


def _cpp(body: str) -> str:
    return CPP + "#include <unistd.h>\n#include <signal.h>\n#include <cstring>\n" + body + "\n"


def attacks() -> list[Attack]:
    outside = [
        f"/tmp/{OUTSIDE_NAME}",
        f"/var/tmp/{OUTSIDE_NAME}",
        f"/dev/shm/{OUTSIDE_NAME}",
        f"/{OUTSIDE_NAME}",
        f"/opt/humaneval-x/{OUTSIDE_NAME}",
        str(HARNESS_FILE.parent / OUTSIDE_NAME),
    ]
    return [
        Attack(
            "fork_bomb",
            "python",
            _py("""
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
"""),
            "timeout",
        ),
        Attack(
            "fork_bomb",
            "cpp",
            _cpp(
                "static int bomb = [](){ while (true) { if (fork() < 0) usleep(10000); }"
                " return 0; }();"
            ),
            "timeout",
        ),
        Attack(
            "memory_bomb",
            "python",
            _py("""
blocks = []
while True:
    blocks.append(bytes(64 << 20))
"""),
            "oom",
        ),
        Attack(
            "memory_bomb",
            "cpp",
            _cpp(
                "#include <vector>\nstatic int bomb = [](){ std::vector<char*> keep; while (true) {"
                " keep.push_back(new char[64 << 20]); }"
                " return 0; }();"
            ),
            "oom",
        ),
        Attack(
            "memory_bomb",
            "java",
            JAVA
            + """
    static java.util.List<long[]> keep = new java.util.ArrayList<>();
    static { for (int i = 0; i < 1000000; i++) keep.add(new long[1 << 27]); }
}
""",
            "oom",
        ),
        Attack(
            "memory_bomb",
            "js",
            """
const keep = [];
while (true) keep.push(new Array(1 << 24).fill(0.5));
""",
            "oom",
            problem=BOMB_PROBLEM,
        ),
        # Go sets no address-space limit: the container's memory cgroup kills it (docker), or
        # the job runner's RLIMIT_DATA fallback makes the allocation fail (local).
        Attack(
            "memory_bomb",
            "go",
            """
var keep [][]byte

func init() {
    for {
        block := make([]byte, 64<<20)
        for i := 0; i < len(block); i += 4096 {
            block[i] = 1
        }
        keep = append(keep, block)
    }
}
""",
            "oom",
            backends=("docker",),
            problem=BOMB_PROBLEM,
        ),
        Attack(
            "memory_bomb",
            "rust",
            """
    let mut keep: Vec<Vec<u8>> = Vec::new();
    loop { keep.push(vec![0u8; 64 << 20]); }
}
""",
            "oom",
        ),
        # Files up to the size limit, until the disk is full (the container's tmpfs) or 1.5 GB.
        Attack(
            "disk_fill",
            "python",
            _py("""
import errno, os
failure = None
for n in range(24):
    try:
        with open(f"fill{n}", "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, 64 << 20)
            handle.seek(64 << 20)
            handle.write(b"x" * (1 << 20))
    except OSError as exc:
        failure = exc
        if exc.errno == errno.ENOSPC:
            break
raise SystemExit(f"disk_fill stopped by: {failure}")
"""),
            "runtime_error",
            # The job's folder is on a tmpfs of its own (local as root) or the container's.
            extra={"stderr": {"local": "No space left", "docker": "No space left"}},
            root_only=True,
        ),
        Attack("infinite_loop", "python", _py("while True:\n    pass"), "timeout"),
        Attack(
            "infinite_loop",
            "cpp",
            _cpp("static int spin = [](){ volatile long n = 0; while (true) n++; return 0; }();"),
            "timeout",
        ),
        Attack(
            "infinite_loop",
            "java",
            JAVA
            + """
    static { long n = 0; while (System.nanoTime() > 0) n++; }
}
""",
            "timeout",
        ),
        Attack("infinite_loop", "js", "  return x + y;\n}\nwhile (true) {}\n", "timeout"),
        Attack("infinite_loop", "go", GO + "\nfunc init() {\n    for {\n    }\n}\n", "timeout"),
        Attack("infinite_loop", "rust", "\n    loop {}\n}\n", "timeout"),
        Attack(
            "background_child",
            "python",
            _py(f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{TOKEN}"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""),
            "passed",
        ),
        Attack(
            "background_child",
            "cpp",
            _cpp(
                "static int daemonize = [](){ if (fork() == 0) { setsid(); if (fork() == 0) {"
                f' execl("/bin/sh", "sh", "-c", "sleep 600; : {TOKEN}", (char*)0); }}'
                " _exit(0); } return 0; }();"
            ),
            "passed",
        ),
        Attack(
            "output_flood",
            "python",
            _py("""
import sys
while True:
    sys.stdout.write("x" * 65536)
"""),
            "runtime_error",
        ),
        Attack(
            "network",
            "python",
            _py("""
import socket
for address in ADDRESSES:
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError:
        continue
    raise SystemExit(f"NETWORK REACHABLE: {address}")
"""),
            "passed",
            root_only=True,
            extra={"needs_addresses": True},
        ),
        Attack(
            "write_outside",
            "python",
            _py(f"""
for path in {outside!r} + [__import__("os").environ["HOME"] + "/../{OUTSIDE_NAME}"]:
    try:
        with open(path, "w") as handle:
            handle.write("left behind")
    except OSError:
        pass
"""),
            "passed",
            root_only=True,
            extra={"outside": outside},
        ),
        Attack(
            "read_runner",
            "python",
            _py("""
import os
for path in (f"/proc/{os.getppid()}/environ", f"/proc/{os.getppid()}/mem", "/proc/1/environ",
             f"/proc/{os.getppid()}/fd/1"):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError:
        continue
    raise SystemExit(f"READ {path}")
"""),
            "passed",
            root_only=True,
        ),
        # The local backend relies on file permissions: world-readable host files stay readable.
        Attack(
            "read_harness",
            "python",
            _py(f"""
for path in [{str(HARNESS_FILE)!r}, {os.environ.get("HUMANEVAL_X_DATA", "/nonexistent")!r}]:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError:
        continue
    raise SystemExit(f"READ {{path}}")
"""),
            "passed",
            backends=("docker",),
        ),
        Attack(
            "kill_runner",
            "python",
            _py("""
import os, signal
for pid in (os.getppid(), 1, -1):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
"""),
            "runtime_error",  # it kills its own test driver (os.getppid()) and itself (-1)
            root_only=True,
        ),
    ]


ATTACKS = attacks()


@dataclass
class Outcome:
    kind: str
    rows: dict
    hostile: dict[str, dict]
    correct: dict[str, dict]
    wall_s: float
    leftovers: list
    token_processes: list[str]
    after: dict
    backend: object


def _applicable(attack: Attack, kind: str) -> bool:
    return kind in attack.backends and not (
        kind == "local" and attack.root_only and os.geteuid() != 0
    )


def _listener() -> tuple[socket.socket, list[tuple[str, int]]]:
    """A listening socket on the host, and addresses a job might reach it (or the world) by."""
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen()
    port = server.getsockname()[1]
    addresses = [("127.0.0.1", port), ("172.17.0.1", port)]
    with contextlib.suppress(OSError):
        addresses.append((socket.gethostbyname("deb.debian.org"), 80))
    return server, addresses


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("local", marks=pytest.mark.toolchain),
        pytest.param("docker", marks=pytest.mark.docker),
    ],
)
def outcome(request, tmp_path_factory):
    kind = request.param
    dataset = load_data(kind)
    tasks, bomb_tasks = tasks_of(dataset), tasks_of(dataset, BOMB_PROBLEM)
    limits = {task.task_id: RUN_S for task in tasks.values()}
    limits.update({task.task_id: BOMB_S for task in bomb_tasks.values()})
    chosen = [attack for attack in ATTACKS if _applicable(attack, kind)]
    languages = sorted({attack.language for attack in chosen})
    backend = make_backend(kind, languages, memory_mb=DOCKER_MEMORY_MB)
    server, addresses = _listener()
    try:
        samples, hostile_keys, correct_keys = [], {}, {}
        for number, attack in enumerate(chosen, start=1):
            task = (tasks if attack.problem == PROBLEM else bomb_tasks)[attack.language]
            code = attack.completion.replace("ADDRESSES", repr(addresses))
            if attack.problem != PROBLEM:
                code = task.problem.canonical_solution + code
            samples.append(Sample(task, number, code))
            hostile_keys[attack.id] = (task.task_id, number)
        for language in languages:
            task = tasks[language]
            samples.append(Sample(task, 0, task.problem.canonical_solution))
            correct_keys[language] = (task.task_id, 0)
        started = time.monotonic()
        rows = judge(backend, samples, tmp_path_factory.mktemp(kind), limits)
        wall = time.monotonic() - started
        leftovers, token_processes = sandbox_processes(), processes_with(TOKEN)
        again = [s for s in samples if s.completion_id == 0]
        after = judge(backend, again, tmp_path_factory.mktemp(f"{kind}-after"), RUN_S)
        yield Outcome(
            kind=kind,
            rows=rows,
            hostile={name: rows[key] for name, key in hostile_keys.items()},
            correct={lang: rows[key] for lang, key in correct_keys.items()},
            wall_s=wall,
            leftovers=leftovers,
            token_processes=token_processes,
            after=after,
            backend=backend,
        )
    finally:
        server.close()
        backend.close()


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.id)
def test_attack_gets_its_status(outcome: Outcome, attack: Attack) -> None:
    if not _applicable(attack, outcome.kind):
        pytest.skip(f"{attack.id} does not apply to the {outcome.kind} backend as this user")
    row = outcome.hostile[attack.id]
    assert row["status"] == attack.expected, row
    assert attack.extra.get("stderr", {}).get(outcome.kind, "") in row["stderr_tail"], row
    compile_s = 60.0 if attack.language != "python" else 0.0
    run_s = RUN_S if attack.problem == PROBLEM else BOMB_S
    # A step's limit counts the time it had the CPU; waiting for it on a busy host is not
    # counted, up to the wall-clock backstop (sandboxes/jobrunner/process.py).
    backstop = WALL_FACTOR * run_s + WALL_SLACK_S
    assert row["duration_s"] <= compile_s + backstop + 2.0, row


def test_correct_jobs_of_the_batch_pass(outcome: Outcome) -> None:
    failing = {lang: row for lang, row in outcome.correct.items() if row["status"] != "passed"}
    assert not failing


def test_batch_stays_within_its_limits(outcome: Outcome) -> None:
    # Everything runs on 2 workers; the timeouts alone cost about 8 x RUN_S / 2.
    assert outcome.wall_s < 150, outcome.wall_s


def test_nothing_outlives_its_job(outcome: Outcome) -> None:
    assert outcome.token_processes == []
    assert outcome.leftovers == []


def test_pool_and_host_healthy_afterwards(outcome: Outcome) -> None:
    assert {row["status"] for row in outcome.after.values()} == {"passed"}
    if outcome.kind == "docker":
        for sandbox in list(outcome.backend._live):
            sandbox.container.reload()
            assert sandbox.container.status == "running"
            commands = [proc[-1] for proc in sandbox.container.top()["Processes"]]
            assert all("jobrunner" in c or "JavacServer" in c for c in commands), commands


def test_writes_outside_the_job_directory_do_not_survive(outcome: Outcome) -> None:
    attack = next(a for a in ATTACKS if a.name == "write_outside")
    if not _applicable(attack, outcome.kind):
        pytest.skip("the local backend confines writes only as root")
    paths = attack.extra["outside"]
    assert [path for path in paths if os.path.exists(path)] == []
    if outcome.kind == "docker":
        for sandbox in list(outcome.backend._live):
            listing = f"ls -a /tmp /opt/humaneval-x / | grep {TOKEN}"
            found = sandbox.container.exec_run(["sh", "-c", listing])
            assert found.output.decode().strip() == "", found.output


@pytest.mark.parametrize("kind", [pytest.param("local", marks=pytest.mark.toolchain)])
def test_local_backend_reads_world_readable_files(kind: str, tmp_path: Path) -> None:
    """Documents a limit: local jobs can read what any user can (docker jobs cannot)."""
    if os.geteuid() != 0:
        pytest.skip("as non-root, local jobs run as the harness's own user")
    dataset = load_data(kind)
    task = tasks_of(dataset)["python"]
    backend = make_backend(kind, ["python"])
    code = _py(f"open({str(HARNESS_FILE)!r}).read(1)\nraise SystemExit('READ')")
    with backend:
        rows = judge(backend, [Sample(task, 1, code)], tmp_path, RUN_S)
    assert rows[(task.task_id, 1)]["status"] == "runtime_error"
