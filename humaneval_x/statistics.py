"""Paired statistics for comparing two runs problem by problem.

Both functions take per-problem differences `d = other - baseline` (e.g. of per-problem pass@k),
so "the same resample for both runs" holds by construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from humaneval_x.metrics import BOOTSTRAP_SAMPLES, CONFIDENCE, bootstrap_interval

PERMUTATION_SAMPLES = 20000
EXACT_LIMIT = 16
_TOLERANCE = 1e-9


def paired_interval(
    strata: Sequence[np.ndarray], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean over strata of each stratum's mean difference.

    Problems are resampled within each stratum (group), so one stratum is the plain paired
    bootstrap of a group and several give the interval of the unweighted average over groups.
    """
    if len(strata) == 1:
        return bootstrap_interval(strata[0], samples, seed)
    if not strata or any(len(d) == 0 for d in strata):
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = np.mean(
        [d[rng.integers(0, len(d), size=(samples, len(d)))].mean(axis=1) for d in strata], axis=0
    )
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def sign_flip_test(
    differences: np.ndarray, samples: int = PERMUTATION_SAMPLES, seed: int = 0
) -> float:
    """Two-sided p-value of the paired sign-flip (permutation) test of `sum(differences) == 0`.

    Under the null both runs are exchangeable on each problem, so each difference is as likely
    negated. The null distribution is exact when all non-zero differences have one magnitude
    (binary outcomes: this is McNemar's exact test) or there are at most EXACT_LIMIT of them;
    otherwise it is estimated from `samples` random flips, with p = (1 + hits) / (1 + samples).
    Tolerances are relative to the largest difference, so the scale of `differences` is free.
    """
    scale = float(np.abs(differences).max(initial=0.0))
    if scale == 0:
        return 1.0
    nonzero = differences[np.abs(differences) > _TOLERANCE * scale] / scale
    magnitudes = np.abs(nonzero)
    if np.allclose(magnitudes, magnitudes[0], rtol=0, atol=_TOLERANCE):
        positives = int((nonzero > 0).sum())
        return mcnemar_exact(positives, len(nonzero) - positives)
    observed = abs(float(nonzero.sum()))
    if len(nonzero) <= EXACT_LIMIT:
        signs = _all_signs(len(nonzero))
        return float(np.mean(np.abs(signs @ nonzero) >= observed - _TOLERANCE))
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=(samples, len(nonzero)))
    hits = int((np.abs(signs @ nonzero) >= observed - _TOLERANCE).sum())
    return (1 + hits) / (1 + samples)


def mcnemar_exact(gained: int, lost: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs (a binomial test at 1/2)."""
    total = gained + lost
    if total == 0:
        return 1.0
    tail = sum(math.comb(total, i) for i in range(min(gained, lost) + 1)) / 2**total
    return min(1.0, 2 * tail)


def _all_signs(count: int) -> np.ndarray:
    """Every ±1 vector of length `count`, one per row."""
    bits = (np.arange(2**count)[:, None] >> np.arange(count)) & 1
    return 1.0 - 2.0 * bits
