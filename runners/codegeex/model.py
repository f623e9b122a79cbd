"""The CodeGeeX network in MindSpore, with the official parameter names of FACTS §2.1.

One forward pass serves both decoding strategies:

* full: `model(ids [B, S], positions [S])` attends causally over the S given tokens and returns
  the logits with the keys and values of every layer ([B, H, S, D] each); prompts may be padded
  on the right (causality keeps padding out of earlier positions) and `index` picks the row;
* step: `model(ids [B, 1], position [1], keys, values)` writes the new token's key/value into slot
  `position` of static caches ([B, H, T, D] each) and attends over slots `<= position`.

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


class LayerNorm(nn.Cell):
    """Layer normalisation over the last axis, computed in fp32 (`gamma`, `beta`)."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.gamma = Parameter(Tensor(np.ones(size, np.float32)), name="gamma")
        self.beta = _zeros((size,), ms.float32, "beta")
        self.norm = ops.LayerNorm(begin_norm_axis=-1, begin_params_axis=-1, epsilon=eps)

    def construct(self, x: Tensor) -> Tensor:
        y, _, _ = self.norm(x.astype(ms.float32), self.gamma, self.beta)
        return y.astype(x.dtype)


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

    def split(self, x: Tensor) -> Tensor:
        """[B, S, H*D] -> [B, H, S, D]."""
        b, s, _ = x.shape
        return x.reshape(b, s, self.heads, self.head_dim).transpose(0, 2, 1, 3)

    def construct(self, q_in: Tensor, kv_in: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Project to (query, key, value), each [B, H, S, D]."""
        return self.split(self.dense1(q_in)), self.split(self.dense2(kv_in)), self.split(
            self.dense3(kv_in))

    def attend(self, q: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> Tensor:
        """Softmax(q kᵀ/√d + bias) v in fp32 softmax, merged and projected: [B, S, hidden]."""
        scores = ops.matmul(q, k.transpose(0, 1, 3, 2)).astype(ms.float32) * self.scale
        probs = self.softmax(scores + bias).astype(v.dtype)
        ctx = ops.matmul(probs, v).transpose(0, 2, 1, 3)
        b, s = ctx.shape[0], ctx.shape[1]
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

    def construct(self, x: Tensor, top_query: Tensor, bias: Tensor, k_cache: Tensor = None,
                  v_cache: Tensor = None, slot: Tensor = None) -> tuple[Tensor, Tensor, Tensor]:
        """Returns (output, keys, values); with caches, the new key/value goes into `slot`."""
        a = self.layernorm1(x)
        q, k, v = self.attention(top_query if self.top_query else a, a)
        if k_cache is not None:
            k = k_cache * (1 - slot) + k * slot
            v = v_cache * (1 - slot) + v * slot
        x = x + self.attention.attend(q, k, v, bias)
        return x + self.output(self.layernorm2(x)), k, v


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

    def construct(self, ids: Tensor, positions: Tensor, bias: Tensor, k_caches: Caches = None,
                  v_caches: Caches = None, slot: Tensor = None) -> tuple[Tensor, Caches, Caches]:
        x = self.embedding(ids, positions)
        top_query = ops.broadcast_to(self.top_query_embedding(positions), x.shape)
        keys, values = (), ()
        for i in range(self.num_blocks + 1):
            layer = self.blocks[i] if i < self.num_blocks else self.top_query_layer
            if i == self.num_blocks:
                x = self.layernorm(x)
            if k_caches is None:
                x, k, v = layer(x, top_query, bias)
            else:
                x, k, v = layer(x, top_query, bias, k_caches[i], v_caches[i], slot)
            keys += (k,)
            values += (v,)
        return x, keys, values


class CodeGeeX(nn.Cell):
    """The whole model; the output head is tied to the word-embedding table."""

    def __init__(self, config: ModelConfig, dtype: ms.dtype = ms.float32) -> None:
        super().__init__()
        self.config = config
        self.dtype = dtype
        self.backbone = Backbone(config, dtype)
        self.head = ops.MatMul(transpose_b=True)

    def construct(self, ids: Tensor, positions: Tensor, k_caches: Caches = None,
                  v_caches: Caches = None, index: Tensor = None
                  ) -> tuple[Tensor, Caches, Caches]:
        """fp32 logits [B, S, V] (or [B, 1, V] at sequence index `index` [1]), keys, values."""
        if k_caches is None:
            allowed = positions.reshape(1, -1) <= positions.reshape(-1, 1)
            slot = None
        else:
            slots = ops.arange(k_caches[0].shape[2], dtype=positions.dtype).reshape(1, -1)
            allowed = slots <= positions.reshape(-1, 1)
            slot = (slots == positions.reshape(-1, 1)).astype(self.dtype).reshape(1, 1, -1, 1)
        bias = (1 - allowed.astype(ms.float32)) * -MASK_PENALTY
        h, keys, values = self.backbone(ids, positions, bias, k_caches, v_caches, slot)
        if index is not None:
            h = ops.gather(h, index, 1)
        b, s = h.shape[0], h.shape[1]
        table = self.backbone.embedding.word_embedding.embedding_table
        logits = self.head(h.reshape(b * s, -1), table).astype(ms.float32)
        return logits.reshape(b, s, -1), keys, values


def build_model(config: ModelConfig, weights: Iterable[tuple[str, np.ndarray]],
                dtype: ms.dtype = ms.float32) -> CodeGeeX:
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
            raise ValueError(f"parameter {name!r}: weight shape {tuple(array.shape)} != model "
                             f"shape {tuple(param.shape)}")
        param.set_data(Tensor(array, dtype=param.dtype))
        unset.discard(name)
    if unset:
        raise ValueError(f"{len(unset)} parameters were not given, e.g. {sorted(unset)[0]!r}")
    return model
