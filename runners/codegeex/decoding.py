"""Sampling and incremental decoding with a key/value cache (the PyTorch behaviour, FACTS §4.8).

Every prompt token is cached and every token sits at its true position, for the word, position
and top-query embeddings alike. The samples of one prompt share one prefill; each row stops on
its own (EOS, the language stop rule, or the length cap), and finished rows leave the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from mindspore import Tensor, mutable, ops

from humaneval_x.runner import Sampling
from runners.codegeex.config import EOS_ID, TOKENIZER_VOCAB
from runners.codegeex.model import Caches, CodeGeeX, DecodeStep, MergeWindow

CANDIDATES = 1024  # top-p looks at this many tokens first and sorts everything only if needed
PREFILL_BUCKET = 128  # prompts are padded to a multiple of this, and caches to CACHE_BUCKET,
CACHE_BUCKET = 512  # so graph mode compiles few shapes
WINDOW = 32  # decoding steps between merges of the key/value window into the main cache


def check_sampling(sampling: Sampling) -> None:
    """Raise ValueError for settings that cannot be sampled with."""
    if sampling.n < 1:
        raise ValueError(f"n must be at least 1, got {sampling.n}")
    if sampling.max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {sampling.max_new_tokens}")
    if sampling.greedy:
        return
    if sampling.temperature <= 0:
        raise ValueError(f"temperature must be > 0 (or use greedy), got {sampling.temperature}")
    if not 0 <= sampling.top_p <= 1:
        raise ValueError(f"top_p must be in [0, 1], got {sampling.top_p}")
    if sampling.top_k < 0:
        raise ValueError(f"top_k must be >= 0, got {sampling.top_k}")


def _nucleus(logits: np.ndarray, top_p: float) -> np.ndarray:
    """Mask (to -inf) the tokens outside the top-p nucleus of one row, PyTorch-style:
    a token is kept when the probability mass ranked before it is at most `top_p`."""
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    count = min(CANDIDATES, probs.size)
    order = np.argpartition(-probs, count - 1)[:count]
    if probs[order].sum() <= top_p and count < probs.size:
        order = np.arange(probs.size)
    order = order[np.argsort(-probs[order], kind="stable")]
    before = np.cumsum(probs[order]) - probs[order]
    keep = order[before <= top_p]
    masked = np.full_like(logits, -np.inf)
    masked[keep] = logits[keep]
    return masked


def sample_next(
    logits: np.ndarray, sampling: Sampling, rngs: Sequence[np.random.Generator]
) -> np.ndarray:
    """The next token of each row of fp32 `logits` [B, V]; ids >= 50400 are never chosen."""
    logits = logits[:, :TOKENIZER_VOCAB].astype(np.float64)
    if sampling.greedy:
        return logits.argmax(-1)
    logits = logits / sampling.temperature
    if sampling.top_k > 0:
        k = min(sampling.top_k, logits.shape[1])
        kth = np.partition(logits, -k, axis=-1)[:, -k:].min(-1, keepdims=True)
        logits = np.where(logits < kth, -np.inf, logits)
    tokens = np.empty(len(logits), np.int64)
    for row, (rng, values) in enumerate(zip(rngs, logits, strict=True)):
        if 0 < sampling.top_p < 1:
            values = _nucleus(values, sampling.top_p)
        probs = np.exp(values - values.max())
        cumulative = np.cumsum(probs)
        choice = np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")
        tokens[row] = min(choice, len(probs) - 1)
    return tokens


@dataclass
class Prefix:
    """A prefilled prompt: its length, the next-token logits [V] and its transposed keys
    [1, H, D, P'] and values [1, H, P', D] per layer (P' >= length: the padded prompt)."""

    length: int
    logits: np.ndarray
    keys: Caches
    values: Caches


@dataclass
class Cache:
    """The key/value cache of a batch: 4 tensors per layer (main keys [B, H, D, T], main
    values [B, H, T, D], window keys [B, H, D, WINDOW], window values [B, H, WINDOW, D]).
    Main slots below `base` are filled; the window holds slots base, base + 1, ..."""

    tensors: list[Tensor]
    base: int

    def take(self, rows: list[int]) -> Cache:
        """The cache of the given batch rows, in that order."""
        index = Tensor(np.asarray(rows, np.int32))
        return Cache([ops.gather(t, index, 0) for t in self.tensors], self.base)


@dataclass
class Row:
    """One sample being decoded: its new token ids, and why it stopped (None while running)."""

    tokens: list[int]
    finish: str | None = None


StopRule = Callable[[list[int]], bool]


class Decoder:
    """Runs a model: prefill a prompt once, then decode batches of samples from it."""

    def __init__(self, model: CodeGeeX) -> None:
        self.model = model
        self.config = model.config
        self.decode_step = DecodeStep(model)
        self.merge_keys = MergeWindow(axis=3)
        self.merge_values = MergeWindow(axis=2)

    def prefill(self, prompt: Sequence[int]) -> Prefix:
        """Encode the prompt at positions 0..P-1, right-padded with EOS to a bucket length, and
        keep every position's key and value (padding slots are masked, then overwritten)."""
        if not prompt:
            raise ValueError("the prompt is empty")
        if len(prompt) >= self.config.seq_length:
            raise ValueError(
                f"the prompt has {len(prompt)} tokens; the model takes at most "
                f"{self.config.seq_length - 1} before the first new token"
            )
        padded = min(_round_up(len(prompt), PREFILL_BUCKET), self.config.seq_length)
        ids = np.full((1, padded), EOS_ID, np.int32)
        ids[0, : len(prompt)] = prompt
        index = Tensor(np.asarray([len(prompt) - 1], np.int32))
        logits, keys, values = self.model(Tensor(ids), _positions(0, padded), index)
        return Prefix(len(prompt), logits.asnumpy()[0, 0], keys, values)

    def max_new_tokens(self, prefix: Prefix, sampling: Sampling) -> int:
        """The length cap: `max_new_tokens`, and positions below the model's sequence length."""
        return min(sampling.max_new_tokens, self.config.seq_length - prefix.length)

    def decode(
        self,
        prefix: Prefix,
        sampling: Sampling,
        rngs: Sequence[np.random.Generator],
        stop: StopRule = lambda tokens: False,
    ) -> list[Row]:
        """Decode len(rngs) samples from `prefix`; row i draws its randomness from rngs[i]."""
        check_sampling(sampling)
        limit = self.max_new_tokens(prefix, sampling)
        rows = [Row([]) for _ in rngs]
        slots = list(range(len(rows)))  # batch row -> sample index, -1 for padding rows
        cache = self.start(prefix, len(rows), self.cache_length(prefix, limit))
        logits = np.repeat(prefix.logits[None], len(rows), axis=0)
        for step in range(limit):
            live = [i for i, s in enumerate(slots) if s >= 0 and rows[s].finish is None]
            tokens = np.zeros(len(slots), np.int64)
            tokens[live] = sample_next(logits[live], sampling, [rngs[slots[i]] for i in live])
            for i in live:
                _advance(rows[slots[i]], int(tokens[i]), stop, step + 1 == limit)
            live = [i for i in live if rows[slots[i]].finish is None]
            if not live:
                break
            if len(live) <= len(slots) // 2:
                keep = _compact(live)
                slots = [slots[i] if n < len(live) else -1 for n, i in enumerate(keep)]
                tokens, logits, cache = tokens[keep], logits[keep], cache.take(keep)
            logits = self.step(tokens, prefix.length + step, cache)
        return rows

    def cache_length(self, prefix: Prefix, new_tokens: int) -> int:
        """Main-cache slots for `new_tokens` after `prefix`, rounded up to CACHE_BUCKET."""
        wanted = _round_up(prefix.length + new_tokens, CACHE_BUCKET)
        return max(prefix.keys[0].shape[-1], min(self.config.seq_length, wanted))

    def start(self, prefix: Prefix, batch: int, length: int) -> Cache:
        """A cache of `batch` rows and `length` main slots holding the prefix."""
        tensors = []
        for keys, values in zip(prefix.keys, prefix.values, strict=True):
            b, h, d, _ = keys.shape
            tensors += [
                _expand(keys, batch, length, 3),
                _expand(values, batch, length, 2),
                ops.zeros((batch, h, d, WINDOW), keys.dtype),
                ops.zeros((batch, h, WINDOW, d), values.dtype),
            ]
        return Cache(tensors, prefix.length)

    def step(self, tokens: np.ndarray, position: int, cache: Cache) -> np.ndarray:
        """Feed one token per row at `position` (the next slot after the cache's contents):
        next-token logits [B, V]; `cache` is updated."""
        if position - cache.base == WINDOW:
            self.merge(cache)
        ids = Tensor(tokens.astype(np.int32).reshape(-1, 1))
        logits, windows = self.decode_step(
            ids, _positions(position, 1), _positions(cache.base, 1), mutable(tuple(cache.tensors))
        )
        cache.tensors[2::4] = windows[0::2]
        cache.tensors[3::4] = windows[1::2]
        return logits.asnumpy()

    def merge(self, cache: Cache) -> None:
        """Move the full window into the main cache (one layer at a time) and advance `base`."""
        base = _positions(cache.base, 1)
        for i in range(0, len(cache.tensors), 4):
            cache.tensors[i] = self.merge_keys(cache.tensors[i], cache.tensors[i + 2], base)
            cache.tensors[i + 1] = self.merge_values(
                cache.tensors[i + 1], cache.tensors[i + 3], base
            )
        cache.base += WINDOW


def _advance(row: Row, token: int, stop: StopRule, last: bool) -> None:
    row.tokens.append(token)
    if token == EOS_ID:
        row.finish = "eos"
    elif stop(row.tokens):
        row.finish = "stop_rule"
    elif last:
        row.finish = "length"


def _positions(start: int, count: int) -> Tensor:
    return Tensor(np.arange(start, start + count, dtype=np.int32))


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def _compact(live: list[int]) -> list[int]:
    """Rows to keep: the live ones, padded with copies to a power of two (few graph shapes)."""
    size = 1 << (len(live) - 1).bit_length()
    return live + [live[0]] * (size - len(live))


def _expand(cache: Tensor, batch: int, length: int, axis: int) -> Tensor:
    """A [1, ...] prefill cache as `batch` rows, zero-padded to `length` along `axis`."""
    shape = list(cache.shape)
    shape[axis] = length - shape[axis]
    padded = ops.concat((cache, ops.zeros(tuple(shape), cache.dtype)), axis=axis)
    return ops.tile(padded, (batch, 1, 1, 1))


def recompute_inputs(ids: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
    """The model inputs for the next-token logits of a full pass over `ids` [B, S]."""
    index = Tensor(np.asarray([ids.shape[1] - 1], np.int32))
    return Tensor(ids.astype(np.int32)), _positions(0, ids.shape[1]), index
