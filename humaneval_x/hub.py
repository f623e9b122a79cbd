"""HumanEval-X from the Hugging Face hub: a quick look whether the hub answers, then its rows.

Without a network the hub libraries retry for about half a minute before they give up; a
connection attempt of at most PROBE_S seconds tells the same at once. When the hub does not
answer, a copy in the local hub cache is read offline, and without one the error says how to
point the harness at local files.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from humaneval_x.errors import InputError

HUB_DATASET = "THUDM/humaneval-x"
DATA_ENV = "HUMANEVAL_X_DATA"
PROBE_S = 1.5
OFFLINE_ENV = "HF_HUB_OFFLINE"


def answers(endpoint: str, timeout_s: float = PROBE_S) -> bool:
    """Whether a TCP connection to `endpoint` (or the HTTPS proxy in between) opens in time."""
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    proxy = urllib.request.getproxies().get("https")
    url = urllib.parse.urlsplit(
        proxy if proxy and not urllib.request.proxy_bypass(host) else endpoint
    )
    port = url.port or (443 if url.scheme == "https" else 80)
    opened: list[bool] = []

    def connect() -> None:  # in a thread: name resolution has no timeout of its own
        try:
            socket.create_connection((url.hostname, port), timeout=timeout_s).close()
            opened.append(True)
        except (OSError, UnicodeError):
            pass

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return bool(opened)


def cached() -> bool:
    """Whether the hub libraries' caches hold a copy of the dataset."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = Path(os.environ.get("HF_HOME") or cache / "huggingface")
    datasets = Path(os.environ.get("HF_DATASETS_CACHE") or home / "datasets")
    hub = Path(os.environ.get("HF_HUB_CACHE") or home / "hub")
    owner, name = HUB_DATASET.split("/")
    return (datasets / f"{owner}___{name}").is_dir() or (
        hub / f"datasets--{owner}--{name}"
    ).is_dir()


def prepare() -> None:
    """Check that the hub answers; if not, read the cache offline, or fail at once."""
    if os.environ.get(OFFLINE_ENV, "").upper() in ("1", "ON", "YES", "TRUE"):
        return
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if answers(endpoint):
        return
    if not cached():
        raise InputError(
            f"the Hugging Face hub ({endpoint}) does not answer and no copy of {HUB_DATASET} is "
            f"cached. Offline? Point the harness at local humaneval_<lang>.jsonl(.gz) files with "
            f"--data-dir DIR or {DATA_ENV}=DIR."
        )
    os.environ[OFFLINE_ENV] = "1"
    for module in ("huggingface_hub.constants", "datasets.config"):  # when already imported
        if module in sys.modules:
            sys.modules[module].HF_HUB_OFFLINE = True


def rows(language: str) -> Iterator[tuple[str, int, dict]]:
    """(source, row number, row) of one language, from the hub or its cache."""
    try:
        import datasets

        table = datasets.load_dataset(HUB_DATASET, language, split="test")
    except Exception as exc:  # the hub raises many kinds of network errors
        raise InputError(
            f"could not load {HUB_DATASET} ({language}) from the Hugging Face hub: {exc}. "
            f"Offline? Point the harness at local humaneval_<lang>.jsonl(.gz) files with "
            f"--data-dir DIR or {DATA_ENV}=DIR."
        ) from exc
    for index, row in enumerate(table, start=1):
        yield f"hf://{HUB_DATASET}/{language}", index, dict(row)
