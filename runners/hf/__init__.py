"""The transformers runner: a causal language model run in this process with Hugging Face
transformers, for models that no server runs."""

from __future__ import annotations

import argparse

from humaneval_x.errors import InputError
from humaneval_x.runner import Runner, RunnerFactory

DTYPES = ("auto", "float32", "float16", "bfloat16")


class Factory(RunnerFactory):
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("transformers runner")
        group.add_argument("--model", help="a local model folder (config, weights, tokenizer)")
        group.add_argument("--device", default="auto",
                           help="torch device: cpu, cuda, cuda:1, … (auto: cuda when present, "
                           "else cpu)")  # fmt: skip
        group.add_argument("--dtype", default="auto", choices=DTYPES,
                           help="weights and activations (auto: as the checkpoint stores "
                           "them)")  # fmt: skip
        group.add_argument("--batch-size", type=int, default=8,
                           help="samples of one prompt decoded together (default 8)")  # fmt: skip

    @staticmethod
    def from_args(args: argparse.Namespace) -> Runner:
        if not args.model:
            raise InputError("the transformers runner needs --model")
        try:
            from runners.hf.runner import Options, TransformersRunner
        except ImportError as exc:
            raise InputError(
                f"the transformers runner needs {exc.name}: pip install 'humaneval-x[transformers]'"
            ) from None
        options = Options(model=args.model, device=args.device, dtype=args.dtype,
                          batch_size=args.batch_size)  # fmt: skip
        return TransformersRunner(options)
