"""A TCP proxy on 127.0.0.1 that fails its first connections on purpose, then forwards the rest
to a real server: for testing retries against that server."""

from __future__ import annotations

import contextlib
import socket
import threading

RESPONSES = {
    "503": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "429": b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n",
}
FAULTS = (*RESPONSES, "drop", "stall")  # drop: close without an answer; stall: never answer
STALL_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FaultyProxy:
    """Listens (after `delay_s`) on a free port, answers its first connections with `faults`
    in order, and forwards every later connection to `target_port`."""

    def __init__(self, target_port: int, faults: tuple[str, ...] = (), delay_s: float = 0.0):
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}; known: {FAULTS}")
        self.target_port, self.delay_s = target_port, delay_s
        self.port = free_port()
        self.faults = list(faults)
        self.served: list[str] = []
        self.forwarded = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        if self._stop.wait(self.delay_s):
            return
        with socket.create_server(("127.0.0.1", self.port)) as listener:
            listener.settimeout(0.1)
            while not self._stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with self._lock:
            fault = self.faults.pop(0) if self.faults else None
            if fault:
                self.served.append(fault)
            else:
                self.forwarded += 1
        if fault is None:
            self._forward(connection)
            return
        with connection:
            connection.recv(65536)  # the request's start; its answer does not depend on it
            if fault in RESPONSES:
                connection.sendall(RESPONSES[fault])
            elif fault == "stall":
                self._stop.wait(STALL_S)

    def _forward(self, connection: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        back = threading.Thread(target=_pump, args=(upstream, connection), daemon=True)
        back.start()
        _pump(connection, upstream)
        back.join()
        connection.close()
        upstream.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until the source closes, then close the sink's sending side."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
