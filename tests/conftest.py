"""Shared fixtures: the dataset, and sandbox requirements that fail instead of skipping in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from humaneval_x.data import load_dataset
from sandboxes.local import missing_tools

REPO = Path(__file__).resolve().parents[1]
REQUIRE_TOOLCHAINS = "HUMANEVAL_X_REQUIRE_TOOLCHAINS"


@pytest.fixture(autouse=True, scope="session")
def private_verdict_cache(tmp_path_factory):
    """Tests never read or fill the user's verdict cache."""
    saved = os.environ.get("HUMANEVAL_X_CACHE")
    os.environ["HUMANEVAL_X_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        del os.environ["HUMANEVAL_X_CACHE"]
    else:
        os.environ["HUMANEVAL_X_CACHE"] = saved


def data_dir() -> Path:
    """Local HumanEval-X files: $HUMANEVAL_X_DATA, else ../shared/humaneval-x beside the repo."""
    return Path(os.environ.get("HUMANEVAL_X_DATA", REPO.parent / "shared" / "humaneval-x"))


@pytest.fixture(scope="session")
def dataset():
    if not data_dir().is_dir():
        pytest.fail(f"HumanEval-X data not found at {data_dir()}; set HUMANEVAL_X_DATA")
    return load_dataset(data_dir=data_dir())


def require_toolchain(language: str) -> None:
    """Skip when a language's host toolchain is missing, or fail when CI demands it."""
    missing = missing_tools(language)
    if missing:
        message = f"{language} toolchain missing: {', '.join(missing)}"
        if os.environ.get(REQUIRE_TOOLCHAINS) == "1":
            pytest.fail(message)
        pytest.skip(message)
