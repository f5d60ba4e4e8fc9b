"""Zonal statistics on rasters the tests write themselves, with hand-computed values."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

import geoprio
from geoprio.errors import GeometryError, InputError, JoinError, RasterError
from geoprio.spatial import raster as zr
from geoprio.spatial.raster import add_zonal_indicator, zonal_stats

# 4 x 4 raster of 1-degree pixels, origin (0, 4): row r, col c has its centre at (c+.5, 3.5-r)
GRID = np.array(
    [[1, 2, 2, 3],
     [4, 2, 5, 5],
     [7, 8, 9, 9],
     [9, 9, 0, 1]],
    dtype="float64",
)
TRANSFORM = from_origin(0, 4, 1, 1)
ALL = ["mean", "sum", "min", "max", "median", "count", "majority"]


def write(path, arrays, *, transform=TRANSFORM, crs="EPSG:4326", nodata=None, dtype=None):
    """Write a GeoTIFF with one band per array and return its path."""
    arrays = [np.asarray(a) for a in (arrays if isinstance(arrays, list) else [arrays])]
    dtype = dtype or arrays[0].dtype
    profile = {
        "driver": "GTiff", "height": arrays[0].shape[0], "width": arrays[0].shape[1],
        "count": len(arrays), "dtype": dtype, "transform": transform, "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        for k, a in enumerate(arrays, start=1):
            ds.write(a.astype(dtype), k)
    return str(path)


def frame(geoms, crs="EPSG:4326", index=None):
    codes = [f"0101{k:02d}" for k in range(1, len(geoms) + 1)]
    return gpd.GeoDataFrame({"ubigeo": codes}, geometry=list(geoms), crs=crs, index=index)


# triangle holding the pixel centres with r + c <= 2: values 1, 2, 2, 4, 2, 7
TRIANGLE = Polygon([(0, 4), (3.9, 4), (0, 0.1)])
SHAPES = [box(0, 2, 2, 4), box(2, 2, 4, 4), box(0, 0, 4, 2), TRIANGLE]
EXPECTED = {
    "mean": [2.25, 3.75, 6.5, 3.0],
    "sum": [9, 15, 52, 18],
    "min": [1, 2, 0, 1],
    "max": [4, 5, 9, 7],
    "median": [2, 4, 8.5, 2],
    "count": [4, 4, 8, 6],
    "majority": [2, 5, 9, 2],
}


@pytest.mark.parametrize("strip_pixels", [4_000_000, 4, 9])
def test_exact_statistics_on_hand_made_polygons(tmp_path, monkeypatch, strip_pixels):
    # strips of one row (4 pixels) or two rows (9 // 4) carry districts across strips
    monkeypatch.setattr(zr, "STRIP_PIXELS", strip_pixels)
    path = write(tmp_path / "grid.tif", GRID)
    out = zonal_stats(frame(SHAPES), path, stats=ALL)
    assert out.columns.tolist() == ["ubigeo", *ALL, "zonal_method"]
    assert out["ubigeo"].tolist() == ["010101", "010102", "010103", "010104"]
    for stat, values in EXPECTED.items():
        np.testing.assert_allclose(out[stat].to_numpy(float), values, rtol=0, atol=1e-12)
    assert out["count"].dtype == np.int64
    assert out["zonal_method"].tolist() == ["centre"] * 4


def test_std_and_range_and_single_stat_string(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    out = zonal_stats(frame(SHAPES[:1]), path, stats="std range")
    # values 1, 2, 4, 2: mean 2.25, squared deviations 1.5625 + .0625 + 3.0625 + .0625
    assert out["std"].iloc[0] == pytest.approx(np.sqrt(4.75 / 4), abs=1e-12)
    assert out["range"].iloc[0] == 3.0


def test_input_order_and_index_kept_and_input_not_mutated(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    districts = frame(SHAPES[::-1], index=[40, 30, 20, 10])
    before = districts.copy()
    out = zonal_stats(districts, path, stats="sum")
    assert out.index.tolist() == [40, 30, 20, 10]
    assert out["sum"].tolist() == [18.0, 52.0, 15.0, 9.0]
    pd.testing.assert_frame_equal(districts, before)


def test_open_dataset_is_accepted_and_left_open(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    with rasterio.open(path) as ds:
        out = zonal_stats(frame(SHAPES), ds, stats="mean")
        assert not ds.closed
    assert out["mean"].tolist() == EXPECTED["mean"]


def test_overlapping_polygons_each_get_all_their_pixels(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    # cols 0-2 and cols 1-3: the middle two columns belong to both
    out = zonal_stats(frame([box(0, 0, 3, 4), box(1, 0, 4, 4)]), path, stats=["sum", "count"])
    assert out["count"].tolist() == [12, 12]
    # rows of cols 0-2: 5 + 11 + 24 + 18; rows of cols 1-3: 7 + 12 + 26 + 10
    assert out["sum"].tolist() == [58.0, 55.0]


def test_raster_in_utm_districts_in_wgs84(tmp_path):
    # 1 km pixels in EPSG:32718 near Lima; values 100 * row + col
    origin_x, origin_y = 270_000, 8_670_000
    arr = np.add.outer(100 * np.arange(20), np.arange(20)).astype("float32")
    path = write(tmp_path / "utm.tif", arr, transform=from_origin(origin_x, origin_y, 1000, 1000),
                 crs="EPSG:32718")

    def block(r0, r1, c0, c1):  # pixels rows r0..r1-1, cols c0..c1-1, 250 m inside their edges
        return box(origin_x + c0 * 1000 + 250, origin_y - r1 * 1000 + 250,
                   origin_x + c1 * 1000 - 250, origin_y - r0 * 1000 - 250)

    utm = gpd.GeoSeries([block(2, 5, 3, 6), block(10, 12, 0, 4)], crs="EPSG:32718")
    districts = frame(utm.to_crs("EPSG:4326").tolist())
    assert districts.crs.to_epsg() == 4326
    out = zonal_stats(districts, path, stats=["mean", "count", "min", "max"])
    # rows 2-4 x cols 3-5: mean of 100 r + c = 300 + 4; rows 10-11 x cols 0-3: 1050 + 1.5
    assert out["count"].tolist() == [9, 8]
    assert out["mean"].tolist() == [304.0, 1051.5]
    assert out["min"].tolist() == [203.0, 1000.0]
    assert out["max"].tolist() == [405.0, 1103.0]


def test_nodata_hole_is_excluded_from_mean_and_count(tmp_path):
    arr = GRID.copy()
    arr[0, 0] = -9999  # the 1 in the first polygon
    path = write(tmp_path / "hole.tif", arr, nodata=-9999)
    out = zonal_stats(frame(SHAPES[:1]), path, stats=["mean", "count", "min"])
    assert out["count"].tolist() == [3]
    assert out["mean"].iloc[0] == pytest.approx(8 / 3, abs=1e-12)
    assert out["min"].tolist() == [2.0]


def test_nan_and_nodata_override(tmp_path):
    arr = GRID.copy()
    arr[1, 0] = np.nan  # the 4 in the first polygon, no nodata declared
    path = write(tmp_path / "nan.tif", arr)
    out = zonal_stats(frame(SHAPES[:1]), path, stats=["sum", "count"])
    assert (out["sum"].iloc[0], out["count"].iloc[0]) == (5.0, 3)
    # nodata=2 drops both 2s as well
    out = zonal_stats(frame(SHAPES[:1]), path, stats=["sum", "count"], nodata=2)
    assert (out["sum"].iloc[0], out["count"].iloc[0]) == (1.0, 1)


def test_district_smaller_than_a_pixel_gets_the_pixel_value(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    tiny = box(1.2, 1.2, 1.4, 1.4)  # inside the pixel row 2, col 1 (value 8), holds no centre
    corner = box(1.9, 1.9, 2.1, 2.1)  # touches rows 1-2, cols 1-2: 2, 5, 8, 9
    districts = frame([SHAPES[0], tiny, corner])
    out = zonal_stats(districts, path, stats=["mean", "count"])
    assert out["zonal_method"].tolist() == ["centre", "touched", "touched"]
    assert out["mean"].tolist() == [2.25, 8.0, 6.0]
    assert out["count"].tolist() == [4, 1, 4]
    out = zonal_stats(districts.iloc[:2], path, stats=["mean", "count"], fallback="point")
    assert out["zonal_method"].tolist() == ["centre", "point"]
    assert out["mean"].tolist() == [2.25, 8.0]
    out = zonal_stats(districts.iloc[:2], path, stats=["mean", "count"], fallback=None)
    assert out["zonal_method"].tolist() == ["centre", "none"]
    assert out["count"].tolist() == [4, 0]
    assert np.isnan(out["mean"].iloc[1])


def test_all_touched_uses_every_touched_pixel(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    # the first holds the centres of rows 0-1 x cols 0-1 but touches rows 0-2 x cols 0-2;
    # the second holds no centre and touches rows 0-1 x cols 0-1
    districts = frame([box(0, 1.9, 2.1, 4), box(0.6, 2.6, 1.4, 3.4)])
    out = zonal_stats(districts, path, stats=["sum", "count"], all_touched=True)
    assert out["count"].tolist() == [9, 4]
    assert out["sum"].tolist() == [1 + 2 + 2 + 4 + 2 + 5 + 7 + 8 + 9, 1 + 2 + 4 + 2]
    assert out["zonal_method"].tolist() == ["touched", "touched"]
    centre = zonal_stats(districts, path, stats=["sum", "count"])
    assert centre["count"].tolist() == [4, 4]
    assert centre["sum"].tolist() == [9.0, 9.0]
    assert centre["zonal_method"].tolist() == ["centre", "touched"]


def test_two_bands_give_columns_per_band(tmp_path):
    path = write(tmp_path / "two.tif", [GRID, GRID * 10 + 1])
    out = zonal_stats(frame(SHAPES[:2]), path, stats=["mean", "max"], band=[1, 2], prefix="v")
    assert out.columns.tolist() == [
        "ubigeo", "v_b1_mean", "v_b1_max", "v_b2_mean", "v_b2_max", "zonal_method",
    ]
    assert out["v_b1_mean"].tolist() == [2.25, 3.75]
    assert out["v_b2_mean"].tolist() == [23.5, 38.5]
    assert out["v_b2_max"].tolist() == [41.0, 51.0]
    only2 = zonal_stats(frame(SHAPES[:2]), path, stats="mean", band=2)
    assert only2["mean"].tolist() == [23.5, 38.5]


def test_integer_raster_with_nodata(tmp_path):
    arr = GRID.astype("uint8")
    arr[3, 2] = 255  # the 0 of the bottom polygon becomes nodata
    path = write(tmp_path / "int.tif", arr, nodata=255, dtype="uint8")
    out = zonal_stats(frame(SHAPES), path, stats=ALL)
    assert out["count"].tolist() == [4, 4, 7, 6]
    assert out["sum"].tolist() == [9.0, 15.0, 52.0, 18.0]
    assert out["min"].tolist() == [1.0, 2.0, 1.0, 1.0]
    assert out["median"].tolist() == [2.0, 4.0, 9.0, 2.0]
    assert out["majority"].tolist() == [2.0, 5.0, 9.0, 2.0]


@pytest.mark.parametrize("strip_pixels", [1_000_000, 4])
def test_weighted_mean_on_the_same_grid(tmp_path, monkeypatch, strip_pixels):
    monkeypatch.setattr(zr, "STRIP_PIXELS", strip_pixels)
    path = write(tmp_path / "grid.tif", GRID)
    w = np.zeros((4, 4))
    w[0, 0], w[1, 0] = 1, 3  # weights of the 1 and the 4 in the first polygon
    w[3, 3] = -1  # nodata weight in the third polygon
    w[2, 0] = 2
    wpath = write(tmp_path / "w.tif", w, nodata=-1)
    out = zonal_stats(frame(SHAPES[:3]), path, stats=["mean"], population=wpath)
    assert out.columns.tolist() == ["ubigeo", "mean", "weighted_mean", "zonal_method"]
    assert out["weighted_mean"].iloc[0] == (1 * 1 + 3 * 4) / 4
    assert np.isnan(out["weighted_mean"].iloc[1])  # all weights 0: no weighted mean
    assert out["weighted_mean"].iloc[2] == 7.0


def test_weighted_mean_resampled_from_a_coarser_grid(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    # 2-degree weight cells: bottom-left 5, bottom-right 1 (each covers 2 x 2 value pixels)
    coarse = np.array([[1.0, 1.0], [5.0, 1.0]])
    wpath = write(tmp_path / "coarse.tif", coarse, transform=from_origin(0, 4, 2, 2))
    out = zonal_stats(frame([box(0, 0, 4, 2)]), path, stats=["mean"], population=wpath)
    # bottom half: cols 0-1 are 7, 8, 9, 9 (weight 5); cols 2-3 are 9, 9, 0, 1 (weight 1)
    assert out["weighted_mean"].iloc[0] == pytest.approx((5 * 33 + 19) / 24, abs=1e-9)


def test_district_outside_the_raster_is_nan_with_count_zero_and_logged(tmp_path, caplog):
    path = write(tmp_path / "grid.tif", GRID)
    with caplog.at_level(logging.WARNING, logger="geoprio.spatial.raster"):
        out = zonal_stats(frame([SHAPES[0], box(10, 10, 11, 11)]), path, stats=["mean", "count"])
    assert out["count"].tolist() == [4, 0]
    assert np.isnan(out["mean"].iloc[1])
    assert out["zonal_method"].tolist() == ["centre", "none"]
    assert "1 of 2 districts have no valid pixel" in caplog.text
    assert "010102" in caplog.text


def test_non_polygon_districts_are_refused(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    districts = frame([SHAPES[0], box(1, 1, 2, 2).exterior])
    with pytest.raises(GeometryError, match=r"polygons; 1 are not .*010102 is a LinearRing"):
        zonal_stats(districts, path)


def test_raster_without_crs_is_refused(tmp_path):
    path = write(tmp_path / "nocrs.tif", GRID, crs=None)
    with pytest.raises(RasterError, match=r"has no CRS.*set one"):
        zonal_stats(frame(SHAPES), path)


def test_weights_without_crs_are_refused(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    wpath = write(tmp_path / "w.tif", GRID, crs=None)
    with pytest.raises(RasterError, match=r"population .* has no CRS"):
        zonal_stats(frame(SHAPES), path, population=wpath)


def test_raster_not_overlapping_is_refused_with_both_bounds(tmp_path):
    path = write(tmp_path / "far.tif", GRID, transform=from_origin(100, 50, 1, 1))
    with pytest.raises(RasterError, match=r"does not overlap.*\(100\.0, 46\.0, 104\.0, 50\.0\)"
                       r".*\(0\.0, 0\.0, 4\.0, 4\.0\)"):
        zonal_stats(frame(SHAPES), path)


def test_huge_window_is_refused(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    # the triangle spans x 0-3.9 and y 0.1-4: a 4 x 4 window
    with pytest.raises(RasterError, match="010104: its window has 16 pixels, above max_window_"):
        zonal_stats(frame(SHAPES), path, max_window_pixels=5)


def test_bad_arguments_name_the_argument(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    with pytest.raises(RasterError, match=r"band must be .* between 1 and 1 .* got 2"):
        zonal_stats(frame(SHAPES), path, band=2)
    with pytest.raises(InputError, match=r"stats must be one or more of .* got \['avg'\]"):
        zonal_stats(frame(SHAPES), path, stats=["avg"])
    with pytest.raises(InputError, match="weighted_mean' needs population"):
        zonal_stats(frame(SHAPES), path, stats="weighted_mean")
    with pytest.raises(InputError, match="fallback must be one of"):
        zonal_stats(frame(SHAPES), path, fallback="nearest")
    with pytest.raises(RasterError, match=r"missing\.tif: file not found"):
        zonal_stats(frame(SHAPES), tmp_path / "missing.tif")


@pytest.fixture(scope="module")
def real_districts():
    districts = geoprio.load_districts()
    return districts.iloc[::37].head(50)[["ubigeo", "geometry"]]


@pytest.mark.parametrize("all_touched", [False, True])
def test_agrees_with_rasterstats_on_real_districts(tmp_path, real_districts, all_touched):
    rasterstats = pytest.importorskip("rasterstats")
    rng = np.random.default_rng(5)
    # Peru on a 0.02-degree grid; integers 0-40 so that majority has real ties
    arr = rng.integers(0, 40, size=(950, 650)).astype("float64")
    arr[rng.random(arr.shape) < 0.05] = -1
    path = write(tmp_path / "rand.tif", arr, transform=from_origin(-81.5, 0.1, 0.02, 0.02),
                 nodata=-1)
    ours = zonal_stats(real_districts, path, stats=ALL, all_touched=all_touched)
    theirs = pd.DataFrame(rasterstats.zonal_stats(
        real_districts.geometry.tolist(), path, stats=ALL, all_touched=all_touched,
    ))
    assert len(ours) == 50
    assert (ours["count"] > 0).all()
    for stat in ALL:
        np.testing.assert_allclose(ours[stat].to_numpy(float), theirs[stat].to_numpy(float),
                                   rtol=0, atol=1e-6, err_msg=stat)


def catalog_frame():
    return pd.DataFrame({
        "id": ["poverty_2018"], "label_es": ["Pobreza"], "label_en": ["Poverty"], "unit": ["%"],
        "year": [2018], "source": ["INEI"], "higher_is_worse": [True], "kind": ["indicator"],
        "description": ["Monetary poverty"], "caveats": [""],
    })


def test_add_zonal_indicator_adds_column_and_catalog_row(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    districts = frame([SHAPES[0], box(1.2, 1.2, 1.4, 1.4), box(10, 10, 11, 11)])
    z = zonal_stats(districts, path, stats="mean")
    cat = catalog_frame()
    out, cat2 = add_zonal_indicator(
        districts, cat, z, column="mean", id="elev_mean", label_es="Altitud media",
        label_en="Mean elevation", unit="m", higher_is_worse=True, source="test grid",
        year=2020,
    )
    assert out["elev_mean"].tolist()[:2] == [2.25, 8.0]
    assert np.isnan(out["elev_mean"].iloc[2])
    assert "elev_mean" not in districts.columns and len(cat) == 1
    assert cat2["id"].tolist() == ["poverty_2018", "elev_mean"]
    row = cat2.iloc[1]
    assert (row["unit"], row["kind"], row["year"], bool(row["higher_is_worse"])) == (
        "m", "indicator", 2020, True)
    assert row["caveats"] == (
        "1 districts without a value; 1 districts smaller than a pixel from the pixels they touch."
    )


def test_add_zonal_indicator_refuses_clashes_and_missing_districts(tmp_path):
    path = write(tmp_path / "grid.tif", GRID)
    districts = frame(SHAPES)
    z = zonal_stats(districts, path, stats="mean")
    kw = {"label_es": "x", "label_en": "x", "unit": "x", "higher_is_worse": False, "source": "x"}
    with pytest.raises(InputError, match="'poverty_2018' is already"):
        add_zonal_indicator(districts, catalog_frame(), z, column="mean", id="poverty_2018", **kw)
    with pytest.raises(InputError, match=r"column must be one of .* got 'median'"):
        add_zonal_indicator(districts, catalog_frame(), z, column="median", id="elev", **kw)
    with pytest.raises(JoinError, match=r"1 districts are not in zonal_frame.*010104"):
        add_zonal_indicator(districts, catalog_frame(), z.iloc[:3], column="mean", id="elev",
                            **kw)


def test_add_zonal_indicator_to_the_shipped_catalog():
    districts = geoprio.load_districts().iloc[:3]
    cat = geoprio.catalog()
    zonal = pd.DataFrame({"ubigeo": districts["ubigeo"].tolist()[::-1], "sum": [3.0, 2.0, 1.0],
                          "mean": [30.0, 20.0, 10.0]})
    kw = {"label_es": "x", "label_en": "x", "unit": "x", "higher_is_worse": False, "source": "x"}
    out, cat2 = add_zonal_indicator(districts, cat, zonal, column="sum", id="pop_grid", **kw)
    assert out["pop_grid"].tolist() == [1.0, 2.0, 3.0]  # joined by ubigeo, not by position
    assert len(cat2) == len(cat) + 1
    assert cat2.iloc[-1][["id", "aggregate"]].tolist() == ["pop_grid", "sum"]
    _, cat3 = add_zonal_indicator(districts, cat, zonal, column="mean", id="elev", **kw)
    assert cat3.iloc[-1]["aggregate"] == "wmean:pop_2020"
