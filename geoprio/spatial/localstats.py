"""Global Moran's I, Local Moran (LISA) and Getis-Ord Gi*, with permutation inference and FDR.

The classes follow esda's shape (``I``, ``Is``, ``q``, ``p_sim``...) and run on plain numpy
and scipy (esda's numba compile takes 30-40 s on first use).

Local statistics are tested by **conditional permutation**: the district keeps its value and
its ``k`` neighbours are replaced by ``k`` districts drawn at random among the others (never
the district itself). One draw of ``k + 1`` distinct districts per permutation serves every
district: a district uses the first ``k``, or the ``(k + 1)``-th in place of itself when it is
among them, which is a uniform draw of ``k`` others (:func:`conditional_ids`). All districts of
one degree then share the same neighbour sums except the few drawn themselves, so the tail
counts come from one sort per degree plus a correction per drawn district
(:func:`_tail_counts`), and 100,000 permutations cost about what 1,000 did done one by one.

A district's label must not depend on the seed. The test is repeated in ``runs`` independent
runs (seeds spawned from ``seed``) of ``permutations`` each; the pseudo p-value pools them,
(M + 1) / (R + 1) over all R = runs x permutations, and labels come from it (with
Benjamini-Hochberg control of the false discovery rate, :func:`fdr_mask`). Each run also
labels the districts on its own; a district's ``stability_`` is the share of runs whose label
agrees with the pooled one, and only labels stable in at least ``min_stability`` of the runs
are counted by :meth:`_Local.counts`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from geoprio.errors import InputError
from geoprio.spatial.contiguity import Contiguity

logger = logging.getLogger(__name__)

__all__ = ["ALTERNATIVES", "GetisOrdGiStar", "Moran", "MoranBV", "MoranLocal", "MoranLocalBV",
           "conditional_draws", "conditional_ids", "fdr_mask"]

ALTERNATIVES = ("directed", "two-sided")
MAX_PERMUTATIONS = 1_000_000  # per run: bounds the time a caller (or a CLI flag) can ask for
MAX_RUNS = 100
_CHUNK = 50_000  # permutations drawn at once: bounds memory whatever ``permutations`` is
_QUADS = np.array(["ns", "HH", "LH", "LL", "HL"])


# ------------------------------------------------------------------------------- checks
def _as_adjacency(w: Contiguity | sp.spmatrix | sp.sparray, n: int) -> sp.csr_matrix:
    a = w.adjacency if isinstance(w, Contiguity) else w
    if not sp.issparse(a):
        raise TypeError(f"w must be a Contiguity or a scipy sparse matrix; got {type(w).__name__}")
    a = sp.csr_matrix(a, dtype=np.float64)
    if a.shape != (n, n):
        raise InputError(f"w is {a.shape[0]}x{a.shape[1]} but y has {n} values")
    a.data[:] = 1.0
    a.setdiag(0)
    a.eliminate_zeros()
    return a


def _check_y(y: Any, name: str = "y") -> np.ndarray:
    arr = np.asarray(y, dtype=np.float64).ravel()
    if arr.size < 3:
        raise InputError(f"{name} needs at least 3 values; got {arr.size}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} has {int((~np.isfinite(arr)).sum())} missing or infinite "
                         "values; drop them first (hotspots() does this and reports them)")
    if arr.std() == 0:
        raise InputError(f"{name} is constant ({arr[0]}); spatial statistics need variation")
    return arr


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_inference(permutations: Any, alpha: Any, alternative: str = "directed", *,
                     runs: Any = 2, min_stability: Any = 0.9, seed: Any = 0) -> None:
    """Validate the inference settings, naming the parameter, the range and what came in."""
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative must be one of {list(ALTERNATIVES)}; got {alternative!r}")
    if not _is_int(permutations) or not 0 <= permutations <= MAX_PERMUTATIONS:
        raise InputError(f"permutations must be an integer from 0 to {MAX_PERMUTATIONS:,} "
                         f"(e.g. 9999); got {permutations!r}")
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise InputError(f"alpha must be a number between 0 and 1 (e.g. 0.05); got {alpha!r}")
    if not _is_int(runs) or not 2 <= runs <= MAX_RUNS:
        raise InputError(f"runs must be an integer from 2 to {MAX_RUNS} (e.g. 20): a label's "
                         f"stability is measured across repeated runs; got {runs!r}")
    if not isinstance(min_stability, (int, float)) or isinstance(min_stability, bool) \
            or not 0.5 < min_stability <= 1:
        raise InputError(f"min_stability must be a share above 0.5 and at most 1 (e.g. 0.9); "
                         f"got {min_stability!r}")
    if not _is_int(seed) or seed < 0:
        raise InputError(f"seed must be a non-negative integer; got {seed!r}")


# ------------------------------------------------------------------ conditional draws
def conditional_draws(n: int, kmax: int, permutations: int,
                      rng: np.random.Generator) -> np.ndarray:
    """``permutations`` rows of ``kmax + 1`` distinct site ids drawn uniformly from ``range(n)``.

    Every ordered draw is equally likely (rows with a repeat are drawn again).

    Examples
    --------
    >>> d = conditional_draws(10, 3, 5, np.random.default_rng(0))
    >>> d.shape, all(len(set(row)) == 4 for row in d.tolist())
    ((5, 4), True)
    """
    m = kmax + 1
    if m > n:
        raise InputError(f"a site has {kmax} neighbours among {n} sites: at most {n - 1}")
    if 4 * m > n:
        return np.argsort(rng.random((permutations, n)), axis=1)[:, :m]
    ids = rng.integers(0, n, size=(permutations, m), dtype=np.int32)  # int32 sorts faster
    while True:
        s = np.sort(ids, axis=1)
        bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
        if not bad.any():
            return ids
        ids[bad] = rng.integers(0, n, size=(int(bad.sum()), m), dtype=np.int32)


def conditional_ids(draws: np.ndarray, site: int, k: int) -> np.ndarray:
    """The ``k`` neighbours drawn for ``site`` in each permutation of ``draws``.

    The first ``k`` ids of each row, with ``site`` (when drawn) replaced by the row's
    ``(k + 1)``-th id: ``k`` distinct districts other than ``site``, every such set equally
    likely. :func:`_tail_counts` counts with exactly these sets without writing them out.

    Examples
    --------
    >>> draws = np.array([[2, 0, 1], [1, 3, 2]])
    >>> conditional_ids(draws, 2, 2).tolist()  # site 2 drawn first in row 0: 1 takes its place
    [[1, 0], [1, 3]]
    """
    ids = draws[:, :k].copy()
    hit = ids == site
    ids[hit] = np.broadcast_to(draws[:, k : k + 1], ids.shape)[hit]
    return ids


def _tail_counts(x: np.ndarray, degree: np.ndarray, observed: np.ndarray,
                 draws: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per site: how many permutations give a neighbour sum >= and <= the observed one.

    ``observed[i]`` is the sum of ``x`` over the real neighbours of ``i``; a permutation's
    sum is over :func:`conditional_ids` of ``draws``. Equal sums (to 1e-9 of the scale) count
    in both tails, as exact arithmetic would. Also returns the sum and the sum of squares of
    the simulated sums (centred on the mean of ``x``), for the mean and spread.
    """
    n, reps = x.size, draws.shape[0]
    kmax = int(degree.max())
    centre = x.mean()
    xc = x - centre
    obs = observed - degree * centre
    tol = 1e-9 * max(1.0, float(np.abs(xc).max()) * kmax)
    lo, hi = obs - tol, obs + tol
    vals = xc[draws]
    first = np.cumsum(vals[:, :kmax], axis=1)  # first[:, k - 1]: sum of the first k draws
    ge, le = np.zeros(n, np.int64), np.zeros(n, np.int64)
    s1, s2 = np.zeros(n), np.zeros(n)
    for k in np.unique(degree[degree > 0]):
        members = np.flatnonzero(degree == k)
        col = first[:, k - 1]
        ordered = np.sort(col)
        ge[members] = reps - np.searchsorted(ordered, lo[members], "left")
        le[members] = np.searchsorted(ordered, hi[members], "right")
        s1[members] = col.sum()
        s2[members] = col @ col
    # a site among the first k of its own row uses the (k + 1)-th draw instead of itself
    site = draws[:, :kmax]
    row, pos = np.nonzero(np.arange(kmax)[None, :] < degree[site])
    who = site[row, pos]
    k = degree[who]
    old = first[row, k - 1]
    new = old - xc[who] + vals[row, k]
    ge += np.bincount(who, (new >= lo[who]).astype(float) - (old >= lo[who]),
                      minlength=n).astype(np.int64)
    le += np.bincount(who, (new <= hi[who]).astype(float) - (old <= hi[who]),
                      minlength=n).astype(np.int64)
    s1 += np.bincount(who, new - old, minlength=n)
    s2 += np.bincount(who, new * new - old * old, minlength=n)
    isolated = degree == 0
    ge[isolated] = le[isolated] = 0
    return ge, le, s1, s2


def _pseudo_p(ge: np.ndarray, le: np.ndarray, reps: int, alternative: str) -> np.ndarray:
    """Pseudo p-value (M + 1) / (R + 1), M the count in the tail the observed value is in.

    "directed" is esda's and GeoDa's (one-sided in the observed direction); "two-sided"
    doubles it, capped at 1, so that ``alpha`` is the real two-sided level. Ties count in
    both tails (a value equal to every permutation gets p = 1, not the smallest p).
    """
    p = (np.minimum(ge, le) + 1.0) / (reps + 1.0)
    return np.minimum(1.0, 2.0 * p) if alternative == "two-sided" else p


def fdr_mask(p: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg: which p-values are significant, and the adjusted p-values.

    The adjusted values are those of ``scipy.stats.false_discovery_control`` (p x m / rank,
    then the running minimum from the largest); a p-value is significant when its adjusted
    value is at most ``alpha``, equality included, as in the step-up rule p(i) <= i alpha / m.
    Missing p-values are ignored (never significant, adjusted value NaN; m counts the others).

    Examples
    --------
    >>> mask, adjusted = fdr_mask(np.array([0.001, 0.02, 0.04, 0.5]), alpha=0.05)
    >>> mask.tolist()
    [True, True, False, False]
    """
    p = np.asarray(p, dtype=float)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    adjusted = np.full(p.shape, np.nan)
    if m:
        order = ok[np.argsort(p[ok], kind="stable")]
        ranked = p[order] * (m / np.arange(1, m + 1))
        adjusted[order] = np.clip(np.minimum.accumulate(ranked[::-1])[::-1], 0.0, 1.0)
    return np.nan_to_num(adjusted, nan=2.0) <= alpha, adjusted


# ------------------------------------------------------------------------ statistics
class Moran:
    """Global Moran's I with row-standardised weights (esda's ``Moran`` shape).

    Attributes: ``I``, ``EI`` (-1/(n-1)), ``z_norm`` and ``p_norm`` (normality
    assumption, two-sided), ``p_sim`` (pseudo p, one-sided in the observed direction as
    in esda), ``z_sim``, ``EI_sim``, ``seI_sim``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> line = sp.diags([1.0, 1.0], [-1, 1], shape=(5, 5))
    >>> round(Moran(np.array([1.0, 2, 3, 4, 5]), line, permutations=0).I, 4)
    0.6
    """

    def __init__(self, y: Any, w: Any, *, permutations: int = 999, seed: int = 0) -> None:
        _check_inference(permutations, 0.05, seed=seed)
        self.y = _check_y(y)
        n = self.n = self.y.size
        a = _as_adjacency(w, n)
        deg = np.asarray(a.sum(axis=1)).ravel()
        wr = sp.diags(np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)) @ a
        self.permutations = permutations
        z = self.y - self.y.mean()
        self.z2ss = float(z @ z)
        s0 = float(wr.sum())
        self.I = float(n / s0 * (z @ (wr @ z)) / self.z2ss)
        self.EI = -1.0 / (n - 1)
        wt = wr + wr.T
        s1 = 0.5 * float(wt.multiply(wt).sum())
        s2 = float(((np.asarray(wr.sum(axis=1)).ravel() + np.asarray(wr.sum(axis=0)).ravel())
                    ** 2).sum())
        vi = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - self.EI**2
        self.z_norm = (self.I - self.EI) / math.sqrt(vi)
        self.p_norm = math.erfc(abs(self.z_norm) / math.sqrt(2))
        self.p_sim = self.z_sim = self.EI_sim = self.seI_sim = math.nan
        if permutations:
            _global_permutations(self, z, permutations, seed, lambda zp: n / s0 * np.einsum(
                "ij,ji->i", zp, wr @ zp.T) / self.z2ss)

    def __repr__(self) -> str:
        return (f"Moran(n={self.n}, I={self.I:.4f}, EI={self.EI:.4f}, z_norm={self.z_norm:.2f}, "
                f"p_sim={self.p_sim:.4f}, permutations={self.permutations})")


def _global_permutations(result: Any, z: np.ndarray, permutations: int, seed: Any,
                         statistic: Callable[[np.ndarray], np.ndarray]) -> None:
    """Permutation inference of a global statistic: ``statistic`` of rows of shuffled ``z``,
    1,000 permutations at a time (bounded memory); sets ``sim``, ``p_sim`` (directed),
    ``EI_sim``, ``seI_sim`` and ``z_sim`` on ``result``, as esda names them."""
    rng = np.random.default_rng(seed)
    n = len(z)
    sims = [statistic(rng.permuted(np.broadcast_to(z, (min(1000, permutations - start), n)),
                                   axis=1))
            for start in range(0, permutations, 1000)]
    sim = result.sim = np.concatenate(sims)
    result.p_sim = float(_pseudo_p((sim >= result.I).sum(), (sim <= result.I).sum(),
                                   permutations, "directed"))
    result.EI_sim, result.seI_sim = float(sim.mean()), float(sim.std())
    result.z_sim = (result.I - result.EI_sim) / result.seI_sim


class _Local:
    """Shared setup, pooled inference over seeded runs, stability and labels."""

    labels_: np.ndarray
    p_sim: np.ndarray
    n: int

    def _setup(self, y: Any, w: Any, permutations: int, runs: int, seed: int, alpha: float,
               fdr: bool, alternative: str, min_stability: float) -> sp.csr_matrix:
        _check_inference(permutations, alpha, alternative, runs=runs,
                         min_stability=min_stability, seed=seed)
        self.y = _check_y(y)
        self.n = self.y.size
        self.permutations, self.runs, self.seed = permutations, runs, seed
        self.alpha, self.fdr, self.alternative = alpha, fdr, alternative
        self.min_stability = min_stability
        a = _as_adjacency(w, self.n)
        self.degree = np.diff(a.indptr)
        return a

    def _significant(self, p: np.ndarray) -> np.ndarray:
        if self.fdr:
            return fdr_mask(p, self.alpha)[0]
        return np.nan_to_num(p, nan=1.0) <= self.alpha

    def _infer(self, x: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pooled and per-run p-values of the neighbour sums of ``x``; returns the mean and
        standard deviation of the simulated sums (all runs)."""
        n, reps, degree = self.n, self.permutations, self.degree
        self.p_runs_ = np.full((self.runs, n), np.nan)
        ge_all, le_all = np.zeros(n, np.int64), np.zeros(n, np.int64)
        s1, s2 = np.zeros(n), np.zeros(n)
        kmax = int(degree.max())
        for r, child in enumerate(np.random.SeedSequence(self.seed).spawn(self.runs)):
            rng = np.random.default_rng(child)
            ge, le = np.zeros(n, np.int64), np.zeros(n, np.int64)
            for start in range(0, reps, _CHUNK):
                draws = conditional_draws(n, kmax, min(_CHUNK, reps - start), rng)
                counts = _tail_counts(x, degree, observed, draws)
                ge += counts[0]
                le += counts[1]
                s1 += counts[2]
                s2 += counts[3]
            self.p_runs_[r] = _pseudo_p(ge, le, reps, self.alternative)
            ge_all += ge
            le_all += le
        total = reps * self.runs
        self.p_sim = _pseudo_p(ge_all, le_all, total, self.alternative)
        isolated = degree == 0
        self.p_sim[isolated] = np.nan
        self.p_runs_[:, isolated] = np.nan
        mean = s1 / total
        sd = np.sqrt(np.maximum(s2 / total - mean**2, 0.0))
        return mean, sd

    def _decide(self) -> None:
        """Significance, adjusted p-values and stability across runs."""
        self.sig = self._significant(self.p_sim)
        self.p_fdr = fdr_mask(self.p_sim, self.alpha)[1]
        if self.permutations:
            self.sig_runs_ = np.array([self._significant(p) for p in self.p_runs_])
            self.stability_ = (self.sig_runs_ == self.sig[None, :]).mean(axis=0)
            self.stable_ = self.stability_ >= self.min_stability
        else:
            self.sig_runs_ = np.zeros((0, self.n), dtype=bool)
            self.stability_ = np.full(self.n, np.nan)
            self.stable_ = np.ones(self.n, dtype=bool)

    def counts(self, stable: bool = True) -> dict[str, int]:
        """Districts per label; with ``stable`` (default) unstable labels are counted apart
        under ``"unstable"`` and not under their label."""
        labels = np.where(self.stable_, self.labels_, "unstable") if stable else self.labels_
        values, counts = np.unique(labels, return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}

    def __repr__(self) -> str:
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts().items()))
        return (f"{type(self).__name__}(n={self.n}, permutations={self.permutations}, "
                f"runs={self.runs}, alpha={self.alpha}, fdr={self.fdr}, seed={self.seed}, "
                f"min_stability={self.min_stability})\n  {counts}")


_PARAMETERS = """
    Parameters
    ----------
    y : array-like of float
        One finite value per district.
    w : Contiguity or scipy sparse matrix
        Binary contiguity.
    permutations : int, default=9999
        Conditional permutations per run (0: no inference, every label "ns").
    runs : int, default=20
        Independent runs, seeds spawned from ``seed``; p-values pool all of them.
    seed : int, default=0
    alpha : float, default=0.05
        Significance level applied to ``p_sim``.
    fdr : bool, default=True
        Apply Benjamini-Hochberg control of the false discovery rate at ``alpha``.
    alternative : {"directed", "two-sided"}, default="directed"
        "directed" is esda's and GeoDa's pseudo p-value (one-sided in the observed
        direction); "two-sided" doubles it (capped at 1).
    min_stability : float, default=0.9
        Share of runs that must agree with a district's label for it to count as stable.
"""


class MoranLocal(_Local):
    __doc__ = """Local Moran's I (LISA) with conditional permutation inference over seeded runs.

    Same statistic as esda's ``Moran_Local`` (row-standardised weights, ``Is`` equal to
    1e-12) computed without numba.
    """ + _PARAMETERS + """
    Attributes
    ----------
    Is : ndarray
        Local Moran values.
    q : ndarray of int
        Quadrant: 1 HH, 2 LH, 3 LL, 4 HL (esda's coding).
    p_sim : ndarray
        Pseudo p-values (M + 1) / (R + 1) pooled over every run, see ``alternative``.
    p_runs_ : ndarray of shape (runs, n)
        Each run's own pseudo p-values.
    p_fdr : ndarray
        Benjamini-Hochberg adjusted ``p_sim``.
    sig : ndarray of bool
        Significant at ``alpha`` (after FDR when ``fdr``).
    stability_ : ndarray
        Share of runs whose own decision (significant or not) agrees with ``sig``.
    stable_ : ndarray of bool
        ``stability_ >= min_stability``.
    labels_ : ndarray of str
        "HH", "LL", "HL", "LH" where significant, else "ns".
    EI_sim, seI_sim, z_sim : ndarray
        Mean and standard deviation of the simulated ``Is``, and the observed ``Is`` as a
        z-score of them.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.diags([1.0] * 4, [-1, 1, -9, 9], shape=(10, 10))
    >>> lisa = MoranLocal(np.arange(10.0), ring, permutations=99)
    >>> lisa.q.tolist()  # 0 and 9 meet across the wrap: low-high and high-low
    [2, 3, 3, 3, 3, 1, 1, 1, 1, 4]
    """

    def __init__(self, y: Any, w: Any, *, permutations: int = 9999, runs: int = 20,
                 seed: int = 0, alpha: float = 0.05, fdr: bool = True,
                 alternative: str = "directed", min_stability: float = 0.9) -> None:
        a = self._setup(y, w, permutations, runs, seed, alpha, fdr, alternative, min_stability)
        n, degree = self.n, self.degree
        inv_k = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
        self.z = (self.y - self.y.mean()) / self.y.std()
        self.den = float(self.z @ self.z)
        neighbours = a @ self.z
        lag = neighbours * inv_k
        self.Is = (n - 1) * self.z * lag / self.den
        self.q = np.where(self.z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
        self.p_sim = np.full(n, np.nan)
        self.p_runs_ = np.full((runs, n), np.nan)
        if permutations:
            mean, sd = self._infer(self.z, neighbours)
            scale = (n - 1) / self.den * self.z * inv_k  # Is = scale x neighbour sum
            self.EI_sim, self.seI_sim = scale * mean, np.abs(scale) * sd
            with np.errstate(divide="ignore", invalid="ignore"):
                self.z_sim = (self.Is - self.EI_sim) / self.seI_sim
        self._decide()
        self.labels_ = np.where(self.sig, _QUADS[self.q], "ns")


class GetisOrdGiStar(_Local):
    __doc__ = """Getis-Ord Gi* (the district itself included) with conditional permutations.

    Binary weights with a self link. ``Zs`` is the Ord-Getis z-score (equal to esda's
    ``G_Local(y, w, transform="B", star=True).Zs``); ``Gs`` is the share of the total
    held by the district and its neighbours. ``labels_`` is "hot" or "cold" where
    significant, else "ns". Inference, stability and the other attributes as
    :class:`MoranLocal`.
    """ + _PARAMETERS + """
    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.diags([1.0] * 4, [-1, 1, -9, 9], shape=(10, 10))
    >>> gi = GetisOrdGiStar(np.arange(10.0), ring, permutations=99)
    >>> int(np.argmax(gi.Zs)), int(np.argmin(gi.Zs))
    (8, 1)
    """

    def __init__(self, y: Any, w: Any, *, permutations: int = 9999, runs: int = 20,
                 seed: int = 0, alpha: float = 0.05, fdr: bool = True,
                 alternative: str = "directed", min_stability: float = 0.9) -> None:
        a = self._setup(y, w, permutations, runs, seed, alpha, fdr, alternative, min_stability)
        n, degree = self.n, self.degree
        card = degree + 1.0
        neighbours = a @ self.y
        local = neighbours + self.y
        mean, sd = self.y.mean(), self.y.std()
        self.Gs = local / self.y.sum()
        self.Zs = (local - mean * card) / (sd * np.sqrt((n * card - card**2) / (n - 1)))
        self.p_sim = np.full(n, np.nan)
        self.p_runs_ = np.full((runs, n), np.nan)
        if permutations:
            sim_mean, sim_sd = self._infer(self.y, neighbours)
            self.EI_sim = sim_mean + degree * self.y.mean() + self.y
            self.seI_sim = sim_sd
            with np.errstate(divide="ignore", invalid="ignore"):
                self.z_sim = (local - self.EI_sim) / self.seI_sim
        self._decide()
        self.labels_ = np.where(self.sig, np.where(self.Zs > 0, "hot", "cold"), "ns")


# ------------------------------------------------------------------------- bivariate
class MoranBV:
    """Global bivariate Moran's I of ``x`` against the spatial lag of ``y`` (esda's ``Moran_BV``).

    ``I = sum(zx * lag(zy)) / sum(zx * zx)`` with row-standardised weights: the slope of
    the lag of standardised ``y`` on standardised ``x`` (GeoDa's bivariate Moran
    scatterplot). ``p_sim`` permutes ``y`` (one-sided in the observed direction).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> line = sp.diags([1.0, 1.0], [-1, 1], shape=(5, 5))
    >>> x = np.array([1.0, 2, 3, 4, 5])
    >>> round(MoranBV(x, x, line, permutations=0).I, 4)  # x against itself: Moran's I
    0.6
    """

    def __init__(self, x: Any, y: Any, w: Any, *, permutations: int = 999,
                 seed: int = 0) -> None:
        _check_inference(permutations, 0.05, seed=seed)
        self.x, self.y = _check_y(x, "x"), _check_y(y)
        n = self.n = self.y.size
        if self.x.size != n:
            raise InputError(f"x has {self.x.size} values but y has {n}")
        a = _as_adjacency(w, n)
        deg = np.asarray(a.sum(axis=1)).ravel()
        wr = sp.diags(np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)) @ a
        self.permutations = permutations
        self.zx = (self.x - self.x.mean()) / self.x.std()
        self.zy = (self.y - self.y.mean()) / self.y.std()
        den = float(self.zx @ self.zx)
        self.I = float(self.zx @ (wr @ self.zy) / den)
        self.p_sim = self.z_sim = self.EI_sim = self.seI_sim = math.nan
        if permutations:
            _global_permutations(self, self.zy, permutations, seed,
                                 lambda zp: (wr @ zp.T).T @ self.zx / den)

    def __repr__(self) -> str:
        return (f"MoranBV(n={self.n}, I={self.I:.4f}, p_sim={self.p_sim:.4f}, "
                f"permutations={self.permutations})")


class MoranLocalBV(_Local):
    __doc__ = """Bivariate Local Moran: ``x`` in each district against the lag of ``y`` around it.

    Same statistic as esda's ``Moran_Local_BV(x, y, w)`` (row-standardised weights):
    ``Is = (n - 1) zx * lag(zy) / sum(zx * zx)``, ``zx`` and ``zy`` standardised with the
    population standard deviation. Inference as :class:`MoranLocal`: the district keeps its
    ``x`` and its neighbours' ``y`` are drawn at random among the other districts, in
    ``runs`` seeded runs pooled, with FDR and stability.
    """ + _PARAMETERS.replace("""    y : array-like of float
        One finite value per district.""", """    x, y : array-like of float
        One finite value per district each (same order).""") + """
    Attributes
    ----------
    Is, q, p_sim, p_runs_, p_fdr, sig, stability_, stable_, labels_, EI_sim, seI_sim, z_sim
        As :class:`MoranLocal`; the quadrant ``q`` (1 HH, 2 LH, 3 LL, 4 HL) reads the sign
        of ``zx`` then of the lag of ``zy``: "HL" is a high ``x`` among low ``y``.
    zx, zy, lag : ndarray
        Standardised ``x`` and ``y``, and the lag of ``zy``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.diags([1.0] * 4, [-1, 1, -9, 9], shape=(10, 10))
    >>> bv = MoranLocalBV(np.arange(10.0), np.arange(10.0)[::-1], ring, permutations=99)
    >>> bv.q.tolist()  # x rises as y falls: low x among high y (LH), high x among low y (HL)
    [3, 2, 2, 2, 2, 4, 4, 4, 4, 1]
    """

    def __init__(self, x: Any, y: Any, w: Any, *, permutations: int = 9999, runs: int = 20,
                 seed: int = 0, alpha: float = 0.05, fdr: bool = True,
                 alternative: str = "directed", min_stability: float = 0.9) -> None:
        a = self._setup(y, w, permutations, runs, seed, alpha, fdr, alternative, min_stability)
        self.x = _check_y(x, "x")
        n, degree = self.n, self.degree
        if self.x.size != n:
            raise InputError(f"x has {self.x.size} values but y has {n}")
        inv_k = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
        self.zx = (self.x - self.x.mean()) / self.x.std()
        self.zy = (self.y - self.y.mean()) / self.y.std()
        self.den = float(self.zx @ self.zx)
        neighbours = a @ self.zy
        self.lag = neighbours * inv_k
        self.Is = (n - 1) * self.zx * self.lag / self.den
        self.q = np.where(self.zx > 0, np.where(self.lag > 0, 1, 4),
                          np.where(self.lag > 0, 2, 3))
        self.p_sim = np.full(n, np.nan)
        self.p_runs_ = np.full((runs, n), np.nan)
        if permutations:
            mean, sd = self._infer(self.zy, neighbours)
            scale = (n - 1) / self.den * self.zx * inv_k  # Is = scale x neighbour sum of zy
            self.EI_sim, self.seI_sim = scale * mean, np.abs(scale) * sd
            with np.errstate(divide="ignore", invalid="ignore"):
                self.z_sim = (self.Is - self.EI_sim) / self.seI_sim
        self._decide()
        self.labels_ = np.where(self.sig, _QUADS[self.q], "ns")
