"""Sampling rules, seeds, and per-row stopping of the cached decoder."""

from __future__ import annotations

import numpy as np
import pytest

from humaneval_x.errors import InputError
from humaneval_x.runner import Sampling
from runners.codegeex.config import EOS_ID
from runners.codegeex.decoding import check_sampling, sample_next

VOCAB = 52224
PROMPT = [2, 3303, 25, 11361, 198, 4299, 277]


def rngs(count: int, seed: int = 7) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, i]) for i in range(count)]


def peaked_logits(rows: int = 64) -> np.ndarray:
    logits = np.zeros((rows, VOCAB), np.float32)
    logits[:, [10, 11, 12, 13]] = [5.0, 4.0, 3.0, 2.0]
    logits[:, 50400:] = 100.0  # padding rows: must never be chosen
    return logits


def test_padded_vocab_is_never_sampled():
    logits = np.full((16, VOCAB), -5.0, np.float32)
    logits[:, 50400:] = 50.0
    for sampling in (Sampling(greedy=True), Sampling(top_p=1.0), Sampling(top_k=3)):
        assert (sample_next(logits, sampling, rngs(16)) < 50400).all()


def test_top_k_keeps_only_the_k_best():
    tokens = sample_next(peaked_logits(), Sampling(temperature=5.0, top_p=1.0, top_k=2), rngs(64))
    assert set(tokens) == {10, 11}


def test_top_p_keeps_the_nucleus():
    probs = np.exp([5.0, 4.0, 3.0, 2.0]) / np.exp([5.0, 4.0, 3.0, 2.0]).sum()
    assert probs[0] < 0.7 < probs[:2].sum()  # so top_p 0.7 keeps exactly ids 10 and 11
    logits = peaked_logits()
    logits[:, :50400][logits[:, :50400] == 0] = -1e9  # all mass on the four ids
    tokens = sample_next(logits, Sampling(temperature=1.0, top_p=0.7), rngs(64))
    assert set(tokens) == {10, 11}


def test_greedy_and_seeds():
    logits = np.random.default_rng(0).normal(size=(4, VOCAB)).astype(np.float32)
    assert (
        sample_next(logits, Sampling(greedy=True), rngs(4)).tolist()
        == logits[:, :50400].argmax(-1).tolist()
    )
    first = sample_next(logits, Sampling(), rngs(4, seed=1))
    assert sample_next(logits, Sampling(), rngs(4, seed=1)).tolist() == first.tolist()
    assert sample_next(logits, Sampling(), rngs(4, seed=2)).tolist() != first.tolist()


@pytest.mark.parametrize(
    "bad",
    [
        {"temperature": 0.0},
        {"top_p": 1.5},
        {"top_k": -1},
        {"n": 0},
        {"max_new_tokens": 0},
    ],
)
def test_bad_sampling_is_refused(bad):
    with pytest.raises((ValueError, InputError)):  # Sampling checks its ranges itself now
        check_sampling(Sampling(**bad))


def test_rows_are_independent_of_batching(decoder):
    prefix = decoder.prefill(PROMPT)
    sampling = Sampling(temperature=1.0, top_p=0.9, max_new_tokens=6)
    together = decoder.decode(prefix, sampling, rngs(4))
    alone = [decoder.decode(prefix, sampling, [rng])[0] for rng in rngs(4)]
    assert [r.tokens for r in together] == [r.tokens for r in alone]
    assert len({tuple(r.tokens) for r in together}) > 1


def test_rows_stop_on_their_own(decoder):
    prefix = decoder.prefill(PROMPT)
    sampling = Sampling(temperature=1.0, top_p=1.0, max_new_tokens=6)
    reference = decoder.decode(prefix, sampling, rngs(4))
    stop_at = {i: 2 + i for i in range(3)}  # rows 0-2 stop after 2, 3, 4 tokens; row 3 runs on

    def stop(tokens: list[int]) -> bool:
        return any(tokens == reference[i].tokens[:n] for i, n in stop_at.items())

    rows = decoder.decode(prefix, sampling, rngs(4), stop)
    for i, row in enumerate(rows):
        want = stop_at.get(i, 6)
        assert row.tokens == reference[i].tokens[:want]
        assert row.finish == ("stop_rule" if i in stop_at else "length")
    assert EOS_ID not in rows[3].tokens[:-1]
