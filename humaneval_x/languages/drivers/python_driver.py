"""humaneval-x test driver for Python: the tests run here, the completion in a child process.

    python3 -S -s -P driver.py ENTRY     (PYTHONHASHSEED=0)

The child is forked before anything is read from stdin, gives its stdin up, runs
candidate.py (the prompt and the completion) as __main__ and then answers calls of ENTRY
that arrive on a pipe. This process never runs a line of the completion: it runs
reference.py (the prompt and the canonical solution, for the helpers the tests use) and
test.py with ENTRY bound to a proxy, so no completion can reach the assertions, the names
they use or the values they compare. Answers cross the pipe as marshal data, which holds
only plain built-in values: an instance of a class the completion defined cannot be sent,
and is rejected. After the last assertion this process writes the proof line with the token
it read from stdin; the job runner accepts no pass without it.
"""

import builtins
import ctypes
import marshal
import os
import struct
import sys

PLAIN = (type(None), bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)
FRAME = struct.Struct(">I")


def main() -> None:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: the child cannot read us
    entry = sys.argv[1]
    tests = {"__name__": "__humaneval_x_tests__"}
    # The reference first: the child then finds the modules the prompt imports loaded.
    exec(compile(read("reference.py"), "reference.py", "exec"), tests)
    calls, answers = os.pipe(), os.pipe()
    child = os.fork()
    if child == 0:
        os.close(calls[1])
        os.close(answers[0])
        serve(calls[0], answers[1], entry)
    os.close(calls[0])
    os.close(answers[1])
    token = sys.stdin.buffer.read().strip().decode("ascii", "replace")
    proxy = Proxy(entry, calls[1], answers[0], child, token)
    tests[entry] = proxy
    exec(compile(read("test.py"), "test.py", "exec"), tests)
    proxy.finish()
    report(token, "done")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # no interpreter teardown: the tests are over


def read(name: str) -> str:
    with open(name, encoding="utf-8") as handle:
        return handle.read()


def report(token: str, event: str, detail: str = "") -> None:
    os.write(1, f"\nHUMANEVAL_X {token} {event} {detail}".rstrip().encode() + b"\n")


def send(fd: int, payload: object) -> None:
    """One frame: a length, then the marshal data."""
    data = marshal.dumps(payload)
    view = memoryview(FRAME.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> object:
    """One frame, or EOFError when the other side is gone."""
    (size,) = FRAME.unpack(read_exactly(fd, FRAME.size))
    return marshal.loads(read_exactly(fd, size))


def read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(calls: int, answers: int, entry: str) -> None:
    """The child: give up stdin, run the candidate program, then answer calls until EOF."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    program = {"__name__": "__main__", "__builtins__": builtins}
    exec(compile(read("candidate.py"), "candidate.py", "exec"), program)
    while True:
        try:
            args, kwargs = receive(calls)
        except EOFError:  # the tests are over: end without the interpreter's slow teardown
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        try:
            answer = program[entry](*args, **kwargs)
        except Exception as exc:
            import traceback  # only now: it costs a tenth of the start-up

            traceback.print_exc()
            send(answers, ("raise", type(exc).__name__, str(exc)[:2000]))
            continue
        try:
            send(answers, ("answer", answer))
        except ValueError:
            send(answers, ("reject", type(answer).__name__))


class Proxy:
    """Stands for the completion's ENTRY in the tests: calls cross the pipe, data comes back."""

    def __init__(self, entry: str, calls: int, answers: int, child: int, token: str) -> None:
        self.entry, self.calls, self.answers = entry, calls, answers
        self.child, self.token = child, token

    def __call__(self, *args, **kwargs):
        try:
            send(self.calls, (args, kwargs))
            reply = receive(self.answers)
        except (BrokenPipeError, EOFError):
            self.child_ended()
        kind = reply[0]
        if kind == "answer" and plain(reply[1]):
            return reply[1]
        if kind == "raise":
            error = getattr(builtins, reply[1], None)
            if not (isinstance(error, type) and issubclass(error, Exception)):
                error = RuntimeError
            raise error(reply[2])
        answered = reply[1] if kind == "reject" else type(reply[1]).__name__
        report(self.token, "reject", f"{self.entry} answered a {answered:.100}, not a plain value")
        sys.exit(1)

    def finish(self) -> None:
        """Let the child end as the program would have, and end like it if it failed."""
        os.close(self.calls)
        _, status = os.waitpid(self.child, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            self.mirror(status)

    def child_ended(self):
        _, status = os.waitpid(self.child, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            report(self.token, "early-exit", f"the program ended before {self.entry} answered")
        self.mirror(status)

    def mirror(self, status: int):
        """End this process as the child ended: the same exit code or signal."""
        sys.stdout.flush()
        if os.WIFSIGNALED(status):
            import signal  # only now: it costs a tenth of the start-up

            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        os._exit(os.waitstatus_to_exitcode(status))


def plain(value: object) -> bool:
    """Whether an answer is made of plain built-in values only (marshal data can be crafted)."""
    if type(value) not in PLAIN:
        return False
    if type(value) is dict:
        return all(plain(k) and plain(v) for k, v in value.items())
    if type(value) in (tuple, list, set, frozenset):
        return all(plain(item) for item in value)
    return True


main()
