"""Contiguity, global Moran's I, Local Moran and Getis-Ord Gi* hot spots.

Everything here runs on plain numpy and scipy so that the first hot-spot map of a
session costs well under a second: libpysal (2 s to import) and esda (numba compile of
30-40 s on first use) are only touched when a caller asks for a ``libpysal`` ``W``.

- :func:`queen_contiguity` finds Queen neighbours (a shared vertex) of a clean polygon
  coverage from rounded vertex coordinates, then joins islands and disconnected parts to
  their nearest districts (centroids in a projected CRS) and says which were patched.
- :class:`Moran`, :class:`MoranLocal` and :class:`GetisOrdGiStar` follow esda's shape
  (``I``, ``Is``, ``q``, ``p_sim``...) with a vectorised conditional permutation test,
  pseudo p = (M + 1) / (R + 1), and Benjamini-Hochberg false discovery rate control.
- :func:`hotspots` is the front door: a new frame with label and p-value columns plus a
  :class:`HotspotResult` with a short Spanish and English summary.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geoprio.errors import GeometryError, InputError

logger = logging.getLogger(__name__)

__all__ = [
    "Contiguity",
    "GetisOrdGiStar",
    "HotspotResult",
    "Moran",
    "MoranLocal",
    "fdr_mask",
    "hotspots",
    "queen_contiguity",
]

PROJECTED_CRS = "EPSG:32718"  # UTM 18S: metres over Peru, for nearest-centroid links
HOTSPOT_METHODS = ("local_moran", "gi_star")
_QUADS = np.array(["ns", "HH", "LH", "LL", "HL"])

# Short names of the shipped indicators for sentences (the catalog's labels are longer).
_NAMES: dict[str, tuple[str, str]] = {
    "stunting_u5_2019": ("desnutrición crónica infantil", "child stunting"),
    "anemia_6_35m_2019": ("anemia en niños de 6 a 35 meses", "anaemia in children 6-35 months"),
    "poverty_2018": ("pobreza monetaria", "monetary poverty"),
    "extreme_poverty_2013": ("pobreza extrema", "extreme poverty"),
    "hdi_2019": ("IDH", "HDI"),
    "food_vulnerability": ("vulnerabilidad alimentaria", "food vulnerability"),
    "no_water_2017": ("hogares sin agua de red", "households without piped water"),
    "no_sewer_2017": ("hogares sin desagüe", "households without sewer"),
    "no_electricity_2017": ("hogares sin electricidad", "households without electricity"),
    "no_internet_2017": ("hogares sin internet", "households without internet"),
}


def display_names(indicator: str) -> tuple[str, str]:
    """Spanish and English names of an indicator for sentences.

    A built-in table of short names for the shipped indicators, then the catalog's labels,
    then the column name itself.
    """
    if indicator in _NAMES:
        return _NAMES[indicator]
    try:
        from geoprio.data import catalog

        cat = catalog()
        row = cat.loc[cat["id"] == indicator]
        if len(row):
            return _lower(row["label_es"].iloc[0]), _lower(row["label_en"].iloc[0])
    except Exception:  # the catalog is optional here: fall back to the column name
        logger.debug("catalog unavailable for %s", indicator)
    return indicator, indicator


def _lower(label: Any) -> str:
    """Lower-case the first letter for use inside a sentence, unless it is an acronym."""
    text = str(label)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


# --------------------------------------------------------------------------- contiguity
@dataclass(eq=False)
class Contiguity:
    """Binary symmetric contiguity of districts, islands joined to their nearest districts.

    Attributes
    ----------
    ids : ndarray of str
        District codes in row order.
    queen : scipy.sparse.csr_matrix
        Queen adjacency as found in the polygons (shared vertex), before patching.
    adjacency : scipy.sparse.csr_matrix
        ``queen`` plus the nearest-neighbour links that join every part into one graph.
    patched : dict of str to list of str
        Districts given extra links (by centroid distance) and the districts they were
        linked to; both ends of a link are listed.
    islands : list of str
        Districts with no Queen neighbour.
    n_components : int
        Connected parts of the Queen graph before patching.
    centroids : ndarray of shape (n, 2)
        District centroids in EPSG:32718 metres, used for the nearest-district links.
    k : int
        Nearest districts linked to each cut-off part.
    """

    ids: np.ndarray
    queen: sp.csr_matrix
    adjacency: sp.csr_matrix
    patched: dict[str, list[str]]
    islands: list[str]
    n_components: int
    geoms: np.ndarray = field(repr=False)
    crs: Any = field(default=None, repr=False)
    k: int = 1

    @cached_property
    def centroids(self) -> np.ndarray:
        """Centroids (x, y) in EPSG:32718 metres (as given if the CRS is not geographic)."""
        return _projected_centroids(self.geoms, self.crs)

    @property
    def n(self) -> int:
        """Number of districts."""
        return int(self.ids.size)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each district (after patching)."""
        return np.diff(self.adjacency.indptr)

    @cached_property
    def w(self) -> Any:
        """The adjacency as a ``libpysal.weights.W`` keyed by district code (binary)."""
        from libpysal.weights import W

        a = self.adjacency
        neighbors = {
            self.ids[i]: [self.ids[j] for j in a.indices[a.indptr[i] : a.indptr[i + 1]]]
            for i in range(self.n)
        }
        return W(neighbors, id_order=list(self.ids), silence_warnings=True)

    def subset(self, keep: np.ndarray) -> Contiguity:
        """Contiguity among the districts where ``keep`` is true, re-patched.

        Dropping districts (for example those with a missing value) can leave new
        islands; they are joined to their nearest remaining districts and reported.
        """
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (self.n,):
            raise InputError(f"keep must have one flag per district ({self.n}); got {keep.shape}")
        queen = self.queen[keep][:, keep].tocsr()
        cents = self.__dict__.get("centroids")
        return _patched(
            self.ids[keep], queen, self.geoms[keep], self.crs, self.k,
            None if cents is None else cents[keep],
        )

    def __repr__(self) -> str:
        card = self.cardinalities
        return (
            f"Contiguity(n={self.n}, links={self.adjacency.nnz // 2}, "
            f"mean_neighbors={card.mean():.2f}, islands={self.islands}, "
            f"queen_components={self.n_components}, patched={sorted(self.patched)})"
        )


def queen_contiguity(
    districts: Any, *, id_column: str = "ubigeo", k: int = 1, decimals: int | None = None
) -> Contiguity:
    """Queen contiguity of a clean polygon coverage, with islands joined to neighbours.

    Two districts are neighbours when they share at least one vertex (coordinates rounded
    to ``decimals``), the rule of libpysal's ``Queen`` on a noded coverage such as
    geoprio's boundaries. Districts or groups cut off from the rest (Amantaní and Anapia
    in Lake Titicaca) are then linked to the ``k`` nearest districts outside their part,
    by centroid distance in EPSG:32718 (metres), until the graph is connected.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        Polygons, one row per district.
    id_column : str, default="ubigeo"
        Column with the district codes used in reports.
    k : int, default=1
        Nearest districts linked to each cut-off part.
    decimals : int, optional
        Rounding of coordinates before matching vertices; default 7 for degrees
        (about 1 cm), 2 for projected coordinates.

    Returns
    -------
    Contiguity

    Examples
    --------
    >>> import geoprio
    >>> from geoprio.spatial import queen_contiguity
    >>> w = queen_contiguity(geoprio.load_districts())
    >>> w.islands
    ['210103', '211302']
    """
    import shapely

    geoms = _check_districts(districts, id_column)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise InputError(f"k must be a positive integer; got {k!r}")
    crs = districts.crs
    if decimals is None:
        decimals = 2 if (crs is not None and crs.is_projected) else 7
    xy, part = shapely.get_coordinates(geoms, return_index=True)
    q = np.round(xy, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    vcode, _ = pd.factorize(q[:, 0] + 1j * q[:, 1])  # one code per distinct vertex
    n = len(geoms)
    inc = sp.csr_matrix(
        (np.ones(vcode.size, dtype=np.int32), (part, vcode)), shape=(n, int(vcode.max()) + 1)
    )
    inc.data[:] = 1  # repeated vertices of one polygon (ring closure) count once
    queen = (inc @ inc.T).tocsr()
    queen.setdiag(0)
    queen.eliminate_zeros()
    queen.data[:] = 1
    queen = queen.astype(np.int8)
    ids = np.asarray(districts[id_column].astype(str).to_numpy(), dtype=object)
    return _patched(ids, queen, geoms, crs, int(k))


def _check_districts(districts: Any, id_column: str) -> np.ndarray:
    import geopandas as gpd

    if not isinstance(districts, gpd.GeoDataFrame):
        raise TypeError(
            f"districts must be a geopandas.GeoDataFrame; got {type(districts).__name__}"
        )
    if id_column not in districts.columns:
        raise InputError(
            f"id_column={id_column!r} is not a column of districts; columns are "
            f"{list(districts.columns)[:12]}"
        )
    geoms = districts.geometry.values
    if len(geoms) < 2:
        raise GeometryError(f"contiguity needs at least 2 polygons; got {len(geoms)}")
    empty = np.asarray(districts.geometry.is_empty | districts.geometry.isna())
    if empty.any():
        bad = districts[id_column].astype(str).to_numpy()[empty][:5].tolist()
        raise GeometryError(f"{int(empty.sum())} districts have no geometry, e.g. {bad}")
    return np.asarray(geoms)


@lru_cache(maxsize=8)
def _transformer(wkt: str) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(wkt, PROJECTED_CRS, always_xy=True)


def _projected_centroids(geoms: np.ndarray, crs: Any) -> np.ndarray:
    """Centroids in EPSG:32718 metres (input coordinates when the CRS is not geographic).

    Centroids are taken in the input coordinates and then projected: for districts the
    difference from projecting the polygons first is a few metres, and it is 10x faster.
    """
    import shapely

    xy = shapely.get_coordinates(shapely.centroid(geoms))
    if crs is not None and crs.is_geographic:
        tr = _transformer(crs.to_wkt())
        xy = np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    return xy


def _patched(
    ids: np.ndarray,
    queen: sp.csr_matrix,
    geoms: np.ndarray,
    crs: Any,
    k: int,
    cents: np.ndarray | None = None,
) -> Contiguity:
    """Join every part of ``queen`` other than the largest to its nearest districts."""
    card = np.diff(queen.indptr)
    islands = [str(ids[i]) for i in np.flatnonzero(card == 0)]
    n_comp, comp = connected_components(queen, directed=False)
    adjacency = queen.tolil(copy=True) if n_comp > 1 else queen
    patched: dict[str, list[str]] = {}
    if n_comp > 1 and cents is None:
        cents = _projected_centroids(geoms, crs)
    parts = n_comp
    while parts > 1:
        sizes = np.bincount(comp)
        main = int(np.argmax(sizes))
        for c in range(parts):
            if c == main:
                continue
            inside = np.flatnonzero(comp == c)
            outside = np.flatnonzero(comp != c)
            d = np.hypot(
                cents[inside, None, 0] - cents[None, outside, 0],
                cents[inside, None, 1] - cents[None, outside, 1],
            )
            best = d.min(axis=0)
            for o in np.argsort(best, kind="stable")[: min(k, outside.size)]:
                a, b = int(inside[np.argmin(d[:, o])]), int(outside[o])
                adjacency[a, b] = 1
                adjacency[b, a] = 1
                patched.setdefault(str(ids[a]), []).append(str(ids[b]))
                patched.setdefault(str(ids[b]), []).append(str(ids[a]))
        parts, comp = connected_components(adjacency.tocsr(), directed=False)
    adjacency = sp.csr_matrix(adjacency, dtype=np.int8)
    if patched:
        logger.info("contiguity: joined %d cut-off parts by nearest centroid: %s",
                    n_comp - 1, patched)
    result = Contiguity(
        ids=ids, queen=sp.csr_matrix(queen, dtype=np.int8), adjacency=adjacency,
        patched=patched, islands=islands, n_components=int(n_comp), geoms=geoms, crs=crs, k=k,
    )
    if cents is not None:
        result.__dict__["centroids"] = cents
    return result


# ---------------------------------------------------------------- permutation machinery
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


def _check_inference(permutations: Any, alpha: Any, alternative: str = "directed") -> None:
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative must be one of {list(ALTERNATIVES)}; got {alternative!r}")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 0:
        raise InputError(f"permutations must be a non-negative integer (e.g. 999); "
                         f"got {permutations!r}")
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"alpha must be a number between 0 and 1 (e.g. 0.05); got {alpha!r}")


def _draw_ids(rng: np.random.Generator, n_other: int, kmax: int, reps: int) -> np.ndarray:
    """``reps`` rows of ``kmax`` distinct integers drawn uniformly from ``range(n_other)``."""
    if kmax == 0:
        return np.zeros((reps, 0), dtype=np.int64)
    if 4 * kmax > n_other:
        return np.argsort(rng.random((reps, n_other)), axis=1)[:, :kmax]
    ids = rng.integers(0, n_other, size=(reps, kmax))
    while True:  # rejection of rows with a repeat keeps every ordered draw equally likely
        s = np.sort(ids, axis=1)
        bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
        if not bad.any():
            return ids
        ids[bad] = rng.integers(0, n_other, size=(int(bad.sum()), kmax))


def _conditional_sums(
    x: np.ndarray, degree: np.ndarray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Sums of ``degree[i]`` values drawn without replacement from x without x[i].

    Conditional randomisation as in esda: one set of draws per permutation, shared by all
    sites, with the indices at or after ``i`` shifted by one so that ``i`` is never drawn.
    Sites are processed in blocks of equal degree, all permutations at once.
    """
    n = x.size
    out = np.zeros((n, permutations))
    kmax = int(degree.max())
    rids = _draw_ids(rng, n - 1, kmax, permutations)
    budget = 1 << 21
    for k in np.unique(degree[degree > 0]):
        members = np.flatnonzero(degree == k)
        r = rids[None, :, :k]
        step = max(1, budget // (permutations * int(k)))
        for s in range(0, members.size, step):
            ii = members[s : s + step, None, None]
            out[ii[:, 0, 0]] = x[r + (r >= ii)].sum(axis=2)
    return out


ALTERNATIVES = ("directed", "two-sided")


def _folded_p(sim: np.ndarray, observed: np.ndarray, alternative: str = "directed"
              ) -> np.ndarray:
    """Pseudo p-value (M + 1) / (R + 1).

    "directed" is esda's and GeoDa's: M counted in the tail the observed value falls in
    (a one-sided test in the observed direction). "two-sided" doubles the smaller tail,
    capped at 1, so that ``alpha`` is the real two-sided level.
    """
    reps = sim.shape[-1]
    larger = (sim >= observed[..., None]).sum(axis=-1)
    if alternative == "two-sided":
        smaller = (sim <= observed[..., None]).sum(axis=-1)
        return np.minimum(1.0, 2.0 * (np.minimum(larger, smaller) + 1.0) / (reps + 1.0))
    low = (reps - larger) < larger
    larger = np.where(low, reps - larger, larger)
    return (larger + 1.0) / (reps + 1.0)


def fdr_mask(p: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg: which p-values are significant, and the adjusted p-values.

    Missing p-values are ignored (never significant, adjusted value NaN).

    Examples
    --------
    >>> mask, adjusted = fdr_mask(np.array([0.001, 0.02, 0.04, 0.5]), alpha=0.05)
    >>> mask.tolist()
    [True, True, False, False]
    """
    p = np.asarray(p, dtype=float)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    mask = np.zeros(p.shape, dtype=bool)
    adjusted = np.full(p.shape, np.nan)
    if m == 0:
        return mask, adjusted
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    below = np.flatnonzero(p[order] <= alpha * np.arange(1, m + 1) / m)
    if below.size:
        mask[order[: below[-1] + 1]] = True
    return mask, adjusted


def _significant(p: np.ndarray, alpha: float, fdr: bool) -> np.ndarray:
    if fdr:
        return fdr_mask(p, alpha)[0]
    return np.nan_to_num(p, nan=1.0) <= alpha


# ----------------------------------------------------------------------- statistics
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
        _check_inference(permutations, 0.05)
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
            rng = np.random.default_rng(seed)
            zp = rng.permuted(np.broadcast_to(z, (permutations, n)), axis=1)
            sim = n / s0 * np.einsum("ij,ji->i", zp, wr @ zp.T) / self.z2ss
            self.sim = sim
            self.p_sim = float(_folded_p(sim, np.asarray(self.I)))
            self.EI_sim, self.seI_sim = float(sim.mean()), float(sim.std())
            self.z_sim = (self.I - self.EI_sim) / self.seI_sim

    def __repr__(self) -> str:
        return (f"Moran(n={self.n}, I={self.I:.4f}, EI={self.EI:.4f}, z_norm={self.z_norm:.2f}, "
                f"p_sim={self.p_sim:.4f}, permutations={self.permutations})")


class _Local:
    """Shared inference and labelling of local statistics."""

    labels_: np.ndarray
    p_sim: np.ndarray
    n: int

    def _infer(self, sim: np.ndarray | None, observed: np.ndarray, degree: np.ndarray) -> None:
        if sim is None:
            self.p_sim = np.full(self.n, np.nan)
        else:
            self.p_sim = _folded_p(sim, observed, self.alternative)
            self.p_sim[degree == 0] = np.nan
            self.EI_sim, self.seI_sim = sim.mean(axis=1), sim.std(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                self.z_sim = (observed - self.EI_sim) / self.seI_sim
        self.sig, self.p_fdr = fdr_mask(self.p_sim, self.alpha)
        if not self.fdr:
            self.sig = np.nan_to_num(self.p_sim, nan=1.0) <= self.alpha

    def counts(self) -> dict[str, int]:
        """Number of districts per label."""
        values, counts = np.unique(self.labels_, return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}

    def __repr__(self) -> str:
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts().items()))
        return (f"{type(self).__name__}(n={self.n}, permutations={self.permutations}, "
                f"alpha={self.alpha}, fdr={self.fdr}, seed={self.seed})\n  {counts}")



def _local_setup(self: Any, y: Any, w: Any, permutations: int, seed: int, alpha: float,
                 fdr: bool, alternative: str) -> tuple[int, Any, np.ndarray]:
    """Shared start of the local statistics: check inputs, store settings; (n, adjacency,
    neighbour counts)."""
    _check_inference(permutations, alpha, alternative)
    self.y = _check_y(y)
    n = self.n = self.y.size
    self.permutations, self.seed, self.alpha, self.fdr = permutations, seed, alpha, fdr
    self.alternative = alternative
    a = _as_adjacency(w, n)
    return n, a, np.diff(a.indptr)

class MoranLocal(_Local):
    """Local Moran's I (LISA) with conditional permutation inference.

    Same statistic as esda's ``Moran_Local`` (row-standardised weights, ``Is`` equal to
    1e-12) computed without numba: the permutations for all districts are drawn at once.

    Parameters
    ----------
    y : array-like of float
        One finite value per district.
    w : Contiguity or scipy sparse matrix
        Binary contiguity, row-standardised here.
    permutations : int, default=999
    seed : int, default=0
    alpha : float, default=0.05
        Significance level applied to ``p_sim``.
    fdr : bool, default=True
        Apply Benjamini-Hochberg control of the false discovery rate at ``alpha``.
    alternative : {"directed", "two-sided"}, default="directed"
        "directed" is esda's and GeoDa's pseudo p-value (one-sided in the observed
        direction); "two-sided" doubles it (capped at 1).

    Attributes
    ----------
    Is : ndarray
        Local Moran values.
    q : ndarray of int
        Quadrant: 1 HH, 2 LH, 3 LL, 4 HL (esda's coding).
    p_sim : ndarray
        Pseudo p-values (M + 1) / (R + 1), see ``alternative``.
    p_fdr : ndarray
        Benjamini-Hochberg adjusted p-values.
    sig : ndarray of bool
        Significant at ``alpha`` (after FDR when ``fdr``).
    labels_ : ndarray of str
        "HH", "LL", "HL", "LH" where significant, else "ns".

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.diags([1.0] * 4, [-1, 1, -9, 9], shape=(10, 10))
    >>> lisa = MoranLocal(np.arange(10.0), ring, permutations=99)
    >>> lisa.q.tolist()  # 0 and 9 meet across the wrap: low-high and high-low
    [2, 3, 3, 3, 3, 1, 1, 1, 1, 4]
    """

    def __init__(self, y: Any, w: Any, *, permutations: int = 999, seed: int = 0,
                 alpha: float = 0.05, fdr: bool = True, alternative: str = "directed") -> None:
        n, a, degree = _local_setup(self, y, w, permutations, seed, alpha, fdr, alternative)
        inv_k = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
        self.z = (self.y - self.y.mean()) / self.y.std()
        self.den = float(self.z @ self.z)
        lag = (a @ self.z) * inv_k
        self.Is = (n - 1) * self.z * lag / self.den
        self.q = np.where(self.z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
        sim = None
        if permutations:
            rng = np.random.default_rng(seed)
            sums = _conditional_sums(self.z, degree, permutations, rng)
            sim = ((n - 1) / self.den) * (self.z * inv_k)[:, None] * sums
        self._infer(sim, self.Is, degree)
        self.labels_ = np.where(self.sig, _QUADS[self.q], "ns")


class GetisOrdGiStar(_Local):
    """Getis-Ord Gi* (the district itself included) with conditional permutation inference.

    Binary weights with a self link. ``Zs`` is the Ord-Getis z-score (equal to esda's
    ``G_Local(y, w, transform="B", star=True).Zs``); ``Gs`` is the share of the total
    held by the district and its neighbours. ``labels_`` is "hot" or "cold" where
    significant, else "ns". Parameters as :class:`MoranLocal`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.diags([1.0] * 4, [-1, 1, -9, 9], shape=(10, 10))
    >>> gi = GetisOrdGiStar(np.arange(10.0), ring, permutations=99)
    >>> int(np.argmax(gi.Zs)), int(np.argmin(gi.Zs))
    (8, 1)
    """

    def __init__(self, y: Any, w: Any, *, permutations: int = 999, seed: int = 0,
                 alpha: float = 0.05, fdr: bool = True, alternative: str = "directed") -> None:
        n, a, degree = _local_setup(self, y, w, permutations, seed, alpha, fdr, alternative)
        card = degree + 1.0
        local = a @ self.y + self.y
        mean, sd = self.y.mean(), self.y.std()
        self.Gs = local / self.y.sum()
        self.Zs = (local - mean * card) / (sd * np.sqrt((n * card - card**2) / (n - 1)))
        sim = None
        if permutations:
            rng = np.random.default_rng(seed)
            sim = _conditional_sums(self.y, degree, permutations, rng) + self.y[:, None]
        self._infer(sim, local, degree)
        self.labels_ = np.where(self.sig, np.where(self.Zs > 0, "hot", "cold"), "ns")


# ----------------------------------------------------------------------- front door
@dataclass(eq=False)
class HotspotResult:
    """What :func:`hotspots` found, with the diagnostics behind it.

    Attributes
    ----------
    method, indicator : str
    local : MoranLocal or GetisOrdGiStar
        The local statistic on the districts with a value.
    moran : Moran
        Global Moran's I of the indicator on the same districts.
    weights : Contiguity
        Contiguity used (after dropping missing values and re-patching).
    dropped : list of str
        Districts left out because the indicator is missing (not set to 0).
    counts : dict of str to int
        Districts per label.
    summary_es, summary_en : str
        One or two sentences for a report.
    """

    method: str
    indicator: str
    local: MoranLocal | GetisOrdGiStar
    moran: Moran
    weights: Contiguity
    dropped: list[str]
    counts: dict[str, int]
    summary_es: str
    summary_en: str

    @property
    def patched(self) -> dict[str, list[str]]:
        """Districts joined to neighbours by distance (islands, cut-off parts)."""
        return self.weights.patched

    def __repr__(self) -> str:
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return (
            f"HotspotResult(method={self.method!r}, indicator={self.indicator!r}, "
            f"n={self.local.n}, dropped={len(self.dropped)}, permutations="
            f"{self.local.permutations}, alpha={self.local.alpha}, fdr={self.local.fdr})\n"
            f"  {self.moran!r}\n  {counts}\n  patched: {sorted(self.patched)}\n"
            f"  {self.summary_en}"
        )


def hotspots(
    districts: Any,
    indicator: str,
    *,
    method: str = "local_moran",
    permutations: int = 999,
    alpha: float = 0.05,
    fdr: bool = True,
    seed: int = 0,
    alternative: str = "directed",
    weights: Contiguity | None = None,
    id_column: str = "ubigeo",
) -> tuple[Any, HotspotResult]:
    """Spatial clusters (Local Moran) or hot and cold spots (Gi*) of one indicator.

    Districts where the indicator is missing are dropped from the weights (never set to
    0), the weights are re-patched so that no district is left without neighbours, and
    the dropped codes are reported. The new frame gains three columns:
    ``hotspot_<indicator>`` ("HH", "LL", "HL", "LH" for Local Moran, "hot", "cold" for Gi*,
    "ns" when not significant, missing where the indicator is missing),
    ``hotspot_<indicator>_p`` (pseudo p-value) and ``hotspot_<indicator>_stat`` (local
    Moran's I or the Gi* z-score).

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        One row per district with polygons and the indicator column.
    indicator : str
        Column to analyse.
    method : {"local_moran", "gi_star"}, default="local_moran"
    permutations : int, default=999
        Conditional permutations for the pseudo p-values.
    alpha : float, default=0.05
        Significance level.
    fdr : bool, default=True
        Benjamini-Hochberg control of the false discovery rate at ``alpha``.
    seed : int, default=0
        Seed of the permutations: same seed, same map.
    alternative : {"directed", "two-sided"}, default="directed"
        Pseudo p-value as in esda and GeoDa (one-sided in the observed direction), or
        two-sided (doubled, stricter).
    weights : Contiguity, optional
        Precomputed :func:`queen_contiguity` of ``districts`` (same rows, same order).
    id_column : str, default="ubigeo"

    Returns
    -------
    frame : geopandas.GeoDataFrame
        A copy of ``districts`` with the three columns added.
    result : HotspotResult

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> frame, result = geoprio.hotspots(d, "stunting_u5_2019")
    >>> sorted(frame["hotspot_stunting_u5_2019"].dropna().unique())
    ['HH', 'HL', 'LH', 'LL', 'ns']
    """
    if method not in HOTSPOT_METHODS:
        raise InputError(f"method must be one of {list(HOTSPOT_METHODS)}; got {method!r}")
    _check_inference(permutations, alpha, alternative)
    geoms = _check_districts(districts, id_column)
    if not isinstance(indicator, str) or indicator not in districts.columns:
        raise InputError(f"indicator={indicator!r} is not a column of districts")
    values = pd.to_numeric(districts[indicator], errors="coerce").to_numpy(dtype=float)
    if weights is None:
        weights = queen_contiguity(districts, id_column=id_column)
    elif not isinstance(weights, Contiguity) or weights.n != len(geoms):
        raise InputError("weights must be a Contiguity built from these districts "
                         f"({len(geoms)} rows); got {weights!r}")
    keep = np.isfinite(values)
    ids = districts[id_column].astype(str).to_numpy()
    dropped = ids[~keep].tolist()
    if keep.sum() < 3:
        raise InputError(f"indicator={indicator!r} has {int(keep.sum())} values; need 3 or more")
    w = weights if keep.all() else weights.subset(keep)
    if dropped:
        logger.info("hotspots: %d districts without %s dropped from the weights: %s",
                    len(dropped), indicator, dropped[:10])
    y = values[keep]
    cls = MoranLocal if method == "local_moran" else GetisOrdGiStar
    local = cls(y, w, permutations=permutations, seed=seed, alpha=alpha, fdr=fdr,
                alternative=alternative)
    moran = Moran(y, w, permutations=permutations, seed=seed)
    stat = local.Is if method == "local_moran" else local.Zs

    out = districts.copy()
    label = np.full(len(ids), None, dtype=object)
    label[keep] = local.labels_
    col = f"hotspot_{indicator}"
    out[col] = pd.array(label, dtype="string")
    for suffix, arr in (("_p", local.p_sim), ("_stat", stat)):
        full = np.full(len(ids), np.nan)
        full[keep] = arr
        out[col + suffix] = full
    counts = local.counts()
    es, en = _summary(out, col, w, keep, indicator, method, local)
    result = HotspotResult(method, indicator, local, moran, w, dropped, counts, es, en)
    return out, result


_GROUPS = {
    "HH": ("alto-alto", "high-high"), "LL": ("bajo-bajo", "low-low"),
    "hot": ("caliente", "hot-spot"), "cold": ("frío", "cold-spot"),
}


def _summary(out: Any, col: str, w: Contiguity, keep: np.ndarray, indicator: str,
             method: str, local: MoranLocal | GetisOrdGiStar) -> tuple[str, str]:
    """Sentences naming the main departments of each significant group."""
    name_es, name_en = display_names(indicator)
    labels = local.labels_
    dept = out["department"].to_numpy()[keep] if "department" in out.columns else None
    fdr = " con FDR" if local.fdr else ""
    alpha = f"{local.alpha:g}"
    es_parts, en_parts = [], []
    for lab in (("HH", "LL") if method == "local_moran" else ("hot", "cold")):
        members = np.flatnonzero(labels == lab)
        if members.size == 0:
            continue
        sub = w.adjacency[members][:, members]
        pieces = connected_components(sub, directed=False)[0]
        g_es, g_en = _GROUPS[lab]
        where_es = where_en = ""
        if dept is not None:
            top = pd.Series(dept[members]).value_counts().head(3)
            items = [f"{d} ({c})" for d, c in top.items()]
            where_es = " en " + _join(items, "y")
            where_en = " in " + _join(items, "and")
        if method == "local_moran":
            word_es = "conglomerado" if pieces == 1 else "conglomerados"
            word_en = "cluster" if pieces == 1 else "clusters"
            art = "un" if pieces == 1 else str(pieces)
            es_parts.append(f"{members.size} distritos forman {art} {word_es} {g_es} de "
                            f"{name_es}{where_es}")
            art_en = "a" if pieces == 1 else str(pieces)
            en_parts.append(f"{members.size} districts form {art_en} {g_en} {word_en} of "
                            f"{name_en}{where_en}")
        else:
            punto = "puntos calientes" if lab == "hot" else "puntos fríos"
            es_parts.append(f"{members.size} distritos son {punto} de {name_es} "
                            f"({pieces} zonas){where_es}")
            en_parts.append(f"{members.size} districts are {g_en}s of {name_en} "
                            f"({pieces} areas){where_en}")
    tail_es = f" ({local.permutations} permutaciones, α = {alpha}{fdr})."
    fdr_en = " with FDR" if local.fdr else ""
    tail_en = f" ({local.permutations} permutations, α = {alpha}{fdr_en})."
    if not es_parts:
        return (f"Ningún distrito forma un conglomerado significativo de {name_es}{tail_es}",
                f"No district forms a significant cluster of {name_en}{tail_en}")
    return "; ".join(es_parts) + tail_es, "; ".join(en_parts) + tail_en


def _join(items: list[str], conj: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conj} {items[-1]}"
