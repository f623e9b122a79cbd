"""The runner's options and its factory (the `codegeex` entry point), without MindSpore, so that
`--help` lists them at no cost; the runner itself is imported when it is built."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from humaneval_x.errors import InputError
from humaneval_x.ranges import COUNT, INDEX, argument, check
from humaneval_x.runner import Runner, RunnerFactory
from runners.codegeex.config import CONFIGS

DEVICES = {"ascend": "Ascend", "gpu": "GPU", "cpu": "CPU"}  # option value -> MindSpore target
TOKENIZER_ENV = "CODEGEEX_TOKENIZER"


@dataclass(frozen=True)
class Options:
    """What the runner is built from (the CLI options of `Factory`)."""

    checkpoint: Path
    tokenizer: Path
    config: str | None = None  # a built-in name or a JSON file; None: the checkpoint's own
    device: str = "auto"  # the best one here
    device_id: int = 0
    mode: str = "graph"
    precision: str = "auto"  # fp16 on Ascend/GPU, fp32 on CPU
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.device not in ("auto", *DEVICES):
            raise InputError(f"unknown device {self.device!r}; known: auto, {', '.join(DEVICES)}")
        if self.mode not in ("graph", "pynative"):
            raise InputError(f"unknown mode {self.mode!r}; known: graph, pynative")
        if self.batch_size < 1:
            raise InputError(f"batch size must be at least 1, got {self.batch_size}")


def _env_int(value: str, variable: str) -> int:
    """An index option (>= 0), or "env" for the environment variable msrun exports."""
    if value == "env":
        if variable not in os.environ:
            raise InputError(f"{variable} is not set (msrun sets it in each worker it starts)")
        value = os.environ[variable]
    try:
        return int(check(variable, int(value), INDEX))
    except ValueError:
        raise InputError(f"{variable} must be {INDEX}, got {value!r}") from None


class Factory(RunnerFactory):
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("codegeex runner (--runner codegeex)")
        group.add_argument(
            "--checkpoint",
            type=Path,
            help="MindSpore .ckpt file, or a folder of 8 model-parallel shards "
            "rank_{0..7}/*.ckpt (merged on load)",
        )
        group.add_argument(
            "--tokenizer",
            type=Path,
            default=os.environ.get(TOKENIZER_ENV) or None,
            help=f"directory with vocab.json, merges.txt, added_tokens.json "
            f"(default: ${TOKENIZER_ENV})",
        )
        group.add_argument(
            "--model-config",
            default=None,
            help=f"model shapes: {', '.join(CONFIGS)} or a JSON file (docs/codegeex.md); "
            "default: the configuration the checkpoint stores or its shapes give",
        )
        group.add_argument(
            "--device",
            default="auto",
            choices=("auto", *sorted(DEVICES)),
            help="default auto: Ascend, else GPU, else the CPU",
        )
        group.add_argument(
            "--device-id", default="0", help="device index, or 'env' for $DEVICE_ID (set by msrun)"
        )
        group.add_argument(
            "--mode",
            default="graph",
            choices=("graph", "pynative"),
            help="MindSpore execution mode (default graph: one compiled graph "
            "per shape bucket; pynative for debugging)",
        )
        group.add_argument(
            "--precision",
            default="auto",
            choices=("auto", "fp16", "fp32"),
            help="weights and matmuls (auto: fp16 except on CPU); LayerNorm "
            "and softmax always run in fp32",
        )
        group.add_argument(
            "--batch-size",
            type=argument(COUNT),
            default=8,
            help="samples of one prompt decoded together (default 8; the 13B "
            "cache takes about 1 GiB per sample in fp16)",
        )

    @staticmethod
    def from_args(args: argparse.Namespace) -> Runner:
        if args.checkpoint is None:
            raise InputError("the codegeex runner needs --checkpoint")
        if args.tokenizer is None:
            raise InputError(f"the codegeex runner needs --tokenizer DIR (or ${TOKENIZER_ENV})")
        options = Options(
            checkpoint=args.checkpoint,
            tokenizer=args.tokenizer,
            config=args.model_config,
            device=args.device,
            device_id=_env_int(args.device_id, "DEVICE_ID"),
            mode=args.mode,
            precision=args.precision,
            batch_size=args.batch_size,
        )
        from runners.codegeex.runner import CodeGeeXRunner  # MindSpore: only when it is used

        return CodeGeeXRunner(options)
