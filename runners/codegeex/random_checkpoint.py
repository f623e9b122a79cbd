"""Write a random-weight CodeGeeX checkpoint with the official parameter names (for tests).

python -m runners.codegeex.random_checkpoint --config tiny --out build/codegeex-tiny.ckpt
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from humaneval_x.errors import InputError
from humaneval_x.ranges import INDEX, argument
from runners.codegeex.checkpoint import CheckpointWriter
from runners.codegeex.config import CONFIGS, ModelConfig, model_config, parameter_shapes
from runners.codegeex.weights import WORLD_SIZE, split_for_ranks, write_config

STD = 0.05


def random_weights(config: ModelConfig, seed: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """Every weight as (name, fp32 array): normal(0, STD), LayerNorm gains around 1."""
    rng = np.random.default_rng(seed)
    for name, shape in parameter_shapes(config).items():
        array = rng.normal(0.0, STD, shape).astype(np.float32)
        if name.endswith("gamma"):
            array += 1.0
        yield name, array


def write_checkpoint(path: Path, config: ModelConfig, seed: int = 0) -> None:
    """One .ckpt file of random weights that stores its configuration."""
    with CheckpointWriter(path) as writer:
        for name, array in random_weights(config, seed):
            writer.write(name, array)
        write_config(writer, config)


def write_shards(folder: Path, config: ModelConfig, seed: int = 0) -> None:
    """Write `folder/rank_{r}/model-{r}.ckpt`, r < 8, in the model-parallel layout of FACTS §2.2."""
    writers = [
        CheckpointWriter(folder / f"rank_{r}" / f"model-{r}.ckpt") for r in range(WORLD_SIZE)
    ]
    for name, array in random_weights(config, seed):
        for writer, piece in zip(writers, split_for_ranks(name, array), strict=True):
            writer.write(name, piece)
    for writer in writers:
        write_config(writer, config)
        writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        default="tiny",
        help=f"model shapes: {', '.join(CONFIGS)}, or a JSON file (docs/codegeex.md)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="output .ckpt file (or folder, with --shards)"
    )
    parser.add_argument("--seed", type=argument(INDEX), default=0)
    parser.add_argument(
        "--shards",
        action="store_true",
        help=f"write {WORLD_SIZE} model-parallel shards rank_{{r}}/ under --out",
    )
    args = parser.parse_args(argv)
    try:
        config = model_config(args.config)
    except InputError as exc:
        print(f"random_checkpoint: error: {exc}", file=sys.stderr)
        return 2
    (write_shards if args.shards else write_checkpoint)(args.out, config, args.seed)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
