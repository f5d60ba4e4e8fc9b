"""Moran's I, Local Moran, Gi* and the false discovery rate (geoprio.localstats)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from lattice import BLOCK, CORE, lattice, planted

from geoprio.contiguity import queen_contiguity
from geoprio.localstats import GetisOrdGiStar, Moran, MoranLocal, fdr_mask


@pytest.fixture(scope="module")
def grid_w():
    return queen_contiguity(lattice())


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


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
