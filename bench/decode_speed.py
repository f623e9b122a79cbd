"""Decode speed of the CodeGeeX runner: key/value-cached steps vs recomputing the sequence.

    python bench/decode_speed.py                # small config, 512 new tokens, batch 1, 8, 32
    python bench/decode_speed.py --quick        # the same table, fewer cached steps timed

Random weights (the shapes of a real checkpoint of that config), MindSpore graph mode, the
runner's own `Decoder`. Both columns time the model only (logits copied to the host, no
sampling), for `--new-tokens` tokens after a `--prompt-tokens` prompt:

* cached: `Decoder.step` for every new token, window merges included. `--quick` times the
  first 128 steps only; a step's cost does not grow with the position because the cache has
  one length for the whole run.
* recompute: a full forward pass without cache over the whole sequence for every new token,
  as the same model runs it for the prefill. It is timed at `--points` exact lengths spread
  over the run (unpadded) and integrated over every length (linear interpolation), so the
  rate is that of the whole run. Batches above 8 rows are recomputed in passes of at most 8.

Every graph is compiled before timing, and the two are timed in alternating chunks so that a
shared machine's load affects both alike.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import mindspore as ms
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runners.codegeex.config import CONFIGS, get_config  # noqa: E402
from runners.codegeex.decoding import (  # noqa: E402
    WINDOW,
    Decoder,
    recompute_inputs,
)
from runners.codegeex.model import build_model  # noqa: E402
from runners.codegeex.random_checkpoint import random_weights  # noqa: E402

QUICK_STEPS = 128
RECOMPUTE_ROWS = 8  # rows per recompute pass: 32 rows of 576 tokens in one pass exhaust 24 GB
TOKEN = 100


def measure(
    decoder: Decoder, prompt: list[int], batch: int, new: int, timed: int, points: int
) -> tuple[float, float]:
    """(cached, recompute) tokens per second for `batch` rows and `new` tokens after `prompt`.

    Every graph is compiled first; then chunks of the `timed` cached steps alternate with the
    recompute passes, so that both see the same machine load."""
    length = len(prompt)
    prefix = decoder.prefill(prompt)
    tokens = np.full(batch, TOKEN)
    warm = decoder.start(prefix, batch, decoder.cache_length(prefix, new))
    for step in range(WINDOW + 1):  # compiles the step and the window merge
        decoder.step(tokens, length + step, warm)
    lengths = np.unique(np.linspace(length + 1, length + new, points).round().astype(int))
    passes = -(-batch // RECOMPUTE_ROWS)
    rows = -(-batch // passes)
    inputs = [recompute_inputs(np.full((rows, n), TOKEN)) for n in lengths]
    for args in inputs:
        decoder.model.compile(*args)
    cache = decoder.start(prefix, batch, decoder.cache_length(prefix, new))
    cached_s, recompute_s = 0.0, []
    for steps, args in zip(np.array_split(np.arange(timed), len(inputs)), inputs, strict=True):
        start = time.perf_counter()
        for step in steps:
            decoder.step(tokens, length + int(step), cache)
        cached_s += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(passes):
            decoder.model(*args)[0].asnumpy()
        recompute_s.append(time.perf_counter() - start)
    every = np.arange(length + 1, length + new + 1)
    total = float(np.interp(every, lengths, recompute_s).sum())
    return batch * timed / cached_s, batch * new / total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="small", choices=sorted(CONFIGS))
    parser.add_argument("--prompt-tokens", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=512)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--points",
        type=int,
        default=3,
        help="sequence lengths at which recomputing is timed (default 3)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"time the first {QUICK_STEPS} cached steps only"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="MindSpore runtime threads (default: MindSpore's choice)",
    )
    parser.add_argument("--device", default="CPU", choices=("CPU", "GPU", "Ascend"))
    args = parser.parse_args(argv)
    ms.set_device(args.device)
    ms.set_context(mode=ms.GRAPH_MODE)
    if args.threads:
        ms.set_context(runtime_num_threads=args.threads)
    config = get_config(args.config)
    dtype = ms.float32 if args.device == "CPU" else ms.float16
    decoder = Decoder(build_model(config, random_weights(config), dtype))
    prompt = list(range(1000, 1000 + args.prompt_tokens))
    timed = min(args.new_tokens, QUICK_STEPS) if args.quick else args.new_tokens
    print(
        f"config {config.name} (hidden {config.hidden_size}, {config.num_layers} layers), "
        f"{args.device}, prompt {args.prompt_tokens} tokens, {args.new_tokens} new tokens"
        f"{' (quick)' if args.quick else ''}"
    )
    print(f"{'batch':>5} | {'cached tok/s':>12} | {'recompute tok/s':>15} | {'speed-up':>8}")
    for batch in args.batch_sizes:
        cached, full = measure(decoder, prompt, batch, args.new_tokens, timed, args.points)
        print(f"{batch:>5} | {cached:>12.1f} | {full:>15.2f} | {cached / full:>7.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
