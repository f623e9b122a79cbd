"""Without a network the hub gives its clear error at once, and a cached copy is read offline."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest

from humaneval_x import hub
from humaneval_x.cli import main
from humaneval_x.errors import InputError

# A closed port on this host (refused at once), and an address that is never routed (dropped).
UNREACHABLE = ["http://127.0.0.1:{port}", "http://10.255.255.1"]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No local data, no proxy, an empty hub cache; returns a port nothing listens on."""
    for name in ("HUMANEVAL_X_DATA", "HF_DATASETS_CACHE", "HF_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # restored afterwards, as are the modules' flags
    for module in ("huggingface_hub.constants", "datasets.config"):
        if module in sys.modules:
            monkeypatch.setattr(sys.modules[module], "HF_HUB_OFFLINE", False)
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("endpoint", UNREACHABLE)
def test_an_offline_start_fails_within_two_seconds(
    offline, monkeypatch, tmp_path, capsys, endpoint
):
    monkeypatch.setenv("HF_ENDPOINT", endpoint.format(port=offline))
    started = time.monotonic()
    code = main(["generate", "--languages", "python", "--out", str(tmp_path / "s.jsonl")])
    elapsed = time.monotonic() - started
    error = capsys.readouterr().err
    assert code == 2 and "--data-dir DIR or HUMANEVAL_X_DATA=DIR" in error
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1
    assert elapsed < 2.0


def test_a_cached_copy_is_read_offline(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{offline}")
    with pytest.raises(InputError, match="does not answer"):
        hub.prepare()
    (tmp_path / "hf" / "datasets" / "THUDM___humaneval-x").mkdir(parents=True)
    hub.prepare()
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_a_listening_hub_answers():
    with socket.create_server(("127.0.0.1", 0)) as server:
        assert hub.answers(f"http://127.0.0.1:{server.getsockname()[1]}")
