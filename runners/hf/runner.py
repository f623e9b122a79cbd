"""The transformers runner: sampling with `generate`, stopped by the line-end stop rule."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.languages.base import LanguageSpec
from humaneval_x.runner import Completion, Runner, Sampling, task_seed
from humaneval_x.tasks import Task
from runners.stopping import DESCRIPTION, finish, finished_prefix

WEIGHT_SUFFIXES = (".safetensors", ".bin")


@dataclass(frozen=True)
class Options:
    """What the runner is built from (the CLI options of `Factory`)."""

    model: str
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 8

    def __post_init__(self) -> None:
        if not Path(self.model).is_dir():
            raise InputError(f"--model {self.model}: no such folder (models are loaded locally)")
        if self.batch_size < 1:
            raise InputError(f"--batch-size must be at least 1, got {self.batch_size}")


class TransformersRunner(Runner):
    name = "transformers"

    def __init__(self, options: Options) -> None:
        self.options = options
        device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device if options.device == "auto" else options.device)
        dtype = "auto" if options.dtype == "auto" else getattr(torch, options.dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(options.model)
        model = AutoModelForCausalLM.from_pretrained(options.model, dtype=dtype)
        self.model = model.to(self.device).eval()
        self.eos = self.tokenizer.eos_token_id

    def describe(self) -> dict:
        """Provenance; the device index is left out so that ranks on different devices agree."""
        options = asdict(self.options) | {"device": self.device.type}
        return {
            "runner": self.name,
            "model": Path(self.options.model).name,
            "checkpoint": str(self.options.model),
            "checkpoint_sha256": weights_digest(Path(self.options.model)),
            "options": options,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "stop_rule": DESCRIPTION,
        }

    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        for task in tasks:
            yield task, self.complete(task, sampling)

    def complete(self, task: Task, sampling: Sampling) -> list[Completion]:
        """The n completions of a task, in batches seeded by (task, first sample of the batch);
        greedy decodes once and repeats the answer."""
        if sampling.greedy:
            return self.batch(task, sampling, 0, 1) * sampling.n
        size = self.options.batch_size
        return [
            completion
            for first in range(0, sampling.n, size)
            for completion in self.batch(task, sampling, first, min(size, sampling.n - first))
        ]

    def batch(self, task: Task, sampling: Sampling, first: int, count: int) -> list[Completion]:
        spec = get_language(task.language)
        prompt = self.tokenizer(task.prompt, return_tensors="pt").input_ids.to(self.device)
        torch.manual_seed(task_seed(sampling.seed, f"{task.key}#{first}"))
        stop = LineStop(self.tokenizer, spec, prompt.shape[1])
        with torch.no_grad():
            rows = self.model.generate(
                prompt,
                attention_mask=torch.ones_like(prompt),
                num_return_sequences=count,
                max_new_tokens=sampling.max_new_tokens,
                stopping_criteria=[stop],
                pad_token_id=self.eos,
                **_sampling_arguments(sampling),
            )
        return [self.completion(row[prompt.shape[1] :], spec) for row in rows]

    def completion(self, tokens: torch.Tensor, spec: LanguageSpec) -> Completion:
        reason = "eos" if (tokens == self.eos).any() else "length"
        text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        return Completion(*finish(spec, text, reason))


class LineStop(StoppingCriteria):
    """Ends a row once the stop rule holds at one of its line ends (runners/stopping.py)."""

    def __init__(self, tokenizer, spec: LanguageSpec, prompt_length: int) -> None:
        self.tokenizer, self.spec, self.prompt_length = tokenizer, spec, prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs) -> torch.Tensor:
        texts = self.tokenizer.batch_decode(
            input_ids[:, self.prompt_length :], skip_special_tokens=True
        )
        done = [finished_prefix(self.spec, text, complete=False) is not None for text in texts]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _sampling_arguments(sampling: Sampling) -> dict:
    """`generate` arguments: greedy, or temperature, top-p and top-k (0: no top-k)."""
    if sampling.greedy:
        return {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    return {"do_sample": True, "temperature": sampling.temperature, "top_p": sampling.top_p,
            "top_k": sampling.top_k or None}  # fmt: skip


def weights_digest(folder: Path) -> str:
    """SHA-256 over the config and the weight files, in name order (streamed)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in folder.iterdir() if p.name == "config.json" or p.suffix in WEIGHT_SUFFIXES
    )
    for file in files:
        digest.update(file.name.encode())
        with open(file, "rb") as handle:
            while block := handle.read(1 << 24):
                digest.update(block)
    return digest.hexdigest()
