"""Without a network the hub gives its clear error at once, and a cached copy is read offline."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from humaneval_x import hub
from humaneval_x.cli import main
from humaneval_x.errors import InputError


@pytest.fixture
def offline(monkeypatch, tmp_path) -> None:
    """No local data, no proxy, an empty hub cache."""
    for name in ("HUMANEVAL_X_DATA", "HF_DATASETS_CACHE", "HF_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # restored afterwards, as are the modules' flags
    for module in ("huggingface_hub.constants", "datasets.config"):
        if module in sys.modules:
            monkeypatch.setattr(sys.modules[module], "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@contextlib.contextmanager
def endpoint(kind: str):
    """A hub endpoint on this host: a closed port, a server that never answers, or a server
    that answers every request with `kind` as its status."""
    if kind == "closed":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    elif kind == "silent":  # connections are accepted by the kernel, no reply ever comes
        with socket.create_server(("127.0.0.1", 0)) as server:
            yield f"http://127.0.0.1:{server.getsockname()[1]}"
    else:

        class Status(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self.send_response(int(kind))
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = HTTPServer(("127.0.0.1", 0), Status)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("kind", ["closed", "silent", "404"])
def test_an_offline_start_fails_within_two_seconds(offline, monkeypatch, tmp_path, capsys, kind):
    with endpoint(kind) as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        started = time.monotonic()
        code = main(["generate", "--languages", "python", "--out", str(tmp_path / "s.jsonl")])
        elapsed = time.monotonic() - started
    error = capsys.readouterr().err
    assert code == 2 and "--data-dir DIR or HUMANEVAL_X_DATA=DIR" in error
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1
    assert elapsed < 2.0


@pytest.mark.parametrize("status, served", [("200", True), ("503", True), ("404", False)])
def test_a_hub_that_serves_the_dataset_or_is_busy_answers(status, served):
    with endpoint(status) as url:
        assert hub.answers(url) is served


def test_a_cached_copy_is_read_offline(offline, monkeypatch, tmp_path):
    with endpoint("closed") as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        with pytest.raises(InputError, match="did not serve THUDM/humaneval-x within"):
            hub.prepare()
        (tmp_path / "hf" / "datasets" / "THUDM___humaneval-x").mkdir(parents=True)
        hub.prepare()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
