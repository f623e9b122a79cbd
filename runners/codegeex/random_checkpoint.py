"""Write a random-weight CodeGeeX checkpoint with the official parameter names (for tests).

python -m runners.codegeex.random_checkpoint --config tiny --out build/codegeex-tiny.ckpt
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from humaneval_x.ranges import INDEX, argument
from runners.codegeex.checkpoint import (
    WORLD_SIZE,
    CheckpointWriter,
    save_checkpoint,
    split_for_ranks,
)
from runners.codegeex.config import CONFIGS, ModelConfig, get_config, parameter_shapes

STD = 0.05


def random_weights(config: ModelConfig, seed: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """Every weight as (name, fp32 array): normal(0, STD), LayerNorm gains around 1."""
    rng = np.random.default_rng(seed)
    for name, shape in parameter_shapes(config).items():
        array = rng.normal(0.0, STD, shape).astype(np.float32)
        if name.endswith("gamma"):
            array += 1.0
        yield name, array


def write_shards(folder: Path, weights: Iterator[tuple[str, np.ndarray]]) -> None:
    """Write `folder/rank_{r}/model-{r}.ckpt`, r < 8, in the model-parallel layout of FACTS §2.2."""
    writers = [
        CheckpointWriter(folder / f"rank_{r}" / f"model-{r}.ckpt") for r in range(WORLD_SIZE)
    ]
    for name, array in weights:
        for writer, piece in zip(writers, split_for_ranks(name, array), strict=True):
            writer.write(name, piece)
    for writer in writers:
        writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="tiny", choices=sorted(CONFIGS))
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
    weights = random_weights(get_config(args.config), args.seed)
    if args.shards:
        write_shards(args.out, weights)
    else:
        save_checkpoint(args.out, weights)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
