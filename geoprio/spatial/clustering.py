"""District typologies (k-means, Ward, Gaussian mixture) and contiguous zones.

Estimators in scikit-learn's shape (parameters in the constructor, work in ``fit``,
results in trailing-underscore attributes) and one front door, :func:`cluster`.

- :class:`Typology` groups districts that share a profile on the chosen indicators
  (standardised), whatever their location.
- :class:`Zones` groups districts into contiguous zones (Ward with a Queen contiguity
  connectivity from :func:`geoprio.spatial.contiguity.queen_contiguity`), with an optional floor on
  the population of each zone.

Both choose k by silhouette (BIC for the mixture) over a range unless it is forced, return
the curve, order the clusters by severity (1 = most severe, so labels are stable across
runs) and name them from their profile in Spanish and English
("pobreza alta · DCI alta · sin agua").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator, ClusterMixin

from geoprio._renamed import renamed
from geoprio.errors import InputError
from geoprio.spatial.contiguity import Contiguity, queen_contiguity

logger = logging.getLogger(__name__)

__all__ = ["ClusterResult", "Typology", "Zones", "cluster", "directions"]

CLUSTER_METHODS = ("kmeans", "ward", "gmm", "zones")
MISSING_POLICIES = ("drop", "median")
LABEL_THRESHOLD = 0.5  # |mean z| from which an indicator names a cluster
MAX_TERMS = 3

# id -> (high es, low es, high en, low en)
_TERMS: dict[str, tuple[str, str, str, str]] = {
    "stunting_u5_2019": ("DCI alta", "DCI baja", "high stunting", "low stunting"),
    "anemia_6_35m_2019": ("anemia alta", "anemia baja", "high anaemia", "low anaemia"),
    "poverty_2018": ("pobreza alta", "pobreza baja", "high poverty", "low poverty"),
    "poverty_2018_lo": ("pobreza alta", "pobreza baja", "high poverty", "low poverty"),
    "poverty_2018_hi": ("pobreza alta", "pobreza baja", "high poverty", "low poverty"),
    "extreme_poverty_2013": ("pobreza extrema alta", "pobreza extrema baja",
                             "high extreme poverty", "low extreme poverty"),
    "hdi_2019": ("IDH alto", "IDH bajo", "high HDI", "low HDI"),
    "food_vulnerability": ("vulnerabilidad alimentaria alta", "vulnerabilidad alimentaria baja",
                           "high food vulnerability", "low food vulnerability"),
    "no_water_2017": ("sin agua", "con agua", "no piped water", "piped water"),
    "no_sewer_2017": ("sin desagüe", "con desagüe", "no sewer", "sewer"),
    "no_electricity_2017": ("sin electricidad", "con electricidad", "no electricity",
                            "electricity"),
    "no_internet_2017": ("sin internet", "con internet", "no internet", "internet"),
    "altitude_m": ("altura", "baja altitud", "high altitude", "low altitude"),
    "area_km2": ("extensos", "pequeños", "large area", "small area"),
    "pop_2020": ("población grande", "población pequeña", "large population",
                 "small population"),
    "pop_2017": ("población grande", "población pequeña", "large population",
                 "small population"),
}
def _terms(indicator: str) -> tuple[str, str, str, str]:
    if indicator in _TERMS:
        return _TERMS[indicator]
    return (f"{indicator} alto", f"{indicator} bajo", f"high {indicator}", f"low {indicator}")


def directions(indicators: Sequence[str], catalog: pd.DataFrame | None = None,
               higher_is_worse: Mapping[str, bool | None] | None = None
               ) -> dict[str, bool | None]:
    """Each indicator's direction: True (higher is worse), False (better) or None (neither).

    Taken from ``higher_is_worse`` first, then from the catalog (the shipped one by default,
    or one with a session's uploaded rows); an empty direction in the catalog means the
    indicator has none (population, area: it does not count towards severity). An indicator
    in neither is refused: a typology never guesses which way is worse.

    Examples
    --------
    >>> directions(["poverty_2018", "hdi_2019", "altitude_m"])
    {'poverty_2018': True, 'hdi_2019': False, 'altitude_m': None}
    >>> directions(["coverage"], higher_is_worse={"coverage": False})
    {'coverage': False}
    """
    table: dict[str, Any] = {}
    cat = catalog
    if cat is None:
        from geoprio.data.shipped import catalog as shipped

        cat = shipped()
    if "id" in cat.columns and "higher_is_worse" in cat.columns:
        table.update(zip(cat["id"].astype(str), cat["higher_is_worse"], strict=True))
    if higher_is_worse:
        table.update(higher_is_worse)
    unknown = [i for i in indicators if i not in table]
    if unknown:
        raise InputError(
            f"indicators {unknown} have no direction: the catalog does not list them; pass "
            f"higher_is_worse={{{unknown[0]!r}: False}} (True when a higher value is worse, "
            "None when it has no direction) or add them to the catalog"
        )
    out: dict[str, bool | None] = {}
    for ind in indicators:
        v = table[ind]
        out[ind] = None if v is None or (not isinstance(v, str) and pd.isna(v)) else bool(v)
    return out


def _signs(indicators: Sequence[str], given: Mapping[str, bool | None] | None) -> np.ndarray:
    """+1 where a higher value is worse, -1 where better, 0 where it is neither."""
    d = directions(indicators, None, given) if not given or set(indicators) - set(given) \
        else {i: given[i] for i in indicators}
    return np.array([0.0 if d[i] is None else (1.0 if d[i] else -1.0) for i in indicators])


# ------------------------------------------------------------------------ preparation
@dataclass
class _Data:
    raw: np.ndarray  # (n_used, p) original units, imputed where the policy says
    z: np.ndarray  # standardised
    keep: np.ndarray  # (n,) bool rows used
    dropped: list[Any]
    imputed: dict[str, int]


def _prepare(X: pd.DataFrame, missing: str) -> _Data:
    if missing not in MISSING_POLICIES:
        raise InputError(f"missing must be one of {list(MISSING_POLICIES)}; got {missing!r}")
    raw = X.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    nan = ~np.isfinite(raw)
    imputed: dict[str, int] = {}
    if missing == "drop":
        keep = ~nan.any(axis=1)
        raw = raw[keep]
    else:
        keep = ~nan.all(axis=1)
        raw = raw[keep].copy()
        med = np.nanmedian(raw, axis=0)
        for j, col in enumerate(X.columns):
            holes = ~np.isfinite(raw[:, j])
            if holes.any():
                imputed[str(col)] = int(holes.sum())
                raw[holes, j] = med[j]
    dropped = list(X.index[~keep])
    if dropped:
        logger.info("cluster: %d rows dropped for missing values", len(dropped))
    sd = raw.std(axis=0)
    flat = [str(c) for c, s in zip(X.columns, sd, strict=True) if not s > 0]
    if flat:
        raise InputError(f"indicators {flat} are constant on the rows used; drop them")
    z = (raw - raw.mean(axis=0)) / sd
    return _Data(raw, z, keep, dropped, imputed)


def _check_k(k: Any, k_range: Any, n: int) -> None:
    if not (k == "auto" or (isinstance(k, (int, np.integer)) and not isinstance(k, bool))):
        raise InputError(f"k must be 'auto' or an integer >= 2; got {k!r}")
    if k != "auto" and not 2 <= k < n:
        raise InputError(f"k must be between 2 and {n - 1} (rows used); got {k}")
    ok = isinstance(k_range, (tuple, list)) and len(k_range) == 2
    lo, hi = k_range if ok else (0, 0)
    if not (ok and isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
        raise InputError(f"k_range must be (low, high) integers with 2 <= low <= high; "
                         f"got {k_range!r}")


def _ks(k: Any, k_range: tuple[int, int], n: int) -> list[int]:
    if k != "auto":
        return [int(k)]
    return list(range(k_range[0], min(k_range[1], n - 1) + 1))


def _cut(children: np.ndarray, n: int, k: int) -> np.ndarray:
    """Labels 0..k-1 from a merge tree (node n + m made by merge m), undoing the last k-1."""
    parent = np.arange(2 * n - 1)
    m = n - k
    parent[children[:m].ravel()] = np.repeat(np.arange(n, n + m), 2)
    root = parent
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return pd.factorize(root[:n])[0]


def _within_ss(z: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for c in np.unique(labels):
        part = z[labels == c]
        total += float(((part - part.mean(axis=0)) ** 2).sum())
    return total


class _Silhouette:
    """Silhouette scores of many labelings of the same rows, distances computed once."""

    def __init__(self, z: np.ndarray, seed: int) -> None:
        self.z, self.seed = z, seed
        self.d = None
        if len(z) <= 5000:
            from scipy.spatial.distance import pdist, squareform

            self.d = squareform(pdist(z))

    def __call__(self, labels: np.ndarray) -> float:
        k = int(labels.max()) + 1
        if k < 2:
            return float("nan")
        if self.d is None:
            from sklearn.metrics import silhouette_score

            return float(silhouette_score(self.z, labels, sample_size=5000,
                                          random_state=self.seed))
        onehot = np.zeros((len(labels), k))
        onehot[np.arange(len(labels)), labels] = 1.0
        sums = self.d @ onehot
        counts = onehot.sum(axis=0)
        rows = np.arange(len(labels))
        own = counts[labels] - 1
        a = np.divide(sums[rows, labels], own, out=np.zeros(len(labels)), where=own > 0)
        mean_other = sums / counts
        mean_other[rows, labels] = np.inf
        b = mean_other.min(axis=1)
        top = np.maximum(a, b)
        # a district alone in its group, or with a = b = 0 (identical rows), scores 0
        s = np.divide(b - a, top, out=np.zeros(len(labels)), where=(own > 0) & (top > 0))
        return float(s.mean())


# ------------------------------------------------------------------------ estimators
class _Profiled(ClusterMixin, BaseEstimator):
    """Ordering by severity, relabelling 1..k, profiles and word labels."""

    def _finish(self, X: pd.DataFrame, data: _Data, labels0: np.ndarray,
                population: np.ndarray | None) -> None:
        inds = [str(c) for c in X.columns]
        signs = _signs(inds, self.higher_is_worse)
        k = int(labels0.max()) + 1
        zmean = np.vstack([data.z[labels0 == c].mean(axis=0) for c in range(k)])
        sizes = np.bincount(labels0, minlength=k)
        # no indicator with a direction: no severity, groups numbered by size
        severity = (zmean * signs).sum(axis=1) / max(np.abs(signs).sum(), 1.0)
        order = np.lexsort((-sizes, -severity))  # most severe first, then the larger
        rank = np.empty(k, dtype=int)
        rank[order] = np.arange(1, k + 1)
        labels = np.full(len(X), -1, dtype=int)
        labels[data.keep] = rank[labels0]
        self.labels_ = labels
        self.k_ = k
        rows = []
        for c in order:
            members = labels0 == c
            row: dict[str, Any] = {"cluster": int(rank[c]), "size": int(sizes[c])}
            if population is not None:
                row["population"] = float(np.nansum(population[members]))
            row["severity"] = float(severity[c])
            for j, ind in enumerate(inds):
                row[ind] = float(data.raw[members, j].mean())
            for j, ind in enumerate(inds):
                row[f"{ind}_z"] = float(zmean[c, j])
            row["label_es"], row["label_en"] = _words(inds, zmean[c])
            rows.append(row)
        self.profiles_ = pd.DataFrame(rows).set_index("cluster")
        self.dropped_ = data.dropped
        self.imputed_ = data.imputed
        self.within_ss_ = _within_ss(data.z, labels0)


def _words(inds: list[str], zrow: np.ndarray) -> tuple[str, str]:
    idx = [j for j in np.argsort(-np.abs(zrow), kind="stable") if abs(zrow[j]) >= LABEL_THRESHOLD]
    idx = idx[:MAX_TERMS]
    if not idx:
        return "promedio", "average"
    es = [_terms(inds[j])[0 if zrow[j] > 0 else 1] for j in idx]
    en = [_terms(inds[j])[2 if zrow[j] > 0 else 3] for j in idx]
    return " · ".join(es), " · ".join(en)


class Typology(_Profiled):
    """District typologies on standardised indicators: k-means, Ward or Gaussian mixture.

    Parameters
    ----------
    method : {"kmeans", "ward", "gmm"}, default="kmeans"
    k : int or "auto", default="auto"
        Number of clusters; "auto" picks the best silhouette in ``k_range`` (the lowest
        BIC for "gmm").
    k_range : tuple of int, default=(3, 8)
        Inclusive range searched when ``k="auto"``.
    missing : {"drop", "median"}, default="drop"
        Rows with a missing value are left out (label -1) or the column median is used.
    higher_is_worse : mapping, optional
        Direction of each indicator for the severity order (default: the shipped catalog;
        indicators without a direction do not count towards severity; one in neither is an
        error).
    seed : int, default=0

    Attributes
    ----------
    labels_ : ndarray of int
        1..k by decreasing severity; -1 for rows left out.
    k_ : int
    scores_ : DataFrame
        One row per k tried: ``silhouette``, ``within_ss`` and ``bic`` (mixture).
    profiles_ : DataFrame
        Per cluster: size, severity, mean of each indicator in its units and in z,
        ``label_es``, ``label_en``.
    dropped_ : list
        Index labels of rows left out; ``imputed_`` counts imputed values per column.

    Examples
    --------
    >>> import geoprio
    >>> from geoprio.spatial.clustering import Typology
    >>> d = geoprio.load_districts()
    >>> t = Typology(k=4).fit(d[["poverty_2018", "stunting_u5_2019", "no_water_2017"]])
    >>> t.k_, sorted(set(t.labels_.tolist()))
    (4, [-1, 1, 2, 3, 4])
    """

    _methods = ("kmeans", "ward", "gmm")

    def __init__(self, *, method: str = "kmeans", k: int | str = "auto",
                 k_range: tuple[int, int] = (3, 8), missing: str = "drop",
                 higher_is_worse: Mapping[str, bool] | None = None, seed: int = 0) -> None:
        self.method = method
        self.k = k
        self.k_range = k_range
        self.missing = missing
        self.higher_is_worse = higher_is_worse
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: None = None, *,
            population: np.ndarray | None = None) -> Typology:
        """Cluster the rows of ``X`` (one column per indicator, original units)."""
        from threadpoolctl import threadpool_limits

        # one thread: on a few thousand rows, BLAS/OpenMP threads only cost (10-20x when
        # the cores are busy)
        with threadpool_limits(1):
            return self._fit(X, population)

    def _fit(self, X: pd.DataFrame, population: np.ndarray | None) -> Typology:
        if self.method not in self._methods:
            raise InputError(f"method must be one of {list(self._methods)}; got {self.method!r}")
        X = _as_frame(X)
        data = _prepare(X, self.missing)
        _check_k(self.k, self.k_range, len(data.z))
        ks = _ks(self.k, self.k_range, len(data.z))
        children = None
        if self.method == "ward":
            from sklearn.cluster import ward_tree

            children = ward_tree(data.z)[0]
        rows, fits = [], {}
        silhouette = _Silhouette(data.z, self.seed)
        for k in ks:
            labels, bic = self._fit_k(data.z, int(k), children)
            fits[k] = labels
            rows.append({"k": k, "silhouette": silhouette(labels),
                         "within_ss": _within_ss(data.z, labels), "bic": bic})
        self.scores_ = pd.DataFrame(rows).set_index("k")
        if self.k != "auto":
            best = self.k
        elif self.method == "gmm":
            best = int(self.scores_["bic"].idxmin())
        else:
            best = int(self.scores_["silhouette"].idxmax())
        pop = None if population is None else np.asarray(population, float)[data.keep]
        self._finish(X, data, fits[best], pop)
        return self

    def _fit_k(self, z: np.ndarray, k: int, children: np.ndarray | None
               ) -> tuple[np.ndarray, float]:
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit_predict(z), np.nan
        if self.method == "ward":
            return _cut(children, len(z), k), np.nan
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, n_init=3, random_state=self.seed).fit(z)
        return pd.factorize(gm.predict(z))[0], float(gm.bic(z))


class Zones(_Profiled):
    """Contiguous zones: Ward clustering constrained by contiguity, with a population floor.

    Every zone is one connected piece of the contiguity graph (islands count as joined to
    the nearest districts reported in ``contiguity_.patched``). Zones whose population is
    under ``min_population`` are merged, smallest first, into the contiguous neighbour
    zone whose merge adds the least within-zone sum of squares, until every zone reaches
    the floor; the merges are listed in ``merges_`` and ``k_`` is the final count.

    Parameters
    ----------
    k : int or "auto", default="auto"
        Zones before the population floor; "auto" takes the best silhouette in ``k_range``.
    k_range : tuple of int, default=(3, 12)
    min_population : float, optional
        Floor on the population of each zone (needs ``population`` in ``fit``).
    missing, higher_is_worse, seed
        As in :class:`Typology`.

    Attributes
    ----------
    labels_, k_, scores_, profiles_, dropped_, imputed_, within_ss_
        As in :class:`Typology`.
    contiguity_ : Contiguity
        The weights used (re-patched after dropping rows with missing values).
    merges_ : list of dict
        Zones merged to reach the population floor.
    connected_ : bool
        Every zone checked to be one connected component.

    Examples
    --------
    >>> import geoprio
    >>> from geoprio.spatial.clustering import Zones
    >>> from geoprio.spatial.contiguity import queen_contiguity
    >>> d = geoprio.load_districts()
    >>> z = Zones(k=8).fit(d[["poverty_2018", "no_water_2017"]],
    ...                    connectivity=queen_contiguity(d))
    >>> z.k_, z.connected_
    (8, True)
    """

    def __init__(self, *, k: int | str = "auto", k_range: tuple[int, int] = (3, 12),
                 min_population: float | None = None, missing: str = "drop",
                 higher_is_worse: Mapping[str, bool] | None = None, seed: int = 0) -> None:
        self.k = k
        self.k_range = k_range
        self.min_population = min_population
        self.missing = missing
        self.higher_is_worse = higher_is_worse
        self.seed = seed

    def fit(self, X: pd.DataFrame, y: None = None, *, connectivity: Contiguity,
            population: np.ndarray | None = None) -> Zones:
        """Build zones from ``X`` (indicators) and ``connectivity`` (same rows, same order)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            return self._fit(X, connectivity, population)

    def _fit(self, X: pd.DataFrame, connectivity: Contiguity,
             population: np.ndarray | None) -> Zones:
        from sklearn.cluster import ward_tree

        X = _as_frame(X)
        if not isinstance(connectivity, Contiguity) or connectivity.n != len(X):
            raise InputError(f"connectivity must be a Contiguity of the same {len(X)} rows; "
                             f"got {connectivity!r}")
        floor = self.min_population
        if floor is not None and (population is None or not floor > 0):
            raise InputError("min_population needs a positive floor and a population array; "
                             f"got min_population={floor!r}, population={type(population)}")
        data = _prepare(X, self.missing)
        _check_k(self.k, self.k_range, len(data.z))
        w = connectivity if data.keep.all() else connectivity.subset(data.keep)
        self.contiguity_ = w
        adj = w.adjacency.astype(np.float64)
        children = ward_tree(data.z, connectivity=adj)[0]
        n = len(data.z)
        ks = _ks(self.k, self.k_range, n)
        rows, fits = [], {}
        silhouette = _Silhouette(data.z, self.seed)
        for k in ks:
            labels = _cut(children, n, int(k))
            fits[k] = labels
            rows.append({"k": k, "silhouette": silhouette(labels),
                         "within_ss": _within_ss(data.z, labels)})
        self.scores_ = pd.DataFrame(rows).set_index("k")
        best = self.k if self.k != "auto" else int(self.scores_["silhouette"].idxmax())
        labels = fits[best]
        pop = None
        self.merges_: list[dict[str, Any]] = []
        if population is not None:
            pop = np.nan_to_num(np.asarray(population, dtype=float)[data.keep], nan=0.0)
        if floor is not None:
            labels = self._apply_floor(labels, data.z, adj, pop, float(floor))
        self.connected_ = bool(_all_connected(adj, labels))
        if not self.connected_:  # cannot happen with a connected graph; say so if it does
            logger.warning("zones: some zone is not one connected piece")
        self._finish(X, data, labels, pop)
        return self

    def _apply_floor(self, labels: np.ndarray, z: np.ndarray, adj: sp.csr_matrix,
                     pop: np.ndarray, floor: float) -> np.ndarray:
        labels = labels.copy()
        while True:
            k = int(labels.max()) + 1
            pops = np.bincount(labels, weights=pop, minlength=k)
            under = np.flatnonzero(pops < floor)
            if under.size == 0 or k == 1:
                break
            small = int(under[np.argmin(pops[under])])
            members = np.flatnonzero(labels == small)
            nb = np.unique(labels[adj[members].indices])
            nb = nb[nb != small]
            sizes = np.bincount(labels, minlength=k)
            means = np.vstack([z[labels == c].mean(axis=0) for c in nb])
            gap = ((means - z[members].mean(axis=0)) ** 2).sum(axis=1)
            cost = sizes[nb] * sizes[small] / (sizes[nb] + sizes[small]) * gap
            into = int(nb[np.argmin(cost)])
            self.merges_.append({"zone_population": float(pops[small]),
                                 "size": int(sizes[small]), "merged_into_size": int(sizes[into])})
            labels[labels == small] = into
            labels = pd.factorize(labels)[0]
        return labels


def _all_connected(adj: sp.csr_matrix, labels: np.ndarray) -> bool:
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if connected_components(adj[members][:, members], directed=False)[0] != 1:
            return False
    return True


def _as_frame(X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2:
        raise InputError(f"X must be a table (rows x indicators); got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])


# ------------------------------------------------------------------------ front door
@dataclass(eq=False)
class ClusterResult:
    """Diagnostics of :func:`cluster`.

    Attributes
    ----------
    method : str
    indicators : list of str
    k : int
        Clusters (zones) in the result.
    estimator : Typology or Zones
        The fitted estimator.
    profiles : DataFrame
        One row per cluster, 1 = most severe (see :class:`Typology`).
    scores : DataFrame
        The k-selection curve (silhouette, within-cluster sum of squares, BIC).
    dropped : list of str
        Districts left out for missing values; ``imputed`` counts median-imputed values.
    patched : dict of str to list of str
        Zones only: districts joined to neighbours by distance.
    merges : list of dict
        Zones only: merges made to reach the population floor.
    summary_es, summary_en : str
    """

    method: str
    indicators: list[str]
    k: int
    estimator: Typology | Zones
    profiles: pd.DataFrame
    scores: pd.DataFrame
    dropped: list[str]
    imputed: dict[str, int]
    missing: str
    patched: dict[str, list[str]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    summary_es: str = ""
    summary_en: str = ""

    def __repr__(self) -> str:
        cols = ["size", "severity", "label_es"]
        table = self.profiles[cols].to_string(float_format=lambda v: f"{v:.2f}")
        extra = f", patched={sorted(self.patched)}" if self.patched else ""
        return (f"ClusterResult(method={self.method!r}, k={self.k}, indicators={self.indicators}, "
                f"dropped={len(self.dropped)}, missing={self.missing!r}{extra})\n{table}")


@renamed(weights='spatial_weights')
def cluster(
    districts: pd.DataFrame,
    indicators: Sequence[str],
    *,
    method: str = "kmeans",
    k: int | str = "auto",
    contiguous: bool = False,
    min_population: float | None = None,
    population: str = "pop_2020",
    missing: str = "drop",
    k_range: tuple[int, int] | None = None,
    higher_is_worse: Mapping[str, bool] | None = None,
    seed: int = 0,
    spatial_weights: Contiguity | None = None,
    id_column: str = "ubigeo",
    catalog: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, ClusterResult]:
    """Typologies or contiguous zones of districts on chosen indicators.

    Parameters
    ----------
    districts : pandas.DataFrame or geopandas.GeoDataFrame
        One row per district; zones need polygons (a GeoDataFrame).
    indicators : list of str
        Columns to cluster on, standardised (z-scores on the rows used).
    method : {"kmeans", "ward", "gmm", "zones"}, default="kmeans"
        "zones" (or "ward" with ``contiguous=True``) builds contiguous zones.
    k : int or "auto", default="auto"
        Number of clusters, or chosen by silhouette (BIC for "gmm") over ``k_range``.
    contiguous : bool, default=False
        Ask for contiguous zones (only with "ward" or "zones").
    min_population : float, optional
        Zones only: floor on the population of each zone.
    population : str, default="pop_2020"
        Column with the population (zone floor; cluster totals when present).
    missing : {"drop", "median"}, default="drop"
        Rows with a missing indicator are left out (cluster missing) or imputed with the
        column median; either way the result reports it.
    k_range : tuple of int, optional
        Range searched when ``k="auto"``: (3, 8) for typologies, (3, 12) for zones
        (silhouette favours the fewest groups, and two groups rarely help a plan).
    higher_is_worse : mapping, optional
        Direction per indicator for the severity order (True: a higher value is worse;
        None: no direction), before the catalog's.
    seed : int, default=0
    spatial_weights : Contiguity, optional
        Precomputed contiguity of ``districts`` for zones.
    id_column : str, default="ubigeo"
    catalog : DataFrame, optional
        Directions of the indicators (``id``, ``higher_is_worse``): the shipped catalog by
        default; pass the app's (with uploaded indicators) so that an uploaded coverage
        (higher is better) numbers its worst group 1. An indicator whose direction is in
        neither is an error: the order of the groups is never guessed.

    Returns
    -------
    frame : DataFrame
        A copy of ``districts`` with ``cluster`` (or ``zone``) numbered 1..k by decreasing
        severity (missing for rows left out), and ``cluster_es``/``cluster_en`` (or
        ``zone_es``/``zone_en``) naming the profile.
    result : ClusterResult

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> frame, result = geoprio.cluster(d, ["poverty_2018", "stunting_u5_2019"], k=3)
    >>> int(frame["cluster"].max()), len(result.profiles)
    (3, 3)
    """
    if method not in CLUSTER_METHODS:
        raise InputError(f"method must be one of {list(CLUSTER_METHODS)}; got {method!r}")
    if not isinstance(districts, pd.DataFrame):
        raise TypeError(f"districts must be a DataFrame; got {type(districts).__name__}")
    if isinstance(indicators, str) or not len(indicators):
        raise InputError(f"indicators must be a non-empty list of columns; got {indicators!r}")
    inds = list(indicators)
    unknown = [c for c in inds if c not in districts.columns]
    if unknown:
        raise InputError(f"indicators {unknown} are not columns of districts")
    if id_column not in districts.columns:
        raise InputError(f"id_column={id_column!r} is not a column of districts")
    higher_is_worse = directions(inds, catalog, higher_is_worse)
    zones = method == "zones" or contiguous
    if contiguous and method not in ("ward", "zones"):
        raise InputError(f"contiguous=True works with method 'ward' or 'zones'; got {method!r}")
    if min_population is not None and not zones:
        raise InputError("min_population applies to contiguous zones: use method='zones'")
    pop = None
    if population in districts.columns:
        pop = pd.to_numeric(districts[population], errors="coerce").to_numpy(dtype=float)
    elif min_population is not None:
        raise InputError(f"population={population!r} is not a column of districts")
    X = districts[inds].set_axis(districts[id_column].astype(str).to_numpy())
    if zones:
        if spatial_weights is None:
            spatial_weights = queen_contiguity(districts, id_column=id_column)
        est: Typology | Zones = Zones(
            k=k, k_range=k_range or (3, 12), min_population=min_population, missing=missing,
            higher_is_worse=higher_is_worse, seed=seed,
        ).fit(X, connectivity=spatial_weights, population=pop)
    else:
        est = Typology(method=method, k=k, k_range=k_range or (3, 8), missing=missing,
                       higher_is_worse=higher_is_worse, seed=seed).fit(X, population=pop)
    col = "zone" if zones else "cluster"
    out = districts.copy()
    labels = pd.array(np.where(est.labels_ > 0, est.labels_, 0), dtype="Int64")
    labels[est.labels_ < 0] = pd.NA
    out[col] = labels
    for lang in ("es", "en"):
        names = np.empty(est.k_ + 1, dtype=object)
        names[est.profiles_.index.to_numpy()] = est.profiles_[f"label_{lang}"].to_numpy()
        out[f"{col}_{lang}"] = pd.array(names[np.maximum(est.labels_, 0)], dtype="string")
    patched = est.contiguity_.patched if zones else {}
    merges = est.merges_ if zones else []
    name = "zones" if zones else method
    es, en = _summary(est.profiles_, name, k, est)
    result = ClusterResult(
        method=name, indicators=inds, k=est.k_, estimator=est, profiles=est.profiles_,
        scores=est.scores_, dropped=[str(x) for x in est.dropped_], imputed=est.imputed_,
        missing=missing, patched=patched, merges=merges, summary_es=es, summary_en=en,
    )
    return out, result


def _summary(profiles: pd.DataFrame, method: str, k: Any, est: Any) -> tuple[str, str]:
    how_es = "elegido por BIC" if method == "gmm" and k == "auto" else (
        "elegido por silueta" if k == "auto" else "fijado")
    how_en = "chosen by BIC" if method == "gmm" and k == "auto" else (
        "chosen by silhouette" if k == "auto" else "set by the user")
    noun_es, noun_en = ("zonas contiguas", "contiguous zones") if method == "zones" else (
        "tipologías", "typologies")
    top = profiles.iloc[0]
    es = (f"{est.k_} {noun_es} ({method}, k {how_es}); la más severa (1) reúne "
          f"{int(top['size'])} distritos: {top['label_es']}.")
    en = (f"{est.k_} {noun_en} ({method}, k {how_en}); the most severe (1) has "
          f"{int(top['size'])} districts: {top['label_en']}.")
    if method == "zones" and est.merges_:
        es += f" {len(est.merges_)} zonas bajo el mínimo de población se unieron a una vecina."
        en += f" {len(est.merges_)} zones under the population floor were merged into a neighbour."
    return es, en
