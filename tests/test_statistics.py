"""Paired bootstrap interval and sign-flip test on cases with known answers."""

import numpy as np
import pytest

from humaneval_x.statistics import mcnemar_exact, paired_interval, sign_flip_test


def test_identical_runs_give_zero_interval_and_p_one() -> None:
    d = np.zeros(50)
    assert paired_interval([d]) == (0.0, 0.0)
    assert sign_flip_test(d) == 1.0


def test_constant_difference_gives_a_point_interval() -> None:
    assert paired_interval([np.full(20, 0.25)]) == pytest.approx((0.25, 0.25))


def test_large_gain_excludes_zero_and_is_significant() -> None:
    d = np.array([1.0] * 30 + [0.0] * 70)
    low, high = paired_interval([d])
    assert 0 < low < 0.3 < high
    assert sign_flip_test(d) == pytest.approx(2 / 2**30)


def test_mixed_small_effect_is_not_significant() -> None:
    d = np.array([1.0] * 6 + [-1.0] * 4 + [0.0] * 40)
    low, high = paired_interval([d])
    assert low < 0 < high
    assert sign_flip_test(d) == pytest.approx(mcnemar_exact(6, 4))


@pytest.mark.parametrize(
    ("gained", "lost", "expected"),
    [(5, 0, 2 / 32), (3, 1, 2 * 5 / 16), (2, 2, 1.0), (0, 0, 1.0), (1, 9, 2 * 11 / 1024)],
)
def test_mcnemar_exact_by_hand(gained: int, lost: int, expected: float) -> None:
    assert mcnemar_exact(gained, lost) == pytest.approx(expected)
    assert mcnemar_exact(lost, gained) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        # all 8 sign patterns of (0.5, 1, 0.25): only +++ and --- reach |1.75|
        ([0.5, 1.0, 0.25, 0.0], 2 / 8),
        # sums of ±1 ±0.5 ±0.25 are ±0.25, ±0.75, ±1.25, ±1.75: 6 of 8 reach |0.75|
        ([1.0, -0.5, 0.25], 6 / 8),
    ],
)
def test_exact_sign_flip_by_hand(d: list[float], expected: float) -> None:
    assert sign_flip_test(np.array(d)) == pytest.approx(expected)


def test_monte_carlo_sign_flip_matches_its_exact_value() -> None:
    # 20 distinct magnitudes force the Monte Carlo path; all positive: exact p = 2 / 2**20
    d = np.linspace(0.05, 1.0, 20)
    p = sign_flip_test(d, samples=5000)
    assert p == pytest.approx(1 / 5001)
    d[::2] *= -1
    assert 0.2 < sign_flip_test(d, samples=5000) <= 1.0


def test_stratified_interval_averages_strata() -> None:
    strata = [np.full(10, 0.2), np.full(30, 0.4)]
    assert paired_interval(strata) == pytest.approx((0.3, 0.3))
    low, high = paired_interval([np.array([0.0, 1.0] * 10), np.zeros(5)])
    assert 0 < low < 0.25 < high < 0.5


def test_sign_flip_test_ignores_the_scale() -> None:
    d = np.array([0.5, 1.0, 0.25, -0.75, 0.3])
    assert sign_flip_test(d * 1e-7) == pytest.approx(sign_flip_test(d))
    assert sign_flip_test(np.array([1e-8] * 5)) == pytest.approx(2 / 32)
