"""Monte Carlo rank uncertainty: how sure is a district's place in the list?

Two sources of uncertainty are drawn together, ``n_draws`` times, vectorised with numpy
over a (draws × districts) array (no Python loop per draw):

(a) **Weights.** Drawn from a Dirichlet distribution centred on the chosen weights ``w``
    with concentration ``kappa = 1 / weight_spread**2``: ``alpha = kappa * w``. Each drawn
    weight has mean ``w_j`` and standard deviation ``sqrt(w_j (1 - w_j) / (kappa + 1))``,
    about ``weight_spread * sqrt(w_j (1 - w_j))``; with ``weight_spread = 0.1`` a weight of
    0.2 varies by about ±0.04 (one sd). Weights of 0 stay 0; ``weight_spread = 0`` keeps
    the weights fixed.
(b) **Estimates with a published interval.** Every weighted indicator ``x`` whose frame
    has ``x_lo`` and ``x_hi`` columns (in the shipped data: ``poverty_2018``, INEI's 95%
    interval) is drawn per district from a normal distribution with mean the point
    estimate and ``sd = (x_hi - x_lo) / 3.92``, clipped to [0, 100] (percentages).
    Districts are drawn independently (INEI publishes no correlations); a district
    without an interval keeps its point value.

Each draw normalises, aggregates and ranks exactly as the point score does
(:mod:`geoprio.scoring`), then applies the list size: top N by rank, a score threshold,
or, for a budget, the greedy value-per-cost rule (solving the exact knapsack 1,000 times
would take minutes; the point ``selected`` column uses the exact solver). Eligibility is
evaluated once, on the published point estimates, and does not vary between draws.

Results per district: ``rank_p05``, ``rank_median``, ``rank_p95`` (a 90% interval; the
observed ranks at those quantiles, ``method="inverted_cdf"``) and ``p_selected``, the
share of draws in which it is on the list. Ties in score keep input order. The same seed
gives the same draws.

Examples
--------
>>> import numpy as np
>>> raw = np.array([[50.0], [48.0], [10.0]])
>>> mc = monte_carlo(raw, ["poverty_2018"], np.array([1.0]),
...                  intervals={0: (np.array([40.0, 38.0, 9.0]), np.array([60.0, 58.0, 11.0]))},
...                  top_n=1, n_draws=2000, seed=1)
>>> mc.rank_median.tolist(), mc.rank_p95.tolist()
([1.0, 2.0, 3.0], [2.0, 2.0, 3.0])
>>> bool(0.4 < mc.p_selected[0] < 0.7), float(mc.p_selected[2])
(True, 0.0)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geoprio.errors import ScenarioError
from geoprio.scoring import aggregate, normalise

logger = logging.getLogger(__name__)

__all__ = ["MonteCarloResult", "draw_weights", "monte_carlo", "ranks_of"]

Z95 = 3.92  # width of a 95% normal interval in standard deviations (2 × 1.96)
_CHUNK = 250  # draws scored at once (memory: chunk × n × k floats)


@dataclass
class MonteCarloResult:
    """Rank intervals and selection probabilities.

    Attributes
    ----------
    rank_p05, rank_median, rank_p95 : numpy.ndarray
        Per district; NaN where the district is not ranked (not eligible or no score).
    p_selected : numpy.ndarray
        Share of draws in which the district is selected (0 when never ranked).
    ranks : numpy.ndarray
        ``(n_draws, n)`` int32 ranks, 0 where not ranked.
    weights : numpy.ndarray
        ``(n_draws, k)`` drawn weights.
    drawn : list of str
        Indicators drawn within their interval.
    n_draws, seed : int
    """

    rank_p05: np.ndarray
    rank_median: np.ndarray
    rank_p95: np.ndarray
    p_selected: np.ndarray
    ranks: np.ndarray
    weights: np.ndarray
    drawn: list[str]
    n_draws: int
    seed: int

    def __repr__(self) -> str:
        unsure = int(np.sum((self.p_selected > 0.1) & (self.p_selected < 0.9)))
        return (
            f"MonteCarloResult({self.n_draws} draws, seed={self.seed}, drawn={self.drawn}, "
            f"{unsure} districts with 0.1 < p_selected < 0.9)"
        )


def draw_weights(
    weights: np.ndarray, *, n_draws: int, weight_spread: float, rng: np.random.Generator
) -> np.ndarray:
    """Dirichlet draws around ``weights`` (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> w = draw_weights(np.array([0.5, 0.5, 0.0]), n_draws=4000, weight_spread=0.1,
    ...                  rng=np.random.default_rng(0))
    >>> w.shape, bool(np.allclose(w.sum(axis=1), 1)), float(w[:, 2].max())
    ((4000, 3), True, 0.0)
    >>> round(float(w[:, 0].std()), 2)
    0.05
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    out = np.broadcast_to(w, (n_draws, len(w))).copy()
    positive = w > 0
    if weight_spread > 0 and positive.sum() > 1:
        kappa = 1.0 / weight_spread**2
        out[:, positive] = rng.dirichlet(kappa * w[positive], size=n_draws)
    return out


def ranks_of(scores: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (1 = highest score) among ``ranked``; 0 elsewhere.

    Ties keep input order (stable sort).

    Examples
    --------
    >>> import numpy as np
    >>> ranks_of(np.array([0.2, 0.9, 0.5, 0.9]), np.array([True, True, True, False])).tolist()
    [3, 1, 2, 0]
    """
    s = np.asarray(scores, dtype=float)
    mask = np.broadcast_to(ranked, s.shape) & np.isfinite(s)
    key = np.where(mask, -s, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    ranks = np.empty(s.shape, dtype=np.int32)
    positions = np.broadcast_to(np.arange(1, s.shape[-1] + 1, dtype=np.int32), s.shape)
    np.put_along_axis(ranks, order, positions, axis=-1)
    return np.where(mask, ranks, 0).astype(np.int32)


def _greedy_by_draw(
    values: np.ndarray, costs: np.ndarray, budget: float, ranked: np.ndarray
) -> np.ndarray:
    """Greedy knapsack for every draw at once: loop over list positions, not draws."""
    d, n = values.shape
    usable = ranked[None, :] & np.isfinite(values) & (values > 0) & np.isfinite(costs)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(costs > 0, values / np.where(costs > 0, costs, 1.0), np.inf)
    ratio = np.where(usable, ratio, -np.inf)
    order = np.argsort(-ratio, axis=1, kind="stable")
    chosen = np.zeros((d, n), dtype=bool)
    spent = np.zeros(d)
    rows = np.arange(d)
    limit = budget * (1 + 1e-12)
    for j in range(n):
        item = order[:, j]
        ok = usable[rows, item]
        if not ok.any():
            break
        c = costs[item]
        fits = ok & (spent + c <= limit)
        chosen[rows, item] = fits
        spent += np.where(fits, c, 0.0)
    return chosen


def monte_carlo(
    raw: np.ndarray,
    ids: Sequence[str],
    weights: np.ndarray,
    *,
    higher_is_worse: Sequence[bool] | None = None,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    missing: str = "reweight",
    targets: Sequence[float | None] | None = None,
    intervals: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
    eligible: np.ndarray | None = None,
    top_n: int | None = None,
    threshold: float | None = None,
    budget: float | None = None,
    costs: np.ndarray | None = None,
    need: np.ndarray | None = None,
    n_draws: int = 1000,
    weight_spread: float = 0.1,
    seed: int = 2018,
) -> MonteCarloResult:
    """Monte Carlo ranks over weights and interval estimates.

    Parameters
    ----------
    raw : numpy.ndarray
        ``(n, k)`` raw indicator values (after any imputation), NaN = missing.
    ids : sequence of str
        The ``k`` indicator ids (for reporting).
    weights : numpy.ndarray
        ``(k,)`` chosen weights (normalised here).
    higher_is_worse, targets : sequence, optional
        Per indicator; defaults True / None.
    normalisation, aggregation, missing : str
        As in :func:`geoprio.scoring.composite`.
    intervals : mapping, optional
        Column position -> ``(lo, hi)`` arrays of a 95% interval.
    eligible : numpy.ndarray of bool, optional
        Districts that may be ranked (default all).
    top_n, threshold, budget : optional
        The list size (at most one); none = every ranked district is selected.
    costs : numpy.ndarray, optional
        Cost per district, required with ``budget``.
    need : numpy.ndarray, optional
        Value the budget maximises; default the drawn score.
    n_draws : int, default=1000
    weight_spread : float, default=0.1
    seed : int, default=2018

    Returns
    -------
    MonteCarloResult
    """
    raw = np.asarray(raw, dtype=float)
    if raw.ndim != 2 or raw.shape[1] != len(ids):
        raise ScenarioError(f"raw must be (n, {len(ids)}); got shape {raw.shape}")
    n, k = raw.shape
    if n_draws < 1:
        raise ScenarioError(f"n_draws must be >= 1; got {n_draws}")
    if sum(x is not None for x in (top_n, threshold, budget)) > 1:
        raise ScenarioError("give at most one of top_n, threshold, budget")
    if budget is not None and costs is None:
        raise ScenarioError("budget needs costs")
    hiw = list(higher_is_worse) if higher_is_worse is not None else [True] * k
    tg = list(targets) if targets is not None else [None] * k
    intervals = dict(intervals or {})
    elig = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    rng = np.random.default_rng(seed)

    w_draws = draw_weights(np.asarray(weights, dtype=float), n_draws=n_draws,
                           weight_spread=weight_spread, rng=rng)
    noise = {j: rng.standard_normal((n_draws, n)) for j in sorted(intervals)}
    fixed = [
        None if j in intervals else normalise(raw[:, j], method=normalisation,
                                              higher_is_worse=hiw[j], target=tg[j])
        for j in range(k)
    ]
    sds = {}
    for j, (lo, hi) in intervals.items():
        sd = (np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)) / Z95
        sds[j] = np.where(np.isfinite(sd) & (sd > 0), sd, 0.0)

    scores = np.empty((n_draws, n))
    for start in range(0, n_draws, _CHUNK):
        stop = min(start + _CHUNK, n_draws)
        m = stop - start
        cols = []
        for j in range(k):
            if fixed[j] is not None:
                cols.append(np.broadcast_to(fixed[j], (m, n)))
            else:
                drawn = np.clip(raw[:, j] + sds[j] * noise[j][start:stop], 0.0, 100.0)
                drawn = np.where(np.isnan(raw[:, j]), np.nan, drawn)
                cols.append(normalise(drawn, method=normalisation, higher_is_worse=hiw[j],
                                      target=tg[j]))
        tensor = np.stack(cols, axis=-1)
        scores[start:stop] = aggregate(tensor, w_draws[start:stop], method=aggregation,
                                       missing=missing)

    ranked = elig & np.all(np.isfinite(scores), axis=0)
    ranks = ranks_of(scores, ranked)
    if top_n is not None:
        sel = (ranks >= 1) & (ranks <= top_n)
    elif threshold is not None:
        sel = ranked[None, :] & (scores >= threshold)
    elif budget is not None:
        values = scores if need is None else np.broadcast_to(np.asarray(need, float), scores.shape)
        sel = _greedy_by_draw(values, np.asarray(costs, dtype=float), float(budget), ranked)
    else:
        sel = np.broadcast_to(ranked, scores.shape)
    p_sel = sel.mean(axis=0)

    q = np.full((3, n), np.nan)
    if ranked.any():
        q[:, ranked] = np.quantile(ranks[:, ranked], [0.05, 0.5, 0.95], axis=0,
                                   method="inverted_cdf")
    drawn_ids = [ids[j] for j in sorted(intervals)]
    logger.info("Monte Carlo: %d draws, seed %d, drawn %s", n_draws, seed, drawn_ids)
    return MonteCarloResult(q[0], q[1], q[2], p_sel, ranks, w_draws, drawn_ids, n_draws, seed)
