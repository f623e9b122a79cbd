"""An independent NumPy forward pass of CodeGeeX, written from FACTS §1, for checking the model."""

from __future__ import annotations

import numpy as np

EPS = 1e-5


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


def fast_gelu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-1.702 * x))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention(w: dict, p: str, q_in: np.ndarray, kv_in: np.ndarray, heads: int) -> np.ndarray:
    """Causal multi-head attention over one sequence: q_in, kv_in [S, h]."""
    s, h = kv_in.shape
    d = h // heads
    q = q_in @ w[f"{p}.dense1.weight"].T + w[f"{p}.dense1.bias"]
    k = kv_in @ w[f"{p}.dense2.weight"].T + w[f"{p}.dense2.bias"]
    v = kv_in @ w[f"{p}.dense3.weight"].T + w[f"{p}.dense3.bias"]
    q, k, v = (t.reshape(s, heads, d).transpose(1, 0, 2) for t in (q, k, v))
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
    scores = np.where(np.tril(np.ones((s, s), bool)), scores, -np.inf)
    ctx = (softmax(scores) @ v).transpose(1, 0, 2).reshape(s, h)
    return ctx @ w[f"{p}.projection.weight"] + w[f"{p}.projection.bias"]


def layer(w: dict, p: str, x: np.ndarray, heads: int, query: np.ndarray | None) -> np.ndarray:
    a = layer_norm(x, w[f"{p}.layernorm1.gamma"], w[f"{p}.layernorm1.beta"])
    x = x + attention(w, f"{p}.attention", a if query is None else query, a, heads)
    m = layer_norm(x, w[f"{p}.layernorm2.gamma"], w[f"{p}.layernorm2.beta"])
    up = fast_gelu(m @ w[f"{p}.output.mapping.weight"] + w[f"{p}.output.mapping.bias"])
    return x + up @ w[f"{p}.output.projection.weight"] + w[f"{p}.output.projection.bias"]


def forward(w: dict, ids: list[int], heads: int, num_blocks: int) -> np.ndarray:
    """Logits [S, vocab] of one token sequence, in float64."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    pos = np.arange(len(ids))
    x = (
        w["backbone.embedding.word_embedding.embedding_table"][ids]
        + w["backbone.embedding.position_embedding.embedding_table"][pos]
    )
    for i in range(num_blocks):
        x = layer(w, f"backbone.blocks.{i}", x, heads, None)
    x = layer_norm(x, w["backbone.layernorm.gamma"], w["backbone.layernorm.beta"])
    query = w["backbone.top_query_embedding.embedding_table"][pos]
    x = layer(w, "backbone.top_query_layer", x, heads, query)
    return x @ w["backbone.embedding.word_embedding.embedding_table"].T
