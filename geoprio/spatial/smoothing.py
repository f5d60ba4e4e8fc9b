"""Empirical Bayes smoothing of rates from counts, with a beta-binomial posterior per district.

A raw rate of 3 stunted children out of 5 measured is not a 60% prevalence: with a handful of
children the rate is mostly noise. Empirical Bayes (EB) pulls each district's raw rate
``r_i = y_i / n_i`` towards a reference rate, the more so the fewer children were measured.

- **Global EB** (Marshall 1991, as GeoDa's "Empirical Bayes" and ``esda.smoothing.
  Empirical_Bayes``): the reference is the overall rate ``m = Σy / Σn`` and the spread between
  districts is ``A = Σ n_i (r_i − m)² / Σn − m / n̄`` (``n̄`` the mean of ``n``), set to 0 when
  negative. The smoothed rate is ``m + (r_i − m) · A / (A + m / n_i)``.
- **Spatial EB** (Marshall's local version, as GeoDa's "Spatial Empirical Bayes" and
  ``esda.smoothing.Spatial_Empirical_Bayes``): the same with ``m_i`` and ``A_i`` computed over
  the district and its neighbours (binary contiguity), ``n̄_i`` their mean.

**Posterior (stated model).** For a proportion the natural model is beta-binomial:
``y_i | θ_i ~ Binomial(n_i, θ_i)`` and ``θ_i ~ Beta(κ m, κ (1 − m))``. geoprio takes
``κ = m / A`` (``m_i / A_i`` for spatial EB): the one Beta prior whose posterior mean
``(κ m + y_i) / (κ + n_i)`` equals Marshall's smoothed rate exactly. The posterior is
``Beta(a_i, b_i)`` with ``a_i = κ m + y_i`` and ``b_i = κ (1 − m) + n_i − y_i``; its 5th and
95th percentiles give the 90% interval, and a Monte Carlo draws ``rng.beta(a, b)``.

Where a local spread ``A_i`` is not positive (the neighbourhood varies no more than sampling
noise, or has no event at all, ``m_i = 0``), Marshall shrinks fully to ``m_i``: a rate with no
information from the district and a posterior that is a single point (or, with ``m_i = 0``,
``Beta(0, ·)``, which ``rng.beta`` refuses). geoprio smooths such a district with the
**global** prior instead (``m``, ``A``): its rate, interval, shrinkage and posterior are those
of global EB, one model, and the district is flagged (``variance_fallback``). Elsewhere the
spatial rates equal ``esda.smoothing.Spatial_Empirical_Bayes``; in the flagged districts they
equal ``esda.smoothing.Empirical_Bayes``.

A prior without spread (``A = 0``: every rate equal up to sampling noise) gives infinite ``a``
and ``b``: the posterior is the rate itself, its interval that one value.

Districts with no child measured (``n_i`` 0 or missing) get no rate and no posterior: they are
left out of every sum (as if absent, also as neighbours) and listed in ``attrs["no_data"]``.

References
----------
Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes estimators.
*Journal of the Royal Statistical Society C*, 40(2), 283-294.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from geoprio._renamed import renamed
from geoprio.errors import InputError

__all__ = ["METHODS", "posterior_beta", "smooth_rates"]

log = logging.getLogger(__name__)

METHODS = ("eb", "spatial_eb")


@renamed(w='spatial_weights')
def smooth_rates(
    districts: pd.DataFrame,
    events: str | Any,
    population: str | Any,
    method: str = "eb",
    spatial_weights: Any = None,
    *,
    level: float = 0.9,
    scale: float = 1.0,
    id_column: str = "ubigeo",
) -> pd.DataFrame:
    """Empirical Bayes rates from counts, with a beta-binomial posterior interval.

    Parameters
    ----------
    districts : DataFrame or GeoDataFrame
        One row per district; a GeoDataFrame when ``method="spatial_eb"`` and
        ``spatial_weights`` is None.
    events, population : str or array-like
        Column names (or values in row order) of the cases (e.g. stunted children) and of the
        population at risk (e.g. children measured). ``events <= population``.
    method : ``"eb"`` (global, default) or ``"spatial_eb"``.
    spatial_weights : Contiguity, scipy sparse matrix or libpysal ``W``, optional
        Neighbours for ``"spatial_eb"``; default: Queen contiguity of ``districts``
        (:func:`geoprio.spatial.contiguity.queen_contiguity`, islands joined to the nearest
        district).
        Weights are used as binary (a neighbour or not), as esda does.
    level : float, default 0.9
        Probability of the equal-tailed posterior interval.
    scale : float, default 1.0
        Multiplies the rates (use 100 for percentages).
    id_column : str, default "ubigeo"

    Returns
    -------
    DataFrame in input order: the id, ``events``, ``population``, ``raw_rate``, ``rate`` (the
    smoothed rate), ``lo`` and ``hi`` (posterior interval), ``prior_mean``, ``prior_var``
    (``m`` and ``A``, per district for spatial EB), ``shrinkage`` (weight on the district's
    own rate, ``n / (n + κ)``), ``a`` and ``b`` (posterior Beta parameters, never scaled) and
    ``variance_fallback``. ``attrs["no_data"]`` lists districts without a measured child.

    Examples
    --------
    Three districts: 3 cases of 5, 20 of 100 and 150 of 1,000 (worked by hand in the tests).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"ubigeo": ["a", "b", "c"], "y": [3, 20, 150], "n": [5, 100, 1000]})
    >>> r = smooth_rates(t, "y", "n")
    >>> r["rate"].round(4).tolist()
    [0.1659, 0.1696, 0.1512]
    >>> r["raw_rate"].tolist()
    [0.6, 0.2, 0.15]
    """
    fit = _fit(districts, events, population, method, spatial_weights, id_column)
    a, b = fit["a"], fit["b"]
    lo, hi = _interval(a, b, fit["rate"], level)
    out = pd.DataFrame({
        id_column: fit["ids"],
        "events": fit["y"],
        "population": fit["n"],
        "raw_rate": fit["raw"] * scale,
        "rate": fit["rate"] * scale,
        "lo": lo * scale,
        "hi": hi * scale,
        "prior_mean": fit["m"] * scale,
        "prior_var": fit["A"] * scale**2,
        "shrinkage": fit["shrinkage"],
        "a": a,
        "b": b,
        "variance_fallback": fit["fallback"],
    })
    out.attrs.update(method=method, level=level, no_data=fit["no_data"],
                     global_mean=fit["global_m"], global_var=fit["global_A"])
    return out


@renamed(w='spatial_weights')
def posterior_beta(
    districts: pd.DataFrame,
    events: str | Any,
    population: str | Any,
    method: str = "eb",
    spatial_weights: Any = None,
    *,
    id_column: str = "ubigeo",
) -> pd.DataFrame:
    """Posterior Beta parameters ``(a, b)`` of each district's rate, for Monte Carlo draws.

    Same model and arguments as :func:`smooth_rates`. Draw a proportion per district with
    ``rng.beta(a, b)`` (multiply by 100 for a percentage); districts without a measured child
    have ``a`` and ``b`` missing: keep them missing in the draws. Where ``a`` and ``b`` are
    infinite (a prior without spread) the posterior is the smoothed rate itself: draw that
    value.

    Returns
    -------
    DataFrame in input order with the id, ``a`` and ``b``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = pd.DataFrame({"ubigeo": ["a", "b", "c"], "y": [3, 20, 150], "n": [5, 100, 1000]})
    >>> p = posterior_beta(t, "y", "n")
    >>> (p["a"] / (p["a"] + p["b"])).round(4).tolist()   # the posterior mean: the EB rate
    [0.1659, 0.1696, 0.1512]
    >>> draws = np.random.default_rng(0).beta(p["a"], p["b"], size=(1000, 3))
    >>> draws.shape
    (1000, 3)
    """
    fit = _fit(districts, events, population, method, spatial_weights, id_column)
    out = pd.DataFrame({id_column: fit["ids"], "a": fit["a"], "b": fit["b"]})
    out.attrs.update(method=method, no_data=fit["no_data"])
    return out


# ------------------------------------------------------------------------------- internals
def _values(districts: pd.DataFrame, spec: Any, name: str) -> np.ndarray:
    if isinstance(spec, str):
        if spec not in districts.columns:
            raise InputError(f"{name}={spec!r} is not a column of districts; columns are "
                             f"{list(districts.columns)[:15]}")
        values = districts[spec]
    else:
        values = spec
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers (counts)") from None
    if arr.size != len(districts):
        raise InputError(f"{name} has {arr.size} values but districts has {len(districts)} rows")
    return arr


def _counts(districts: Any, events: Any, population: Any, method: str,
            id_column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ids, events and population checked, and which districts have a rate (population
    > 0, neither count missing); at least two must."""
    if not isinstance(districts, pd.DataFrame):
        raise TypeError(f"districts must be a pandas DataFrame; got {type(districts).__name__}")
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}; got {method!r}")
    if id_column not in districts.columns:
        raise InputError(f"id_column={id_column!r} is not a column of districts")
    ids = districts[id_column].astype(str).to_numpy()
    y = _values(districts, events, "events")
    n = _values(districts, population, "population")
    with np.errstate(invalid="ignore"):
        bad = np.isinf(y) | np.isinf(n) | (y < 0) | (n < 0) | (y > n)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} districts have counts that are negative, infinite or with more "
            f"events than population, e.g. {ids[bad][:5].tolist()}: check the two columns")
    ok = ~np.isnan(y) & ~np.isnan(n) & (n > 0)
    if ok.sum() < 2:
        raise InputError("smoothing needs at least 2 districts with population > 0; got "
                         f"{int(ok.sum())}")
    return ids, y, n, ok


def _local_prior(s: sp.csr_matrix, ok: np.ndarray, yk: np.ndarray, nk: np.ndarray,
                 raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each neighbourhood's prior mean and variance (Marshall's method of moments, a negative
    variance set to 0); ``s`` holds each district's neighbours and itself."""
    k = s @ ok.astype(np.float64)
    ny = s @ nk
    m = (s @ yk) / np.where(ny > 0, ny, np.nan)
    spread = s @ (nk * np.nan_to_num(raw) ** 2) - 2 * m * (s @ yk) + m**2 * ny
    A = spread / ny - m / (ny / k)
    return m, np.where(A < 0, 0.0, A)


def _fit(districts: Any, events: Any, population: Any, method: str, w: Any,
         id_column: str) -> dict[str, Any]:
    """The smoothed rates and each district's beta posterior (``a``, ``b``), with the
    prior's mean ``m`` and variance ``A`` (global, or of the district's neighbourhood)."""
    ids, y, n, ok = _counts(districts, events, population, method, id_column)
    yk, nk = np.where(ok, y, 0.0), np.where(ok, n, 0.0)
    raw = np.full(y.size, np.nan)
    raw[ok] = y[ok] / n[ok]

    global_m = yk.sum() / nk.sum()
    global_A = (nk * (np.nan_to_num(raw) - global_m) ** 2).sum() / nk.sum() \
        - global_m / nk[ok].mean()
    if global_A <= 0:
        warnings.warn("the rates vary no more than sampling noise would make them (the "
                      "between-district variance estimate is not positive): every smoothed "
                      "rate equals the overall rate and the posterior is a single point",
                      UserWarning, stacklevel=3)
    if method == "eb":
        m = np.full(y.size, global_m)
        A = np.full(y.size, max(global_A, 0.0))
    else:
        m, A = _local_prior(_neighbourhood(districts, w, ids, id_column), ok, yk, nk, raw)
    # a neighbourhood that varies no more than sampling noise (or has no event at all) gives
    # no usable prior: the district takes the global one, for its rate and its posterior alike
    fallback = ok & (A <= 0) & (global_A > 0) & (method == "spatial_eb")
    m = np.where(ok, np.where(fallback, global_m, m), np.nan)
    A = np.where(ok, np.where(fallback, global_A, A), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = m + (raw - m) * (A / (A + m / n))
        kappa = np.where(A > 0, m / A, np.inf)
    rate = np.where(ok & (A == 0), m, rate)  # full shrinkage (Marshall sets A to 0)
    point = np.isinf(kappa)  # a prior without spread: the posterior is the rate itself
    a = np.where(ok, np.where(point, np.inf, kappa * m + y), np.nan)
    b = np.where(ok, np.where(point, np.inf, kappa * (1 - m) + n - y), np.nan)
    shrink = np.where(ok, np.where(point, 0.0, n / (n + kappa)), np.nan)
    if fallback.any():
        log.info("spatial EB: %d districts whose neighbourhood gives no usable prior are "
                 "smoothed with the global one", int(fallback.sum()))
    return {"ids": ids, "y": y, "n": n, "raw": raw, "rate": rate, "m": m, "A": A, "a": a,
            "b": b, "shrinkage": shrink, "fallback": fallback,
            "no_data": ids[~ok].tolist(), "global_m": float(global_m),
            "global_A": float(global_A)}


def _neighbourhood(districts: Any, w: Any, ids: np.ndarray, id_column: str) -> sp.csr_matrix:
    """Binary matrix of each district's neighbours plus itself (rows in input order)."""
    from geoprio.spatial.contiguity import Contiguity, queen_contiguity

    if w is None:
        w = queen_contiguity(districts, id_column=id_column)
    if isinstance(w, Contiguity):
        if list(w.ids) != list(ids):
            raise InputError("spatial_weights was built for other districts or another order: "
                             "build it with queen_contiguity(districts)")
        a = w.adjacency
    elif sp.issparse(w):
        a = w
    elif hasattr(w, "neighbors") and hasattr(w, "id_order"):  # a libpysal W
        pos = {str(k): i for i, k in enumerate(ids)}
        missing = [k for k in w.id_order if str(k) not in pos]
        if missing or len(w.id_order) != ids.size:
            raise InputError("spatial_weights' ids do not match the districts' ids "
                             f"(e.g. {missing[:5]})")
        rows, cols = [], []
        for key, nbrs in w.neighbors.items():
            for j in nbrs:
                rows.append(pos[str(key)])
                cols.append(pos[str(j)])
        a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(ids.size, ids.size))
    else:
        raise TypeError("spatial_weights must be a Contiguity, a scipy sparse matrix or a "
                        f"libpysal W; got {type(w).__name__}")
    a = sp.csr_matrix(a, dtype=np.float64, copy=True)  # never change the caller's matrix
    if a.shape != (ids.size, ids.size):
        raise InputError(f"spatial_weights is {a.shape[0]}x{a.shape[1]} but there are "
                         f"{ids.size} districts")
    a.data[:] = 1.0
    a.setdiag(0)
    a.eliminate_zeros()
    return (a + sp.identity(ids.size, format="csr")).tocsr()


def _interval(a: np.ndarray, b: np.ndarray, rate: np.ndarray,
              level: float) -> tuple[np.ndarray, np.ndarray]:
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1; got {level!r}")
    tail = (1 - level) / 2
    finite = np.isfinite(a) & np.isfinite(b)
    lo = np.where(np.isinf(a), rate, np.nan)  # a point posterior: the interval is the point
    hi = lo.copy()
    lo[finite] = stats.beta.ppf(tail, a[finite], b[finite])
    hi[finite] = stats.beta.ppf(1 - tail, a[finite], b[finite])
    return lo, hi
