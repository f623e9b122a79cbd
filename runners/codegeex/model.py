"""The CodeGeeX network in MindSpore, with the official parameter names of FACTS §2.1.

Two compiled entry points share the weights:

* `CodeGeeX(ids [B, S], positions [S])` attends causally over the S given tokens and returns the
  logits with every layer's keys ([B, H, D, S], stored transposed) and values ([B, H, S, D]);
  prompts may be padded on the right (causality keeps padding out of earlier positions) and
  `index` picks the row whose logits are wanted.
* `DecodeStep(ids [B, 1], position, base, ...)` decodes one token against a two-level cache:
  the main caches ([B, H, D, T] keys, [B, H, T, D] values) hold slots `< base` and are only
  read; the new key/value goes into slot `position - base` of a small window ([B, H, D, W],
  [B, H, W, D]), the only tensors a step rewrites. `MergeWindow` copies a full window into the
  main cache every W steps. A step therefore reads the cache once instead of rewriting it.

Static shapes keep graph mode to one compiled graph per (batch, cache length). All rows of a
batch share positions: the runner batches the samples of one prompt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import mindspore as ms
import numpy as np
from mindspore import Parameter, Tensor, nn, ops

from runners.codegeex.config import ModelConfig

MASK_PENALTY = 10000.0  # subtracted from masked attention scores, as the PyTorch port does

Caches = tuple[Tensor, ...]


def _zeros(shape: tuple[int, ...], dtype: ms.dtype, name: str) -> Parameter:
    return Parameter(Tensor(np.zeros(shape, np.float32), dtype), name=name)


def _cast(x: Tensor, dtype: ms.dtype) -> Tensor:
    """`x` as `dtype`, without a kernel when it already is."""
    return x if x.dtype == dtype else x.astype(dtype)


def _penalty(allowed: Tensor) -> Tensor:
    """0 where attention is allowed, -MASK_PENALTY elsewhere (fp32)."""
    return (1 - allowed.astype(ms.float32)) * -MASK_PENALTY


class LayerNorm(nn.Cell):
    """Layer normalisation over the last axis, computed in fp32 (`gamma`, `beta`)."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.gamma = Parameter(Tensor(np.ones(size, np.float32)), name="gamma")
        self.beta = _zeros((size,), ms.float32, "beta")
        self.norm = ops.LayerNorm(begin_norm_axis=-1, begin_params_axis=-1, epsilon=eps)

    def construct(self, x: Tensor) -> Tensor:
        y, _, _ = self.norm(_cast(x, ms.float32), self.gamma, self.beta)
        return _cast(y, x.dtype)


class Dense(nn.Cell):
    """A linear layer; the weight is stored [out, in] when `out_in`, else [in, out]."""

    def __init__(self, size_in: int, size_out: int, dtype: ms.dtype, out_in: bool) -> None:
        super().__init__()
        shape = (size_out, size_in) if out_in else (size_in, size_out)
        self.weight = _zeros(shape, dtype, "weight")
        self.bias = _zeros((size_out,), dtype, "bias")
        self.matmul = ops.MatMul(transpose_b=out_in)
        self.size_out = size_out

    def construct(self, x: Tensor) -> Tensor:
        lead = x.shape[:-1]
        y = self.matmul(x.reshape(-1, x.shape[-1]), self.weight) + self.bias
        return y.reshape(lead + (self.size_out,))


class Attention(nn.Cell):
    """Multi-head attention: `dense1/2/3` = Q/K/V ([out, in]), `projection` ([in, out])."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype) -> None:
        super().__init__()
        h = config.hidden_size
        self.dense1 = Dense(h, h, dtype, out_in=True)
        self.dense2 = Dense(h, h, dtype, out_in=True)
        self.dense3 = Dense(h, h, dtype, out_in=True)
        self.projection = Dense(h, h, dtype, out_in=False)
        self.heads = config.num_heads
        self.head_dim = config.head_dim
        self.scale = 1.0 / math.sqrt(config.head_dim)
        self.softmax = ops.Softmax(axis=-1)

    def split(self, x: Tensor, order: tuple[int, ...]) -> Tensor:
        """[B, S, H*D] -> [B, S, H, D] permuted by `order` (a free reshape when S == 1)."""
        b, s, _ = x.shape
        x = x.reshape(b, s, self.heads, self.head_dim)
        if s == 1:
            return x.reshape(tuple(x.shape[i] for i in order))
        return x.transpose(order)

    def construct(self, q_in: Tensor, kv_in: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Project to query [B, H, S, D], transposed keys [B, H, D, S], values [B, H, S, D]."""
        q = self.split(self.dense1(q_in), (0, 2, 1, 3))
        k = self.split(self.dense2(kv_in), (0, 2, 3, 1))
        return q, k, self.split(self.dense3(kv_in), (0, 2, 1, 3))

    def attend(self, q: Tensor, keys: Caches, values: Caches, bias: Tensor) -> Tensor:
        """One softmax (fp32) over the concatenated key sets, then merge heads and project.

        `keys[i]` [B, H, D, S_i] and `values[i]` [B, H, S_i, D]; `bias` [S, sum S_i]."""
        scores = ops.concat([ops.matmul(q, k) for k in keys], -1)
        probs = _cast(self.softmax(_cast(scores, ms.float32) * self.scale + bias), q.dtype)
        ctx = ops.matmul(probs[..., : keys[0].shape[-1]], values[0])
        start = keys[0].shape[-1]
        for i in range(1, len(keys)):
            end = start + keys[i].shape[-1]
            ctx = ctx + ops.matmul(probs[..., start:end], values[i])
            start = end
        b, _, s, _ = ctx.shape
        if s > 1:
            ctx = ctx.transpose(0, 2, 1, 3)
        return self.projection(ctx.reshape(b, s, self.heads * self.head_dim))


class FeedForward(nn.Cell):
    """`mapping` (hidden -> 4 hidden), FastGelu, `projection` (4 hidden -> hidden)."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype) -> None:
        super().__init__()
        self.mapping = Dense(config.hidden_size, config.ffn_size, dtype, out_in=False)
        self.projection = Dense(config.ffn_size, config.hidden_size, dtype, out_in=False)
        self.act = ops.FastGeLU()

    def construct(self, x: Tensor) -> Tensor:
        return self.projection(self.act(self.mapping(x)))


class Layer(nn.Cell):
    """A pre-LN decoder block; the top-query layer takes its query from `top_query`."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype, top_query: bool) -> None:
        super().__init__()
        self.layernorm1 = LayerNorm(config.hidden_size, config.layernorm_eps)
        self.attention = Attention(config, dtype)
        self.layernorm2 = LayerNorm(config.hidden_size, config.layernorm_eps)
        self.output = FeedForward(config, dtype)
        self.top_query = top_query

    def construct(
        self, x: Tensor, top_query: Tensor, bias: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Full pass: (output, transposed keys, values)."""
        a = self.layernorm1(x)
        q, k, v = self.attention(top_query if self.top_query else a, a)
        x = x + self.attention.attend(q, (k,), (v,), bias)
        return x + self.output(self.layernorm2(x)), k, v

    def step(
        self, x: Tensor, top_query: Tensor, bias: Tensor, cache: Caches, slot: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """One token against (keys, values, window keys, window values); the new key/value
        goes into the window where `slot` [W] is true. Returns (output, window keys, values)."""
        keys, values, window_keys, window_values = cache
        a = self.layernorm1(x)
        q, k, v = self.attention(top_query if self.top_query else a, a)
        window_keys = ops.where(slot, k, window_keys)
        window_values = ops.where(slot.reshape(-1, 1), v, window_values)
        x = x + self.attention.attend(q, (keys, window_keys), (values, window_values), bias)
        return x + self.output(self.layernorm2(x)), window_keys, window_values


class Embedding(nn.Cell):
    """A lookup table named `embedding_table`."""

    def __init__(self, rows: int, size: int, dtype: ms.dtype) -> None:
        super().__init__()
        self.embedding_table = _zeros((rows, size), dtype, "embedding_table")

    def construct(self, ids: Tensor) -> Tensor:
        return ops.gather(self.embedding_table, ids, 0)


class TokenEmbedding(nn.Cell):
    """Word plus learned position embeddings."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype) -> None:
        super().__init__()
        self.word_embedding = Embedding(config.vocab_size, config.hidden_size, dtype)
        self.position_embedding = Embedding(config.seq_length, config.hidden_size, dtype)

    def construct(self, ids: Tensor, positions: Tensor) -> Tensor:
        return self.word_embedding(ids) + self.position_embedding(positions)


class Backbone(nn.Cell):
    """Embeddings, the blocks, the final LayerNorm, then the top-query layer."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype) -> None:
        super().__init__()
        self.embedding = TokenEmbedding(config, dtype)
        self.top_query_embedding = Embedding(config.seq_length, config.hidden_size, dtype)
        self.blocks = nn.CellList([Layer(config, dtype, False) for _ in range(config.num_blocks)])
        self.layernorm = LayerNorm(config.hidden_size, config.layernorm_eps)
        self.top_query_layer = Layer(config, dtype, True)
        self.num_blocks = config.num_blocks

    def layer(self, i: int) -> Layer:
        return self.blocks[i] if i < self.num_blocks else self.top_query_layer

    def inputs(self, ids: Tensor, positions: Tensor) -> tuple[Tensor, Tensor]:
        """The token embeddings and the top-query embeddings, both [B, S, hidden]."""
        x = self.embedding(ids, positions)
        return x, ops.broadcast_to(self.top_query_embedding(positions), x.shape)

    def construct(
        self, ids: Tensor, positions: Tensor, bias: Tensor
    ) -> tuple[Tensor, Caches, Caches]:
        x, top_query = self.inputs(ids, positions)
        keys, values = (), ()
        for i in range(self.num_blocks + 1):
            if i == self.num_blocks:
                x = self.layernorm(x)
            x, k, v = self.layer(i)(x, top_query, bias)
            keys += (k,)
            values += (v,)
        return x, keys, values

    def step(
        self, ids: Tensor, position: Tensor, bias: Tensor, caches: Caches, slot: Tensor
    ) -> tuple[Tensor, Caches]:
        """`caches` holds 4 tensors per layer (see `Layer.step`); returns the new windows."""
        x, top_query = self.inputs(ids, position)
        windows = ()
        for i in range(self.num_blocks + 1):
            if i == self.num_blocks:
                x = self.layernorm(x)
            x, k, v = self.layer(i).step(x, top_query, bias, caches[4 * i : 4 * i + 4], slot)
            windows += (k, v)
        return x, windows


class CodeGeeX(nn.Cell):
    """The whole model (full pass); the output head is tied to the word-embedding table."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype = ms.float32) -> None:
        super().__init__()
        self.config = config
        self.dtype = dtype
        self.backbone = Backbone(config, dtype)
        self.head = ops.MatMul(transpose_b=True)

    def logits(self, h: Tensor) -> Tensor:
        """fp32 logits [B, S, V] of hidden states [B, S, hidden]."""
        b, s = h.shape[0], h.shape[1]
        table = self.backbone.embedding.word_embedding.embedding_table
        return _cast(self.head(h.reshape(b * s, -1), table), ms.float32).reshape(b, s, -1)

    def construct(
        self, ids: Tensor, positions: Tensor, index: Tensor = None
    ) -> tuple[Tensor, Caches, Caches]:
        """Logits [B, S, V] (or [B, 1, V] at sequence index `index` [1]), transposed keys
        [B, H, D, S] and values [B, H, S, D] of every layer."""
        bias = _penalty(positions.reshape(1, -1) <= positions.reshape(-1, 1))
        h, keys, values = self.backbone(ids, positions, bias)
        if index is not None:
            h = ops.gather(h, index, 1)
        return self.logits(h), keys, values


class DecodeStep(nn.Cell):
    """One cached decoding step of `model` (same weights): see the module docstring."""

    def __init__(self, model: CodeGeeX) -> None:
        super().__init__(auto_prefix=False)  # keep the official parameter names
        self.model = model

    def construct(
        self, ids: Tensor, position: Tensor, base: Tensor, caches: Caches
    ) -> tuple[Tensor, Caches]:
        """Logits [B, V] for `ids` [B, 1] at `position` [1]; the main caches hold slots
        `< base` [1], the windows slots `base..position`. Returns the updated windows."""
        length, width = caches[0].shape[-1], caches[2].shape[-1]
        offset = position - base
        window = ops.arange(width, dtype=position.dtype)
        main = ops.arange(length, dtype=position.dtype)
        bias = ops.concat((_penalty(main < base), _penalty(window <= offset))).reshape(1, -1)
        slot = window == offset
        h, windows = self.model.backbone.step(ids, position, bias, caches, slot)
        return self.model.logits(h)[:, 0], windows


class MergeWindow(nn.Cell):
    """Copy a window ([..., W] along `axis`) into slots base..base+W-1 of a main cache."""

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis
        self.mask_shape = tuple(-1 if i == axis else 1 for i in range(4))

    def construct(self, cache: Tensor, window: Tensor, base: Tensor) -> Tensor:
        """`cache` and `window` are 4-D; returns the merged cache."""
        offset = ops.arange(cache.shape[self.axis], dtype=base.dtype) - base
        width = window.shape[self.axis]
        inside = (offset >= 0) & (offset < width)
        moved = ops.gather(window, ops.clip(offset, 0, width - 1), self.axis)
        return ops.where(inside.reshape(self.mask_shape), moved, cache)


def build_model(
    config: ModelConfig, weights: Iterable[tuple[str, np.ndarray]], dtype: ms.dtype = ms.float32
) -> CodeGeeX:
    """A model with every parameter set from (official name, array) pairs, cast as needed."""
    model = CodeGeeX(config, dtype)
    model.set_train(False)
    params = model.parameters_dict()
    unset = set(params)
    for name, array in weights:
        if name not in params:
            raise ValueError(f"the model has no parameter {name!r}")
        param = params[name]
        if tuple(array.shape) != tuple(param.shape):
            raise ValueError(
                f"parameter {name!r}: weight shape {tuple(array.shape)} != model "
                f"shape {tuple(param.shape)}"
            )
        param.set_data(Tensor(array, dtype=param.dtype))
        unset.discard(name)
    if unset:
        raise ValueError(f"{len(unset)} parameters were not given, e.g. {sorted(unset)[0]!r}")
    return model
