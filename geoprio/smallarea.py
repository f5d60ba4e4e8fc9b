"""Small-area estimation: the Fay–Herriot area-level model, from counts to district prevalence.

SIEN-HIS counts the children measured at MINSA facilities: in a district where 12 children were
measured the raw rate is mostly noise, and in 35 districts no child was measured at all.
Empirical Bayes (:mod:`geoprio.smoothing`) pulls a small district towards the **national**
rate, whatever the district is like. The Fay–Herriot model (Fay & Herriot 1979; the model of
INEI's district stunting maps and of the World Bank's poverty maps) pulls it towards what the
census and the poverty map say about districts like it.

**The model** (area level, one row per district ``d``)::

    y_d = x_d'β + u_d + e_d,    u_d ~ N(0, σ²_u),    e_d ~ N(0, ψ_d),  ψ_d known

``y_d`` is the direct estimate (the district's own rate, transformed), ``x_d`` its covariates,
``u_d`` what the covariates do not explain and ``e_d`` the sampling error. :func:`fay_herriot`
fits it exactly as R's ``sae::eblupFH`` and ``sae::mseFH`` do (Molina & Marhuenda 2015, the
package's methodology vignette): σ²_u by REML (default), ML or the Fay–Herriot moment method,
each by Fisher scoring from ``median(ψ)``; the EBLUP
``γ_d y_d + (1 − γ_d) x_d'β̂`` with ``γ_d = σ²_u / (σ²_u + ψ_d)``; and the second-order MSE
``g1 + g2 + 2 g3`` (REML), minus ``b_ML(σ²_u) (1 − γ_d)²`` for ML (Datta & Lahiri 2000) or
``b_FH(σ²_u) (1 − γ_d)²`` for the moment method (Datta, Rao & Smith 2005). A district without
a direct estimate gets the synthetic estimate ``x_d'β̂`` and the limit of the same MSE as
``ψ_d → ∞``: ``σ²_u + x_d'(X'V⁻¹X)⁻¹x_d − b``.

**From counts** (:func:`small_area`): on the arcsine scale ``y_d = arcsin √(cases/n)`` has
sampling variance ``ψ_d = 1/(4 n_d)`` whatever the rate, so a district with 0 of 5 children
stunted does not get ``ψ = 0`` (the binomial ``p(1 − p)/n`` would, and would then be taken as
exact). The estimate is brought back to a prevalence with its bias correction: under the normal
predictive distribution ``θ_d ~ N(θ̂_d, mse_d)``, ``E[sin² θ_d] = (1 − cos(2θ̂_d) e^{−2 mse_d}) / 2``;
the interval is the equal-tailed interval of ``sin² θ_d`` under the same distribution.

References
----------
Fay, R. E. and Herriot, R. A. (1979). Estimates of income for small places: an application of
James-Stein procedures to census data. *JASA* 74, 269-277.
Datta, G. S. and Lahiri, P. (2000). A unified measure of uncertainty of estimated best linear
unbiased predictors in small area estimation problems. *Statistica Sinica* 10, 613-627.
Datta, G. S., Rao, J. N. K. and Smith, D. D. (2005). On measuring the variability of small area
estimators under a basic area level model. *Biometrika* 92, 183-196.
Molina, I. and Marhuenda, Y. (2015). sae: An R package for small area estimation. *The R
Journal* 7(1), 81-98.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from geoprio.errors import GeoprioError, InputError

__all__ = ["METHODS", "TRANSFORMS", "FayHerriotResult", "FitError", "fay_herriot",
           "predictive_draws", "small_area"]

log = logging.getLogger(__name__)

METHODS = ("reml", "ml", "fh")
TRANSFORMS = ("arcsine", "none")
INTERCEPT = "(Intercept)"


class FitError(GeoprioError):
    """The Fay–Herriot fit cannot be done (no convergence, collinear covariates)."""


@dataclass(frozen=True, eq=False)
class FayHerriotResult:
    """A fitted Fay–Herriot model (see :func:`fay_herriot`); arrays in input order.

    Attributes
    ----------
    estimate : EBLUP ``γ y + (1 − γ) x'β̂``; the synthetic estimate where ``y`` is missing.
    mse : second-order MSE estimate as ``sae::mseFH`` (its limit for ``ψ → ∞`` where ``y`` is
        missing).
    gamma : ``σ²_u / (σ²_u + ψ)``, the weight of the area's own data (0 where ``y`` is missing).
    synthetic : ``x'β̂``.
    synthetic_mse : MSE of ``x'β̂`` as a prediction of the area's value:
        ``σ̂²_u + x'(X'V⁻¹X)⁻¹x − b`` (the ``mse`` of an area without data).
    sigma2_u : the between-area variance σ²_u.
    beta, beta_se : coefficients and their standard errors ``√diag((X'V⁻¹X)⁻¹)``.
    names : names of the coefficients, ``"(Intercept)"`` first when an intercept was added.
    method : ``"reml"``, ``"ml"`` or ``"fh"``.
    loglike, aic, bic : as ``sae::eblupFH``: the normal log-likelihood at (σ̂²_u, β̂),
        ``−2ℓ + 2(p + 1)`` and ``−2ℓ + (p + 1) log m`` (m areas with data).
    iterations, converged : of the Fisher scoring.
    sampled : True where the area had a direct estimate.
    g1, g2, g3, bias : the MSE's terms (``bias`` is ``b(σ̂²_u)``, 0 for REML).
    """

    estimate: np.ndarray
    mse: np.ndarray
    gamma: np.ndarray
    synthetic: np.ndarray
    synthetic_mse: np.ndarray
    sigma2_u: float
    beta: np.ndarray
    beta_se: np.ndarray
    names: tuple[str, ...]
    method: str
    loglike: float
    aic: float
    bic: float
    iterations: int
    converged: bool
    sampled: np.ndarray
    g1: np.ndarray = field(repr=False)
    g2: np.ndarray = field(repr=False)
    g3: np.ndarray = field(repr=False)
    bias: float = 0.0

    def __repr__(self) -> str:
        coef = ", ".join(f"{n}={b:.4g}" for n, b in zip(self.names, self.beta, strict=True))
        return (f"FayHerriotResult(method={self.method!r}, areas={int(self.sampled.sum())} "
                f"with data + {int((~self.sampled).sum())} without, sigma2_u={self.sigma2_u:.6g}"
                f", beta=[{coef}], loglike={self.loglike:.4f}, iterations={self.iterations})")

    def coefficients(self) -> pd.DataFrame:
        """β̂, standard error, z and two-sided normal p-value, one row per coefficient."""
        z = self.beta / self.beta_se
        return pd.DataFrame({"beta": self.beta, "std_error": self.beta_se, "z": z,
                             "p_value": 2 * stats.norm.sf(np.abs(z))},
                            index=pd.Index(self.names, name="term"))


def fay_herriot(
    direct: Any,
    variance: Any,
    X: Any,
    *,
    method: str = "reml",
    intercept: bool = True,
    names: Sequence[str] | None = None,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> FayHerriotResult:
    """Fit the Fay–Herriot area-level model and return EBLUPs with their MSE.

    Parameters
    ----------
    direct : array-like, shape (D,)
        Direct estimates ``y_d``; NaN for an area without data (it gets the synthetic estimate).
    variance : array-like, shape (D,)
        Known sampling variances ``ψ_d`` (> 0 where ``direct`` is given).
    X : array-like or DataFrame, shape (D, k)
        Covariates, complete for every area (also those without data).
    method : ``"reml"`` (default), ``"ml"`` or ``"fh"`` (Fay–Herriot moment method).
    intercept : bool, default True
        Add a column of ones first (R's formula default).
    names : names of the columns of ``X`` (default: the DataFrame's columns, or x1, x2, ...).
    tol, maxiter : Fisher scoring stops when ``|σ²_new − σ²_old| / σ²_old <= tol`` or after
        ``maxiter`` iterations. ``sae`` uses ``tol=1e-4``: pass it to reproduce sae's
        iterates exactly (while they stay positive: an iterate below 0 is set to 0 here,
        where sae goes on from the negative value); the default goes on to the fixed point.

    Returns
    -------
    FayHerriotResult

    Examples
    --------
    Four areas, one covariate (the same case is worked by hand in the tests):

    >>> r = fay_herriot([1.0, 2.0, 4.0, 5.0], [0.5, 0.5, 1.0, 1.0], [[0], [1], [2], [3]])
    >>> round(r.sigma2_u, 6), r.gamma.round(4).tolist()
    (0.0, [0.0, 0.0, 0.0, 0.0])
    >>> r.estimate.round(4).tolist() == r.synthetic.round(4).tolist()
    True
    """
    y, psi, x, labels = _check_inputs(direct, variance, X, names, intercept)
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}; got {method!r}")
    ok = ~np.isnan(y)
    ys, psis, xs = y[ok], psi[ok], x[ok]
    m, p = xs.shape
    if m <= p:
        raise FitError(f"the model has {p} coefficients but only {m} areas have data: use "
                       "fewer covariates")
    _check_rank(xs, labels)
    sigma2, iterations, converged = _fisher_scoring(ys, psis, xs, method, tol, maxiter)
    if not converged:
        raise FitError(f"Fisher scoring for σ²_u ({method}) did not converge in {maxiter} "
                       "iterations: try method='fh', fewer covariates or a larger maxiter")
    beta, q = _gls(ys, psis, xs, sigma2)
    synthetic = x @ beta
    resid = ys - xs @ beta
    v = sigma2 + psis
    loglike = float(-0.5 * np.sum(np.log(2 * np.pi * v) + resid**2 / v))
    gamma = np.zeros(y.size)
    gamma[ok] = sigma2 / v
    estimate = synthetic.copy()
    estimate[ok] = synthetic[ok] + gamma[ok] * resid
    g1, g2, g3, bias = _mse_terms(psi, ok, x, q, sigma2, method, psis, xs)
    mse = g1 + g2 + 2 * g3 - bias * np.where(ok, (1 - gamma) ** 2, 1.0)
    synthetic_mse = sigma2 + _quadratic(x, q) - bias
    return FayHerriotResult(
        estimate=estimate, mse=mse, gamma=gamma, synthetic=synthetic,
        synthetic_mse=synthetic_mse, sigma2_u=float(sigma2),
        beta=beta, beta_se=np.sqrt(np.diag(q)), names=labels, method=method, loglike=loglike,
        aic=-2 * loglike + 2 * (p + 1), bic=-2 * loglike + (p + 1) * np.log(m),
        iterations=iterations, converged=converged, sampled=ok, g1=g1, g2=g2, g3=g3,
        bias=float(bias))


# ----------------------------------------------------------------------- fitting internals
def _as_vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers") from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional; got shape {arr.shape}")
    return arr


def _check_inputs(direct: Any, variance: Any, X: Any, names: Sequence[str] | None,
                  intercept: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    y = _as_vector(direct, "direct")
    psi = _as_vector(variance, "variance")
    if names is None and isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
    try:
        x = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("X must hold numbers") from None
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != y.size or psi.size != y.size:
        raise InputError(f"direct ({y.size}), variance ({psi.size}) and the rows of X "
                         f"({x.shape[0] if x.ndim else 0}) must have the same length")
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(x.shape[1])]
    if len(names) != x.shape[1]:
        raise InputError(f"names has {len(names)} entries but X has {x.shape[1]} columns")
    if not np.isfinite(x).all():
        bad = sorted({names[j] for j in np.nonzero(~np.isfinite(x).all(axis=0))[0]})
        raise InputError(f"covariates must be complete (also for areas without data); "
                         f"missing or infinite values in {bad}")
    if np.isinf(y).any():
        raise InputError("direct holds infinite values")
    has = ~np.isnan(y)
    if not (np.isfinite(psi[has]) & (psi[has] > 0)).all():
        raise InputError("variance must be a positive number wherever direct is given")
    if intercept:
        x = np.column_stack([np.ones(y.size), x])
        names = [INTERCEPT, *names]
    return y, psi, x, tuple(names)


def _check_rank(x: np.ndarray, names: tuple[str, ...]) -> None:
    """Name the first covariate that is a combination of the ones before it."""
    g = x.T @ x
    scale = np.sqrt(np.diag(g))
    if (scale > 0).all() and np.linalg.eigvalsh(g / np.outer(scale, scale))[0] > 1e-10:
        return  # well conditioned: full rank (the fast path)
    if np.linalg.matrix_rank(x) == x.shape[1]:
        return
    for j in range(1, x.shape[1] + 1):
        if np.linalg.matrix_rank(x[:, :j]) < j:
            raise FitError(f"covariate {names[j - 1]!r} is constant or a combination of the "
                           f"others ({list(names[:j - 1])[-3:]}) among the areas with data: "
                           "drop it")


def _gls(y: np.ndarray, psi: np.ndarray, x: np.ndarray,
         sigma2: float) -> tuple[np.ndarray, np.ndarray]:
    """β̃(σ²) = (X'V⁻¹X)⁻¹X'V⁻¹y and Q = (X'V⁻¹X)⁻¹."""
    w = 1.0 / (sigma2 + psi)
    q = np.linalg.inv((x * w[:, None]).T @ x)
    return q @ (x.T @ (w * y)), q


def _score(y: np.ndarray, psi: np.ndarray, x: np.ndarray, sigma2: float,
           method: str) -> tuple[float, float]:
    """Score and expected information for σ²_u, as sae's eblupFH (O(m p²), no m×m matrix)."""
    w = 1.0 / (sigma2 + psi)
    beta, q = _gls(y, psi, x, sigma2)
    resid = y - x @ beta
    if method == "fh":  # moment equation Σ r²/v = m − p; expected derivative Σ 1/v
        return float(np.sum(w * resid**2) - (y.size - x.shape[1])), float(np.sum(w))
    py2 = float(np.sum((w * resid) ** 2))  # y'P'Py = ||V⁻¹(y − Xβ̃)||²
    if method == "ml":
        return -0.5 * float(np.sum(w)) + 0.5 * py2, 0.5 * float(np.sum(w**2))
    a2 = q @ ((x * (w**2)[:, None]).T @ x)  # (X'V⁻¹X)⁻¹ X'V⁻²X
    a3 = q @ ((x * (w**3)[:, None]).T @ x)
    trace_p = float(np.sum(w) - np.trace(a2))
    trace_pp = float(np.sum(w**2) - 2 * np.trace(a3) + np.trace(a2 @ a2))
    return -0.5 * trace_p + 0.5 * py2, 0.5 * trace_pp


def _fisher_scoring(y: np.ndarray, psi: np.ndarray, x: np.ndarray, method: str, tol: float,
                    maxiter: int) -> tuple[float, int, bool]:
    """sae's iteration from median(ψ); an iterate below 0 is set to 0 (the boundary)."""
    sigma2 = float(np.median(psi))
    for k in range(1, maxiter + 1):
        s, info = _score(y, psi, x, sigma2, method)
        new = sigma2 + s / info
        if new <= 0:
            if sigma2 == 0:  # the score points below zero at zero: the maximum is at 0
                return 0.0, k, True
            new = 0.0
        if sigma2 > 0 and abs(new - sigma2) / sigma2 <= tol:
            return max(new, 0.0), k, True
        sigma2 = new
    return sigma2, maxiter, False


def _quadratic(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """x_d' Q x_d for every row d."""
    return np.sum((x @ q) * x, axis=1)


def _mse_terms(psi: np.ndarray, ok: np.ndarray, x: np.ndarray, q: np.ndarray, sigma2: float,
               method: str, psis: np.ndarray, xs: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """g1, g2, g3 and the bias b(σ̂²) of sae::mseFH; the ψ → ∞ limit where ``ok`` is False."""
    w = 1.0 / (sigma2 + psis)
    m = psis.size
    if method == "fh":
        var_sigma2 = 2 * m / np.sum(w) ** 2
        bias = 2 * (m * np.sum(w**2) - np.sum(w) ** 2) / np.sum(w) ** 3
    else:
        var_sigma2 = 2 / np.sum(w**2)
        bias = 0.0
        if method == "ml":
            bias = -np.trace(q @ ((xs * (w**2)[:, None]).T @ xs)) / np.sum(w**2)
    b = np.ones(psi.size)  # B_d = ψ/(σ² + ψ): 1 without data
    b[ok] = psis * w
    g1 = np.full(psi.size, sigma2)
    g1[ok] = psis * (1 - b[ok])
    g2 = b**2 * _quadratic(x, q)
    g3 = np.zeros(psi.size)
    g3[ok] = b[ok] ** 2 * var_sigma2 * w
    return g1, g2, g3, float(bias)


# ------------------------------------------------------------------------- from counts
@dataclass(frozen=True)
class _Counts:
    ids: np.ndarray
    y: np.ndarray
    n: np.ndarray
    measured: np.ndarray


def small_area(
    districts: pd.DataFrame,
    events: str | Any,
    trials: str | Any,
    covariates: Sequence[str] | pd.DataFrame | None = None,
    *,
    transform: str = "arcsine",
    level: float = 0.9,
    scale: float = 1.0,
    benchmark: str | Mapping[str, float] | None = None,
    weights: str | None = None,
    method: str = "reml",
    id_column: str = "ubigeo",
) -> pd.DataFrame:
    """District prevalence from counts by the Fay–Herriot model, with a 90% interval.

    Parameters
    ----------
    districts : DataFrame
        One row per district, with the counts and the covariates.
    events, trials : str or array-like
        Columns (or values in row order) of the cases (e.g. ``stunted_u5_2022``) and of the
        children measured (``evaluated_u5_2022``). Missing or 0 trials: no child measured.
    covariates : list of column names, a DataFrame aligned with ``districts``, or None
        None: chosen from geoprio's documented candidates by forward selection on BIC
        (:func:`geoprio.smallarea_covariates.select_covariates`). A district missing a chosen
        covariate gets its estimate from the model refitted without that covariate
        (``covariates_dropped`` says which).
    transform : ``"arcsine"`` (default) or ``"none"``
        ``"arcsine"``: ``y = arcsin √(cases/n)``, ``ψ = 1/(4n)``, estimates back-transformed
        with the bias correction. ``"none"``: the rate itself with the binomial
        ``ψ = p̃(1 − p̃)/n`` at the global Empirical Bayes rate ``p̃`` (never 0 when the rates
        vary); estimate and interval cut to [0, 1].
    level : probability of the interval (default 0.9).
    scale : multiplies rates (100 for percentages); ``direct_var``, ``theta`` and
        ``theta_mse`` stay on the model's scale.
    benchmark : None, ``"endes"`` (ENDES 2022 stunting under 5), ``"endes_anemia"`` (ENDES
        2022 anaemia 6–35 months) or a mapping {department code (2 digits): target, in the
        units of ``scale``}. Adds ``benchmarked``, ``benchmarked_lo``, ``benchmarked_hi`` and
        ``benchmark_ratio``: each department's estimates are multiplied by one ratio so that
        their weighted mean equals the target.
    weights : column of the benchmark weights (default ``under5_2020`` for ``"endes"``,
        ``children_6_35m_2020`` for ``"endes_anemia"``; required with a mapping).
    method : ``"reml"`` (default), ``"ml"`` or ``"fh"``, see :func:`fay_herriot`.
    id_column : default ``"ubigeo"``.

    Returns
    -------
    DataFrame in input order: the id, ``events``, ``trials``, ``direct`` (raw rate),
    ``direct_var`` (ψ on the model's scale), ``estimate``, ``lo``, ``hi``, ``mse`` (variance
    of the predictive distribution of the rate, in ``scale²``), ``gamma`` (weight of the
    district's own data; 0 where no child was measured), ``synthetic`` (the estimate the
    model gives a district like this one without its data), ``measured``, ``theta`` and
    ``theta_mse`` (the predictive N(theta, theta_mse) on the model's scale, for draws: see
    :func:`predictive_draws`) and ``covariates_dropped``. ``attrs["fit"]`` holds the fit:
    σ²_u, β with standard errors, R², log-likelihood, the covariates and checks of the
    standardised residuals.

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> r = small_area(d, "stunted_u5_2022", "evaluated_u5_2022",
    ...                ["poverty_2018", "rural_share_2017"], scale=100)
    >>> int(r["estimate"].notna().sum()), int((~r["measured"]).sum())
    (1874, 35)
    """
    from geoprio.smallarea_covariates import covariate_frame, select_covariates

    counts = _counts(districts, events, trials, id_column)
    _check_options(transform, level, scale, method)
    theta_dir, psi = _direct(counts, transform)
    if covariates is None:
        chosen = select_covariates(districts, events, trials, transform=transform,
                                   id_column=id_column).chosen
        xf = covariate_frame(districts, chosen)
    elif isinstance(covariates, pd.DataFrame):
        xf = covariates.reset_index(drop=True)
    else:
        xf = _covariate_columns(districts, covariates)
    if len(xf) != len(districts):
        raise InputError(f"covariates has {len(xf)} rows but districts has {len(districts)}")
    theta, theta_mse, gamma, syn, syn_mse, dropped, fit = _fit_patterns(
        theta_dir, psi, xf, method)
    out = _assemble(counts, theta_dir, psi, theta, theta_mse, gamma, syn, syn_mse, transform,
                    level, scale, id_column)
    out["covariates_dropped"] = dropped
    out.attrs["fit"] = fit
    out.attrs.update(transform=transform, level=level, method=method)
    if benchmark is not None:
        _benchmark(out, districts, benchmark, weights, scale, id_column)
    return out


def _counts(districts: Any, events: Any, trials: Any, id_column: str) -> _Counts:
    if not isinstance(districts, pd.DataFrame):
        raise TypeError(f"districts must be a pandas DataFrame; got {type(districts).__name__}")
    if id_column not in districts.columns:
        raise InputError(f"id_column={id_column!r} is not a column of districts")
    ids = districts[id_column].astype(str).to_numpy()
    y = _column(districts, events, "events")
    n = _column(districts, trials, "trials")
    with np.errstate(invalid="ignore"):
        bad = np.isinf(y) | np.isinf(n) | (y < 0) | (n < 0) | (y > n) | (np.mod(y, 1) > 0)
    if bad.any():
        raise InputError(f"{int(bad.sum())} districts have counts that are negative, not whole, "
                         f"infinite or with more cases than children, e.g. "
                         f"{ids[bad][:5].tolist()}: check the columns events and trials")
    measured = ~np.isnan(y) & ~np.isnan(n) & (n > 0)
    if measured.sum() < 3:
        raise InputError(f"the model needs at least 3 districts with children measured; got "
                         f"{int(measured.sum())}")
    return _Counts(ids, y, n, measured)


def _column(districts: pd.DataFrame, spec: Any, name: str) -> np.ndarray:
    if isinstance(spec, str):
        if spec not in districts.columns:
            raise InputError(f"{name}={spec!r} is not a column of districts; columns are "
                             f"{list(districts.columns)[:15]}")
        spec = districts[spec]
    try:
        arr = np.asarray(spec, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold numbers (counts)") from None
    if arr.size != len(districts):
        raise InputError(f"{name} has {arr.size} values but districts has {len(districts)} rows")
    return arr


def _check_options(transform: str, level: float, scale: float, method: str) -> None:
    if transform not in TRANSFORMS:
        raise InputError(f"transform must be one of {list(TRANSFORMS)}; got {transform!r}")
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1; got {level!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be a positive number; got {scale!r}")
    if method not in METHODS:
        raise InputError(f"method must be one of {list(METHODS)}; got {method!r}")


def _covariate_columns(districts: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """geoprio's candidates (e.g. ``altitude_km``, ``department``) built as
    :func:`geoprio.smallarea_covariates.covariate_frame` does; other columns as they are."""
    from geoprio.smallarea_covariates import CANDIDATES, covariate_frame

    if isinstance(names, str):
        names = [names]
    missing = [c for c in names if c not in districts.columns and c not in CANDIDATES]
    if missing:
        raise InputError(f"covariates {missing} are neither columns of districts nor geoprio's "
                         f"candidates ({list(CANDIDATES)[:6]}...)")
    parts = []
    for c in names:
        if c in CANDIDATES:  # a candidate's name wins: "department" is also a column of names
            parts.append(covariate_frame(districts, [c]))
        else:
            try:
                values = pd.to_numeric(districts[c].reset_index(drop=True), errors="raise")
            except (TypeError, ValueError):
                raise InputError(f"covariate {c!r} must hold numbers") from None
            parts.append(values.astype(float).rename(c).to_frame())
    return pd.concat(parts, axis=1)


def _direct(counts: _Counts, transform: str) -> tuple[np.ndarray, np.ndarray]:
    """Direct estimate and its sampling variance ψ on the model's scale (NaN: no child)."""
    ok = counts.measured
    theta = np.full(counts.y.size, np.nan)
    psi = np.full(counts.y.size, np.nan)
    rate = counts.y[ok] / counts.n[ok]
    if transform == "arcsine":
        theta[ok] = np.arcsin(np.sqrt(rate))
        psi[ok] = 1.0 / (4.0 * counts.n[ok])
    else:
        from geoprio.smoothing import smooth_rates

        t = pd.DataFrame({"id": counts.ids, "y": np.where(ok, counts.y, np.nan),
                          "n": np.where(ok, counts.n, np.nan)})
        p = smooth_rates(t, "y", "n", id_column="id")["rate"].to_numpy()[ok]
        theta[ok] = rate
        psi[ok] = p * (1 - p) / counts.n[ok]
        if not (psi[ok] > 0).all():
            raise FitError("transform='none' needs a positive binomial variance in every "
                           "district; the rates do not vary: use transform='arcsine'")
    return theta, psi


def _fit_patterns(theta_dir: np.ndarray, psi: np.ndarray, xf: pd.DataFrame, method: str
                  ) -> tuple[np.ndarray, ...]:
    """Fit the full model; refit without the missing covariates for districts lacking some."""
    names = list(xf.columns)
    x = xf.to_numpy(dtype=float)
    missing = np.isnan(x)
    full = ~missing.any(axis=1)
    theta = np.full(theta_dir.size, np.nan)
    mse, gamma, syn, syn_mse = theta.copy(), theta.copy(), theta.copy(), theta.copy()
    dropped = np.array([""] * theta_dir.size, dtype=object)
    fit: dict[str, Any] = {}
    patterns = sorted({tuple(row) for row in missing[~full]})
    for pattern in [tuple([False] * len(names)), *patterns]:
        keep = [j for j, gone in enumerate(pattern) if not gone]
        rows = (missing == np.array(pattern)).all(axis=1)
        usable = ~missing[:, keep].any(axis=1)
        r = fay_herriot(theta_dir[usable], psi[usable], x[usable][:, keep],
                        method=method, names=[names[j] for j in keep])
        at = np.nonzero(usable)[0]
        sel = rows[usable]
        theta[at[sel]], mse[at[sel]] = r.estimate[sel], r.mse[sel]
        gamma[at[sel]], syn[at[sel]] = r.gamma[sel], r.synthetic[sel]
        syn_mse[at[sel]] = r.synthetic_mse[sel]
        gone = [names[j] for j, g in enumerate(pattern) if g]
        dropped[at[sel]] = ", ".join(gone)
        if not gone:
            fit = _fit_summary(r, theta_dir[usable], psi[usable], method)
        else:
            fit.setdefault("reduced_models", []).append(
                {"without": gone, "districts": int(sel.sum()), "sigma2_u": r.sigma2_u})
    return theta, mse, gamma, syn, syn_mse, dropped, fit


def _fit_summary(r: FayHerriotResult, y: np.ndarray, psi: np.ndarray,
                 method: str) -> dict[str, Any]:
    """σ²_u, β, R² (share of the between-district variance explained) and residual checks."""
    ok = r.sampled
    null = fay_herriot(y[ok], psi[ok], np.zeros((int(ok.sum()), 0)), method=method)
    z = (y[ok] - r.synthetic[ok]) / np.sqrt(r.sigma2_u + psi[ok])
    r2 = 1 - r.sigma2_u / null.sigma2_u if null.sigma2_u > 0 else float("nan")
    return {
        "method": method, "covariates": [n for n in r.names if n != INTERCEPT],
        "areas_with_data": int(ok.sum()), "areas_without_data": int((~ok).sum()),
        "sigma2_u": r.sigma2_u, "sigma2_u_without_covariates": null.sigma2_u, "r2": r2,
        "coefficients": r.coefficients(), "loglike": r.loglike, "aic": r.aic, "bic": r.bic,
        "iterations": r.iterations,
        "mean_gamma": float(np.mean(r.gamma[ok])),
        "standardised_residuals": {
            "mean": float(np.mean(z)), "sd": float(np.std(z, ddof=1)),
            "skewness": float(stats.skew(z)), "excess_kurtosis": float(stats.kurtosis(z)),
            "share_beyond_1.645": float(np.mean(np.abs(z) > 1.645)),
            "share_beyond_2.576": float(np.mean(np.abs(z) > 2.576)),
        },
    }


def _assemble(counts: _Counts, theta_dir: np.ndarray, psi: np.ndarray, theta: np.ndarray,
              theta_mse: np.ndarray, gamma: np.ndarray, syn: np.ndarray, syn_mse: np.ndarray,
              transform: str, level: float, scale: float, id_column: str) -> pd.DataFrame:
    tail = (1 - level) / 2
    mean, var = back_transform(theta, theta_mse, transform)
    lo = predictive_quantile(theta, theta_mse, tail, transform)
    hi = predictive_quantile(theta, theta_mse, 1 - tail, transform)
    syn_mean, _ = back_transform(syn, syn_mse, transform)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(counts.measured, counts.y / counts.n, np.nan)
    return pd.DataFrame({
        id_column: counts.ids, "events": counts.y, "trials": counts.n,
        "direct": raw * scale, "direct_var": psi, "estimate": mean * scale, "lo": lo * scale,
        "hi": hi * scale, "mse": var * scale**2, "gamma": gamma, "synthetic": syn_mean * scale,
        "measured": counts.measured, "theta": theta, "theta_mse": theta_mse,
    })


# ----------------------------------------------------------------------- back-transform
def back_transform(theta: np.ndarray, mse: np.ndarray,
                   transform: str = "arcsine") -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the rate under the predictive ``θ ~ N(theta, mse)``.

    Arcsine: the rate is ``sin² θ`` (``sin²`` folds the normal's tails back into [0, 1]);
    with ``E cos(kθ) = cos(kμ) e^{−k²s²/2}``, ``E sin² θ = (1 − cos 2μ e^{−2s²}) / 2`` and
    ``E sin⁴ θ = (3 − 4 cos 2μ e^{−2s²} + cos 4μ e^{−8s²}) / 8``. ``"none"``: the mean cut to
    [0, 1] and the variance itself.

    Examples
    --------
    >>> m, v = back_transform(np.array([np.arcsin(np.sqrt(0.2))]), np.array([0.0]))
    >>> round(float(m[0]), 12), round(float(v[0]), 12)
    (0.2, 0.0)
    """
    theta, mse = np.asarray(theta, float), np.asarray(mse, float)
    if transform == "none":
        return np.clip(theta, 0.0, 1.0), mse.copy()
    c2 = np.cos(2 * theta) * np.exp(-2 * mse)
    c4 = np.cos(4 * theta) * np.exp(-8 * mse)
    mean = (1 - c2) / 2
    second = (3 - 4 * c2 + c4) / 8
    return mean, np.maximum(second - mean**2, 0.0)


def predictive_quantile(theta: np.ndarray, mse: np.ndarray, prob: float,
                        transform: str = "arcsine") -> np.ndarray:
    """The ``prob`` quantile of the rate under ``θ ~ N(theta, mse)`` (vectorised bisection).

    For the arcsine scale ``P(sin² θ ≤ q) = Σ_k [Φ((kπ + a − μ)/s) − Φ((kπ − a − μ)/s)]`` with
    ``a = arcsin √q``; the bisection runs to machine precision on q in [0, 1].
    """
    theta, mse = np.asarray(theta, float), np.asarray(mse, float)
    s = np.sqrt(mse)
    if transform == "none":
        return np.clip(theta + stats.norm.ppf(prob) * s, 0.0, 1.0)
    out = np.full(theta.shape, np.nan)
    ok = np.isfinite(theta) & np.isfinite(s)
    point = ok & (s == 0)
    out[point] = np.sin(theta[point]) ** 2
    todo = ok & (s > 0)
    mu, sd = theta[todo], s[todo]
    lo, hi = np.zeros(mu.size), np.ones(mu.size)
    for _ in range(52):  # 2^-52: machine precision on [0, 1]
        mid = (lo + hi) / 2
        below = _sin2_cdf(mid, mu, sd) < prob
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out[todo] = (lo + hi) / 2
    return out


def _sin2_cdf(q: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    a = np.arcsin(np.sqrt(q))
    total = np.zeros(q.shape)
    for k in range(-2, 4):  # θ within (−2π, 4π): beyond is > 4 sd from any θ̂ in [0, π/2]
        total += ndtr((k * np.pi + a - mu) / sd) - ndtr((k * np.pi - a - mu) / sd)
    return total


def predictive_draws(result: pd.DataFrame, size: int, rng: np.random.Generator, *,
                     transform: str | None = None, scale: float = 1.0) -> np.ndarray:
    """Draws of each district's rate from its predictive distribution, shape (size, D).

    ``θ ~ N(theta, theta_mse)`` on the model's scale, brought back as ``sin² θ`` (arcsine) or
    cut to [0, 1] (none), times ``scale``. Their mean is ``result["estimate"]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame({"theta": [0.4, 0.6], "theta_mse": [0.01, 0.0004]})
    >>> d = predictive_draws(r, 200_000, np.random.default_rng(0), transform="arcsine")
    >>> m, _ = back_transform(r["theta"].to_numpy(), r["theta_mse"].to_numpy())
    >>> bool(np.allclose(d.mean(axis=0), m, atol=1e-3))
    True
    """
    transform = transform or result.attrs.get("transform", "arcsine")
    theta = result["theta"].to_numpy(float)
    sd = np.sqrt(result["theta_mse"].to_numpy(float))
    t = rng.normal(theta, sd, size=(size, theta.size))
    rate = np.sin(t) ** 2 if transform == "arcsine" else np.clip(t, 0.0, 1.0)
    return rate * scale


# ---------------------------------------------------------------------------- benchmark
ENDES_TARGETS = {"endes": ("stunting_u5", "under5_2020"),
                 "endes_anemia": ("anemia_6_35m", "children_6_35m_2020")}


def endes_targets(indicator: str = "stunting_u5", year: int = 2022) -> dict[str, float]:
    """ENDES department figures (%, total of urban and rural) for one year, by 2-digit code."""
    from geoprio.data import load_endes

    e = load_endes()
    rows = e[(e["year"] == year) & (e["level"] == "department") & (e["area"] == "total")]
    return {str(c): float(v) for c, v in zip(rows["department_code"], rows[indicator],
                                             strict=True) if pd.notna(v)}


def _benchmark(out: pd.DataFrame, districts: pd.DataFrame, benchmark: Any, weights: str | None,
               scale: float, id_column: str) -> None:
    """Ratio benchmarking by department; the ratio is treated as fixed for the interval."""
    if isinstance(benchmark, str):
        if benchmark not in ENDES_TARGETS:
            raise InputError(f"benchmark must be one of {list(ENDES_TARGETS)} or a mapping "
                             f"{{department code: target}}; got {benchmark!r}")
        indicator, default_w = ENDES_TARGETS[benchmark]
        targets = {k: v / 100 * scale for k, v in endes_targets(indicator).items()}
        weights = weights or default_w
    elif isinstance(benchmark, Mapping):
        targets = {str(k).zfill(2): float(v) for k, v in benchmark.items()}
        if weights is None:
            raise InputError("a benchmark mapping needs weights=<column> (e.g. under5_2020)")
    else:
        raise TypeError(f"benchmark must be a name or a mapping; got {type(benchmark).__name__}")
    w = _column(districts, weights, "weights")
    dept = out[id_column].str[:2].to_numpy()
    ratio = np.full(len(out), np.nan)
    for code in sorted(set(dept)):
        inside = dept == code
        if code not in targets:
            continue
        ok = inside & np.isfinite(w) & np.isfinite(out["estimate"].to_numpy())
        mean = np.sum(w[ok] * out["estimate"].to_numpy()[ok]) / np.sum(w[ok])
        ratio[inside] = targets[code] / mean
    absent = sorted(set(dept) - set(targets))
    if absent:
        log.warning("benchmark: no target for departments %s; left unbenchmarked", absent)
    out["benchmark_ratio"] = ratio
    for col in ("estimate", "lo", "hi"):
        name = "benchmarked" if col == "estimate" else f"benchmarked_{col}"
        out[name] = out[col] * ratio
    out.attrs["benchmark"] = {"targets": targets, "weights": weights,
                              "ratio_by_department": {c: float(ratio[dept == c][0])
                                                      for c in sorted(set(dept))
                                                      if c in targets}}
