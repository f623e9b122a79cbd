"""pass@k against the exact combinatorial formula, and the bootstrap interval."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from humaneval_x.metrics import average_metrics, bootstrap_interval, group_metrics, pass_at_k


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 100, 200])
def test_pass_at_k_equals_exact_formula(n):
    for c in range(n + 1):
        for k in (1, 2, 5, 10, 100):
            if k <= n:
                exact = 1.0 - comb(n - c, k) / comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12)


def test_pass_at_1_is_the_fraction_correct():
    assert pass_at_k(200, 37, 1) == pytest.approx(37 / 200)
    assert pass_at_k(200, 0, 100) == 0.0
    assert pass_at_k(200, 101, 100) == 1.0


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(5, 6, 1)
    with pytest.raises(ValueError):
        pass_at_k(5, 1, 10)


def test_group_metrics_report_only_k_up_to_n():
    counts = [(10, 3), (10, 0), (10, 10)]
    metrics = group_metrics(counts)
    assert set(metrics) == {"pass@1", "pass@1_ci95", "pass@10", "pass@10_ci95"}
    assert metrics["pass@1"] == pytest.approx((0.3 + 0 + 1) / 3)
    assert metrics["pass@10"] == pytest.approx(2 / 3)
    low, high = metrics["pass@1_ci95"]
    assert low <= metrics["pass@1"] <= high


def test_bootstrap_interval_is_reproducible_and_shrinks_with_more_problems():
    rng = np.random.default_rng(1)
    small = rng.integers(0, 2, size=20).astype(float)
    large = rng.integers(0, 2, size=2000).astype(float)
    assert bootstrap_interval(small) == bootstrap_interval(small)
    width = lambda interval: interval[1] - interval[0]  # noqa: E731
    assert width(bootstrap_interval(large)) < width(bootstrap_interval(small))
    assert bootstrap_interval(np.ones(30)) == (1.0, 1.0)


def test_average_is_unweighted_over_groups():
    groups = {"cpp": {"pass@1": 0.2}, "go": {"pass@1": 0.4, "pass@10": 0.9}}
    assert average_metrics(groups) == {"pass@1": pytest.approx(0.3)}
