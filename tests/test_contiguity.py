"""Queen contiguity, islands and patched parts (geoprio.spatial.contiguity)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from lattice import lattice
from scipy.sparse.csgraph import connected_components

from geoprio.spatial.contiguity import queen_contiguity


@pytest.fixture(scope="module")
def grid_w():
    return queen_contiguity(lattice())


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


def test_lattice_queen_counts(grid_w):
    card = grid_w.cardinalities.reshape(10, 10)
    assert card[0, 0] == 3 and card[0, 5] == 5 and card[5, 5] == 8
    # 90 horizontal + 90 vertical + 2 * 81 diagonal links
    assert grid_w.adjacency.nnz // 2 == 342
    assert grid_w.islands == [] and grid_w.patched == {}


def test_real_map_matches_libpysal_queen(districts, real_w):
    from libpysal.weights import Queen

    ref = Queen.from_dataframe(districts, use_index=False, silence_warnings=True)
    theirs = sp.csr_matrix(ref.sparse, dtype=np.int8)
    theirs.data[:] = 1
    assert real_w.queen.shape == (1874, 1874)
    assert (real_w.queen != theirs).nnz == 0
    assert real_w.queen.nnz == theirs.nnz


def test_islands_of_lake_titicaca_are_joined_and_reported(districts, real_w):
    # Amantaní (210103) and Anapia (211302) are islands; the graph had 3 parts.
    assert real_w.islands == ["210103", "211302"]
    assert real_w.n_components == 3
    assert connected_components(real_w.adjacency, directed=False)[0] == 1
    # each island is linked to the district with the nearest centroid (metres, UTM 18S)
    cent = districts.to_crs("EPSG:32718").geometry.centroid
    codes = districts["ubigeo"].tolist()
    for island in ("210103", "211302"):
        i = codes.index(island)
        dist = cent.distance(cent.iloc[i]).to_numpy(copy=True)
        dist[i] = np.inf
        nearest = codes[int(np.argmin(dist))]
        assert real_w.patched[island] == [nearest]
        assert island in real_w.patched[nearest]
    assert real_w.patched["210103"] == ["210105"]  # Capachica, across the water
    assert real_w.cardinalities[codes.index("210103")] == 1
    # with k=2 each island gets its two nearest districts
    two = queen_contiguity(districts, k=2)
    i = codes.index("210103")
    dist = cent.distance(cent.iloc[i]).to_numpy(copy=True)
    dist[i] = np.inf
    assert sorted(two.patched["210103"]) == sorted(codes[j] for j in np.argsort(dist)[:2])
    assert two.cardinalities[i] == 2


def test_subset_repatches_new_islands(grid_w):
    keep = np.ones(100, dtype=bool)
    keep[[1, 10, 11]] = False  # cell 0 loses its 3 neighbours
    sub = grid_w.subset(keep)
    assert sub.n == 97
    assert sub.islands == ["000000"]
    assert sub.patched["000000"] == ["000002"]  # nearest centroid at distance 2 (first)
    assert connected_components(sub.adjacency, directed=False)[0] == 1


def test_libpysal_view_has_same_neighbours(grid_w):
    w = grid_w.w
    assert sorted(w.neighbors["000000"]) == ["000001", "000010", "000011"]
    assert w.n == 100
