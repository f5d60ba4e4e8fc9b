"""Contiguity, Moran's I, Local Moran and Gi* (geoprio.spatial)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from geoprio.errors import InputError
from geoprio.spatial import (
    GetisOrdGiStar,
    Moran,
    MoranLocal,
    fdr_mask,
    hotspots,
    queen_contiguity,
)

BLOCK = [r * 10 + c for r in range(3, 7) for c in range(3, 7)]  # 4x4 block in a 10x10 grid
CORE = [44, 45, 54, 55]  # its 4 cells whose 8 neighbours are all in the block


def lattice(values=None) -> gpd.GeoDataFrame:
    """A 10x10 grid of unit squares, row-major, without CRS."""
    boxes = [shapely.box(c, r, c + 1, r + 1) for r in range(10) for c in range(10)]
    frame = gpd.GeoDataFrame({"ubigeo": [f"{i:06d}" for i in range(100)]}, geometry=boxes)
    if values is not None:
        frame["x"] = values
    return frame


def planted() -> np.ndarray:
    y = np.random.default_rng(42).normal(size=100)
    y[BLOCK] += 4.0
    return y


@pytest.fixture(scope="module")
def grid_w():
    return queen_contiguity(lattice())


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


# ---------------------------------------------------------------- contiguity
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


# ---------------------------------------------------------------- statistics
def test_fdr_mask_by_hand():
    mask, adjusted = fdr_mask(np.array([0.001, 0.02, 0.04, 0.5]), alpha=0.05)
    assert mask.tolist() == [True, True, False, False]
    np.testing.assert_allclose(adjusted, [0.004, 0.04, 0.04 * 4 / 3, 0.5])
    mask, _ = fdr_mask(np.array([0.01, 0.04, 0.03, 0.005, np.nan]), alpha=0.05)
    assert mask.tolist() == [True, True, True, True, False]


def test_moran_on_a_line_by_hand():
    line = sp.diags([1.0, 1.0], [-1, 1], shape=(5, 5))
    m = Moran(np.array([1.0, 2, 3, 4, 5]), line, permutations=0)
    # z = -2..2; lag (row-standardised) = [-1, -1, 0, 1, 1]; sum z*lag = 6; z'z = 10
    assert pytest.approx(5 / 5 * 6 / 10) == m.I
    assert pytest.approx(-0.25) == m.EI


def test_global_moran_equals_esda(districts, real_w):
    import esda

    y = districts["poverty_2018"].to_numpy()
    ours = Moran(y, real_w, permutations=99)
    theirs = esda.Moran(y, real_w.w, permutations=0)
    assert pytest.approx(theirs.I, abs=1e-12) == ours.I
    assert ours.z_norm == pytest.approx(theirs.z_norm, rel=1e-9)
    assert ours.I > 0.5  # poverty is strongly clustered in Peru
    assert ours.p_sim == pytest.approx(0.01)  # (0 + 1) / (99 + 1)


def test_planted_high_high_block_is_found(grid_w):
    lisa = MoranLocal(planted(), grid_w, permutations=999, seed=0)
    hh = set(np.flatnonzero(lisa.labels_ == "HH"))
    assert set(CORE) <= hh <= set(BLOCK)
    assert (lisa.q[CORE] == 1).all()
    gi = GetisOrdGiStar(planted(), grid_w, permutations=999, seed=0)
    hot = set(np.flatnonzero(gi.labels_ == "hot"))
    assert set(CORE) <= hot <= set(BLOCK)


def test_nothing_significant_on_shuffled_values(grid_w):
    y = planted()
    shuffled = np.random.default_rng(0).permutation(y)
    assert MoranLocal(shuffled, grid_w, seed=0).sig.sum() == 0
    assert GetisOrdGiStar(shuffled, grid_w, seed=0).sig.sum() == 0
    runs_with_any, raw = 0, 0
    for s in range(20):
        ys = np.random.default_rng(s).permutation(y)
        runs_with_any += bool(MoranLocal(ys, grid_w, seed=s).sig.any())
        raw += int(MoranLocal(ys, grid_w, seed=s, fdr=False).sig.sum())
    assert runs_with_any <= 2  # FDR at 5%: at most a stray district in 2 of 20 maps
    assert raw > 100  # without FDR about 1 in 10 districts looks "significant"


def test_two_sided_doubles_the_directed_p_value(grid_w):
    directed = MoranLocal(planted(), grid_w, permutations=999, seed=1)
    two = MoranLocal(planted(), grid_w, permutations=999, seed=1, alternative="two-sided")
    np.testing.assert_allclose(two.p_sim, np.minimum(1, 2 * directed.p_sim), atol=1e-3 + 1e-12)
    assert two.sig.sum() <= directed.sig.sum()
    assert set(np.flatnonzero(two.labels_ == "HH")) <= set(BLOCK)


def test_permutations_are_seeded(grid_w):
    a = MoranLocal(planted(), grid_w, permutations=199, seed=3)
    b = MoranLocal(planted(), grid_w, permutations=199, seed=3)
    c = MoranLocal(planted(), grid_w, permutations=199, seed=4)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    np.testing.assert_array_equal(a.Is, c.Is)
    assert not np.array_equal(a.p_sim, c.p_sim)
    assert a.p_sim.min() == pytest.approx(1 / 200)


@pytest.mark.slow
def test_local_statistics_agree_with_esda(districts, real_w):
    import esda

    y = districts["poverty_2018"].to_numpy()
    ours = MoranLocal(y, real_w, permutations=9999, seed=0)
    theirs = esda.Moran_Local(y, real_w.w, permutations=9999, seed=0)
    np.testing.assert_allclose(ours.Is, theirs.Is, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours.q, theirs.q)
    assert np.corrcoef(ours.p_sim, theirs.p_sim)[0, 1] > 0.95
    assert np.abs(ours.p_sim - theirs.p_sim).max() < 0.03
    gi = GetisOrdGiStar(y, real_w, permutations=9999, seed=0)
    ref = esda.G_Local(y, real_w.w, transform="B", star=True, permutations=9999, seed=0)
    np.testing.assert_allclose(gi.Zs, ref.Zs, rtol=0, atol=1e-10)
    assert np.corrcoef(gi.p_sim, ref.p_sim)[0, 1] > 0.95


# ---------------------------------------------------------------- front door
def test_hotspots_on_the_real_map(districts, real_w):
    frame, result = hotspots(districts, "stunting_u5_2019", weights=real_w)
    missing = districts.loc[districts["stunting_u5_2019"].isna(), "ubigeo"].tolist()
    assert len(missing) == 9
    assert result.dropped == missing
    col = frame["hotspot_stunting_u5_2019"]
    assert col.isna().sum() == 9 and frame["hotspot_stunting_u5_2019_p"].isna().sum() == 9
    assert set(col.dropna()) <= {"HH", "LL", "HL", "LH", "ns"}
    assert result.counts["HH"] == int((col == "HH").sum())
    assert sum(result.counts.values()) == 1865
    assert "210103" in result.patched and "211302" in result.patched
    # the input is left as it was, rows in the same order
    assert "hotspot_stunting_u5_2019" not in districts.columns
    assert frame["ubigeo"].tolist() == districts["ubigeo"].tolist()
    top = (
        frame.loc[col == "HH", "department"].value_counts().index[0]
    )
    assert f"{result.counts['HH']} distritos forman" in result.summary_es
    assert top in result.summary_es and top in result.summary_en
    assert "desnutrición crónica infantil" in result.summary_es


def test_hotspots_gi_star_labels(grid_w):
    frame, result = hotspots(lattice(planted()), "x", method="gi_star", weights=grid_w)
    assert set(frame["hotspot_x"].iloc[CORE]) == {"hot"}
    np.testing.assert_allclose(frame["hotspot_x_stat"], result.local.Zs)
    assert result.summary_en.startswith(f"{result.counts['hot']} districts are hot-spots of x")


def test_hotspots_without_anything_significant_says_so():
    y = np.random.default_rng(0).permutation(planted())
    _, result = hotspots(lattice(y), "x")
    assert result.counts == {"ns": 100}
    assert result.summary_es.startswith("Ningún distrito forma un conglomerado significativo")


def test_hotspots_errors(grid_w):
    frame = lattice(planted())
    with pytest.raises(InputError, match=r"method must be one of \['local_moran', 'gi_star'\]"):
        hotspots(frame, "x", method="lisa")
    with pytest.raises(InputError, match="indicator='y' is not a column"):
        hotspots(frame, "y")
    with pytest.raises(InputError, match="alpha must be a number between 0 and 1"):
        hotspots(frame, "x", alpha=5)
    with pytest.raises(InputError, match="permutations must be a non-negative integer"):
        hotspots(frame, "x", permutations=-1)
    with pytest.raises(InputError, match="weights must be a Contiguity built from these"):
        hotspots(frame.iloc[:50], "x", weights=grid_w)
    with pytest.raises(TypeError, match=r"districts must be a geopandas\.GeoDataFrame"):
        hotspots(pd.DataFrame(frame.drop(columns="geometry")), "x")
    with pytest.raises(InputError, match=r"alternative must be one of \['directed', 'two-sided'\]"):
        hotspots(frame, "x", alternative="less")
    with pytest.raises(InputError, match="y is constant"):
        MoranLocal(np.ones(100), grid_w)
