"""Typologies and contiguous zones (geoprio.spatial.clustering)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import connected_components

from geoprio.errors import InputError
from geoprio.spatial.clustering import Typology, Zones, cluster
from geoprio.spatial.contiguity import queen_contiguity

INDS = ["poverty_2018", "stunting_u5_2019", "no_water_2017", "no_electricity_2017"]


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


def blobs() -> pd.DataFrame:
    """Three well separated groups of 60: poor and without water, middle, better off."""
    rng = np.random.default_rng(0)
    centres = np.array([[80.0, 60.0], [40.0, 20.0], [10.0, 5.0]])
    x = np.vstack([c + rng.normal(scale=4.0, size=(60, 2)) for c in centres])
    frame = pd.DataFrame(x, columns=["poverty_2018", "no_water_2017"])
    frame.insert(0, "ubigeo", [f"{i:06d}" for i in range(180)])
    return frame


def zone_is_connected(adjacency, members) -> bool:
    return connected_components(adjacency[members][:, members], directed=False)[0] == 1


# ---------------------------------------------------------------- typologies
@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_three_groups_found_ordered_and_named(method):
    frame, result = cluster(blobs(), ["poverty_2018", "no_water_2017"], method=method,
                            k_range=(2, 6))
    assert result.k == 3
    # the poorest block (rows 0-59) is cluster 1, the best off (120-179) cluster 3
    assert frame["cluster"].iloc[:60].eq(1).all()
    assert frame["cluster"].iloc[60:120].eq(2).all()
    assert frame["cluster"].iloc[120:].eq(3).all()
    assert result.profiles["label_es"].tolist() == [
        "sin agua · pobreza alta", "promedio", "pobreza baja · con agua"]
    assert result.profiles.loc[1, "label_en"] == "no piped water · high poverty"
    assert frame["cluster_es"].iloc[0] == "sin agua · pobreza alta"
    assert list(result.scores.index) == [2, 3, 4, 5, 6]


def test_gmm_curve_has_bic_and_k_is_its_minimum():
    _, result = cluster(blobs(), ["poverty_2018", "no_water_2017"], method="gmm",
                        k_range=(2, 5))
    bic = result.scores["bic"]
    assert bic.notna().all()
    assert int(bic.idxmin()) == result.k == 3


def test_profiles_match_group_means_on_the_real_map(districts):
    frame, result = cluster(districts, INDS, method="kmeans", k=4)
    assert result.k == 4
    used = frame.dropna(subset=INDS)
    assert len(used) == 1865 and result.dropped == districts.loc[
        districts[INDS].isna().any(axis=1), "ubigeo"].tolist()
    means = used.groupby("cluster")["poverty_2018"].mean()
    np.testing.assert_allclose(result.profiles["poverty_2018"], means.loc[[1, 2, 3, 4]])
    sizes = used["cluster"].value_counts().sort_index()
    assert result.profiles["size"].tolist() == sizes.tolist()
    assert result.profiles["population"].sum() == pytest.approx(used["pop_2020"].sum())
    # ordered by severity: 1 the most severe
    assert result.profiles["severity"].is_monotonic_decreasing
    assert means.loc[1] > means.loc[4]
    assert frame["cluster"].isna().sum() == 9


def test_labels_are_stable_across_runs(districts):
    a, _ = cluster(districts, INDS, k=4, seed=0)
    b, _ = cluster(districts, INDS, k=4, seed=0)
    c, _ = cluster(districts, INDS, k=4, seed=1)
    pd.testing.assert_series_equal(a["cluster"], b["cluster"])
    # another seed lands on (almost) the same partition, and the same numbering
    assert (a["cluster"] == c["cluster"]).mean() > 0.98


def test_ward_equals_scikit_learn(districts):
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    frame, _ = cluster(districts, INDS, method="ward", k=6)
    x = districts[INDS].dropna()
    z = (x - x.mean()) / x.std(ddof=0)
    ref = AgglomerativeClustering(n_clusters=6, linkage="ward").fit_predict(z)
    assert adjusted_rand_score(ref, frame["cluster"].dropna().astype(int)) == 1.0


def test_median_policy_imputes_and_reports(districts):
    frame, result = cluster(districts, ["poverty_2018", "anemia_6_35m_2019"], k=3,
                            missing="median")
    assert result.dropped == []
    assert result.imputed == {"anemia_6_35m_2019": 69}
    assert frame["cluster"].notna().all()


def test_typology_estimator_shape():
    t = Typology(method="ward", k=3).fit(blobs()[["poverty_2018", "no_water_2017"]])
    assert t.k_ == 3 and sorted(set(t.labels_)) == [1, 2, 3]
    assert t.get_params()["method"] == "ward"
    assert t.within_ss_ < t.scores_.loc[3, "within_ss"] + 1e-9


# ---------------------------------------------------------------- zones
def test_every_zone_is_one_connected_piece(districts, real_w):
    frame, result = cluster(districts, INDS, method="zones", k=8, spatial_weights=real_w)
    assert result.k == 8 and result.estimator.connected_
    keep = districts[INDS].notna().all(axis=1).to_numpy()
    adjacency = real_w.subset(keep).adjacency
    zones = frame.loc[keep, "zone"].to_numpy()
    for z in range(1, 9):
        assert zone_is_connected(adjacency, np.flatnonzero(zones == z))
    assert "210103" in result.patched  # Amantaní joined by distance, and said so
    assert frame["zone"].isna().sum() == 9


def test_zones_equal_scikit_learn_with_connectivity(districts, real_w):
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    x = districts[["poverty_2018", "no_water_2017"]]
    z = (x - x.mean()) / x.std(ddof=0)
    ref = AgglomerativeClustering(n_clusters=10, linkage="ward",
                                  connectivity=real_w.adjacency).fit_predict(z)
    frame, _ = cluster(districts, ["poverty_2018", "no_water_2017"], method="zones", k=10,
                       spatial_weights=real_w)
    assert adjusted_rand_score(ref, frame["zone"].astype(int)) == 1.0


def test_population_floor(districts, real_w):
    frame, result = cluster(districts, INDS, method="zones", k=40, min_population=300_000,
                            spatial_weights=real_w)
    pops = frame.groupby("zone")["pop_2020"].sum()
    assert pops.min() >= 300_000
    assert result.k == 40 - len(result.merges) == len(pops)
    assert all(m["zone_population"] < 300_000 for m in result.merges)
    keep = frame["zone"].notna().to_numpy()
    adjacency = real_w.subset(keep).adjacency
    zones = frame.loc[keep, "zone"].to_numpy()
    for z in pops.index:
        assert zone_is_connected(adjacency, np.flatnonzero(zones == z))


def test_zones_need_contiguity_of_the_same_rows(districts, real_w):
    with pytest.raises(InputError, match="connectivity must be a Contiguity of the same 10"):
        Zones(k=2).fit(districts[INDS].iloc[:10], connectivity=real_w)


# ---------------------------------------------------------------- errors
def test_errors(districts):
    with pytest.raises(InputError, match=r"method must be one of \['kmeans', 'ward', 'gmm', "
                                         r"'zones'\]; got 'dbscan'"):
        cluster(districts, INDS, method="dbscan")
    with pytest.raises(InputError, match="contiguous=True works with method 'ward' or 'zones'"):
        cluster(districts, INDS, contiguous=True)
    with pytest.raises(InputError, match="min_population applies to contiguous zones"):
        cluster(districts, INDS, min_population=1000)
    with pytest.raises(InputError, match=r"indicators \['nope'\] are not columns"):
        cluster(districts, ["nope"])
    with pytest.raises(InputError, match="k must be between 2 and 1864"):
        cluster(districts, INDS, k=1)
    with pytest.raises(InputError, match="k must be 'auto' or an integer"):
        cluster(districts, INDS, k="many")
    with pytest.raises(InputError, match=r"missing must be one of \['drop', 'median'\]"):
        cluster(districts, INDS, missing="zero")
    with pytest.raises(InputError, match="k_range must be"):
        cluster(districts, INDS, k_range=(1, 5))


def test_front_door_callable_after_importing_the_module(districts):
    import geoprio
    import geoprio.spatial.clustering as module

    frame, result = geoprio.cluster(districts, ["poverty_2018", "no_water_2017"], k=3)
    assert module.cluster is not None and result.k == 3
    assert sorted(frame["cluster"].unique().tolist()) == [1, 2, 3]


# ---------------------------------------------------------------- silhouette
@pytest.mark.parametrize("seed", range(4))
def test_silhouette_equals_scikit_learn(seed):
    from sklearn.metrics import silhouette_score

    from geoprio.spatial.clustering import _Silhouette

    rng = np.random.default_rng(seed)
    z = rng.normal(size=(300, 3))
    score = _Silhouette(z, seed)
    for k in (2, 3, 5, 8):
        labels = rng.integers(0, k, size=300)
        labels[:k] = np.arange(k)  # every group present
        assert score(labels) == pytest.approx(silhouette_score(z, labels), abs=1e-12)
    # a district alone in its group scores 0, as in scikit-learn
    labels = np.r_[0, rng.integers(1, 4, size=299)]
    assert score(labels) == pytest.approx(silhouette_score(z, labels), abs=1e-12)


def test_silhouette_with_identical_rows_equals_scikit_learn():
    # districts with identical values (a = b = 0 for some rows): scikit-learn counts them 0
    from sklearn.metrics import silhouette_score

    from geoprio.spatial.clustering import _Silhouette

    z = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    # [0, 0, 1, 1, 2, 2]: rows 0-3 are identical but split in two groups: a = b = 0
    for labels in ([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 2, 2], [0, 0, 0, 1, 1, 2]):
        labels = np.array(labels)
        assert _Silhouette(z, 0)(labels) == pytest.approx(silhouette_score(z, labels),
                                                          abs=1e-12)


# ---------------------------------------------------------------- directions (issue 20)
def _coverage_blobs() -> pd.DataFrame:
    """An uploaded coverage (higher is better) and poverty: rows 0-59 poor and uncovered."""
    frame = blobs().rename(columns={"no_water_2017": "vaccine_coverage"})
    frame["vaccine_coverage"] = 100 - frame["vaccine_coverage"]  # 40, 80, 95 % covered
    return frame


def test_an_uploaded_coverage_numbers_its_worst_group_first():
    # issue 20: an indicator the catalog does not know was taken as "higher is worse": the
    # poor, uncovered block got the number of the least severe group
    frame = _coverage_blobs()
    catalog = pd.DataFrame({"id": ["poverty_2018", "vaccine_coverage"],
                            "higher_is_worse": [True, False]})
    out, _ = cluster(frame, ["poverty_2018", "vaccine_coverage"], k=3, catalog=catalog)
    assert out["cluster"].iloc[:60].eq(1).all()      # poorest and least covered: most severe
    assert out["cluster"].iloc[120:].eq(3).all()
    same, _ = cluster(frame, ["poverty_2018", "vaccine_coverage"], k=3,
                      higher_is_worse={"vaccine_coverage": False})
    assert same["cluster"].equals(out["cluster"])


def test_an_indicator_without_direction_is_refused():
    with pytest.raises(InputError, match=r"indicators \['vaccine_coverage'\] have no "
                                         r"direction: the catalog does not list them; pass "
                                         r"higher_is_worse=\{'vaccine_coverage': False\}"):
        cluster(_coverage_blobs(), ["poverty_2018", "vaccine_coverage"], k=3)


def test_directions_of_the_shipped_catalog():
    from geoprio.spatial.clustering import directions

    assert directions(["poverty_2018", "hdi_2019", "altitude_m"]) == {
        "poverty_2018": True, "hdi_2019": False, "altitude_m": None}
    # a declared direction wins over the catalog's
    assert directions(["hdi_2019"], higher_is_worse={"hdi_2019": True}) == {"hdi_2019": True}


def test_indicators_without_any_direction_number_groups_by_size():
    # altitude and area have no direction: no severity, so groups go by size, largest first
    rng = np.random.default_rng(1)
    sizes = (90, 60, 30)
    x = np.vstack([rng.normal(loc=c, scale=1.0, size=(n, 2))
                   for c, n in zip((0.0, 20.0, 40.0), sizes, strict=True)])
    frame = pd.DataFrame(x, columns=["altitude_m", "area_km2"])
    frame.insert(0, "ubigeo", [f"{i:06d}" for i in range(len(frame))])
    out, result = cluster(frame, ["altitude_m", "area_km2"], k=3)
    assert result.profiles["size"].tolist() == [90, 60, 30]
    assert result.profiles["severity"].tolist() == [0.0, 0.0, 0.0]
    assert out["cluster"].iloc[:90].eq(1).all()
