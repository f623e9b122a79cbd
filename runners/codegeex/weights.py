"""A checkpoint's model weights: its files (one, or 8 model-parallel shards), the model
configuration it holds, whether a configuration fits it, and the merged weights.

The configuration and the fit are read from the files' indexes only, so a checkpoint that does
not fit is refused before the model is allocated.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from runners.codegeex.checkpoint import CheckpointError, CheckpointReader, CheckpointWriter
from runners.codegeex.config import (
    CONFIGS,
    ModelConfig,
    config_from_json,
    model_config,
    parameter_shapes,
)

WORLD_SIZE = 8  # CodeGeeX-13B's model-parallel degree
CONFIG_ENTRY = "codegeex_config"  # a text entry: the configuration the weights are for, as JSON
WORD = "backbone.embedding.word_embedding.embedding_table"
POSITION = "backbone.embedding.position_embedding.embedding_table"
BLOCK = re.compile(r"backbone\.blocks\.(\d+)\.layernorm1\.gamma")


def write_config(writer: CheckpointWriter, config: ModelConfig) -> None:
    """Store the configuration beside the weights, for `checkpoint_config` to read."""
    writer.write_text(CONFIG_ENTRY, json.dumps(config.to_json()))


def open_checkpoint(path: str | os.PathLike) -> list[CheckpointReader]:
    """The readers of a checkpoint's files, in rank order."""
    return [CheckpointReader(file) for file in shard_files(path)]


def checkpoint_config(readers: list[CheckpointReader]) -> ModelConfig:
    """The configuration a checkpoint stores, else the built-in one its shapes match."""
    first = readers[0]
    if CONFIG_ENTRY in first.texts:
        where = f"checkpoint {first.path}, entry {CONFIG_ENTRY!r}"
        return config_from_json(first.texts[CONFIG_ENTRY], where, first.path.stem)
    for name in (WORD, POSITION):
        if name not in first:
            raise CheckpointError(
                f"checkpoint {first.path} has no parameter {name!r}: not a CodeGeeX checkpoint?"
            )
    seq_length, hidden = first.shape(POSITION)
    blocks = 1 + max(
        (int(m.group(1)) for m in map(BLOCK.fullmatch, first.entries) if m), default=-1
    )
    vocab = first.shape(WORD)[0] * len(readers)  # the vocabulary rows are split over the ranks
    for config in CONFIGS.values():
        shapes = (config.hidden_size, config.num_blocks, config.vocab_size, config.seq_length)
        if shapes == (hidden, blocks, vocab, seq_length):
            return config
    raise CheckpointError(
        f"checkpoint {first.path} stores no configuration and its shapes (hidden size {hidden}, "
        f"{blocks} blocks) fit none of {', '.join(CONFIGS)}: give --model-config FILE.json "
        f"(fields hidden_size, num_heads, num_layers; docs/codegeex.md)"
    )


def resolve_config(path: str | os.PathLike, requested: str | None) -> ModelConfig:
    """The configuration asked for (a name or a JSON file), else the checkpoint's own; checked
    against the checkpoint's shapes."""
    readers = open_checkpoint(path)
    config = checkpoint_config(readers) if requested is None else model_config(requested)
    check_fits(readers, config)
    return config


def check_fits(readers: list[CheckpointReader], config: ModelConfig) -> None:
    """CheckpointError naming the first parameter, in file order, that is missing or of
    another shape."""
    first = readers[0]
    expected = parameter_shapes(config)
    missing = [name for name in expected if name not in first]
    for name, shape in expected.items():
        if name not in first:
            raise CheckpointError(
                f"checkpoint {first.path} lacks {len(missing)} of {len(expected)} parameters "
                f"of model configuration {config.name!r}, first {name!r} (shape {shape})"
                f"{_hint(readers, config)}"
            )
        for reader in readers:
            if name not in reader:
                raise CheckpointError(f"checkpoint {reader.path} lacks parameter {name!r}")
        try:
            merge_axis(name, shape, [reader.shape(name) for reader in readers])
        except CheckpointError as exc:
            raise CheckpointError(
                f"checkpoint {first.path} does not fit model configuration {config.name!r}: "
                f"{exc}{_hint(readers, config)}"
            ) from None


def _hint(readers: list[CheckpointReader], config: ModelConfig) -> str:
    """Which configuration the checkpoint itself gives, when it is another one."""
    try:
        own = checkpoint_config(readers)
    except CheckpointError:
        return ""
    return "" if own == config else f"; it is a {own.name!r} model (leave out --model-config)"


def shard_files(path: str | os.PathLike) -> list[Path]:
    """The files of a checkpoint: one .ckpt file, or a folder of `rank_{r}/*.ckpt` shards."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CheckpointError(f"checkpoint not found: {path}")
    files = []
    for rank in range(WORLD_SIZE):
        found = sorted((path / f"rank_{rank}").glob("*.ckpt"))
        if len(found) != 1:
            raise CheckpointError(
                f"{path}: expected exactly one .ckpt file in rank_{rank}/ "
                f"(a model-parallel set of {WORLD_SIZE}), found {len(found)}"
            )
        files.append(found[0])
    return files


def merge_axis(name: str, full: tuple[int, ...], shapes: list[tuple[int, ...]]) -> int | None:
    """The axis along which one parameter's model-parallel slices join (FACTS §2.2), or None
    when the first is the whole parameter; CheckpointError when they do not make it up."""
    part = shapes[0]
    if part == full:
        return None
    if len(shapes) == 1:
        raise CheckpointError(f"parameter {name!r}: checkpoint shape {part} != model shape {full}")
    same_rank = len(part) == len(full)
    axes = (
        [i for i, (a, b) in enumerate(zip(part, full, strict=True)) if a != b] if same_rank else []
    )
    if len(axes) != 1 or part[axes[0]] * len(shapes) != full[axes[0]]:
        raise CheckpointError(
            f"parameter {name!r}: shard shape {part} does not divide the model "
            f"shape {full} into {len(shapes)} slices"
        )
    for rank, shape in enumerate(shapes):
        if shape != part:
            raise CheckpointError(
                f"parameter {name!r}: rank {rank} has shape {shape}, rank 0 has {part}"
            )
    return axes[0]


def _merge(name: str, full: tuple[int, ...], slices: list[np.ndarray]) -> np.ndarray:
    """Rebuild one parameter from its model-parallel slices."""
    axis = merge_axis(name, full, [piece.shape for piece in slices])
    return slices[0] if axis is None else np.concatenate(slices, axis=axis)


def iter_weights(path: str | os.PathLike, config: ModelConfig) -> Iterator[tuple[str, np.ndarray]]:
    """Each model weight as (official name, array of the full shape), one at a time.

    `path` is one merged .ckpt file or a folder of 8 model-parallel shards (`rank_{r}/`).
    Missing parameters and shape mismatches raise `CheckpointError` naming the parameter, before
    the first weight is read.
    """
    readers = open_checkpoint(path)
    check_fits(readers, config)
    for name, shape in parameter_shapes(config).items():
        yield name, _merge(name, shape, [reader.read(name) for reader in readers])


def load_weights(path: str | os.PathLike, config: ModelConfig) -> dict[str, np.ndarray]:
    """All weights of `path`, checked against `config` (see `iter_weights`)."""
    return dict(iter_weights(path, config))


def split_for_ranks(name: str, array: np.ndarray, world: int = WORLD_SIZE) -> list[np.ndarray]:
    """The per-rank slices of one parameter in CodeGeeX's model-parallel layout (FACTS §2.2)."""
    axis = _split_axis(name)
    return [array] * world if axis is None else np.split(array, world, axis=axis)


def _split_axis(name: str) -> int | None:
    if name.endswith("word_embedding.embedding_table"):
        return 0
    if any(f"attention.{d}." in name for d in ("dense1", "dense2", "dense3")):
        return 0
    if name.endswith(("attention.projection.weight", "output.projection.weight")):
        return 0
    if name.endswith("output.mapping.weight"):
        return 1
    if name.endswith("output.mapping.bias"):
        return 0
    return None


def checkpoint_digest(path: str | os.PathLike) -> str:
    """SHA-256 over the checkpoint's files in rank order (streamed)."""
    digest = hashlib.sha256()
    for file in shard_files(path):
        with open(file, "rb") as f:
            while block := f.read(1 << 24):
                digest.update(block)
    return digest.hexdigest()
