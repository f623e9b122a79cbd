"""Unbiased pass@k (Chen et al., 2021) and bootstrap intervals over problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

KS = (1, 10, 100)
BOOTSTRAP_SAMPLES = 2000
CONFIDENCE = 0.95


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) passes.

    Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i), which avoids huge binomials.
    """
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"pass@{k} needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c})")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def per_problem(counts: Sequence[tuple[int, int]], k: int) -> np.ndarray:
    """pass@k of each problem from its (n, c) counts."""
    return np.array([pass_at_k(n, c, k) for n, c in counts], dtype=float)


def bootstrap_interval(
    values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile interval of the mean of `values`, resampling problems."""
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(samples, len(values)))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def group_metrics(counts: Sequence[tuple[int, int]]) -> dict[str, float | list[float]]:
    """pass@k and its interval for every k that all problems of the group allow (n >= k)."""
    metrics: dict[str, float | list[float]] = {}
    if not counts:
        return metrics
    smallest_n = min(n for n, _ in counts)
    for k in KS:
        if k <= smallest_n:
            values = per_problem(counts, k)
            metrics[f"pass@{k}"] = float(values.mean())
            metrics[f"pass@{k}_ci95"] = list(bootstrap_interval(values))
    return metrics


def average_metrics(groups: Mapping[str, Mapping[str, float | list[float]]]) -> dict[str, float]:
    """Unweighted mean over groups of each pass@k that every group reports."""
    average: dict[str, float] = {}
    for k in KS:
        name = f"pass@{k}"
        if groups and all(name in metrics for metrics in groups.values()):
            average[name] = float(np.mean([metrics[name] for metrics in groups.values()]))
    return average
