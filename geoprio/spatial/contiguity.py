"""Queen contiguity of the districts, with islands and cut-off parts joined to neighbours.

Plain numpy and scipy, so that the first hot-spot map or zoning of a session costs well under
a second (libpysal takes 2 s to import; it is only touched when a caller asks for a ``W``).
:func:`queen_contiguity` finds Queen neighbours (a shared vertex) of a clean polygon coverage
from rounded vertex coordinates, then joins islands and disconnected parts to their nearest
districts (centroids in a projected CRS) and says which were patched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geoprio.errors import GeometryError, InputError

logger = logging.getLogger(__name__)

__all__ = ["PROJECTED_CRS", "Contiguity", "queen_contiguity"]

PROJECTED_CRS = "EPSG:32718"  # UTM 18S: metres over Peru, for nearest-centroid links


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
    >>> from geoprio.spatial.contiguity import queen_contiguity
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
