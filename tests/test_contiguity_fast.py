"""Queen contiguity by sorted vertex keys (issue 24): the same weights by independent routes.

pygeoda (libgeoda's own Queen) and libpysal are the oracles of the links; the nearest-district
links that join islands are checked against a brute-force search over every centroid.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from lattice import grid
from scipy.sparse.csgraph import connected_components

from geoprio.errors import GeometryError
from geoprio.spatial.contiguity import _packed_vertices, queen_contiguity

BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "boundaries"


def pygeoda_queen(frame: gpd.GeoDataFrame) -> sp.csr_matrix:
    import pygeoda

    w = pygeoda.queen_weights(pygeoda.open(frame))
    rows = [(i, j) for i in range(len(frame)) for j in w.get_neighbors(i)]
    i, j = np.array(rows).T
    return sp.csr_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(len(frame),) * 2)


@pytest.mark.parametrize("layer", ["districts", "provinces", "departments"])
def test_queen_links_equal_pygeoda(layer, districts):
    frame = districts if layer == "districts" else gpd.read_file(BOUNDARIES / f"{layer}.gpkg")
    ids = "ubigeo" if "ubigeo" in frame.columns else frame.columns[0]
    ours = queen_contiguity(frame, id_column=ids)
    theirs = pygeoda_queen(frame)
    assert ours.queen.nnz == theirs.nnz > 0
    assert (ours.queen != theirs).nnz == 0


def test_district_vertices_are_sorted_in_stripes(districts):
    # 1,874 districts at 1 cm need more than 64 bits for vertex and district: the map is cut
    # in stripes of longitude, each sorted, and no vertex lands in two of them
    xy, part = shapely.get_coordinates(np.asarray(districts.geometry.values), return_index=True)
    stripes = _packed_vertices(xy, part, 11, 7, districts["ubigeo"].to_numpy())
    assert len(stripes) > 1
    assert sum(s.size for s in stripes) == part.size
    assert all((s[1:] >= s[:-1]).all() for s in stripes)
    distinct = sum(np.unique(s >> np.uint64(11)).size for s in stripes)
    assert distinct == np.unique(np.round(xy, 7) + 0.0, axis=0).shape[0]


@pytest.mark.parametrize("decimals", [7, 8, 12])
def test_every_key_route_matches_libpysal(districts, decimals):
    # 7: stripes of packed keys; 8: distinct vertices numbered by hashing int64 keys;
    # 12: the keys overflow and the rounded floats are hashed. Same links on a clean map.
    from libpysal.weights import Queen

    ref = Queen.from_dataframe(districts, use_index=False, silence_warnings=True)
    theirs = sp.csr_matrix(ref.sparse > 0, dtype=np.int8)
    ours = queen_contiguity(districts, decimals=decimals)
    assert (ours.queen != theirs).nnz == 0 and ours.queen.nnz == theirs.nnz


def brute_force_links(frame: gpd.GeoDataFrame, queen: sp.csr_matrix, k: int) -> dict:
    """Patch every cut-off part with distances to every centroid (no search pruning)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # centroid of geographic coordinates, on purpose
        cents = frame.geometry.centroid.to_crs("EPSG:32718")
    xy = np.column_stack([cents.x, cents.y])
    codes = frame["ubigeo"].astype(str).tolist()
    adj = queen.tolil()
    patched: dict[str, list[str]] = {}
    parts, comp = connected_components(queen, directed=False)
    while parts > 1:
        main = int(np.argmax(np.bincount(comp)))
        for c in sorted(set(comp.tolist()) - {main}):
            inside, outside = np.flatnonzero(comp == c), np.flatnonzero(comp != c)
            d = np.hypot(*(xy[inside, None, a] - xy[None, outside, a] for a in (0, 1)))
            for o in np.argsort(d.min(axis=0), kind="stable")[:k]:
                a, b = inside[np.argmin(d[:, o])], outside[o]
                adj[a, b] = adj[b, a] = 1
                patched.setdefault(codes[a], []).append(codes[b])
                patched.setdefault(codes[b], []).append(codes[a])
        parts, comp = connected_components(adj.tocsr(), directed=False)
    return patched


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 3])
def test_islands_of_random_subsets_join_their_nearest_districts(districts, seed, k):
    # a random third of the districts: about a hundred cut-off parts, some joined in a
    # second round; the pruned nearest-district search must pick what every centroid gives
    keep = np.random.default_rng(seed).random(len(districts)) < 0.35
    frame = districts[keep].reset_index(drop=True)
    w = queen_contiguity(frame, k=k)
    assert w.n_components > 50
    assert w.patched == brute_force_links(frame, w.queen, k)
    assert connected_components(w.adjacency, directed=False)[0] == 1


def test_subset_of_cached_centroids_equals_a_fresh_search(districts):
    whole = queen_contiguity(districts)
    _ = whole.centroids  # cached: subset() then searches every centroid
    keep = np.random.default_rng(7).random(len(districts)) < 0.5
    fresh = queen_contiguity(districts[keep])
    again = whole.subset(keep)
    assert fresh.patched == again.patched
    assert (fresh.adjacency != again.adjacency).nnz == 0


def test_projected_map_patches_like_the_geographic_one(districts):
    utm = queen_contiguity(districts.to_crs("EPSG:32718"))
    geo = queen_contiguity(districts)
    assert utm.islands == geo.islands == ["210103", "211302"]
    assert utm.patched == geo.patched


def test_a_coordinate_that_is_not_a_number_names_the_district():
    frame = grid(3)
    frame.loc[4, "geometry"] = shapely.Polygon([(1, 1), (2, 1), (np.nan, 2), (1, 2)])
    with pytest.raises(GeometryError, match=r"not numbers \(NaN\).*'000004'"):
        queen_contiguity(frame)
