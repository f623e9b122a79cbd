"""The MindSpore model against an independent NumPy forward pass, and cached decoding against
recomputing the whole sequence."""

from __future__ import annotations

import numpy as np
import numpy_reference
from mindspore import Tensor

from humaneval_x.runner import Sampling
from runners.codegeex.config import parameter_shapes
from runners.codegeex.decoding import WINDOW
from runners.codegeex.model import CodeGeeX, DecodeStep

PROMPT = [2, 3303, 25, 11361, 198, 4299, 277, 7, 87, 2599, 198, 50268, 7783]
NEW = 12


def full_logits(model: CodeGeeX, ids: list[int]) -> np.ndarray:
    positions = Tensor(np.arange(len(ids), dtype=np.int32))
    logits, _, _ = model(Tensor(np.asarray([ids], np.int32)), positions)
    return logits.asnumpy()[0]


def test_parameter_names_and_shapes(tiny_model, tiny_config):
    got = {name: tuple(p.shape) for name, p in tiny_model.parameters_dict().items()}
    assert got == parameter_shapes(tiny_config)
    DecodeStep(tiny_model)  # sharing the weights must not rename them
    assert list(tiny_model.parameters_dict()) == list(got)


def test_logits_match_numpy_reference(tiny_model, tiny_weights, tiny_config):
    ids = PROMPT + [50256, 100, 20000] + list(range(300, 300 + NEW - 3))  # one compiled shape
    want = numpy_reference.forward(tiny_weights, ids, tiny_config.num_heads, tiny_config.num_blocks)
    got = full_logits(tiny_model, ids)
    assert got.shape == (len(ids), tiny_config.vocab_size)
    assert np.abs(got - want).max() <= 1e-4
    assert np.abs(want).max() > 0.1  # the comparison is not between near-zero outputs


def test_cached_steps_equal_recompute(decoder, tiny_model):
    steps = 2 * WINDOW + 5  # the window is merged into the main cache twice
    prefix = decoder.prefill(PROMPT)
    cache = decoder.start(prefix, 1, 512)
    logits, tokens = [prefix.logits], []
    for step in range(steps):
        tokens.append(int(logits[-1][:50400].argmax()))
        logits.append(decoder.step(np.asarray([tokens[-1]]), len(PROMPT) + step, cache)[0])
    assert cache.base == len(PROMPT) + 2 * WINDOW
    reference = full_logits(tiny_model, PROMPT + tokens)[len(PROMPT) - 1 :]
    assert np.abs(np.stack(logits) - reference).max() <= 1e-4
    assert reference[:, :50400].argmax(-1)[:steps].tolist() == tokens


def test_greedy_decode_matches_recompute(decoder, tiny_model):
    rows = decoder.decode(
        decoder.prefill(PROMPT),
        Sampling(greedy=True, max_new_tokens=NEW),
        [np.random.default_rng(0)],
    )
    tokens = rows[0].tokens
    assert len(tokens) == NEW and rows[0].finish == "length"
    reference = full_logits(tiny_model, PROMPT + tokens)[len(PROMPT) - 1 : -1]
    assert reference[:, :50400].argmax(-1).tolist() == tokens
