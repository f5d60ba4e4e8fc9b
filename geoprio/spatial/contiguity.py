"""Queen contiguity of the districts, with islands and cut-off parts joined to neighbours.

Plain numpy and scipy, so that the first hot-spot map or zoning of a session costs well under
a second (libpysal takes 2 s to import; it is only touched when a caller asks for a ``W``).
:func:`queen_contiguity` finds Queen neighbours (a shared vertex) of a clean polygon coverage
from rounded vertex coordinates, then joins islands and disconnected parts to their nearest
districts (centroids in a projected CRS) and says which were patched.

How it is fast (issue 24: the 1,874 districts in less time than pygeoda's ``queen_weights``):
each vertex, rounded to an integer grid, is packed with its polygon in one 64-bit integer and
sorted (in a few stripes of x when both do not fit in 64 bits), so that the polygons met at
a vertex sit side by side; islands search only the districts whose bounding box may hold a
nearer centroid. ``benchmarks/bench_contiguity.py`` measures it against pygeoda and libpysal.
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
    ids = np.asarray(districts[id_column].astype(str).to_numpy(), dtype=object)
    queen = _shared_vertex_graph(xy, part, ids, decimals)
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
    import shapely

    geoms = np.asarray(districts.geometry.values)
    if len(geoms) < 2:
        raise GeometryError(f"contiguity needs at least 2 polygons; got {len(geoms)}")
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        bad = districts[id_column].astype(str).to_numpy()[empty][:5].tolist()
        raise GeometryError(f"{int(empty.sum())} districts have no geometry, e.g. {bad}")
    return geoms


def _vertex_ints(xy: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """Rounded x and y as unsigned offsets from their minimum, and their spans.

    ``np.round`` scales by ``10**decimals``, rounds to the nearest integer and scales back;
    the integers themselves tell the same vertices apart when they are below 2**50 (no two
    of them collapse when scaled back). Returns None when they are not (or a coordinate is
    not finite): the caller then hashes the rounded floats.
    """
    scale = 10.0 ** abs(decimals)
    ints, spans = [], []
    for c in (0, 1):
        v = xy[:, c] * scale if decimals >= 0 else xy[:, c] / scale
        np.rint(v, out=v)
        lo, hi = v.min(), v.max()
        if not (np.isfinite(lo) and np.isfinite(hi)) or max(-lo, hi) >= 2.0**50:
            return None
        v -= lo
        ints.append(v.astype(np.uint64))
        spans.append(int(hi - lo) + 1)
    return ints[0], ints[1], spans[0], spans[1]


def _rounded_vertex_keys(
    xy: np.ndarray, decimals: int, part: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """One code per distinct rounded vertex (hashing the rounded floats); slower route."""
    q = np.round(xy, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    codes, _ = pd.factorize(q[:, 0] + 1j * q[:, 1])
    if (codes < 0).any():
        bad = np.unique(part[codes < 0])
        raise GeometryError(
            f"{bad.size} districts have coordinates that are not numbers (NaN), e.g. "
            f"{[str(i) for i in ids[bad[:5]]]}; fix or drop their geometries"
        )
    return codes


_MAX_STRIPES = 8  # x stripes sorted apart so that vertex and polygon fit in 64 bits


def _packed_vertices(
    xy: np.ndarray, part: np.ndarray, bits: int, decimals: int, ids: np.ndarray
) -> list[np.ndarray]:
    """Sorted arrays of ``vertex << bits | polygon``, one vertex never in two arrays.

    The rounded vertex (x * y span + y) and the polygon are packed in one 64-bit integer
    when they fit, the map cut in a few stripes of x when they do not (1,874 districts at
    1 cm: three); else the distinct vertices are numbered by hashing, then packed.
    """
    found = _vertex_ints(xy, decimals)
    if found is not None:
        x, y, xspan, yspan = found
        for stripes in range(1, _MAX_STRIPES + 1):
            width = -(-xspan // stripes)
            if (width * yspan) << bits < 2**64:
                return _striped(x, y, part.astype(np.uint64), width, yspan, bits)
        if xspan * yspan < 2**62:
            key = (x * np.uint64(yspan) + y).view(np.int64)
        else:
            key = _rounded_vertex_keys(xy, decimals, part, ids)
    else:
        key = _rounded_vertex_keys(xy, decimals, part, ids)
    codes, _ = pd.factorize(key)
    packed = (codes.astype(np.int64) << bits) | part.astype(np.int64)
    packed.sort()
    return [packed]


def _striped(
    x: np.ndarray, y: np.ndarray, part: np.ndarray, width: int, yspan: int, bits: int
) -> list[np.ndarray]:
    """:func:`_packed_vertices` in stripes of x ``width`` wide, each sorted."""
    stripe = x // np.uint64(width)
    x -= stripe * np.uint64(width)
    x *= np.uint64(yspan)
    x += y
    x <<= np.uint64(bits)
    x |= part
    last = int(stripe.max())
    out = [x[stripe == s] for s in range(last + 1)] if last else [x]
    for packed in out:
        packed.sort()
    return out


def _shared_vertex_graph(
    xy: np.ndarray, part: np.ndarray, ids: np.ndarray, decimals: int
) -> sp.csr_matrix:
    """Binary adjacency of the polygons ``ids``: rows ``part`` that share a rounded vertex.

    Sorts each vertex packed with its polygon in one integer (each polygon then once per
    vertex, in order) and pairs the polygons met at each vertex: those one, two... places
    apart, until no vertex has that many.
    """
    n = ids.size
    bits = max(int(n - 1).bit_length(), 1)
    pairs = [_pairs_at_vertices(packed, bits, n)
             for packed in _packed_vertices(xy, part, bits, decimals, ids)]
    return _binary_symmetric(np.concatenate(pairs), n)


def _pairs_at_vertices(packed: np.ndarray, bits: int, n: int) -> np.ndarray:
    """Codes ``i * n + j`` (i < j) of the polygons met at one vertex, from sorted ``packed``."""
    packed = _distinct(packed)
    vertex = packed >> bits
    polygon = (packed & ((1 << bits) - 1)).astype(np.int64)
    pairs = [np.zeros(0, dtype=np.int64)]
    candidates = np.flatnonzero(vertex[1:] == vertex[:-1])
    step = 1
    while candidates.size:
        pairs.append(polygon[candidates] * n + polygon[candidates + step])
        step += 1
        candidates = candidates[candidates + step < vertex.size]
        candidates = candidates[vertex[candidates + step] == vertex[candidates]]
    return np.concatenate(pairs)


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """The values of a sorted array, each once."""
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _binary_symmetric(codes: np.ndarray, n: int) -> sp.csr_matrix:
    """CSR int8 matrix with ones at (i, j) and (j, i) for every ``i * n + j`` in ``codes``."""
    i, j = np.divmod(pd.unique(codes), n)  # hashing first: codes repeat once per vertex
    both = _distinct(np.sort(np.concatenate([i * n + j, j * n + i])))
    rows, cols = np.divmod(both, n)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix(
        (np.ones(both.size, dtype=np.int8), cols.astype(np.int32), indptr), shape=(n, n)
    )


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

    return _projected(shapely.get_coordinates(shapely.centroid(geoms)), crs)


def _projected(xy: np.ndarray, crs: Any) -> np.ndarray:
    """Points ``xy`` in EPSG:32718 metres when ``crs`` is geographic, else as they are."""
    if crs is not None and crs.is_geographic:
        tr = _transformer(crs.to_wkt())
        xy = np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    return xy


_RADIUS_BELOW = 6_330_000.0  # m: below a(1 - e^2), the smallest radius of curvature, of
# every ellipsoid in use (WGS84 6,335,439; International 1924, Bessel, Clarke: 6,334,8xx+)
_UTM_SCALE = 0.9996  # UTM's smallest scale factor: no projected distance is shorter than that
_DATUM_SLACK = 2_000.0  # m: more than any shift between the datums of geographic CRSs
_FIRST_GUESSES = 8  # districts whose centroids bound the search before it is pruned


class _CentroidSearch:
    """Projected centroids, computed only for the districts a nearest-link search can reach.

    A centroid lies in its polygon's bounding box, so a box farther from every centroid
    of a cut-off part than the k-th nearest district already found cannot hold one of the
    k nearest: its centroid is never computed. For geographic coordinates the gap is
    bounded below on the ellipsoid (latitude changes by at most 1/R radians a metre and
    longitude by 1/(R cos latitude)) and UTM 18S never shortens it by more than 0.9996;
    far from its central meridian (75 W) every centroid is computed, as before.
    """

    def __init__(self, geoms: np.ndarray, crs: Any, cents: np.ndarray | None) -> None:
        import shapely

        self.geoms, self.crs = geoms, crs
        self.done = cents is not None
        self.xy = cents if cents is not None else np.full((len(geoms), 2), np.nan)
        self.plane = np.full((len(geoms), 2), np.nan)  # centroids in input coordinates
        self.bounds = shapely.bounds(geoms)
        self.geographic = crs is not None and crs.is_geographic
        self.prune = not self.done and (not self.geographic or _near_utm18(self.bounds, crs))

    def at(self, idx: np.ndarray) -> np.ndarray:
        """Projected centroids of districts ``idx``, computed once each."""
        import shapely

        missing = idx[np.isnan(self.xy[idx, 0])]
        if missing.size:
            self.plane[missing] = shapely.get_coordinates(shapely.centroid(self.geoms[missing]))
            self.xy[missing] = _projected(self.plane[missing], self.crs)
        return self.xy[idx]

    def all(self) -> np.ndarray | None:
        """Every projected centroid, when the search has computed them all."""
        return self.xy if self.done or not np.isnan(self.xy[:, 0]).any() else None

    def candidates(self, inside: np.ndarray, outside: np.ndarray, k: int) -> np.ndarray:
        """The districts of ``outside`` (in order) that may be among the ``k`` nearest."""
        if not self.prune or outside.size <= _FIRST_GUESSES:
            return outside
        self.at(inside)
        dx, dy, lat = self._gaps(inside, outside)
        near = np.hypot(dx * np.cos(np.radians(lat)), dy) if self.geographic else np.hypot(dx, dy)
        keep = np.zeros(outside.size, dtype=bool)
        keep[np.argpartition(near.min(axis=0), _FIRST_GUESSES - 1)[:_FIRST_GUESSES]] = True
        first = self.at(outside[keep])
        here = self.xy[inside]
        d = np.hypot(here[:, None, 0] - first[None, :, 0], here[:, None, 1] - first[None, :, 1])
        reach = np.sort(d.min(axis=0))[min(k, first.shape[0]) - 1]
        keep |= self._within(dx, dy, lat, reach)
        return outside[keep]

    def _gaps(self, inside: np.ndarray, outside: np.ndarray) -> tuple[np.ndarray, ...]:
        """Gaps in x and y (input units) from each inside centroid to each outside box."""
        x, y = self.plane[inside, 0][:, None], self.plane[inside, 1][:, None]
        b = self.bounds[outside]
        dx = np.maximum(0.0, np.maximum(b[None, :, 0] - x, x - b[None, :, 2]))
        dy = np.maximum(0.0, np.maximum(b[None, :, 1] - y, y - b[None, :, 3]))
        return dx, dy, y

    def _within(self, dx: np.ndarray, dy: np.ndarray, lat: np.ndarray, reach: float) -> np.ndarray:
        """Outside boxes that some inside centroid may reach within ``reach`` metres."""
        if not self.geographic:
            return (np.hypot(dx, dy) <= reach * (1 + 1e-7) + 1e-7).any(axis=0)
        g = reach / _UTM_SCALE + _DATUM_SLACK
        band = np.minimum(np.abs(np.radians(lat)) + g / _RADIUS_BELOW, np.pi / 2)
        ok = _RADIUS_BELOW * np.radians(dy) <= g
        ok &= _RADIUS_BELOW * np.cos(band) * np.radians(dx) <= g
        return ok.any(axis=0)


def _near_utm18(bounds: np.ndarray, crs: Any) -> bool:
    """Whether degrees of longitude and latitude lie within 20 degrees of UTM 18S's meridian."""
    axes = getattr(crs, "axis_info", None) or []
    if not axes or any(a.unit_name != "degree" for a in axes):
        return False
    return bool(np.isfinite(bounds).all() and bounds[:, 0].min() >= -95.0
                and bounds[:, 2].max() <= -55.0 and bounds[:, 1].min() >= -70.0
                and bounds[:, 3].max() <= 70.0)


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
    adjacency = queen
    links: list[int] = []
    patched: dict[str, list[str]] = {}
    search = _CentroidSearch(geoms, crs, cents)
    parts = n_comp
    while parts > 1:
        for a, b in _nearest_links(comp, search, k):
            links.append(a * queen.shape[0] + b)
            patched.setdefault(str(ids[a]), []).append(str(ids[b]))
            patched.setdefault(str(ids[b]), []).append(str(ids[a]))
        extra = _binary_symmetric(np.asarray(links, dtype=np.int64), queen.shape[0])
        adjacency = queen + extra
        adjacency.data[:] = 1
        parts, comp = connected_components(adjacency, directed=False)
    adjacency = sp.csr_matrix(adjacency, dtype=np.int8)
    if patched:
        logger.info("contiguity: joined %d cut-off parts by nearest centroid: %s",
                    n_comp - 1, patched)
    result = Contiguity(
        ids=ids, queen=sp.csr_matrix(queen, dtype=np.int8), adjacency=adjacency,
        patched=patched, islands=islands, n_components=int(n_comp), geoms=geoms, crs=crs, k=k,
    )
    if search.all() is not None:
        result.__dict__["centroids"] = search.all()
    return result


def _nearest_links(
    comp: np.ndarray, search: _CentroidSearch, k: int
) -> list[tuple[int, int]]:
    """Links ``(inside, outside)`` from each part but the largest to its ``k`` nearest."""
    sizes = np.bincount(comp)
    main = int(np.argmax(sizes))
    links = []
    for c in range(sizes.size):
        if c == main:
            continue
        inside = np.flatnonzero(comp == c)
        outside = search.candidates(inside, np.flatnonzero(comp != c), k)
        here, there = search.at(inside), search.at(outside)
        d = np.hypot(
            here[:, None, 0] - there[None, :, 0],
            here[:, None, 1] - there[None, :, 1],
        )
        best = d.min(axis=0)
        for o in np.argsort(best, kind="stable")[: min(k, outside.size)]:
            links.append((int(inside[np.argmin(d[:, o])]), int(outside[o])))
    return links
