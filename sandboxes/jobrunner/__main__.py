"""The job runner's command: a pool of workers, jobs in on stdin, verdicts out on stdout."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sys
import tempfile

from . import __doc__ as package_doc
from .isolation import MODES, Isolation, become_namespace_init, claim_slot, libc
from .jobs import require_child_lists, run_job

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=package_doc.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--toolchains", default="/opt/humaneval-x", help="prepared toolchains")
    parser.add_argument(
        "--isolation",
        choices=MODES,
        default="namespaces" if os.geteuid() == 0 else "none",
        help="how jobs are kept apart (see isolation.py)",
    )
    parser.add_argument("--slot", type=int, default=None, help="the host slot (container mode)")
    args = parser.parse_args(argv)
    if args.isolation != "none" and os.geteuid() != 0:
        parser.error(f"--isolation {args.isolation} needs root")
    if args.isolation == "container" and (args.slot is None or args.workers != 1):
        parser.error("--isolation container needs --slot and --workers 1")
    require_child_lists()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # die with the harness, even on kill -9
    if args.isolation != "none":
        return _serve(args, None)
    with tempfile.TemporaryDirectory(prefix="humaneval-x-jobs-") as private:
        os.chmod(private, 0o711)  # jobs reach their own directory but cannot list the others
        return _serve(args, private)


def _serve(args: argparse.Namespace, workdir: str | None) -> int:
    """Run the jobs read from stdin, one verdict line each on stdout."""
    jobs = ((line, args.toolchains, workdir) for line in sys.stdin if line.strip())
    if args.workers == 1:  # jobs run below this very process: no pool worker a job could kill
        _become_worker(args.isolation, args.slot)
        _emit(map(_run_line, jobs))
        return 0
    context = multiprocessing.get_context("fork")
    with context.Pool(args.workers, _become_worker, (args.isolation, None)) as pool:
        _emit(pool.imap_unordered(_run_line, jobs))
    return 0


def _emit(verdicts) -> None:
    for verdict in verdicts:
        sys.stdout.write(verdict + "\n")
        sys.stdout.flush()


def _become_worker(isolation: str, slot: int | None) -> None:
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    Isolation.mode = isolation
    if isolation == "namespaces":
        Isolation.slot, _lock = claim_slot()  # the lock fd stays open while the worker lives
        become_namespace_init(signal.SIGKILL)
    elif slot is not None:
        Isolation.slot = slot
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not dumpable: a job running under the same uid cannot ptrace this process or open its
    # /proc files (its stdin and stdout carry the jobs and verdicts).
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _run_line(item: tuple[str, str, str | None]) -> str:
    line, toolchains, workdir = item
    job_id = None
    try:
        job = json.loads(line)
        job_id = job.get("id")
        verdict = run_job(job, toolchains, workdir)
    except Exception as exc:  # a broken job must not take the runner down
        verdict = {"id": job_id, "steps": [], "error": f"{type(exc).__name__}: {exc}"}
    return json.dumps(verdict)


if __name__ == "__main__":
    sys.exit(main())
