"""The Fay–Herriot area-level model, fitted as R's ``sae`` does, and direct estimates from
counts (:mod:`geoprio.spatial.smallarea` turns them into district prevalences).

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

References: see :mod:`geoprio.spatial.smallarea`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from geoprio.errors import GeoprioError, InputError

__all__ = ["METHODS", "TRANSFORMS", "FayHerriotResult", "FitError", "fay_herriot"]

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
        from geoprio.spatial.smoothing import smooth_rates

        t = pd.DataFrame({"id": counts.ids, "y": np.where(ok, counts.y, np.nan),
                          "n": np.where(ok, counts.n, np.nan)})
        p = smooth_rates(t, "y", "n", id_column="id")["rate"].to_numpy()[ok]
        theta[ok] = rate
        psi[ok] = p * (1 - p) / counts.n[ok]
        if not (psi[ok] > 0).all():
            raise FitError("transform='none' needs a positive binomial variance in every "
                           "district; the rates do not vary: use transform='arcsine'")
    return theta, psi


