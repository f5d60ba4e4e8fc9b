"""The probability of one district formatted in plain Python equals numpy's route (issue 24).

``fmt.probability`` rounds one number toward 50% without numpy (the map formats 1,874 of them
on every run); the array route, ``fmt.toward_even_odds`` on an array, is the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest

from geoprio import fmt


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_one_number_rounds_as_the_array_does(decimals):
    rng = np.random.default_rng(24)
    grid = np.arange(0, 100_001) / 100_000  # every 0.001 percentage point
    edges = np.array([0.29, 0.895, 0.105, 0.8975, 0.1025, 0.5, 0.4999999, 0.5000001,
                      0.9999999, 1e-9, 0.1, 0.9, 0.0, 1.0])
    values = np.concatenate([grid, rng.random(100_000), edges])
    by_array = fmt.toward_even_odds(values, decimals)
    one_by_one = np.array([fmt._toward_even_odds_one(float(v), decimals) for v in values])
    assert np.array_equal(by_array, one_by_one)


def test_probability_text_by_hand():
    # 0.897 is 89.7% or 89%, never 90%; 0.103 is 10.3% or 11%, never 10%; 0.29 * 100 is
    # 28.999999999999996 in floating point, still 29%
    assert [fmt.probability(p, 0) for p in (0.897, 0.103, 0.29, 0.999, 1.0, 0.0)] == \
        ["89%", "11%", "29%", "99%", "100%", "0%"]
    assert fmt.probability(0.8975, 1, "en") == "89.7%"
    assert fmt.probability(0.1025, 1) == "10,3%"
    assert fmt.probability(float("nan")) == "sin dato"
