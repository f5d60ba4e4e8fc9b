"""Moran's I, Local Moran, Gi* and the false discovery rate (geoprio.spatial.localstats)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from lattice import BLOCK, CORE, grid, lattice, planted
from scipy.stats import false_discovery_control

from geoprio.errors import InputError
from geoprio.spatial.contiguity import queen_contiguity
from geoprio.spatial.localstats import (
    GetisOrdGiStar,
    Moran,
    MoranLocal,
    _tail_counts,
    conditional_draws,
    conditional_ids,
    fdr_mask,
)


@pytest.fixture(scope="module")
def grid_w():
    return queen_contiguity(lattice())


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


# ------------------------------------------------------------- false discovery rate
def test_fdr_mask_by_hand():
    mask, adjusted = fdr_mask(np.array([0.001, 0.02, 0.04, 0.5]), alpha=0.05)
    assert mask.tolist() == [True, True, False, False]
    np.testing.assert_allclose(adjusted, [0.004, 0.04, 0.04 * 4 / 3, 0.5])
    mask, _ = fdr_mask(np.array([0.01, 0.04, 0.03, 0.005, np.nan]), alpha=0.05)
    assert mask.tolist() == [True, True, True, True, False]
    # step-up: p(3) = 0.036 <= 3 x 0.05 / 4 = 0.0375 rejects p(2) = 0.03 > 0.025 with it
    mask, _ = fdr_mask(np.array([0.5, 0.036, 0.01, 0.03]), alpha=0.05)
    assert mask.tolist() == [False, True, True, True]


def test_fdr_mask_equality_at_the_cut_is_significant():
    # p(2) = 2 x 0.05 / 4 exactly (in binary too: 0.025 x 2 == 0.05): BH rejects at equality
    p = np.array([0.9, 0.025, 0.0125, 0.4])
    mask, adjusted = fdr_mask(p, alpha=0.05)
    assert adjusted[1] == 0.05 == false_discovery_control(p)[1]
    assert mask.tolist() == [False, True, True, False]
    # one step above the cut, the two smallest are no longer rejected
    mask, _ = fdr_mask(np.array([0.9, np.nextafter(0.025, 1), 0.0126, 0.4]), alpha=0.05)
    assert not mask.any()


@pytest.mark.parametrize("seed", range(6))
def test_fdr_mask_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(5, 400))
    # mostly null p-values plus a few small ones, rounded so that ties occur
    p = np.concatenate([rng.uniform(size=m), rng.uniform(0, 0.002, size=m // 10)]).round(3)
    rng.shuffle(p)
    adjusted = false_discovery_control(p)
    for alpha in (0.01, 0.05, 0.1, 0.2):
        mask, ours = fdr_mask(p, alpha)
        np.testing.assert_array_equal(ours, adjusted)
        np.testing.assert_array_equal(mask, adjusted <= alpha)
    # missing p-values are left out: m counts the others
    holes = p.copy()
    holes[::7] = np.nan
    mask, ours = fdr_mask(holes, 0.05)
    finite = np.isfinite(holes)
    np.testing.assert_array_equal(ours[finite], false_discovery_control(holes[finite]))
    assert np.isnan(ours[~finite]).all() and not mask[~finite].any()


# ------------------------------------------------------------ conditional permutation
def test_conditional_ids_never_hold_the_district_itself(districts, real_w):
    """On the real map (degrees 1 to 19): every district's drawn neighbours, checked."""
    degree = real_w.cardinalities
    n, kmax = real_w.n, int(degree.max())
    draws = conditional_draws(n, kmax, 2000, np.random.default_rng(0))
    assert draws.shape == (2000, kmax + 1)
    assert all(len(set(row)) == kmax + 1 for row in draws.tolist())
    x = districts["poverty_2018"].to_numpy()
    observed = real_w.adjacency @ x
    ge, le, _, _ = _tail_counts(x, degree, observed, draws)
    replaced = 0
    for i in range(n):
        ids = conditional_ids(draws, i, int(degree[i]))
        assert not (ids == i).any(), f"district {i} drew itself"
        s = np.sort(ids, axis=1)
        assert not (s[:, 1:] == s[:, :-1]).any(), f"district {i} drew a neighbour twice"
        replaced += int((draws[:, : degree[i]] == i).sum())
        # the counts the statistics use are those of exactly these draws
        sums = x[ids].sum(axis=1)
        tol = 1e-9 * np.abs(x - x.mean()).max() * kmax
        assert ge[i] == (sums >= observed[i] - tol).sum()
        assert le[i] == (sums <= observed[i] + tol).sum()
    assert replaced > 1000  # districts did come up among their own draws, and were replaced


def test_conditional_ids_are_uniform_over_the_others():
    # site 0 with k = 3 of n = 6: each of the C(5, 3) = 10 sets of others equally likely
    draws = conditional_draws(6, 3, 60_000, np.random.default_rng(1))
    ids = np.sort(conditional_ids(draws, 0, 3), axis=1)
    sets, counts = np.unique(ids, axis=0, return_counts=True)
    assert sets.tolist() == [list(c) for c in itertools.combinations(range(1, 6), 3)]
    # 6,000 expected per set; 4 standard deviations of a binomial(60,000, 0.1) = 294
    assert np.abs(counts - 6000).max() < 300


def _exact_p(x: np.ndarray, adjacency: sp.csr_matrix) -> np.ndarray:
    """Directed conditional-permutation p-values by enumerating every set of neighbours."""
    n = x.size
    out = np.empty(n)
    for i in range(n):
        nb = adjacency.indices[adjacency.indptr[i] : adjacency.indptr[i + 1]]
        obs = x[nb].sum()
        others = [j for j in range(n) if j != i]
        sums = np.array([x[list(c)].sum() for c in itertools.combinations(others, nb.size)])
        out[i] = min((sums >= obs - 1e-12).mean(), (sums <= obs + 1e-12).mean())
    return out


def test_local_p_values_match_full_enumeration():
    """A 4x4 grid: every set of k other districts enumerated (up to C(15, 8) = 6,435)."""
    four = queen_contiguity(grid(4))
    y = np.random.default_rng(3).normal(size=16)
    y[[1, 4, 5]] += 8.0  # corner 0's three neighbours are the highest: exact p = 1 / C(15, 3)
    exact = _exact_p(y, four.adjacency)
    lisa = MoranLocal(y, four, permutations=9999, runs=20, seed=0)
    gi = GetisOrdGiStar(y, four, permutations=9999, runs=20, seed=0)
    reps = 9999 * 20
    tol = 4 * np.sqrt(exact * (1 - exact) / reps) + 2 / reps
    assert (np.abs(lisa.p_sim - exact) <= tol).all(), np.abs(lisa.p_sim - exact) / tol
    assert (np.abs(gi.p_sim - exact) <= tol).all()
    assert exact[0] == pytest.approx(1 / 455) and lisa.sig[0]  # something to find


def test_a_district_whose_neighbours_are_all_others_gets_p_one():
    # the centre of a 3x3 grid touches the 8 others: every permutation redraws its own
    # neighbours, so its statistic is never extreme (ties count in both tails)
    three = queen_contiguity(grid(3))
    y = np.array([1.0, 2, 3, 4, 9, 5, 6, 7, 8])
    lisa = MoranLocal(y, three, permutations=999, runs=2)
    assert lisa.p_sim[4] == 1.0 and (lisa.p_runs_[:, 4] == 1.0).all()
    assert not lisa.sig[4]


# ------------------------------------------------------------------------ statistics


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
    lisa = MoranLocal(planted(), grid_w, seed=0)
    hh = set(np.flatnonzero(lisa.labels_ == "HH"))
    assert set(CORE) <= hh <= set(BLOCK)
    assert (lisa.q[CORE] == 1).all()
    assert lisa.stable_[CORE].all()
    gi = GetisOrdGiStar(planted(), grid_w, seed=0)
    hot = set(np.flatnonzero(gi.labels_ == "hot"))
    assert set(CORE) <= hot <= set(BLOCK)


def test_false_discoveries_are_rare_on_shuffled_values(grid_w):
    y = planted()
    maps_with_any, raw = 0, 0
    for s in range(20):
        ys = np.random.default_rng(s).permutation(y)
        maps_with_any += bool(MoranLocal(ys, grid_w, seed=s, permutations=999, runs=2).sig.any())
        raw += int(MoranLocal(ys, grid_w, seed=s, permutations=999, runs=2, fdr=False).sig.sum())
    assert maps_with_any <= 3  # FDR at 5% under the null: a stray district in about 1 map of 20
    assert raw > 100  # without FDR about 1 in 10 districts looks "significant"


def test_two_sided_doubles_the_directed_p_value(grid_w):
    directed = MoranLocal(planted(), grid_w, permutations=999, seed=1)
    two = MoranLocal(planted(), grid_w, permutations=999, seed=1, alternative="two-sided")
    np.testing.assert_allclose(two.p_sim, np.minimum(1, 2 * directed.p_sim), rtol=1e-12)
    assert two.sig.sum() <= directed.sig.sum()
    assert set(np.flatnonzero(two.labels_ == "HH")) <= set(BLOCK)


def test_permutations_are_seeded(grid_w):
    a = MoranLocal(planted(), grid_w, permutations=199, runs=3, seed=3)
    b = MoranLocal(planted(), grid_w, permutations=199, runs=3, seed=3)
    c = MoranLocal(planted(), grid_w, permutations=199, runs=3, seed=4)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    np.testing.assert_array_equal(a.Is, c.Is)
    assert not np.array_equal(a.p_sim, c.p_sim)
    assert a.p_sim.min() == pytest.approx(1 / (3 * 199 + 1))  # pooled over the 3 runs
    assert a.p_runs_.shape == (3, 100) and a.p_runs_.min() == pytest.approx(1 / 200)
    # the runs differ from each other (seeds spawned from 3), and the pool is their mean
    assert not np.array_equal(a.p_runs_[0], a.p_runs_[1])
    tails = (a.p_runs_ * 200 - 1).round()  # M of each run
    hh = a.p_sim < 0.05  # the observed tail is the same in every run there
    np.testing.assert_allclose(a.p_sim[hh], (tails.sum(axis=0)[hh] + 1) / (3 * 199 + 1))


def test_stability_is_the_share_of_runs_that_agree(districts, real_w):
    y = districts["anemia_6_35m_2019"].to_numpy()
    keep = np.isfinite(y)
    lisa = MoranLocal(y[keep], real_w.subset(keep), permutations=2999, runs=8, seed=0)
    # each run's own decision, by scipy's Benjamini-Hochberg on that run's p-values
    own = np.array([false_discovery_control(p) <= 0.05 for p in lisa.p_runs_])
    pooled = false_discovery_control(lisa.p_sim) <= 0.05
    np.testing.assert_array_equal(lisa.sig, pooled)
    np.testing.assert_array_equal(lisa.stability_, (own == pooled).mean(axis=0))
    np.testing.assert_array_equal(lisa.stable_, lisa.stability_ >= 0.9)
    assert 0 < (~lisa.stable_).sum() < 200  # some labels do flip between runs
    counts = lisa.counts()
    assert counts["unstable"] == int((~lisa.stable_).sum())
    assert counts["HH"] == int((lisa.stable_ & (lisa.labels_ == "HH")).sum())
    assert sum(counts.values()) == lisa.n
    assert lisa.counts(stable=False)["HH"] == int((lisa.labels_ == "HH").sum())


def test_stable_labels_do_not_depend_on_the_seed(districts, real_w):
    """The issue: 77 HH stunting districts with one seed, 95-108 with others."""
    y = districts["stunting_u5_2019"].to_numpy()
    keep = np.isfinite(y)
    w = real_w.subset(keep)
    stable_hh, pooled_hh = [], []
    for seed in range(4):
        lisa = MoranLocal(y[keep], w, seed=seed)
        stable_hh.append(set(np.flatnonzero(lisa.stable_ & (lisa.labels_ == "HH"))))
        pooled_hh.append(set(np.flatnonzero(lisa.labels_ == "HH")))
    sizes = [len(s) for s in stable_hh]
    assert max(sizes) - min(sizes) <= 5, sizes
    # a district stable HH under one seed is HH under every other seed
    for s in stable_hh:
        for other in pooled_hh:
            assert len(s - other) <= 1


def test_local_errors_name_the_parameter(grid_w):
    y = planted()
    with pytest.raises(InputError, match=r"runs must be an integer from 2 to 100 \(e.g. 20\)"):
        MoranLocal(y, grid_w, runs=1)
    with pytest.raises(InputError, match=r"min_stability must be a share above 0\.5"):
        MoranLocal(y, grid_w, min_stability=0.4)
    with pytest.raises(InputError, match="seed must be a non-negative integer; got -1"):
        GetisOrdGiStar(y, grid_w, seed=-1)
    with pytest.raises(InputError, match="permutations must be an integer from 0 to 1,000,000"):
        MoranLocal(y, grid_w, permutations=10**7)
    with pytest.raises(InputError, match="y is constant"):
        MoranLocal(np.ones(100), grid_w)
    none = MoranLocal(y, grid_w, permutations=0)
    assert np.isnan(none.p_sim).all() and none.counts() == {"ns": 100}


@pytest.mark.slow
def test_local_statistics_agree_with_esda(districts, real_w):
    import esda

    y = districts["poverty_2018"].to_numpy()
    ours = MoranLocal(y, real_w, seed=0)
    theirs = esda.Moran_Local(y, real_w.w, permutations=9999, seed=0, keep_simulations=False)
    np.testing.assert_allclose(ours.Is, theirs.Is, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours.q, theirs.q)
    # both are Monte Carlo estimates of the same conditional-permutation p-value: they
    # differ by sampling error only (ours 199,980 permutations, esda's 9,999)
    p = ours.p_sim
    tol = 4 * np.sqrt(p * (1 - p) * (1 / 199_980 + 1 / 9999)) + 2 / 9999
    assert (np.abs(p - theirs.p_sim) <= tol).mean() > 0.999
    # mean and spread of the simulated Is against sampling k of the n - 1 others without
    # replacement, worked by hand: E = k m_i, Var = k s_i^2 (N - k) / (N - 1), N = n - 1
    z, n, k = ours.z, ours.n, real_w.cardinalities
    others_mean = (z.sum() - z) / (n - 1)
    others_var = ((z @ z) - z**2) / (n - 1) - others_mean**2
    scale = (n - 1) / ours.den * z / k
    expected_mean = scale * k * others_mean
    expected_sd = np.abs(scale) * np.sqrt(k * others_var * (n - 1 - k) / (n - 2))
    np.testing.assert_allclose(ours.EI_sim, expected_mean,
                               atol=float(4 * expected_sd.max() / np.sqrt(199_980)))
    np.testing.assert_allclose(ours.seI_sim, expected_sd, rtol=0.02)
    gi = GetisOrdGiStar(y, real_w, seed=0)
    ref = esda.G_Local(y, real_w.w, transform="B", star=True, permutations=9999, seed=0,
                       keep_simulations=False)
    np.testing.assert_allclose(gi.Zs, ref.Zs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gi.Gs, ref.Gs, rtol=1e-12)
    y_others = (y.sum() - y) / (n - 1)
    y_var = ((y @ y) - y**2) / (n - 1) - y_others**2
    gi_sd = np.sqrt(k * y_var * (n - 1 - k) / (n - 2))
    np.testing.assert_allclose(gi.EI_sim, y + k * y_others,
                               atol=float(4 * gi_sd.max() / np.sqrt(199_980)))
    np.testing.assert_allclose(gi.seI_sim, gi_sd, rtol=0.02)
    p = gi.p_sim
    tol = 4 * np.sqrt(p * (1 - p) * (1 / 199_980 + 1 / 9999)) + 2 / 9999
    assert (np.abs(p - ref.p_sim) <= tol).mean() > 0.999


@pytest.mark.slow
def test_stable_labels_agree_with_esda_and_scipy(districts, real_w):
    """Stunting: esda's own runs, labelled with scipy's Benjamini-Hochberg, agree with the
    labels geoprio counts as stable (each of those holds in at least 18 of 20 runs)."""
    import esda

    y = districts["stunting_u5_2019"].to_numpy()
    keep = np.isfinite(y)
    w = real_w.subset(keep)
    ours = MoranLocal(y[keep], w, seed=0)
    stable = ours.stable_ & ours.sig
    agree = []
    for seed in range(3):
        ref = esda.Moran_Local(y[keep], w.w, permutations=9999, seed=seed,
                               keep_simulations=False)
        sig = false_discovery_control(ref.p_sim) <= 0.05
        np.testing.assert_array_equal(ref.q, ours.q)
        agree.append(sig[stable].mean())
        # and where geoprio says "stable, not significant", esda rarely finds anything
        assert sig[ours.stable_ & ~ours.sig].mean() < 0.01
    assert min(agree) > 0.97, agree
