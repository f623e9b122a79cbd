"""HumanEval-X from the Hugging Face hub: a quick look whether the hub answers, then its rows.

Without a network the hub libraries retry for about half a minute before they give up; one
request for the dataset's page, given at most PROBE_S seconds, tells the same at once. When the
hub does not answer, a copy in the local hub cache is read offline, and without one the error
says how to point the harness at local files.
"""

from __future__ import annotations

import os
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from humaneval_x.errors import InputError

HUB_DATASET = "THUDM/humaneval-x"
DATA_ENV = "HUMANEVAL_X_DATA"
PROBE_S = 1.5
OFFLINE_ENV = "HF_HUB_OFFLINE"


def answers(endpoint: str, timeout_s: float = PROBE_S) -> bool:
    """Whether `endpoint` serves the dataset's page within `timeout_s` (through the proxy of
    the environment, if any). A busy hub (429, 5xx) counts as there: the hub libraries retry."""
    request = urllib.request.Request(f"{endpoint}/api/datasets/{HUB_DATASET}", method="HEAD")
    served: list[bool] = []

    def ask() -> None:  # in a thread: name resolution has no timeout of its own
        try:
            with urllib.request.urlopen(request, timeout=timeout_s):
                served.append(True)
        except urllib.error.HTTPError as exc:
            served.append(exc.code == 429 or exc.code >= 500)
        except (OSError, ValueError):
            pass

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return bool(served) and served[0]


def cached() -> bool:
    """Whether the hub libraries' caches hold a copy of the dataset."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = Path(os.environ.get("HF_HOME") or cache / "huggingface")
    datasets = Path(os.environ.get("HF_DATASETS_CACHE") or home / "datasets")
    hub = Path(os.environ.get("HF_HUB_CACHE") or home / "hub")
    owner, name = HUB_DATASET.split("/")
    copies = (datasets / f"{owner}___{name}", hub / f"datasets--{owner}--{name}")
    return any(copy.is_dir() for copy in copies)


def prepare() -> None:
    """Check that the hub answers; if not, read the cache offline, or fail at once."""
    if os.environ.get(OFFLINE_ENV, "").upper() in ("1", "ON", "YES", "TRUE"):
        return
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if answers(endpoint):
        return
    if not cached():
        raise InputError(
            f"the Hugging Face hub ({endpoint}) did not serve {HUB_DATASET} within {PROBE_S} s "
            f"and no copy of it is cached. Offline? Point the harness at local "
            f"humaneval_<lang>.jsonl(.gz) files with --data-dir DIR or {DATA_ENV}=DIR."
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
