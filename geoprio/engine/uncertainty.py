"""Monte Carlo: how sure is a district's place in the list, and on the list at all?

Each draw redraws what is uncertain and then decides *everything that depends on it* exactly
as the point result does (the same function, :meth:`geoprio.engine.ranking.Plan.run`): derived
columns (poverty quintiles cut again within the draw, people reached), the score, the
eligibility rule, the ranks, the need and the list. Two sources of uncertainty:

(a) **Weights.** Drawn from a Dirichlet distribution centred on the chosen weights ``w``
    with concentration ``kappa = 1 / weight_spread**2``: ``alpha = kappa * w``. Each drawn
    weight has mean ``w_j`` and standard deviation ``sqrt(w_j (1 - w_j) / (kappa + 1))``,
    about ``weight_spread * sqrt(w_j (1 - w_j))``; with ``weight_spread = 0.1`` a weight of
    0.2 varies by about ±0.04 (one sd). Weights of 0 stay 0; ``weight_spread = 0`` keeps
    them fixed.
(b) **Estimates with a known error**, for every column the scenario uses (weights, rule,
    need, cost base, and the inputs of the derived columns it uses):

    - **Empirical Bayes rates** (``POSTERIORS``: ``stunting_u5_2022_eb``,
      ``anemia_6_35m_2022_eb``) are drawn from each district's beta-binomial posterior
      (:func:`geoprio.spatial.smoothing.posterior_beta` on the SIEN-HIS 2022 counts): a district
      where
      5 children were measured draws from a wide distribution, one with 5,000 from a narrow
      one. Districts without a measured child stay missing.
    - **Estimates with a published interval**: a column with ``<id>_lo`` and ``<id>_hi``
      columns (in the shipped data: ``poverty_2018``, INEI's 95% interval) is drawn from a
      normal distribution with mean the point estimate and ``sd = (hi - lo) / 3.92``, clipped
      to the range its unit allows (``%``: 0–100; an index 0–1: 0–1; other units are not
      clipped). Districts that INEI estimated jointly (``poverty_joint_2018``, 476 districts
      in 197 groups) share one draw per group; other districts are drawn independently
      (INEI publishes no correlations). A column whose interval is a 90% one (``Z90``:
      the shipped Empirical Bayes bounds) uses ``sd = (hi - lo) / 3.29`` instead.
    - **Fay–Herriot estimates** (``ARCSINE``: ``stunting_u5_2022_fh`` and its ENDES-benchmarked
      ``stunting_u5_2022_fh_endes``) are drawn from each district's predictive distribution on
      the model's arcsine scale, ``θ ~ N(θ̂, √MSE)``, brought back as ``100 sin² θ``
      (:func:`geoprio.spatial.smallarea.predictive_draws`); the benchmarked column is the same
      draw times the district's fixed department ratio. Their mean is the published estimate,
      and the 35 districts with no child measured draw from their wide synthetic distribution.

The simulation runs in chunks of ``CHUNK`` draws and keeps only per-district counts (a
histogram of ranks, and how often each district is eligible and selected), so memory does
not grow with ``n_draws``.

Results per district: ``rank_p05``, ``rank_median``, ``rank_p95`` (a 90% interval over the
draws in which the district is ranked; the observed ranks at those quantiles, as
``numpy.quantile(method="inverted_cdf")``), ``p_eligible`` and ``p_selected``. The same seed
gives the same draws.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

__all__ = [
    "ARCSINE",
    "BLOCK",
    "CHUNK",
    "JOINT_GROUPS",
    "MAX_DRAWS",
    "MAX_UNITS",
    "POSTERIORS",
    "ArcsineModel",
    "BetaModel",
    "DrawModel",
    "MonteCarloResult",
    "draw_all",
    "draw_models",
    "draw_weights",
    "prior_strength",
    "rank_quantiles",
    "simulate",
]

Z95 = 3.92  # width of a 95% normal interval in standard deviations (2 × 1.96)
CHUNK = 250  # draws made at once (the order of the random stream: never change it)
#: draws evaluated at once by default: a block's (draws × districts × indicators) floats fit
#: in the processor's cache (a speed setting only; see :func:`simulate`)
BLOCK = 50
#: most draws a scenario may ask for: the Monte Carlo error of a probability is at most
#: 0.5 / sqrt(n_draws), 0.005 at 10,000 draws; more only costs time (about 1 s per 1,000)
MAX_DRAWS = 10_000
#: most units (rows) a simulation handles: the rank histogram holds units² counts
MAX_UNITS = 5_000
#: column drawn -> column holding the group of districts that share one estimate
JOINT_GROUPS: dict[str, str] = {"poverty_2018": "poverty_joint_2018"}
#: smoothed rate (%) -> (events, children measured) of its beta-binomial posterior
POSTERIORS: dict[str, tuple[str, str]] = {
    "stunting_u5_2022_eb": ("stunted_u5_2022", "evaluated_u5_2022"),
    "anemia_6_35m_2022_eb": ("anemic_6_35m_2022", "evaluated_6_35m_2022"),
}
#: Fay–Herriot rate (%) -> (its arcsine-scale mean, its root MSE, the unbenchmarked rate): a
#: benchmarked column is the unbenchmarked draw times its ratio to the unbenchmarked estimate
ARCSINE: dict[str, tuple[str, str, str]] = {
    "stunting_u5_2022_fh": ("stunting_u5_2022_fh_theta", "stunting_u5_2022_fh_theta_se",
                            "stunting_u5_2022_fh"),
    "stunting_u5_2022_fh_endes": ("stunting_u5_2022_fh_theta", "stunting_u5_2022_fh_theta_se",
                                  "stunting_u5_2022_fh"),
}
Z90 = 2 * 1.6448536269514722  # width of a 90% normal interval in standard deviations
#: columns whose ``_lo``/``_hi`` bound a 90% interval (the others: 95%, as INEI's poverty)
INTERVAL_Z: dict[str, float] = {"stunting_u5_2022_eb": Z90, "anemia_6_35m_2022_eb": Z90}
#: unit (catalog) -> range a drawn value is clipped to
UNIT_BOUNDS: dict[str, tuple[float, float]] = {"%": (0.0, 100.0), "índice 0-1": (0.0, 1.0)}


@dataclass
class DrawModel:
    """How one column is drawn: normal within its interval, one draw per group.

    Attributes
    ----------
    column : str
    mean, sd : numpy.ndarray
        Per district (sd 0 where the interval is missing or empty: the value stays fixed).
    group : numpy.ndarray of int
        Districts with the same code share one draw.
    bounds : tuple of float or None
        Range the drawn values are clipped to.
    """

    column: str
    mean: np.ndarray
    sd: np.ndarray
    group: np.ndarray
    bounds: tuple[float, float] | None

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if len(self.group) else 0

    def sample(self, noise: np.ndarray) -> np.ndarray:
        """Values for ``noise`` of shape ``(draws, n_groups)`` -> ``(draws, n)``.

        ``mean + sd × noise`` of each district's group, clipped to the bounds; NaN where the
        mean is missing.
        """
        drawn = noise[:, self.group]  # a new array: the noise is not changed
        drawn *= self.sd
        drawn += self.mean
        if self.bounds is not None:
            np.clip(drawn, *self.bounds, out=drawn)
        missing = np.isnan(self.mean)
        if missing.any():
            drawn[:, missing] = np.nan
        return drawn

    def draw(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` draws of every district, ``(m, n)``."""
        return self.sample(rng.standard_normal((m, self.n_groups)))


@dataclass
class BetaModel:
    """An Empirical Bayes rate drawn from each district's posterior ``Beta(a, b)``, in %.

    Attributes
    ----------
    column : str
    a, b : numpy.ndarray
        Posterior parameters (NaN where no child was measured: the value stays missing).
    mean : numpy.ndarray
        The published smoothed rate (the point value).
    """

    column: str
    a: np.ndarray
    b: np.ndarray
    mean: np.ndarray

    def draw(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` draws of every district, ``(m, n)``, in percent."""
        ok = np.isfinite(self.a) & np.isfinite(self.b) & (self.a > 0) & (self.b > 0)
        drawn = rng.beta(self.a[ok], self.b[ok], size=(m, int(ok.sum())))
        drawn *= 100.0
        if ok.all():
            return drawn
        out = np.full((m, len(self.a)), np.nan)
        out[:, ok] = drawn
        # a posterior without spread (infinite a and b) is the published rate itself
        point = np.isinf(self.a) & np.isinf(self.b)
        out[:, point] = self.mean[point]
        return out


@dataclass
class ArcsineModel:
    """A Fay–Herriot rate drawn from each district's predictive distribution, in %.

    Attributes
    ----------
    column : str
    theta, se : numpy.ndarray
        Mean and root MSE on the arcsine scale (NaN: the value stays missing).
    ratio : numpy.ndarray
        The published rate over the unbenchmarked estimate (1 for the unbenchmarked rate; a
        department's ENDES ratio for the benchmarked one).
    mean : numpy.ndarray
        The published estimate (the point value; the mean of the draws).
    """

    column: str
    theta: np.ndarray
    se: np.ndarray
    ratio: np.ndarray
    mean: np.ndarray

    def draw(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` draws of every district, ``(m, n)``, in percent, clipped to 0–100."""
        # 100 sin²(θ + se × noise) × ratio, computed in place: the same operations as the
        # formula, in the same order, on one array
        rate = rng.standard_normal((m, len(self.theta)))
        rate *= np.where(np.isfinite(self.se), self.se, 0.0)
        rate += self.theta
        np.sin(rate, out=rate)
        np.square(rate, out=rate)
        rate *= 100.0
        if not np.all(self.ratio == 1.0):
            # 100 sin² is within 0-100 already: only a ratio can take it out
            rate *= self.ratio
            np.clip(rate, 0.0, 100.0, out=rate)
        return rate

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str) -> ArcsineModel | None:
        """The model of ``column`` when ``frame`` holds its arcsine mean and error."""
        theta_col, se_col, base_col = ARCSINE[column]
        if not {column, theta_col, se_col, base_col} <= set(frame.columns):
            return None
        value, theta, se, base = (pd.to_numeric(frame[c], errors="coerce").to_numpy(float)
                                  for c in (column, theta_col, se_col, base_col))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(column == base_col, 1.0, value / base)
        theta = np.where(np.isfinite(value) & np.isfinite(ratio), theta, np.nan)
        return cls(column, theta, se, ratio, value)


def _units(catalog: pd.DataFrame | None) -> dict[str, str]:
    if catalog is None or "unit" not in catalog or "id" not in catalog:
        return {}
    return {str(i): str(u) for i, u in zip(catalog["id"], catalog["unit"], strict=True)
            if not pd.isna(u)}


def prior_strength(rate: np.ndarray, events: np.ndarray, population: np.ndarray
                   ) -> float | None:
    """The prior strength ``κ`` of a global Empirical Bayes rate, read back from the rates.

    A global EB rate is ``r_i = (κ m + y_i) / (κ + n_i)`` with one ``κ`` and one ``m`` for
    every district of the table it was fitted on: ``r_i κ − κ m = y_i − r_i n_i`` is linear
    in ``(κ, κ m)`` and is solved by least squares over the districts with a rate. Returns
    None when the rates are not such a rate (the fit misses a published rate by more than
    1e-6) or when every rate is the same (full shrinkage).

    Examples
    --------
    >>> import numpy as np
    >>> y, n = np.array([3.0, 20.0, 150.0]), np.array([5.0, 100.0, 1000.0])
    >>> r = (40.0 * 0.16 + y) / (40.0 + n)   # kappa 40, prior mean 0.16
    >>> round(prior_strength(r, y, n), 6)
    40.0
    """
    ok = np.isfinite(rate) & np.isfinite(events) & np.isfinite(population) & (population > 0)
    if ok.sum() < 2 or np.ptp(rate[ok]) == 0:
        return None
    r, y, n = rate[ok], events[ok], population[ok]
    design = np.column_stack([r, -np.ones_like(r)])
    (kappa, km), *_ = np.linalg.lstsq(design, y - r * n, rcond=None)
    if not (np.isfinite(kappa) and kappa > 0):
        return None
    if np.max(np.abs((km + y) / (kappa + n) - r)) > 1e-6:
        return None
    return float(kappa)


def _posterior(frame: pd.DataFrame, column: str, counts: tuple[str, str],
               point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior ``Beta(a, b)`` of each district, with the prior of the published rate.

    The published rate was smoothed on the whole country; ``frame`` may be a part of it (one
    department). The prior strength is read back from the published rates
    (:func:`prior_strength`), so the posterior mean is the published rate itself. A column
    that is not a global EB rate of these counts falls back to a prior fitted on ``frame``.
    """
    y, n = (pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in counts)
    r = point / 100.0
    kappa = prior_strength(r, y, n)
    if kappa is None:
        from geoprio.spatial.smoothing import posterior_beta

        logger.warning("%s is not a global Empirical Bayes rate of %s and %s: its draws use a "
                       "prior fitted on the %d rows given", column, *counts, len(frame))
        post = posterior_beta(frame, *counts, method="eb", id_column="ubigeo")
        return post["a"].to_numpy(dtype=float), post["b"].to_numpy(dtype=float)
    ok = np.isfinite(r) & np.isfinite(n) & (n > 0)
    size = np.where(ok, kappa + n, np.nan)
    return r * size, (1.0 - r) * size


def draw_models(
    frame: pd.DataFrame, columns: Sequence[str], catalog: pd.DataFrame | None = None
) -> dict[str, DrawModel | BetaModel | ArcsineModel]:
    """Draw models of the ``columns`` that carry a known error (see the module docstring).

    A smoothed rate of ``POSTERIORS`` whose counts are in ``frame`` gets a
    :class:`BetaModel`; a Fay–Herriot rate of ``ARCSINE`` an :class:`ArcsineModel`; a column
    with ``<id>_lo`` and ``<id>_hi`` a :class:`DrawModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"p": [50.0, 50.0, 10.0], "p_lo": [40.0, 40.0, 9.0],
    ...                   "p_hi": [60.0, 60.0, 11.0], "x": [1.0, 2.0, 3.0]})
    >>> m = draw_models(f, ["p", "x"])
    >>> list(m), round(float(m["p"].sd[0]), 3), m["p"].group.tolist()
    (['p'], 5.102, [0, 1, 2])
    """
    units = _units(catalog)
    out: dict[str, DrawModel | BetaModel | ArcsineModel] = {}
    n = len(frame)
    for col in dict.fromkeys(columns):
        counts = POSTERIORS.get(col)
        if col in frame.columns and counts and set(counts) <= set(frame.columns):
            mean = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            a, b = _posterior(frame, col, counts, mean)
            out[col] = BetaModel(col, a, b, mean)
            continue
        arcsine = ArcsineModel.of(frame, col) if col in ARCSINE else None
        if arcsine is not None:
            out[col] = arcsine
            continue
        lo_col, hi_col = f"{col}_lo", f"{col}_hi"
        if col not in frame.columns or lo_col not in frame or hi_col not in frame:
            continue
        mean, lo, hi = (pd.to_numeric(frame[c], errors="coerce").astype(float).to_numpy()
                        for c in (col, lo_col, hi_col))
        sd = (hi - lo) / INTERVAL_Z.get(col, Z95)
        sd = np.where(np.isfinite(sd) & (sd > 0), sd, 0.0)
        group = np.arange(n)
        joint = JOINT_GROUPS.get(col)
        if joint and joint in frame.columns:
            codes = pd.to_numeric(frame[joint], errors="coerce").to_numpy(dtype=float)
            key = [f"g{c:g}" if np.isfinite(c) else f"d{i}" for i, c in enumerate(codes)]
            group = pd.factorize(pd.Series(key), sort=False)[0]
        out[col] = DrawModel(col, mean, sd, group.astype(np.int64), UNIT_BOUNDS.get(units.get(col)))
    return out


@dataclass
class MonteCarloResult:
    """Rank intervals and probabilities.

    Attributes
    ----------
    rank_p05, rank_median, rank_p95 : numpy.ndarray
        Per district, over the draws in which it is ranked; NaN where never ranked.
    p_eligible : numpy.ndarray
        Share of draws in which the district passes the rule and the filters.
    p_selected : numpy.ndarray
        Share of draws in which it is on the list.
    weights : numpy.ndarray
        ``(n_draws, k)`` drawn weights.
    drawn : list of str
        Columns drawn within their interval.
    n_draws, seed : int
    """

    rank_p05: np.ndarray
    rank_median: np.ndarray
    rank_p95: np.ndarray
    p_eligible: np.ndarray
    p_selected: np.ndarray
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


def rank_quantiles(counts: np.ndarray, qs: Sequence[float] = (0.05, 0.5, 0.95)) -> np.ndarray:
    """Quantiles of ranks from per-district rank counts, as ``inverted_cdf`` would give.

    ``counts[i, r]`` is how often district ``i`` had rank ``r``. Returns ``(len(qs), n)``,
    NaN for districts never ranked.

    Examples
    --------
    >>> import numpy as np
    >>> ranks = np.array([1, 2, 2, 3, 9])
    >>> counts = np.bincount(ranks, minlength=10)[None, :]
    >>> rank_quantiles(counts, (0.05, 0.5, 0.95))[:, 0].tolist()
    [1.0, 2.0, 9.0]
    >>> np.quantile(ranks, [0.05, 0.5, 0.95], method="inverted_cdf").tolist()
    [1, 2, 9]
    """
    counts = np.asarray(counts)
    wide = np.iinfo(np.int32).max // max(counts.shape[0], 1)
    small = counts.size == 0 or int(counts.sum(axis=1).max()) < wide - 1
    cum = np.cumsum(counts, axis=1, dtype=np.int32 if small else np.int64)
    return _quantiles_of_cumulative(cum, qs)


def _quantiles_of_cumulative(cum: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """:func:`rank_quantiles` from the cumulative counts ``cum`` (changed in place)."""
    rows, width = cum.shape
    out = np.full((len(qs), rows), np.nan)
    if not cum.size:
        return out
    total = cum[:, -1].astype(float)
    seen = np.flatnonzero(total > 0)
    if not len(seen):
        return out
    # the rows laid end to end, row i shifted up by i × (largest total + 1), are one sorted
    # array: a binary search finds in each row its smallest rank r whose cumulative count
    # reaches q × total (numpy's inverted_cdf); counts are integers, so reaching the
    # threshold is reaching its ceiling
    step = int(cum[:, -1].max()) + 1
    shift = np.arange(rows, dtype=cum.dtype) * cum.dtype.type(step)
    cum += shift[:, None]
    flat = cum.reshape(-1)
    for k, q in enumerate(qs):
        need = np.ceil(q * total[seen]).astype(cum.dtype) + shift[seen]
        out[k, seen] = np.searchsorted(flat, need, side="left") - seen * width
    return out


class _Tally:
    """What a simulation keeps of its draws: per district, a histogram of its ranks and how
    often it was eligible and selected (memory flat in the number of draws)."""

    def __init__(self, n: int) -> None:
        self.n = n
        # counts[i, r]: draws in which district i had rank r (column 0: draws unranked)
        self.counts = np.zeros((n, n + 1), dtype=np.int32)
        self.cell = np.arange(n, dtype=np.int64) * (n + 1)
        self.eligible = np.zeros(n, dtype=np.int64)
        self.selected = np.zeros(n, dtype=np.int64)

    def add(self, out: object, m: int) -> None:
        """Count the ``m`` draws of one evaluation (an :class:`Outcome`-like object)."""
        n = self.n
        rank = np.broadcast_to(out.rank, (m, n))  # type: ignore[attr-defined]
        ranked = np.broadcast_to(out.ranked, (m, n))  # type: ignore[attr-defined]
        flat = self.counts.reshape(-1)
        for row in np.where(ranked, rank, 0) + self.cell:
            flat[row] += 1  # within one draw every district has one cell: no repeats
        self.eligible += np.count_nonzero(
            np.broadcast_to(out.eligible, (m, n)), axis=0)  # type: ignore[attr-defined]
        self.selected += np.count_nonzero(
            np.broadcast_to(out.selected, (m, n)), axis=0)  # type: ignore[attr-defined]

    def quantiles(self, qs: Sequence[float] = (0.05, 0.5, 0.95)) -> np.ndarray:
        """:func:`rank_quantiles` of the ranks counted (the histogram is used up)."""
        self.counts[:, 0] = 0  # unranked draws have no rank
        # at most MAX_DRAWS per district and MAX_UNITS rows: the sums fit in int32
        np.cumsum(self.counts, axis=1, out=self.counts)
        return _quantiles_of_cumulative(self.counts, qs)


def draw_all(models: Mapping[str, DrawModel | BetaModel | ArcsineModel],
             rng: np.random.Generator, m: int) -> dict[str, np.ndarray]:
    """``m`` draws of every drawn column, ``{column: (m, n)}``, in name order.

    Columns are drawn in name order, so that the same scenario gives the same draws however
    its weights and rule list them. A Fay–Herriot column benchmarked to ENDES drawn beside
    its unbenchmarked base is the base's draw times its department ratio (clipped to
    0–100), as its point value is: one draw of a district's stunting in both (its own
    draw is still made, so that the columns after it see the same random stream).

    Examples
    --------
    >>> fh = "stunting_u5_2022_fh"
    >>> f = pd.DataFrame({fh: [20.0], f"{fh}_endes": [15.0], f"{fh}_theta": [0.4636],
    ...                   f"{fh}_theta_se": [0.05]})
    >>> models = {c: ArcsineModel.of(f, c) for c in (fh, f"{fh}_endes")}
    >>> d = draw_all(models, np.random.default_rng(0), 4)
    >>> np.allclose(d[f"{fh}_endes"], d[fh] * 0.75)
    True
    """
    values = {c: models[c].draw(rng, m) for c in sorted(models)}
    for column, model in models.items():
        base = ARCSINE[column][2] if isinstance(model, ArcsineModel) else column
        if base != column and isinstance(models.get(base), ArcsineModel):
            paired = values[base] * model.ratio
            values[column] = np.clip(paired, 0.0, 100.0, out=paired)
    return values


def simulate(
    run: Callable[[Mapping[str, np.ndarray], np.ndarray], object],
    models: Mapping[str, DrawModel | BetaModel | ArcsineModel],
    weights: np.ndarray,
    *,
    n_units: int,
    n_draws: int = 1000,
    weight_spread: float = 0.1,
    seed: int = 2018,
    block: int = BLOCK,
) -> MonteCarloResult:
    """Run ``n_draws`` draws of ``run`` and summarise ranks and probabilities.

    Parameters
    ----------
    run : callable
        ``run(values, weights)`` with ``values`` a mapping column -> ``(m, n)`` drawn arrays
        and ``weights`` ``(m, k)``; returns an object with ``eligible``, ``ranked``,
        ``rank`` and ``selected`` arrays of shape ``(m, n)`` (e.g.
        :meth:`geoprio.engine.ranking.Plan.run`).
    models : mapping
        Column -> :class:`DrawModel`, :class:`BetaModel` or :class:`ArcsineModel`
        (:func:`draw_models`).
    weights : numpy.ndarray
        ``(k,)`` chosen weights.
    n_units : int
        Number of districts.
    n_draws : int, default=1000
        At most ``MAX_DRAWS``.
    weight_spread : float, default=0.1
    seed : int, default=2018
    block : int, default=BLOCK
        Draws handed to ``run`` at once (at most ``CHUNK``); the draws themselves are made
        ``CHUNK`` at a time, so ``block`` changes the speed, never a result.

    Returns
    -------
    MonteCarloResult
    """
    block = max(1, min(int(block), CHUNK))
    if isinstance(n_draws, bool) or not 1 <= int(n_draws) <= MAX_DRAWS:
        raise ScenarioError(f"n_draws must be between 1 and {MAX_DRAWS:,}; got {n_draws!r}")
    if n_units > MAX_UNITS:
        raise ScenarioError(
            f"rank intervals are computed for at most {MAX_UNITS:,} units; got {n_units:,}: "
            "set n_draws=0 or rank fewer units"
        )
    rng = np.random.default_rng(seed)
    w_draws = draw_weights(np.asarray(weights, dtype=float), n_draws=n_draws,
                           weight_spread=weight_spread, rng=rng)
    tally = _Tally(n_units)
    for start in range(0, n_draws, CHUNK):
        m = min(CHUNK, n_draws - start)
        # columns drawn in name order: the same scenario gives the same draws, however its
        # weights and rule list them
        values = draw_all(models, rng, m)
        # evaluated a block of draws at a time: each draw is decided alone, so the blocks
        # change no result, and a block's arrays stay in the processor's cache
        for a in range(0, m, block):
            b = min(a + block, m)
            tally.add(run({c: v[a:b] for c, v in values.items()},
                          w_draws[start + a:start + b]), b - a)
    q = tally.quantiles()
    logger.info("Monte Carlo: %d draws, seed %d, drawn %s", n_draws, seed, list(models))
    return MonteCarloResult(q[0], q[1], q[2], tally.eligible / n_draws,
                            tally.selected / n_draws, w_draws, list(models), n_draws, seed)
