"""The engine's fast paths against the straightforward routes they replace (issue 24).

Each fast path must give the same answer, element for element: numpy's stable sort, numpy's
``inverted_cdf`` quantiles of every draw kept, the weighted means written out, and the Monte
Carlo evaluated one draw at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.engine import ranking
from geoprio.engine.derived import stable_argsort
from geoprio.engine.scenario import Scenario
from geoprio.engine.scoring import GEOMETRIC_OFFSET, aggregate, normalise
from geoprio.engine.uncertainty import CHUNK, rank_quantiles, simulate


@pytest.mark.parametrize("shape", [(7,), (40, 300), (3, 5, 64)])
def test_stable_argsort_is_numpys_stable_sort(shape):
    rng = np.random.default_rng(5)
    key = rng.integers(0, 6, size=shape).astype(float)  # long runs of equal keys
    key[rng.random(shape) < 0.1] = np.nan
    key[rng.random(shape) < 0.05] = np.inf
    key[rng.random(shape) < 0.05] = -0.0  # equal to 0.0: a tie, kept in input order
    expected = np.argsort(key, axis=-1, kind="stable")
    assert np.array_equal(stable_argsort(key), expected)
    ints = rng.integers(0, 3, size=shape)
    assert np.array_equal(stable_argsort(ints), np.argsort(ints, axis=-1, kind="stable"))


def test_free_inf_only_frees_the_order_of_infinite_keys():
    key = np.array([[np.inf, 2.0, np.inf, 1.0, 2.0, np.inf]])
    got = stable_argsort(key, free_inf=True)[0]
    assert got[:3].tolist() == [3, 1, 4]  # finite keys: stable
    assert sorted(got[3:].tolist()) == [0, 2, 5]


def test_rank_quantiles_are_numpys_inverted_cdf():
    rng = np.random.default_rng(8)
    n, draws = 30, 997
    ranks = rng.integers(1, n + 1, size=(draws, n))
    ranks[rng.random((draws, n)) < 0.3] = 0  # unranked in that draw
    ranks[:, 4] = 0  # never ranked
    counts = np.zeros((n, n + 1), dtype=np.int64)
    for row in ranks:
        counts[np.arange(n), row] += 1
    counts[:, 0] = 0
    got = rank_quantiles(counts, (0.05, 0.5, 0.95))
    for i in range(n):
        seen = ranks[:, i][ranks[:, i] > 0]
        want = (np.quantile(seen, [0.05, 0.5, 0.95], method="inverted_cdf")
                if len(seen) else [np.nan] * 3)
        np.testing.assert_array_equal(got[:, i], want)


class _Recorder:
    """A draw evaluation with ties and unranked districts, keeping every draw it saw."""

    def __init__(self, n: int) -> None:
        self.n, self.seen, self.weights = n, [], []

    def __call__(self, values, w):
        from types import SimpleNamespace

        x = values["x"]
        eligible = x > 40.0
        key = np.where(eligible, -np.round(x / 5.0), np.inf)  # rounded: ties within a draw
        order = np.argsort(key, axis=-1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(1, self.n + 1), axis=-1)
        selected = eligible & (rank <= 10)
        self.seen.append(np.where(eligible, rank, 0))
        self.weights.append(np.array(w))
        return SimpleNamespace(rank=rank, ranked=eligible, eligible=eligible,
                               selected=selected)


def test_simulation_in_blocks_is_the_simulation_draw_by_draw():
    from geoprio.engine.uncertainty import DrawModel

    n, draws = 60, 613  # not a multiple of the chunk nor of a block
    mean = np.linspace(20.0, 70.0, n)
    model = {"x": DrawModel("x", mean, np.full(n, 8.0), np.arange(n), (0.0, 100.0))}
    results = {}
    for block in (1, 7, 50, CHUNK):
        rec = _Recorder(n)
        results[block] = simulate(rec, model, np.array([1.0]), n_units=n, n_draws=draws,
                                  seed=3, block=block)
        ranks = np.concatenate(rec.seen)
        assert ranks.shape == (draws, n)
    base = results[1]
    for block, r in results.items():
        for name in ("rank_p05", "rank_median", "rank_p95", "p_eligible", "p_selected"):
            np.testing.assert_array_equal(getattr(r, name), getattr(base, name),
                                          err_msg=f"{name}, block {block}")
    # the tally's quantiles are numpy's over the draws themselves
    for i in range(n):
        seen = ranks[:, i][ranks[:, i] > 0]
        want = (np.quantile(seen, [0.05, 0.5, 0.95], method="inverted_cdf")
                if len(seen) else [np.nan] * 3)
        np.testing.assert_array_equal([r.rank_p05[i], r.rank_median[i], r.rank_p95[i]], want)
        assert r.p_eligible[i] == np.count_nonzero(ranks[:, i]) / draws


def _aggregate_written_out(v: np.ndarray, w: np.ndarray, method: str, missing: str
                           ) -> np.ndarray:
    """The weighted (geometric) mean of the indicators present, district by district."""
    v = np.asarray(v, dtype=float)
    if method == "geometric":
        lo, hi = np.nanmin(v, axis=-2, keepdims=True), np.nanmax(v, axis=-2, keepdims=True)
        span = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(span > 0, (v - lo) / np.where(span > 0, span, 1.0), 0.0)
        v = np.where(np.isnan(lo + v), np.nan, v)
    out = np.full(v.shape[:-1], np.nan)
    for idx in np.ndindex(*v.shape[:-1]):
        row, wi = v[idx], w[idx[:-1]] if w.ndim > 1 else w
        ok = ~np.isnan(row)
        if missing != "reweight" and (~ok & (wi > 0)).any():
            continue
        if wi[ok].sum() <= 1e-12:
            continue
        if method == "arithmetic":
            out[idx] = (row[ok] * wi[ok]).sum() / wi[ok].sum()
        else:
            logs = np.log(row[ok] + GEOMETRIC_OFFSET)
            out[idx] = np.exp((logs * wi[ok]).sum() / wi[ok].sum()) - GEOMETRIC_OFFSET
    return out


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
@pytest.mark.parametrize("missing", ["reweight", "exclude"])
@pytest.mark.parametrize("holes", [False, True])
def test_aggregate_is_the_weighted_mean_written_out(method, missing, holes):
    rng = np.random.default_rng(13)
    v = rng.random((4, 25, 3))
    v[:, 3, :] = 0.5  # a district equal to... itself in every column
    if holes:
        v[rng.random(v.shape) < 0.15] = np.nan
        v[1, 7, :] = np.nan  # a district with nothing
    w = rng.dirichlet(np.ones(3), size=4)
    w[2, 1] = 0.0  # a column without weight in one draw
    got = aggregate(v, w, method=method, missing=missing)
    np.testing.assert_allclose(got, _aggregate_written_out(v, w, method, missing),
                               rtol=1e-12, atol=1e-12)
    assert np.array_equal(np.isnan(got), np.isnan(_aggregate_written_out(v, w, method, missing)))


@pytest.mark.parametrize("worse", [True, False])
def test_min_max_scaling_with_constant_and_empty_rows(worse):
    x = np.array([[3.0, 1.0, np.nan, 5.0], [2.0, 2.0, 2.0, np.nan], [np.nan] * 4])
    got = normalise(x, method="minmax", higher_is_worse=worse)
    # by hand: (x - min) / (max - min) per row, 0 where every value is the same; turned
    # around (1 - that) when lower is worse
    scaled = np.array([[0.5, 0.0, np.nan, 1.0], [0.0, 0.0, 0.0, np.nan], [np.nan] * 4])
    expected = scaled if worse else 1.0 - scaled
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("preset, changes", [
    ("dci", {"n_draws": 120}),
    ("fonie", {"n_draws": 120}),
    ("anemia", {"n_draws": 90, "seed": 4}),
    ("dci", {"n_draws": 60, "top_n": None, "budget": 5e6, "cost_per_beneficiary": 50.0}),
])
def test_prioritize_in_blocks_is_prioritize_draw_by_draw(table, preset, changes, monkeypatch):
    frame = pd.DataFrame(table)
    s = Scenario.preset(preset).replace(**changes)
    fast = geoprio.prioritize(frame, s)
    monkeypatch.setattr(ranking, "BLOCK", 1)
    monkeypatch.setattr(ranking, "CHUNK", 1)
    one_by_one = geoprio.prioritize(frame, s)
    pd.testing.assert_frame_equal(fast, one_by_one, check_exact=True)
    assert fast.attrs == one_by_one.attrs


@pytest.mark.parametrize("dtype", ["bool", "boolean", "bool[pyarrow]", "object"])
def test_yes_no_columns_read_as_numbers_value_by_value(dtype):
    from geoprio.engine.rules import _bool_values

    values = [True, False, True] if dtype == "bool" else [True, None, False]
    s = pd.Series(values, dtype=dtype)
    by_value = [np.nan if pd.isna(v) else float(bool(v)) for v in s]
    np.testing.assert_array_equal(_bool_values(s), by_value)


def test_a_missing_yes_no_value_is_unknown_to_a_rule():
    from geoprio.engine.rules import Rule

    f = pd.DataFrame({"ubigeo": ["1", "2", "3"],
                      "vraem": pd.Series([True, None, False], dtype="boolean")})
    verdict = Rule("vraem").evaluate(f)
    assert verdict.eligible.tolist() == [True, False, False]
    assert verdict.unknown.tolist() == [False, True, False]


def _quintiles_by_definition(p: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Quintile of each district from the weight of the districts strictly poorer than it."""
    valid = ~np.isnan(p)
    total = weight[valid].sum()
    out = np.full(len(p), np.nan)
    for i in np.flatnonzero(valid):
        before = weight[valid & (p > p[i])].sum()
        out[i] = min(max(np.floor(5 * before / total) + 1, 1), 5)
    return out


@pytest.mark.parametrize("weights", ["districts", "population", "fractional population"])
def test_poverty_quintiles_by_their_definition(weights):
    from geoprio.engine.derived import poverty_quintiles

    rng = np.random.default_rng(21)
    draws = np.round(rng.random((6, 200)) * 20) * 5.0  # 21 distinct rates: long ties
    draws[rng.random(draws.shape) < 0.05] = np.nan
    draws[2, :] = np.nan  # a draw without any rate
    draws[3, :] = 35.0  # a draw in which every district ties
    pop = None
    if weights != "districts":
        pop = rng.integers(100, 50_000, size=200).astype(float)
        if weights.startswith("fractional"):
            pop = pop / 4.0  # quarters: sums still exact in any order
    got = poverty_quintiles(draws, population=pop)
    for row, p in zip(got, draws, strict=True):
        weight = np.ones(len(p)) if pop is None else pop
        np.testing.assert_array_equal(row, _quintiles_by_definition(p, weight))
    assert np.array_equal(poverty_quintiles(draws[0], population=pop), got[0], equal_nan=True)


def test_infinite_rates_keep_the_stable_route():
    from geoprio.engine.derived import poverty_quintiles

    p = np.array([np.inf, np.nan, -np.inf, 10.0, -np.inf, np.nan, 50.0, 10.0])
    got = poverty_quintiles(p)
    finite = np.where(np.isinf(p), np.sign(p) * 1e300, p)  # the same order, finite
    np.testing.assert_array_equal(got, _quintiles_by_definition(finite, np.ones(len(p))))
