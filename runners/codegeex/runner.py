"""The CodeGeeX runner: MindSpore model, CodeGeeX tokenizer, cached decoding, stop rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict

import mindspore as ms
import numpy as np

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.languages.base import LanguageSpec
from humaneval_x.provenance import portable
from humaneval_x.runner import Completion, Runner, Sampling, task_seed
from humaneval_x.tasks import Task
from runners.codegeex import device
from runners.codegeex.config import EOS_ID
from runners.codegeex.decoding import Decoder, Row, check_sampling
from runners.codegeex.model import build_model
from runners.codegeex.options import Options
from runners.codegeex.tokenizer import CodeTokenizer
from runners.codegeex.weights import checkpoint_digest, iter_weights, resolve_config


class CodeGeeXRunner(Runner):
    name = "codegeex"

    def __init__(self, options: Options) -> None:
        """Check the checkpoint against the configuration and the tokenizer, choose the device,
        and only then build the model."""
        self.options = options
        self.config = resolve_config(options.checkpoint, options.config)
        self.tokenizer = CodeTokenizer(options.tokenizer)
        self.device = device.select(options.device, options.device_id)
        ms.set_context(mode=ms.GRAPH_MODE if options.mode == "graph" else ms.PYNATIVE_MODE)
        fp16 = options.precision == "fp16" or (options.precision == "auto" and self.device != "cpu")
        weights = iter_weights(options.checkpoint, self.config)
        self.decoder = Decoder(
            build_model(self.config, weights, ms.float16 if fp16 else ms.float32)
        )

    def describe(self) -> dict:
        """Provenance, with the configuration and device used and file names for paths
        (published, so nothing of this machine); the device index is left out so that
        data-parallel ranks agree."""
        options = {k: portable(str(v)) for k, v in asdict(self.options).items() if k != "device_id"}
        options.update(config=self.config.name, device=self.device)
        return {
            "runner": self.name,
            "model": f"CodeGeeX-{self.config.name}",
            "model_config": self.config.to_json(),
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
