"""Intervals: Wilson against published values and its coverage, bootstrap and paired differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sovsim
from sovsim.stats import bootstrap_interval, paired_difference, share, wilson_interval


def test_wilson_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0


def test_wilson_covers_the_true_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    trials, n, p = 4000, 60, 0.12
    hits = rng.binomial(n, p, size=trials)
    covered = sum(lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in hits))
    # nominal 95 %; Wilson's actual coverage at n=60, p=0.12 lies within about ±2 points of it
    assert 0.92 <= covered / trials <= 0.98


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_contains_the_observed_share(k, n):
    k = min(k, n)
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_bad_inputs_name_the_value():
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=1.5)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError, match="shapes"):
        paired_difference([1, 2], [1, 2, 3])


def test_bootstrap_is_seeded_and_brackets_the_median():
    data = np.random.default_rng(3).exponential(10.0, size=400)
    first = bootstrap_interval(data, seed=11)
    assert first == bootstrap_interval(data, seed=11)
    assert first.low < np.median(data) < first.high
    # the median of an exponential with mean 10 is 10·ln 2 ≈ 6.93; n=400 puts it well inside a 95 % interval
    assert first.low < 10 * np.log(2) < first.high


def test_paired_difference_is_tighter_than_unpaired_noise():
    rng = np.random.default_rng(5)
    noise = rng.normal(0.0, 10.0, size=300)
    a, b = noise, noise + 1.0  # same futures, a shift of 1
    est = paired_difference(a, b)
    assert est.value == pytest.approx(1.0)
    assert est.high - est.low < 1e-9  # pairing removes the shared noise entirely


def test_share_and_public_access():
    est = share([True, False, True, True])
    assert est.value == 0.75 and est.n == 4 and est.low < 0.75 < est.high
    assert sovsim.stats.share is share
    assert callable(sovsim.sweep)
