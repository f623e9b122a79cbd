"""One job in a fresh directory (each member of a batch in one of its own), nothing left after."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time

from .compile_server import serve_step, server_pids
from .isolation import JOB_DIR, Isolation, mount_job_tmpfs, unmount_job_tmpfs
from .process import DEFAULT_LIMITS, descendants, run_step


def run_job(job: dict, toolchains: str, workdir: str | None) -> dict:
    """Run every step of one job in a fresh directory; stop at the first failing step.

    A batch job (with "members") builds first, then runs each member in a fresh directory of
    its own with a copy of the built binary and the member's own files: what one member's
    program does to its folder or leaves running cannot reach the next. Its verdict has
    "members" (None if the build failed).
    """
    limits = {**DEFAULT_LIMITS, **job.get("limits", {})}
    with _fresh_directory(job["files"], workdir) as (directory, uid):
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
            files = member.get("files", {})
            with _fresh_directory(files, workdir) as (directory, uid):
                _write_binary(os.path.join(directory, job["binary"]), binary, uid)
                runs = _run_steps(member["steps"], files, directory, toolchains, limits, uid)
            members.append({"id": member["id"], "steps": results + runs, "error": None})
    return {**verdict, "members": members}


@contextlib.contextmanager
def _fresh_directory(files: dict[str, str], workdir: str | None):
    """A new job directory holding `files`, and the uid to run in it; all of it gone after.

    Isolated (see isolation.py) the folder is always JOB_DIR, on a tmpfs of the job's own
    (namespaces) or in the container's /tmp, which is emptied afterwards (container): whatever
    the job wrote anywhere goes with it. Otherwise it is a new folder in `workdir`.
    """
    uid = Isolation.job_uid()
    if Isolation.mode == "namespaces":
        mount_job_tmpfs()
    if Isolation.mode == "none":
        directory = tempfile.mkdtemp(prefix="job-", dir=workdir)
    else:
        directory = JOB_DIR
        os.mkdir(directory, 0o700)
    try:
        _write_files(directory, files, uid)
        yield directory, uid
    finally:
        _kill_descendants()
        if Isolation.mode == "namespaces":
            unmount_job_tmpfs()
        elif Isolation.mode == "container":
            _remove_entries(["/tmp"])
        else:
            shutil.rmtree(directory, ignore_errors=True)


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


def _remove_entries(directories) -> None:
    """Remove everything in `directories` (what a job left behind)."""
    for directory in directories:
        with contextlib.suppress(OSError):
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


def _kill_descendants() -> None:
    """Kill every process below this worker (orphans re-parent to it) but its compile servers."""
    me = os.getpid()
    keep = server_pids()
    while True:
        children = [pid for pid in descendants(me) if pid not in keep]
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


def require_child_lists() -> None:
    """Without /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN) leftovers could not be found."""
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        raise SystemExit("the job runner needs a kernel with /proc/PID/task/TID/children")
