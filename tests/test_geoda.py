"""GeoDa's everyday views: Moran scatterplot, significance map, box map, bivariate Local Moran.

Oracles: esda (``Moran``, ``Moran_BV``, ``Moran_Local_BV``, ``lag_spatial``), mapclassify
(``BoxPlot``), scipy (Benjamini-Hochberg), full enumeration of the permutations, and a 3x3
lattice worked by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from lattice import grid
from scipy.stats import false_discovery_control

import geoprio
from geoprio.errors import GeoprioError, InputError
from geoprio.report.mapping import BOX_COLOURS, box_breaks
from geoprio.spatial.autocorrelation import significance_classes
from geoprio.spatial.contiguity import queen_contiguity
from geoprio.spatial.localstats import MoranBV, MoranLocalBV

EB = "stunting_u5_2022_eb"  # 35 districts without a value: the weights are re-patched


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


@pytest.fixture(scope="module")
def three():
    """The 3x3 lattice, x = 1..9 row-major (deviations -4..4), queen contiguity."""
    frame = grid(3)
    frame["x"] = np.arange(1.0, 10.0)
    frame["y"] = np.arange(9.0, 0.0, -1.0)  # y = 10 - x
    return frame


def _kept_w(districts, real_w, *columns):
    keep = np.logical_and.reduce([districts[c].notna().to_numpy() for c in columns])
    return keep, real_w.subset(keep)


# ------------------------------------------------------------------ worked by hand: 3x3
def test_moran_scatter_on_a_3x3_lattice_by_hand(three):
    # deviations d = -4..4; the lag (mean of the queen neighbours' d) of each cell:
    # corner 0 sees 1, 3, 4: (-3 - 1 + 0) / 3 = -4/3; edge 1 sees 0, 2, 3, 4, 5: -6/5; ...
    lag_d = np.array([-4 / 3, -6 / 5, -2 / 3, -2 / 5, 0, 2 / 5, 2 / 3, 6 / 5, 4 / 3])
    s = geoprio.moran_scatter(three, "x", permutations=0)
    sd = np.sqrt(60 / 9)
    np.testing.assert_allclose(s.points["z"], np.arange(-4, 5) / sd, atol=1e-12)
    np.testing.assert_allclose(s.points["lag"], lag_d / sd, atol=1e-12)
    # sum d * lag = 40/3 + 8 = 64/3, sum d^2 = 60: I = 16/45
    assert abs(s.I - 16 / 45) < 1e-12
    assert s.slope == pytest.approx(16 / 45, abs=1e-12)
    # the centre (z = 0, lag 0) counts as low-low, as esda's quadrants do
    assert s.points["quadrant"].tolist() == ["LL"] * 5 + ["HH"] * 4
    assert np.isnan(s.p_sim) and s.dropped == []


def test_bivariate_on_a_3x3_lattice_by_hand(three):
    # y = 10 - x: zy = -zx, so lag(zy) = -lag(zx). Corner 0: zx = -4/sd, lag(zy) = 4/3/sd,
    # Is = (n - 1) zx lag(zy) / sum zx^2 = 8 x (-16/3) / (20/3) / 9 = -32/45
    w = queen_contiguity(three)
    bv = MoranLocalBV(three["x"], three["y"], w, permutations=0)
    assert bv.Is[0] == pytest.approx(-32 / 45, abs=1e-12)
    assert bv.Is[4] == 0.0  # the centre's neighbours are all the others: lag 0
    assert bv.q.tolist() == [2, 2, 2, 2, 3, 4, 4, 4, 4]  # low x among high y, and back
    assert abs(MoranBV(three["x"], three["y"], w, permutations=0).I + 16 / 45) < 1e-12
    s = geoprio.moran_scatter(three, "x", against="y", permutations=0)
    assert abs(s.I + 16 / 45) < 1e-12 and abs(s.slope - s.I) < 1e-12
    assert s.points["quadrant"].tolist() == ["LH"] * 4 + ["LL"] + ["HL"] * 4


def test_bivariate_p_values_match_full_enumeration():
    """4x4 grid: every set of k other districts' y enumerated; x stays in place."""
    four = queen_contiguity(grid(4))
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=16), rng.normal(size=16)
    x[0] += 3.0
    y[[1, 4, 5]] += 6.0  # corner 0: high x among the three highest y -> exact p = 1/C(15, 3)
    zy = (y - y.mean()) / y.std()
    a = four.adjacency.tocsr()
    exact = np.empty(16)
    for i in range(16):
        nb = a.indices[a.indptr[i]:a.indptr[i + 1]]
        others = [j for j in range(16) if j != i]
        obs = zy[nb].sum()
        sums = np.array([zy[list(c)].sum() for c in itertools.combinations(others, nb.size)])
        ge, le = (sums >= obs - 1e-9).sum(), (sums <= obs + 1e-9).sum()
        exact[i] = min(ge, le) / sums.size
    bv = MoranLocalBV(x, y, four, permutations=9999, runs=20, seed=0)
    reps = 9999 * 20
    tol = 4 * np.sqrt(exact * (1 - exact) / reps) + 2 / reps
    assert (np.abs(bv.p_sim - exact) <= tol).all(), np.abs(bv.p_sim - exact) / tol
    assert exact[0] == pytest.approx(1 / 455) and bv.labels_[0] == "HH"


def test_box_breaks_by_hand():
    b = box_breaks([1, 2, 3, 4, 5, 6, 7, 8, 30, np.nan])
    # quartiles 3, 5, 7 (linear interpolation), IQR 4, fences 3 - 6 = -3 and 7 + 6 = 13
    assert b.quartiles == (3.0, 5.0, 7.0) and b.fences == (-3.0, 13.0)
    assert b.yb.tolist() == [1, 1, 1, 2, 2, 3, 3, 4, 5, -1]
    assert b.high_outliers.tolist() == [8] and b.low_outliers.size == 0 and b.missing == 1
    assert b.colour_of()[8] == BOX_COLOURS[5] and b.colour_of()[9] == "#d9d9d9"
    assert b.labels("es") == ["Atípico bajo (≤ -3,0)", "< 25% (1,0 – 3,0)",
                              "25% – 50% (3,0 – 5,0)", "50% – 75% (5,0 – 7,0)",
                              "> 75% (7,0 – 13,0)", "Atípico alto (> 13,0)"]
    # hinge 3: the upper fence is 7 + 12 = 19, 30 still beyond it; hinge 6: 31, no outlier
    assert box_breaks([1, 2, 3, 4, 5, 6, 7, 8, 30], hinge=3).counts.tolist() == [0, 3, 2, 2, 1, 1]
    assert box_breaks([1, 2, 3, 4, 5, 6, 7, 8, 30], hinge=6).counts.tolist() == [0, 3, 2, 2, 2, 0]


# ------------------------------------------------------------------ the real map, esda as oracle
def test_global_moran_of_stunting_eb_equals_esda(districts, real_w):
    import esda
    from libpysal.weights import lag_spatial

    keep, w = _kept_w(districts, real_w, EB)
    y = districts.loc[keep, EB].to_numpy(float)
    s = geoprio.moran_scatter(districts, EB, spatial_weights=real_w)
    theirs = esda.Moran(y, w.w, permutations=0)  # esda row-standardises
    assert len(s.dropped) == 35 and len(s.points) == 1839
    assert abs(s.I - theirs.I) < 1e-12
    assert s.slope == pytest.approx(theirs.I, abs=1e-12)  # no island: the line's slope is I
    ww = w.w
    ww.transform = "r"
    z = (y - y.mean()) / y.std()
    np.testing.assert_allclose(s.points["lag"], lag_spatial(ww, z), atol=1e-12)
    assert s.points.index.tolist() == districts.loc[keep, "ubigeo"].tolist()
    assert s.p_sim == pytest.approx(1 / 1000)  # I = 0.5 is far beyond any of 999 shuffles
    assert s.moran.EI_sim == pytest.approx(-1 / 1838, abs=0.005)


def test_bivariate_local_moran_equals_esda(districts, real_w):
    import esda

    keep, w = _kept_w(districts, real_w, EB, "poverty_2018")
    x = districts.loc[keep, EB].to_numpy(float)
    y = districts.loc[keep, "poverty_2018"].to_numpy(float)
    frame, result = geoprio.bivariate_hotspots(districts, EB, "poverty_2018",
                                               spatial_weights=real_w)
    theirs = esda.Moran_Local_BV(x, y, w.w, permutations=0)
    np.testing.assert_allclose(result.local.Is, theirs.Is, atol=1e-12, rtol=0)
    assert (result.local.q == theirs.q).all()
    assert abs(result.moran.I - esda.Moran_BV(x, y, w.w, permutations=0).I) < 1e-12
    col = f"hotspot_{EB}_vs_poverty_2018"
    assert frame[col].isna().sum() == 35 and len(result.dropped) == 35
    np.testing.assert_allclose(frame.loc[keep, col + "_stat"], theirs.Is, atol=1e-12)
    assert result.against == "poverty_2018" and result.method == "bivariate_moran"
    # the labels are esda's quadrants where significant (after FDR), "ns" elsewhere
    quads = np.array(["", "HH", "LH", "LL", "HL"])[theirs.q]
    sig = result.local.sig
    assert (frame.loc[keep, col].to_numpy()[sig] == quads[sig]).all()
    assert (frame.loc[keep, col].to_numpy()[~sig] == "ns").all()
    assert sum(result.counts.values()) == 1839
    assert result.summary_es.startswith(f"{result.counts['HH']} distritos con desnutrición")


def test_box_map_equals_mapclassify_boxplot(districts):
    import mapclassify

    values = districts[EB].to_numpy(float)
    ok = np.isfinite(values)
    b = box_breaks(districts[EB])
    theirs = mapclassify.BoxPlot(values[ok], hinge=1.5)
    np.testing.assert_array_equal(b.bins, theirs.bins)
    np.testing.assert_array_equal(b.yb[ok], theirs.yb)
    assert (b.yb[~ok] == -1).all() and b.missing == 35
    assert b.high_outliers.tolist() == np.flatnonzero(ok)[theirs.high_outlier_ids].tolist()
    q1, q2, q3 = np.percentile(values[ok], [25, 50, 75])  # numpy as a second route
    assert b.quartiles == pytest.approx((q1, q2, q3))
    assert b.fences == pytest.approx((q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)))
    assert b.counts.sum() == 1839 and b.counts[5] == (values[ok] > b.fences[1]).sum() > 0


def test_significance_classes_are_the_adjusted_p_values_in_geoda_classes(districts, real_w):
    _, result = geoprio.hotspots(districts, "stunting_u5_2019", spatial_weights=real_w)
    local = result.local
    classes = significance_classes(result)
    adjusted = false_discovery_control(local.p_sim, method="bh")  # scipy as oracle
    stable = local.stable_
    bounds = {"0.001": (1e-4, 1e-3), "0.01": (1e-3, 1e-2), "0.05": (1e-2, 0.05),
              "0.0001": (0.0, 1e-4)}
    for name, (lo, hi) in bounds.items():
        members = (classes == name).to_numpy()
        assert (stable[members]).all()
        assert ((adjusted[members] > lo) & (adjusted[members] <= hi + 1e-15)).all(), name
    assert (adjusted[(classes == "ns").to_numpy()] > 0.05).all()
    assert (classes == "unstable").sum() == result.counts["unstable"] == (~stable).sum()
    # a district has a p class exactly when the cluster map gives it a label
    labels = result.stable_labels()
    in_class = ~classes.isin(["ns", "unstable"])
    assert (in_class == ~labels.isin(["ns", "unstable"])).all()
    assert labels.value_counts().to_dict() == result.counts
    # without FDR the classes read the pooled pseudo p-value; alpha 0.01 stops at 0.01
    _, raw = geoprio.hotspots(districts, "stunting_u5_2019", spatial_weights=real_w, fdr=False,
                              alpha=0.01)
    raw_classes = significance_classes(raw)
    assert set(raw_classes) <= {"0.0001", "0.001", "0.01", "ns", "unstable"}
    p = raw.local.p_sim
    assert ((p[(raw_classes == "0.0001").to_numpy()]) <= 1e-4).all()
    assert (raw_classes == "0.0001").sum() > 0


def test_stable_labels_put_unstable_districts_apart(districts, real_w):
    _, result = geoprio.hotspots(districts, "stunting_u5_2019", spatial_weights=real_w)
    labels = result.stable_labels()
    unstable = result.stability < 0.9
    assert unstable.sum() == 38  # 18 of 20 runs must agree
    assert (labels[unstable] == "unstable").all()
    assert (labels[~unstable].to_numpy() == result.local.labels_[~unstable.to_numpy()]).all()
    assert set(result.unstable) == set(labels.index[labels == "unstable"])


def test_errors_name_the_parameter(districts, real_w, three):
    with pytest.raises(InputError, match="against='x' is the indicator itself"):
        geoprio.bivariate_hotspots(three, "x", "x")
    with pytest.raises(InputError, match="indicator='nope' is not a column"):
        geoprio.bivariate_hotspots(three, "x", "nope")
    with pytest.raises(InputError, match="permutations must be"):
        geoprio.moran_scatter(three, "x", permutations=-1)
    with pytest.raises(GeoprioError, match="hinge must be"):
        box_breaks([1, 2, 3, 4], hinge=0)
    with pytest.raises(GeoprioError, match="at least 4 values"):
        box_breaks([1, 2, np.nan])
    with pytest.raises(InputError, match="x has 3 values but y has 9"):
        MoranLocalBV([1.0, 2, 3], three["y"], queen_contiguity(three))


def test_bivariate_labels_do_not_depend_on_the_seed(districts, real_w):
    _, a = geoprio.bivariate_hotspots(districts, "stunting_u5_2019", "poverty_2018",
                                      spatial_weights=real_w, seed=0)
    _, b = geoprio.bivariate_hotspots(districts, "stunting_u5_2019", "poverty_2018",
                                      spatial_weights=real_w, seed=1)
    la, lb = a.stable_labels(), b.stable_labels()
    both = (la != "unstable") & (lb != "unstable")
    assert both.sum() > 1700
    assert (la[both] == lb[both]).mean() > 0.995
    assert pd.Series(a.local.Is).equals(pd.Series(b.local.Is))


def test_legend_counts_are_written_as_the_page_writes_numbers():
    """The cluster maps' legends read "(1537)"; INEI writes 1 537 (and English 1,537)."""
    from geoprio.report import mapping

    es = mapping.legend_html([("#ffffff", "no significativo", 1537)], "Moran local")
    en = mapping.legend_html([("#ffffff", "not significant", 1537)], "Local Moran", lang="en")
    assert "(1\u00a0537)" in es and "(1537)" not in es
    assert "(1,537)" in en
