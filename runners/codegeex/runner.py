"""The CodeGeeX runner: MindSpore model, CodeGeeX tokenizer, cached decoding, stop rules."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import mindspore as ms
import numpy as np

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.languages.base import LanguageSpec
from humaneval_x.provenance import portable
from humaneval_x.ranges import COUNT, INDEX, argument, check
from humaneval_x.runner import Completion, Runner, RunnerFactory, Sampling, task_seed
from humaneval_x.tasks import Task
from runners.codegeex.checkpoint import checkpoint_digest, iter_weights
from runners.codegeex.config import CONFIGS, EOS_ID, get_config
from runners.codegeex.decoding import Decoder, Row, check_sampling
from runners.codegeex.model import build_model
from runners.codegeex.tokenizer import CodeTokenizer

DEVICES = {"ascend": "Ascend", "gpu": "GPU", "cpu": "CPU"}


@dataclass(frozen=True)
class Options:
    """What the runner is built from (the CLI options of `Factory`)."""

    checkpoint: Path
    tokenizer: Path
    config: str = "13b"
    device: str = "ascend"
    device_id: int = 0
    mode: str = "graph"
    precision: str = "auto"  # fp16 on Ascend/GPU, fp32 on CPU
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise InputError(f"unknown device {self.device!r}; known: {', '.join(DEVICES)}")
        if self.mode not in ("graph", "pynative"):
            raise InputError(f"unknown mode {self.mode!r}; known: graph, pynative")
        if self.batch_size < 1:
            raise InputError(f"batch size must be at least 1, got {self.batch_size}")

    @property
    def dtype(self) -> ms.dtype:
        fp16 = self.precision == "fp16" or (self.precision == "auto" and self.device != "cpu")
        return ms.float16 if fp16 else ms.float32


class CodeGeeXRunner(Runner):
    name = "codegeex"

    def __init__(self, options: Options) -> None:
        self.options = options
        ms.set_device(DEVICES[options.device], options.device_id)
        ms.set_context(mode=ms.GRAPH_MODE if options.mode == "graph" else ms.PYNATIVE_MODE)
        self.config = get_config(options.config)
        self.tokenizer = CodeTokenizer(options.tokenizer)
        weights = iter_weights(options.checkpoint, self.config)
        self.decoder = Decoder(build_model(self.config, weights, options.dtype))

    def describe(self) -> dict:
        """Provenance, with file names for paths (published, so nothing of this machine); the
        device index is left out so that data-parallel ranks agree."""
        options = {k: portable(str(v)) for k, v in asdict(self.options).items() if k != "device_id"}
        return {
            "runner": self.name,
            "model": f"CodeGeeX-{self.options.config}",
            "checkpoint": portable(str(self.options.checkpoint)),
            "checkpoint_sha256": checkpoint_digest(self.options.checkpoint),
            "options": options,
            "mindspore": ms.__version__,
            "kv_cache": "pytorch-parity (every prompt token cached, true positions)",
        }

    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        check_sampling(sampling)
        for task in tasks:
            yield task, self.complete(task, sampling)

    def complete(self, task: Task, sampling: Sampling) -> list[Completion]:
        """The `sampling.n` completions of one task; sample i draws from seed (task, i)."""
        spec = get_language(task.language)
        prompt = self.tokenizer.encode(task.prompt)
        try:
            prefix = self.decoder.prefill(prompt)
        except ValueError as e:
            raise InputError(f"task {task.key}: {e}") from None
        seed = task_seed(sampling.seed, task.key)
        rngs = [np.random.default_rng([seed, i]) for i in range(sampling.n)]

        def stop(tokens: list[int]) -> bool:
            return spec.is_finished(self.tokenizer.decode(tokens))

        rows: list[Row] = []
        size = self.options.batch_size
        for start in range(0, sampling.n, size):
            rows += self.decoder.decode(prefix, sampling, rngs[start : start + size], stop)
        return [self.completion(row, spec) for row in rows]

    def completion(self, row: Row, spec: LanguageSpec) -> Completion:
        """Decode a finished row (one trailing EOS dropped) and apply the language cleanup."""
        tokens = row.tokens[:-1] if row.tokens and row.tokens[-1] == EOS_ID else row.tokens
        return Completion(spec.clean(self.tokenizer.decode(tokens)), row.finish or "length")


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
        group = parser.add_argument_group("codegeex runner")
        group.add_argument(
            "--checkpoint",
            type=Path,
            help="MindSpore .ckpt file, or a folder of 8 model-parallel shards "
            "rank_{0..7}/*.ckpt (merged on load)",
        )
        group.add_argument(
            "--tokenizer",
            type=Path,
            help="directory with vocab.json, merges.txt, added_tokens.json",
        )
        group.add_argument(
            "--model-config",
            default="13b",
            choices=sorted(CONFIGS),
            help="model shapes (default 13b; tiny/small for tests)",
        )
        group.add_argument("--device", default="ascend", choices=sorted(DEVICES))
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
        if args.checkpoint is None or args.tokenizer is None:
            raise InputError("the codegeex runner needs --checkpoint and --tokenizer")
        return CodeGeeXRunner(
            Options(
                checkpoint=args.checkpoint,
                tokenizer=args.tokenizer,
                config=args.model_config,
                device=args.device,
                device_id=_env_int(args.device_id, "DEVICE_ID"),
                mode=args.mode,
                precision=args.precision,
                batch_size=args.batch_size,
            )
        )
