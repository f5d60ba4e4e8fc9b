"""Tests of geoprio.spatial.points (generic) and geoprio.build.points (the point indicators).

The generic functions run on small polygons and points made here; the build runs on tiny raw
files written here in the layout of ``sources/points/``; the shipped table is checked, once
the lead ships the point columns, against counts made by hand from the raw files.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from geoprio.build.points import (
    GEOPERU_FILE,
    POINT_CATALOG,
    POINT_COLUMNS,
    SNAP_KM,
    build_point_indicators,
)
from geoprio.errors import DataBuildError, GeometryError, InputError
from geoprio.spatial.points import (
    DISTANCE_MAX_RELATIVE_ERROR,
    count_by_district,
    nearest_distance,
    points_in_districts,
)

GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def two_districts() -> gpd.GeoDataFrame:
    """Two unit squares side by side, B listed first so input order is not sorted order."""
    return gpd.GeoDataFrame(
        {"ubigeo": ["010102", "010101"], "district": ["B", "A"]},
        geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)],
        crs="EPSG:4326",
    )


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            # own codes: numbers (lost leading zero), one wrong, one unknown, one missing
            "code": [10101, 10101, 10102, "999999", None, 10101],
            "tipo": ["Rural", "Urban", "Rural", "Rural", "Rural", "Rural"],
        },
        geometry=[
            Point(0.5, 0.5),  # A, code agrees
            Point(1.5, 0.5),  # B, code says A: disagreement
            Point(1.0, 0.5),  # on the shared edge: first district in input order (B)
            Point(0.2, 0.2),  # A, unknown code
            Point(5.0, 5.0),  # outside every polygon
            None,  # no geometry
        ],
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------- points_in_districts
def test_points_in_districts_places_counts_and_reports(two_districts, points):
    before = points.copy()
    joined, report = points_in_districts(points, two_districts, id_column="code")
    assert joined["ubigeo_spatial"].tolist()[:4] == ["010101", "010102", "010102", "010101"]
    assert joined["ubigeo_spatial"].iloc[4:].isna().all()
    assert joined.index.equals(points.index)
    assert joined["code_agrees"].tolist()[:3] == [True, False, True]
    assert not joined["code_agrees"].iloc[3]  # unknown code 999999 in A
    assert pd.isna(joined["code_agrees"].iloc[4]) and pd.isna(joined["code_agrees"].iloc[5])
    assert (report.n_points, report.n_inside, report.n_outside) == (6, 4, 1)
    assert (report.n_missing_geometry, report.n_on_shared_edge) == (1, 1)
    assert (report.n_code_missing, report.n_code_unknown) == (1, 1)
    # point 1 (code A, polygon B) and point 3 (code 999999, polygon A) disagree
    assert report.n_disagree == 2
    pairs = set(
        zip(report.disagreements["code"], report.disagreements["ubigeo_spatial"], strict=True)
    )
    assert pairs == {("010101", "010102"), ("999999", "010101")}
    row = report.disagreements.set_index("code").loc["010101"]
    assert row["n"] == 1
    # Point(1.5, 0.5) is 0.5 degree of longitude from square A: about 55.6 km at the equator
    assert row["median_km_to_own"] == pytest.approx(55.66, abs=0.5)
    assert report.outside_examples["nearest_ubigeo"].tolist() == ["010102"]
    pd.testing.assert_frame_equal(points, before)  # input untouched
    as_dict = report.to_dict()
    assert as_dict["n_disagree"] == 2 and len(as_dict["disagreements"]) == 2
    assert "1 outside every district" in repr(report)


def test_points_in_districts_without_code_column(two_districts, points):
    joined, report = points_in_districts(points, two_districts)
    assert "code_agrees" not in joined.columns
    assert report.n_disagree == 0 and report.disagreements.empty
    assert report.code_column is None


def test_points_in_districts_reprojects_with_a_warning(two_districts):
    pts = gpd.GeoDataFrame(geometry=[Point(0.5, 0.5), Point(1.5, 0.5)], crs="EPSG:4326")
    with pytest.warns(UserWarning, match="reprojected"):
        joined, _ = points_in_districts(pts.to_crs("EPSG:3857"), two_districts)
    assert joined["ubigeo_spatial"].tolist() == ["010101", "010102"]


def test_points_in_districts_errors(two_districts, points):
    with pytest.raises(InputError, match="id_column='nope' is not a column"):
        points_in_districts(points, two_districts, id_column="nope")
    with pytest.raises(InputError, match="points has no CRS"):
        points_in_districts(points.set_crs(None, allow_override=True), two_districts)
    with pytest.raises(GeometryError, match="no 'ubigeo' column"):
        points_in_districts(points, two_districts.rename(columns={"ubigeo": "code"}))
    dup = two_districts.assign(ubigeo=["010101", "010101"])
    with pytest.raises(GeometryError, match="unique and complete; problem codes: 010101"):
        points_in_districts(points, dup)
    with pytest.raises(TypeError, match="points must be a geopandas GeoDataFrame, got list"):
        points_in_districts([Point(0, 0)], two_districts)


# --------------------------------------------------------------------------- count_by_district
def test_count_by_district_spatial_and_by_category(two_districts, points):
    out = count_by_district(points, two_districts, by="tipo", name="centres")
    assert out["ubigeo"].tolist() == ["010102", "010101"]  # districts' order kept
    assert out["centres"].tolist() == [2, 2]
    assert out["centres_Rural"].tolist() == [1, 2]
    assert out["centres_Urban"].tolist() == [1, 0]


def test_count_by_district_with_key_on_a_plain_table(two_districts):
    table = pd.DataFrame({"ubigeo": ["10101", "010101", "150101", None]})
    out = count_by_district(table, two_districts, id_column="ubigeo")
    assert out.set_index("ubigeo")["n_points"].to_dict() == {"010102": 0, "010101": 2}
    with pytest.raises(InputError, match="pass id_column="):
        count_by_district(table, two_districts)
    with pytest.raises(InputError, match="by='kind' is not a column"):
        count_by_district(table, two_districts, id_column="ubigeo", by="kind")


def test_codes_read_as_numbers_with_gaps(two_districts):
    # a code column read as float (10101.0) with a missing value, and a text that is no code
    pts = gpd.GeoDataFrame({"code": [10101.0, np.nan, 10102.0]},
                           geometry=[Point(0.5, 0.5), Point(0.4, 0.4), Point(1.5, 0.5)],
                           crs="EPSG:4326")
    _, report = points_in_districts(pts, two_districts, id_column="code")
    assert (report.n_code_missing, report.n_code_unknown, report.n_disagree) == (1, 0, 0)
    text = pts.assign(code=["010101", "LIMA", " "])
    _, report = points_in_districts(text, two_districts, id_column="code")
    assert (report.n_code_missing, report.n_code_unknown) == (1, 1)
    table = pd.DataFrame({"ubigeo": [10101.0, np.nan, 10102.0, 10102.0]})
    counts = count_by_district(table, two_districts, id_column="ubigeo")
    assert counts.set_index("ubigeo")["n_points"].to_dict() == {"010102": 2, "010101": 1}


# --------------------------------------------------------------------------- nearest_distance
def test_nearest_distance_matches_geodesic_within_stated_error():
    rng = np.random.default_rng(42)
    n = 2000
    # Peru's bounding box, including its far west (Talara) and east (Madre de Dios) edges
    x = rng.uniform(-81.33, -68.65, n)
    y = rng.uniform(-18.35, -0.04, n)
    az = rng.uniform(0, 360, n)
    dist = rng.uniform(100, 50_000, n)
    x2, y2, _ = GEOD.fwd(x, y, az, dist)
    out = nearest_distance(
        gpd.GeoSeries(gpd.points_from_xy(x, y), crs=4326),
        gpd.GeoSeries(gpd.points_from_xy(x2, y2), crs=4326),
    )
    # each origin's own partner is not always the nearest target: compare with the geodesic
    # distance to the target that was chosen
    chosen = out["nearest"].to_numpy(dtype=int)
    _, _, geodesic = GEOD.inv(x, y, x2[chosen], y2[chosen])
    rel = np.abs(out["distance_m"].to_numpy() - geodesic) / geodesic
    assert rel.max() <= DISTANCE_MAX_RELATIVE_ERROR
    # and the stated bound is not loose: at Peru's western edge UTM 18S is off by > 0.5 %
    edge = nearest_distance(
        gpd.GeoSeries([Point(-81.3, -4.6)], crs=4326),
        gpd.GeoSeries([Point(-81.3, -4.7)], crs=4326),
    )["distance_m"].iloc[0]
    _, _, true = GEOD.inv(-81.3, -4.6, -81.3, -4.7)
    assert 0.005 < edge / true - 1 <= DISTANCE_MAX_RELATIVE_ERROR


def test_nearest_distance_picks_the_nearest_and_keeps_missing():
    origins = gpd.GeoDataFrame(
        {"name": ["a", "b", "none"]},
        geometry=[Point(-75.0, -10.0), Point(-75.5, -10.02), None],
        index=[10, 11, 12],
        crs="EPSG:4326",
    )
    targets = gpd.GeoSeries(
        [Point(-75.0, -10.1), Point(-75.5, -10.0), Point()], index=["p", "q", "empty"], crs=4326
    )
    out = nearest_distance(origins, targets)
    assert out.index.tolist() == [10, 11, 12]
    assert out["nearest"].tolist()[:2] == ["p", "q"]
    assert pd.isna(out["nearest"].iloc[2]) and math.isnan(out["distance_m"].iloc[2])
    _, _, d0 = GEOD.inv(-75.0, -10.0, -75.0, -10.1)
    assert out["distance_m"].iloc[0] == pytest.approx(d0, rel=DISTANCE_MAX_RELATIVE_ERROR)


def test_nearest_distance_errors():
    pts = gpd.GeoSeries([Point(-75, -10)], crs=4326)
    with pytest.raises(InputError, match=r"crs must be a projected CRS in metres.*geographic"):
        nearest_distance(pts, pts, crs="EPSG:4326")
    with pytest.raises(InputError, match="not a CRS pyproj understands"):
        nearest_distance(pts, pts, crs="EPSG:0")
    with pytest.raises(InputError, match="targets has no non-empty geometry"):
        nearest_distance(pts, gpd.GeoSeries([Point()], crs=4326))
    with pytest.raises(InputError, match="origins has no CRS"):
        nearest_distance(gpd.GeoSeries([Point(0, 0)]), pts)
    with pytest.raises(TypeError, match="targets must be a geopandas"):
        nearest_distance(pts, [Point(0, 0)])


# --------------------------------------------------------------------------- the build
# Two districts in the Andes: D1 = [-75.2, -75.0] x [-10.2, -10.0], D2 east of it; D3 far away
# has only an urban centre. Distances below are geodesic, computed here with pyproj.Geod.
BUILD_DISTRICTS = gpd.GeoDataFrame(
    {"ubigeo": ["120101", "120102", "150101"]},
    geometry=[
        box(-75.2, -10.2, -75.0, -10.0),
        box(-75.0, -10.2, -74.8, -10.0),
        box(-77.1, -12.1, -77.0, -12.0),
    ],
    crs="EPSG:4326",
)
# rural centres at known geodesic distances from the I-1 post at (-75.15, -10.1)
POST = (-75.15, -10.1)
CENTRE_KM = {"c1": 1.0, "c2": 6.0, "c3": 12.0, "c4": 25.0}
# the facilities the build must count (post 1, I-4 centre 3, I-3 in Lima 5) and the I-3+ ones
COUNTED = [POST, (-74.9, -10.15), (-77.05, -12.05)]
UPPER = [(-74.9, -10.15), (-77.05, -12.05)]


def _nearest_km(km: float, facilities: list[tuple[float, float]]) -> float:
    x, y = _centre_xy(km)
    _, _, d = GEOD.inv(
        [x] * len(facilities),
        [y] * len(facilities),
        [f[0] for f in facilities],
        [f[1] for f in facilities],
    )
    return float(np.min(d)) / 1000


def _centre_xy(km: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(POST[0], POST[1], 90.0 if km > 8 else 180.0, km * 1000)
    return float(x), float(y)


def _write_sources(root: Path) -> None:
    folder = root / "points"
    folder.mkdir(parents=True)
    rows = []
    for name, km in CENTRE_KM.items():
        x, y = _centre_xy(km)
        # all carry D1's code; c4 (25 km east) falls in D2: a disagreement
        rows.append((f"120101000{name[1]}", "120101", name, "Rural", y, x))
    rows.append(("1201010010", "120101", "town", "Urban", -10.05, -75.15))
    rows.append(("1501010001", "150101", "lima", "Urban", -12.05, -77.05))
    centres = pd.DataFrame(
        rows, columns=["inei_ccpp", "inei_distrito", "ccpp", "tipo", "latitude", "longitude"]
    )
    with gzip.open(folder / "centros_poblados.csv.gz", "wt", encoding="utf-8") as fh:
        centres.to_csv(fh, index=False)
    est = "ESTABLECIMIENTO DE SALUD SIN INTERNAMIENTO"
    geoperu = pd.DataFrame(
        {
            "cod_ipress": [1, 1, 2, 3, 4, 5],
            "cod_dist": [120101, 120101, 120101, 120102, 120101, 150101],
            "tipo_estab": [est, est, est, est, "SERVICIO MÉDICO DE APOYO", est],
            "ctg_codigo": ["I-1", "I-1", "I-2", 0, "I-1", "I-3"],
            "est_estado": ["ACTIVO", "ACTIVO", "INACTIVO", "ACTIVO", "ACTIVO", "ACTIVO"],
            "est_condic": ["ACTIVO", "ACTIVO", "CIERRE DEFINITIVO", "ACTIVO", "ACTIVO", "ACTIVO"],
            "conect": ["No tiene", "No tiene", "Tiene", "Sin información", "Tiene", "Tiene"],
            "x_gis": [POST[0], POST[0], -75.11, -74.9, -75.12, -77.05],
            "y_gis": [POST[1], POST[1], -10.11, -10.15, -10.12, -12.05],
        }
    )
    geoperu.to_excel(folder / GEOPERU_FILE, index=False, engine="openpyxl")
    tb = pd.DataFrame(
        {
            "id_eess": [1, 2, 3, 4, 5, 6],
            "codigo_renaes": [1, 2, 3, 4, 5, 99],
            "categoria": ["I-1", "I-2", "I-4", "SD", "I-3", "I-1"],
            "longitud": [POST[0], -75.11, -74.9, np.nan, -77.05, -60.0],
            "latitud": [POST[1], -10.11, -10.15, np.nan, -12.05, -5.0],
            "id_ubigeo": ["1", "2", "3", "4", "5", "6"],
        }
    )
    with gzip.open(folder / "establecimientos_salud_minsa_tb_eess.csv.gz", "wt") as fh:
        tb.to_csv(fh, index=False)


def test_build_point_indicators_on_known_files(tmp_path):
    _write_sources(tmp_path)
    under5 = pd.Series({"120101": 250.0, "120102": 0.0})  # 150101 missing
    table, report = build_point_indicators(tmp_path, BUILD_DISTRICTS, under5=under5)
    assert table.columns.tolist() == ["ubigeo", *POINT_COLUMNS]
    t = table.set_index("ubigeo")
    # c4 (25 km east of the post) lies in D2; D1 keeps c1-c3 and the town
    assert t["populated_centres"].tolist() == [4, 1, 1]
    assert t["rural_centres"].tolist() == [3, 1, 0]
    assert t.loc["120101", "rural_centres_share"] == pytest.approx(75.0)
    assert t.loc["150101", "rural_centres_share"] == 0.0
    # facility 1 twice (deduplicated), 2 inactive, 4 a support service: D1 has only post 1;
    # facility 3 (category 0 in GeoPeru, I-4 in TB_EESS) is in D2
    assert t["health_facilities"].tolist() == [1, 1, 1]
    assert t.loc["120101", "health_facilities_per_1000_u5"] == pytest.approx(4.0)
    assert t["health_facilities_per_1000_u5"].iloc[1:].isna().all()  # zero and missing
    # D1's rural centres c1-c3: geodesic km to the nearest counted facility (the post for all
    # three: 1, 6 and 12 km), each far from the 5/10/20 km thresholds
    d1 = np.array([_nearest_km(CENTRE_KM[c], COUNTED) for c in ("c1", "c2", "c3")])
    np.testing.assert_allclose(d1, [1.0, 6.0, 12.0])
    assert t.loc["120101", "dist_health_median_km"] == pytest.approx(6.0, rel=0.006)
    for km in (5, 10, 20):
        expected = 100 * np.mean(d1 > km)
        assert t.loc["120101", f"rural_centres_far_{km}km"] == pytest.approx(expected)
    assert t.loc["120101", "rural_centres_far_5km"] == pytest.approx(200 / 3)
    # c4 in D2: nearest is centre 3
    d4 = _nearest_km(CENTRE_KM["c4"], COUNTED)
    assert t.loc["120102", "dist_health_median_km"] == pytest.approx(d4, rel=0.006)
    # I-3 or higher: centre 3 (category 0 in GeoPeru, I-4 in TB_EESS) and Lima's I-3
    d_i3 = np.array([_nearest_km(CENTRE_KM[c], UPPER) for c in ("c1", "c2", "c3")])
    assert np.all(np.abs(d_i3 - 10) > 0.5)
    assert t.loc["120101", "rural_centres_far_i3_10km"] == pytest.approx(100 * np.mean(d_i3 > 10))
    # no rural centre: NaN, not 0
    assert (
        t.loc[
            "150101",
            ["dist_health_median_km", "rural_centres_far_5km", "rural_centres_far_i3_10km"],
        ]
        .isna()
        .all()
    )
    # internet: D1 'No tiene' -> 100 %; D2 'Sin información' -> unknown; Lima 'Tiene' -> 0 %
    assert t["facilities_internet_known"].tolist() == [1, 0, 1]
    assert t.loc["120101", "facilities_no_internet_share"] == 100.0
    assert math.isnan(t.loc["120102", "facilities_no_internet_share"])
    assert t.loc["150101", "facilities_no_internet_share"] == 0.0

    assert report["centres"]["rows"] == 6
    assert report["centres"]["placement"]["n_disagree"] == 1  # c4
    assert report["centres"]["placement"]["disagreements"][0]["code"] == "120101"
    assert report["geoperu"]["duplicated_renaes_rows"] == 1
    assert report["geoperu"]["excluded_not_active"] == 1
    assert report["geoperu"]["excluded_not_an_establishment"] == {"SERVICIO MÉDICO DE APOYO": 1}
    assert report["geoperu"]["category_filled_from_tb_eess"] == 1
    assert report["geoperu"]["counted_facilities"] == 3
    assert report["tb_eess"]["without_coordinates"] == 1
    assert report["tb_eess"]["placement"]["n_outside"] == 1  # (-60, -5) is in Brazil
    assert report["districts"]["without_rural_centres_distance_shares_nan"] == 1


def test_build_snaps_lake_islands_to_their_own_district(tmp_path):
    _write_sources(tmp_path)
    # D1 with a hole (a lake) around a rural centre 1 km from the post, like the Uros of Puno
    lake = box(-75.2, -10.2, -75.0, -10.0).difference(Point(POST).buffer(0.02))
    districts = BUILD_DISTRICTS.copy()
    districts.loc[0, "geometry"] = lake
    table, report = build_point_indicators(tmp_path, districts)
    outside = report["centres"]["outside"]
    assert outside["outside_every_polygon"] == 1
    assert outside["assigned_to_own_district"] == 1
    assert 0 < outside["max_km_to_own_district"] < SNAP_KM
    assert table.set_index("ubigeo").loc["120101", "rural_centres"] == 3
    # the post in the lake is snapped too
    assert report["geoperu"]["outside"]["assigned_to_own_district"] == 1


def test_build_errors(tmp_path):
    with pytest.raises(DataBuildError, match="point sources not found"):
        build_point_indicators(tmp_path, BUILD_DISTRICTS)
    _write_sources(tmp_path)
    with pytest.raises(TypeError, match="under5 must be a pandas Series"):
        build_point_indicators(tmp_path, BUILD_DISTRICTS, under5={"120101": 3})
    bad = tmp_path / "points" / "centros_poblados.csv.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("inei_ccpp,lat,lon\n1,2,3\n")
    with pytest.raises(DataBuildError, match=r"centros_poblados\.csv\.gz lacks columns"):
        build_point_indicators(tmp_path, BUILD_DISTRICTS)


def test_catalog_rows_cover_the_columns():
    assert [row[0] for row in POINT_CATALOG] == list(POINT_COLUMNS)
    assert all(len(row) == 11 for row in POINT_CATALOG)
    kinds = {row[0]: row[7] for row in POINT_CATALOG}
    assert kinds["health_facilities"] == "count"
    assert kinds["rural_centres_far_10km"] == "indicator"


# --------------------------------------------------------------------------- shipped table
# Counted by hand from the raw files (shapely.contains_xy on the district polygon; every point
# at least 0.6 km inside it) and geodesic distances (pyproj.Geod.inv to every facility).
HAND = {
    # ubigeo: populated, rural, facilities, % rural > 5 km, % rural > 10 km from I-3+,
    #         median geodesic km, % no internet
    "020903": (5, 3, 1, 100 / 3, 100.0, 4.182, 0.0),
    "021303": (8, 7, 2, 0.0, 300 / 7, 0.613, 100.0),
    "120705": (15, 13, 4, 200 / 13, 200 / 13, 0.976, 100.0),
}


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    import geoprio

    try:
        districts = geoprio.load_districts()
    except (ImportError, AttributeError, FileNotFoundError) as exc:
        pytest.skip(f"shipped districts not available yet: {exc}")
    if "populated_centres" not in districts.columns:
        pytest.skip("the point columns are not in the shipped table yet")
    return pd.DataFrame(districts.drop(columns="geometry")).set_index("ubigeo")


@pytest.mark.parametrize("ubigeo", sorted(HAND))
def test_shipped_counts_match_hand_counts(shipped, ubigeo):
    n, rural, fac, far5, far_i3, median_km, no_net = HAND[ubigeo]
    row = shipped.loc[ubigeo]
    assert row["populated_centres"] == n
    assert row["rural_centres"] == rural
    assert row["health_facilities"] == fac
    assert row["rural_centres_far_5km"] == pytest.approx(far5)
    assert row["rural_centres_far_i3_10km"] == pytest.approx(far_i3)
    assert row["dist_health_median_km"] == pytest.approx(median_km, rel=0.006, abs=0.001)
    assert row["facilities_no_internet_share"] == pytest.approx(no_net)


def test_shipped_columns_are_consistent(shipped):
    t = shipped
    assert len(t) == 1874
    assert (t["rural_centres"] <= t["populated_centres"]).all()
    no_rural = t["rural_centres"] == 0
    for col in ("dist_health_median_km", "rural_centres_far_5km", "rural_centres_far_i3_10km"):
        assert t.loc[no_rural, col].isna().all() and t.loc[~no_rural, col].notna().all()
    with_rural = t.loc[~no_rural]
    assert (with_rural["rural_centres_far_20km"] <= with_rural["rural_centres_far_10km"]).all()
    assert (with_rural["rural_centres_far_10km"] <= with_rural["rural_centres_far_5km"]).all()
    ratio = 1000 * t["health_facilities"] / t["under5_2020"]
    ok = t["under5_2020"] > 0
    np.testing.assert_allclose(t.loc[ok, "health_facilities_per_1000_u5"], ratio[ok], rtol=1e-5)
    # 91,175 rural centres in the raw file, all placed in a district
    assert t["rural_centres"].sum() == 91_175
