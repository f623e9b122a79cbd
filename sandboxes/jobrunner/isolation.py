"""How a worker keeps jobs apart, beyond the rlimits every step gets.

- `none`: jobs run as the runner's own user (a non-root local run: trusted code only).
- `namespaces` (the local backend as root): each worker holds a host-wide slot (a lock file),
  and so uids no other runner of the host uses: jobs run as `JOB_UID_BASE + slot`, compile
  servers as `COMPILER_UID_BASE + slot`. The worker is the init of a PID namespace of its own
  (so every process a job starts dies with it, even if the worker is killed, and jobs see no
  other process) with a mount namespace of its own, and each job a size-limited tmpfs over
  /tmp (its folder is /tmp/job), /var/tmp and /dev/shm, unmounted after the job; each step a
  network namespace (loopback only) and an IPC namespace of its own.
- `container` (inside a Docker sandbox, as root with a few capabilities): the same uids, from
  the slot the backend claimed for the container; the container provides the network, IPC and
  /tmp limits, and /tmp is emptied after each job.
"""

from __future__ import annotations

import ctypes
import fcntl
import os

MODES = ("none", "namespaces", "container")
JOB_UID_BASE = 61000  # jobs, one uid per slot
COMPILER_UID_BASE = 60000  # compile servers, one uid per slot, never a job's
SLOTS = 1000
SLOT_LOCKS = "/tmp/humaneval-x-slots"  # shared by every runner and backend of the host
JOB_DIR = "/tmp/job"  # the job's folder, the same path for every job
TMPFS_MB = 512  # a job's /tmp, /var/tmp and /dev/shm together (namespaces)

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1

libc = ctypes.CDLL(None, use_errno=True)


class Isolation:
    """This worker's way of isolating jobs (set once when it becomes a worker)."""

    mode = "none"
    slot = 0

    @classmethod
    def job_uid(cls) -> int | None:
        return JOB_UID_BASE + cls.slot if cls.mode != "none" else None

    @classmethod
    def compiler_uid(cls) -> int | None:
        return COMPILER_UID_BASE + cls.slot if cls.mode != "none" else None


def claim_slot() -> tuple[int, int]:
    """A slot that no other runner or container of this host holds: (slot, lock fd).

    The lock lasts as long as the fd stays open (it is not inherited by exec'd children).
    """
    os.makedirs(SLOT_LOCKS, exist_ok=True)
    if os.stat(SLOT_LOCKS).st_uid == os.geteuid():
        os.chmod(SLOT_LOCKS, 0o1777)
    for slot in range(SLOTS):
        fd = os.open(f"{SLOT_LOCKS}/slot-{slot}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError("every sandbox slot of this host is taken")


def become_namespace_init(pdeathsig: int) -> None:
    """Carry on as the init of new PID and mount namespaces; the calling process stays behind,
    waits for that init and ends as it ended. Mounts made here never reach the host.

    When the init dies (or is killed, with the caller, through `pdeathsig`), the kernel kills
    every process left in its namespace: no job process can outlive its worker.
    """
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWPID), "unshare(CLONE_NEWNS|CLONE_NEWPID)")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    child = os.fork()
    if child:
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    libc.prctl(PR_SET_PDEATHSIG, pdeathsig, 0, 0, 0)
    _check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV, None), "mount /proc")


def mount_job_tmpfs() -> None:
    """A fresh, size-limited tmpfs over /tmp, with /var/tmp and /dev/shm inside it."""
    options = f"size={TMPFS_MB}m,mode=1777".encode()
    _check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, options), "mount /tmp")
    for target, inside in (("/var/tmp", "/tmp/.var-tmp"), ("/dev/shm", "/tmp/.shm")):
        os.mkdir(inside, 0o1777)
        os.chmod(inside, 0o1777)
        if os.path.isdir(target):
            _check(libc.mount(inside.encode(), target.encode(), None, MS_BIND, None), target)


def unmount_job_tmpfs() -> None:
    for target in ("/dev/shm", "/var/tmp", "/tmp"):
        libc.umount2(target.encode(), MNT_DETACH)


def step_namespaces() -> None:
    """In a step's child (namespaces mode): no network but loopback, IPC objects of its own."""
    _check(libc.unshare(CLONE_NEWNET | CLONE_NEWIPC), "unshare(CLONE_NEWNET|CLONE_NEWIPC)")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
