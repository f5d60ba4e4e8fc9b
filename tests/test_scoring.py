"""Tests of geoprio.engine.scoring: normalisations, aggregations, weights, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoprio.engine.scoring import (
    GEOMETRIC_OFFSET,
    aggregate,
    composite,
    directions_from_catalog,
    normalise,
    normalise_weights,
)
from geoprio.errors import ScenarioError


def test_minmax_both_directions():
    assert normalise([2.0, 4.0, 6.0]).tolist() == [0.0, 0.5, 1.0]
    assert normalise([2.0, 4.0, 6.0], higher_is_worse=False).tolist() == [1.0, 0.5, 0.0]


def test_minmax_keeps_missing_and_constant_column_is_zero():
    out = normalise([1.0, np.nan, 3.0])
    assert out[0] == 0.0 and np.isnan(out[1]) and out[2] == 1.0
    assert normalise([5.0, 5.0]).tolist() == [0.0, 0.0]


def test_zscore_exact():
    z = normalise([1.0, 2.0, 3.0], method="zscore")
    assert z == pytest.approx([-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    assert normalise([1.0, 2.0, 3.0], method="zscore", higher_is_worse=False)[0] == pytest.approx(
        np.sqrt(1.5)
    )


def test_percentile_rank_with_ties():
    assert normalise([10.0, 20.0, 20.0, 40.0], method="rank").tolist() == [0.25, 0.625, 0.625, 1.0]
    assert normalise([10.0, 40.0], method="rank", higher_is_worse=False).tolist() == [1.0, 0.5]


def test_distance_to_target():
    out = normalise([4.0, 10.0, 20.0], method="target", target=6.0)
    assert out.tolist() == pytest.approx([0.0, 4 / 14, 1.0])
    # higher is better: the gap is below the target
    assert normalise([0.2, 0.5, 0.8], method="target", target=0.6,
                     higher_is_worse=False).tolist() == pytest.approx([1.0, 0.25, 0.0])


def test_target_needs_a_target():
    with pytest.raises(ScenarioError, match="needs a target"):
        normalise([1.0, 2.0], method="target")


def test_unknown_normalisation_lists_choices():
    # normalise's parameter is method=: the message names it (issue 20)
    with pytest.raises(ScenarioError, match=r"^method must be one of \['minmax', 'zscore', "
                                            r"'rank', 'target'\]; got 'ranks'"):
        normalise([1.0], method="ranks")


def test_weights_normalised_and_checked():
    assert normalise_weights({"a": 2, "b": 2, "c": 4}) == {"a": 0.25, "b": 0.25, "c": 0.5}
    with pytest.raises(ScenarioError, match=r"numbers >= 0; got \{'b': -1\}"):
        normalise_weights({"a": 1, "b": -1})
    with pytest.raises(ScenarioError, match="at least one weight must be > 0"):
        normalise_weights({"a": 0, "b": 0})


def test_geometric_penalises_imbalance():
    v = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    w = np.array([0.5, 0.5])
    arith = aggregate(v, w, method="arithmetic")
    geo = aggregate(v, w, method="geometric")
    assert arith.tolist() == pytest.approx([0.5, 0.5, 0.5])
    expected = np.sqrt(GEOMETRIC_OFFSET * (1 + GEOMETRIC_OFFSET)) - GEOMETRIC_OFFSET
    assert geo.tolist() == pytest.approx([expected, expected, 0.5])


def test_missing_policies_on_small_frame():
    f = pd.DataFrame({"ubigeo": ["a", "b", "c", "d"],
                      "x": [0.0, 10.0, 5.0, np.nan], "y": [0.0, 10.0, np.nan, np.nan]})
    up = {"x": True, "y": True}
    excl = composite(f, {"x": 1, "y": 1}, missing="exclude", higher_is_worse=up)
    assert excl.excluded == ["c", "d"]
    assert excl.score.tolist()[:2] == [0.0, 1.0]
    rew = composite(f, {"x": 1, "y": 1}, missing="reweight", higher_is_worse=up)
    # c keeps x only (0.5); d has nothing: no score, never a zero
    assert rew.score.iloc[2] == 0.5
    assert np.isnan(rew.score.iloc[3]) and rew.excluded == ["d"]
    imp = composite(f, {"x": 1, "y": 1}, missing="impute", higher_is_worse=up)
    # medians: x -> 5, y -> 5; d becomes (5, 5) -> 0.5, 0.5
    assert imp.imputed == {"x": 1, "y": 2}
    assert imp.score.tolist() == pytest.approx([0.0, 1.0, 0.5, 0.5])
    assert imp.excluded == []


def test_directions_from_catalog_and_override(cat):
    d = directions_from_catalog(["hdi_2019", "poverty_2018"], cat)
    assert d == {"hdi_2019": False, "poverty_2018": True}
    assert directions_from_catalog(["hdi_2019"], cat, {"hdi_2019": True}) == {"hdi_2019": True}


def test_real_hdi_direction_from_catalog(table, cat):
    res = composite(table, {"hdi_2019": 1}, catalog=cat)
    best = table["hdi_2019"].idxmax()
    worst = table["hdi_2019"].idxmin()
    assert res.score[best] == 0.0
    assert res.score[worst] == 1.0
    assert res.higher_is_worse == {"hdi_2019": False}


def test_real_stunting_missing_are_excluded_and_listed(table):
    res = composite(table, {"stunting_u5_2019": 1, "poverty_2018": 1}, missing="exclude")
    lacking = table.loc[table["stunting_u5_2019"].isna(), "ubigeo"].tolist()
    assert len(lacking) == 9
    assert res.excluded == lacking
    assert res.missing_counts == {"stunting_u5_2019": 9, "poverty_2018": 0}
    assert res.score.notna().sum() == 1874 - 9


def test_real_poverty_minmax_values(table):
    res = composite(table, {"poverty_2018": 1})
    row = table.index[table["ubigeo"] == "050410"][0]  # Uchuraccay, 81.3%, the highest
    assert res.score[row] == 1.0
    chacha = table.index[table["ubigeo"] == "010101"][0]  # 9.05%; min is 0.05%
    assert res.score[chacha] == pytest.approx((9.05 - 0.05) / (81.3 - 0.05))


def test_composite_rejects_unknown_column(table):
    with pytest.raises(ScenarioError, match=r"indicators \['poverty_2019'\] are not columns"):
        composite(table, {"poverty_2019": 1})


# ---------------------------------------------------------------- issue 20: mutation holes
@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "target"])
@pytest.mark.parametrize("worse", [True, False])
def test_each_draw_is_normalised_on_its_own(method, worse):
    # (draws, n): every row normalised over its own districts, as the 1-D function does
    rows = np.array([[10.0, np.nan, 30.0, 20.0], [5.0, 6.0, np.nan, np.nan],
                     [7.0, 7.0, 7.0, np.nan]])
    both = normalise(rows, method=method, higher_is_worse=worse, target=8.0)
    for r, row in enumerate(rows):
        one = normalise(row, method=method, higher_is_worse=worse, target=8.0)
        np.testing.assert_array_equal(both[r], one)


def test_normalisations_by_hand_with_gaps_and_constants():
    x = np.array([10.0, np.nan, 30.0, 20.0])
    assert normalise(x, method="minmax").tolist()[::2] == [0.0, 1.0]
    assert np.isnan(normalise(x, method="minmax")[1])
    # ranks over the 3 districts with a value: 1/3, 3/3, 2/3
    np.testing.assert_allclose(normalise(x, method="rank"), [1 / 3, np.nan, 1.0, 2 / 3])
    np.testing.assert_allclose(normalise(x, method="rank", higher_is_worse=False),
                               [1.0, np.nan, 1 / 3, 2 / 3])
    sd = np.std([10.0, 30.0, 20.0])
    np.testing.assert_allclose(normalise(x, method="zscore"),
                               [-10 / sd, np.nan, 10 / sd, 0.0])
    # the gap to a target of 15 (higher is worse): 0, -, 15, 5 over the largest, 15
    np.testing.assert_allclose(normalise(x, method="target", target=15.0),
                               [0.0, np.nan, 1.0, 1 / 3])
    # a column with one value everywhere tells no district apart: 0, never NaN
    same = np.array([7.0, 7.0, np.nan])
    for method in ("minmax", "zscore", "target"):
        got = normalise(same, method=method, target=7.0)
        assert got[:2].tolist() == [0.0, 0.0] and np.isnan(got[2]), method
    assert normalise(same, method="minmax", higher_is_worse=False)[:2].tolist() == [1.0, 1.0]
    assert normalise(same, method="rank")[:2].tolist() == [0.75, 0.75]


def test_aggregations_by_hand():
    v = np.array([[0.25, 1.0], [0.0, np.nan], [np.nan, np.nan]])
    w = np.array([0.5, 0.5])
    # arithmetic, reweighted: 0.625; 0 (over the half that is there); none
    np.testing.assert_allclose(aggregate(v, w), [0.625, 0.0, np.nan])
    np.testing.assert_allclose(aggregate(v, w, missing="exclude"), [0.625, np.nan, np.nan])
    np.testing.assert_allclose(aggregate(v, w, missing="impute"), [0.625, np.nan, np.nan])
    # a weight of 0 does not make a missing value count
    np.testing.assert_allclose(aggregate(v, np.array([1.0, 0.0]), missing="exclude"),
                               [0.25, 0.0, np.nan])
    # geometric: columns rescaled to [0, 1] first (0.25 -> 1, 0 -> 0; 1 alone -> 0), then
    # exp(sum w log(v + 0.01)) - 0.01 over the weight a district has
    off = 0.01
    first = np.exp(0.5 * np.log(1 + off) + 0.5 * np.log(0 + off)) - off
    np.testing.assert_allclose(aggregate(v, w, method="geometric"), [first, 0.0, np.nan],
                               atol=1e-12)
    # per draw: weights (draws, k) and values (draws, n, k)
    draws = aggregate(np.stack([v, v]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(draws, [[0.25, 0.0, np.nan], [1.0, np.nan, np.nan]])


def test_weights_and_directions_messages():
    with pytest.raises(ScenarioError, match=r"^weights must be a non-empty mapping id -> "
                                            r"weight; got \{\}$"):
        normalise_weights({})
    with pytest.raises(ScenarioError, match=r"^weights must be a non-empty mapping"):
        normalise_weights([("a", 1)])
    with pytest.raises(ScenarioError, match=r"^weights must be finite numbers >= 0; got "
                                            r"\{'b': True\}$"):
        normalise_weights({"a": 1, "b": True})
    with pytest.raises(ScenarioError, match=r"^weights must be finite numbers >= 0; got "
                                            r"\{'b': inf\}$"):
        normalise_weights({"a": 1, "b": float("inf")})
    with pytest.raises(ScenarioError, match=r"^indicator 'x' has no known direction: say "
                                            r"whether a higher value means more need, e\.g\. "
                                            r"higher_is_worse=\{'x': True\} \(or False\), or "
                                            r"add it to the catalog with its "
                                            r"higher_is_worse$"):
        directions_from_catalog(["x"], None, {})
    with pytest.raises(ScenarioError, match=r"^indicators 'x', 'y' have no known direction: "
                                            r"say whether a higher value means more need, "
                                            r"e\.g\. higher_is_worse=\{'x': True, 'y': True\}"):
        directions_from_catalog(["x", "y"], None, {})
    cat = pd.DataFrame({"id": ["x", "y"], "higher_is_worse": [False, None]})
    assert directions_from_catalog(["x"], cat, {}) == {"x": False}
    assert directions_from_catalog(["x"], cat, {"x": True}) == {"x": True}
