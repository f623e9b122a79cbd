"""Fixtures for the CodeGeeX runner: the tokenizer files and a tiny random-weight model."""

from __future__ import annotations

import os
from pathlib import Path

import mindspore as ms
import pytest

from runners.codegeex.checkpoint import save_checkpoint
from runners.codegeex.config import get_config
from runners.codegeex.decoding import Decoder
from runners.codegeex.model import build_model
from runners.codegeex.random_checkpoint import random_weights
from runners.codegeex.weights import load_weights

REPO = Path(__file__).resolve().parents[2]


def tokenizer_dir() -> Path:
    """$CODEGEEX_TOKENIZER, else ../shared/codegeex-tokenizer beside the repo."""
    return Path(os.environ.get("CODEGEEX_TOKENIZER", REPO.parent / "shared" / "codegeex-tokenizer"))


@pytest.fixture(scope="session")
def tokenizer_path() -> Path:
    if not (tokenizer_dir() / "vocab.json").is_file():
        pytest.fail(f"CodeGeeX tokenizer not found at {tokenizer_dir()}; set CODEGEEX_TOKENIZER")
    return tokenizer_dir()


@pytest.fixture(scope="session")
def humaneval_data() -> Path:
    """$HUMANEVAL_X_DATA, else ../shared/humaneval-x beside the repo."""
    path = Path(os.environ.get("HUMANEVAL_X_DATA", REPO.parent / "shared" / "humaneval-x"))
    if not path.is_dir():
        pytest.fail(f"HumanEval-X data not found at {path}; set HUMANEVAL_X_DATA")
    return path


@pytest.fixture(scope="session", autouse=True)
def mindspore_cpu() -> None:
    """Graph mode on CPU, as the runner uses it."""
    ms.set_device("CPU")
    ms.set_context(mode=ms.GRAPH_MODE)


@pytest.fixture(scope="session")
def tiny_config():
    return get_config("tiny")


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_config) -> Path:
    path = tmp_path_factory.mktemp("codegeex") / "tiny.ckpt"
    save_checkpoint(path, random_weights(tiny_config, seed=0))
    return path


@pytest.fixture(scope="session")
def tiny_weights(tiny_checkpoint, tiny_config) -> dict:
    return load_weights(tiny_checkpoint, tiny_config)


@pytest.fixture(scope="session")
def tiny_model(tiny_weights, tiny_config):
    return build_model(tiny_config, tiny_weights.items())


@pytest.fixture(scope="session")
def decoder(tiny_model) -> Decoder:
    return Decoder(tiny_model)


def tiny_model_args(checkpoint: Path, tokenizer: Path, batch_size: int) -> list[str]:
    """The command-line options that load the tiny CodeGeeX on the CPU."""
    return [
        "--checkpoint", str(checkpoint), "--tokenizer", str(tokenizer),
        "--model-config", "tiny", "--device", "cpu", "--batch-size", str(batch_size),
    ]  # fmt: skip
