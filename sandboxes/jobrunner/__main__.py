"""The job runner's command: a pool of workers, jobs in on stdin, verdicts out on stdout."""

from __future__ import annotations

import argparse
import fcntl
import json
import multiprocessing
import os
import signal
import sys
import tempfile

from . import __doc__ as package_doc
from .jobs import require_child_lists, run_job
from .process import Worker, libc

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
SLOT_LOCKS = "/run/humaneval-x"  # as root, each worker holds the lock of a host-wide slot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=package_doc.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--toolchains", default="/opt/humaneval-x", help="prepared toolchains")
    parser.add_argument("--workdir", default=None, help="where job directories are made")
    parser.add_argument(
        "--exclusive-workdir",
        action="store_true",
        help="the workdir is this runner's alone: empty it after each job",
    )
    args = parser.parse_args(argv)
    require_child_lists()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # die with the harness, even on kill -9
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
    Worker.slot = _claim_slot(slot)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not dumpable: a job running under the same uid cannot ptrace this process or open its
    # /proc files (its stdin and stdout carry the jobs and verdicts).
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


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


if __name__ == "__main__":
    sys.exit(main())
