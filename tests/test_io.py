"""Readers against hostile and messy input: every problem named, nothing lost, nothing escapes.

The corpus in ``tests/data/bad/`` is written by ``tests/data/bad/make_corpus.py``; big files
(zip bombs, tens of MB) are built here in a temporary folder.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

import geoprio
from geoprio.errors import GeometryError, GeoprioError, InputError, RasterError
from geoprio.readers.tables import MAX_UNZIPPED_BYTES, MISSING_CODES

BAD = Path(__file__).parent / "data" / "bad"
LIMA = Polygon([(-77.035, -12.050), (-77.025, -12.050), (-77.025, -12.040),
                (-77.035, -12.040)])
GEOD = pyproj.Geod(ellps="WGS84")


def metres(a: Point, b: Point) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


def kinds(table):
    return [p["kind"] for p in table.attrs["read"]["problems"]]


# --------------------------------------------------------------------------- tables
def test_empty_file():
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        geoprio.read_table(BAD / "empty.csv")


def test_only_header():
    with pytest.raises(InputError, match=r"only a header row \(ubigeo, distrito, anemia \(%\)\)"):
        geoprio.read_table(BAD / "only_header.csv")


def test_latin1_semicolon_title_rows_decimal_comma_and_thousands_dot():
    t = geoprio.read_table(BAD / "latin1_semicolon.csv")
    r = t.attrs["read"]
    assert (r["encoding"], r["delimiter"], r["header_row"]) == ("latin-1", ";", 4)
    assert t["UBIGEO"].tolist() == ["010101", "010102", "010103", "010104"]
    assert t["Distrito"].tolist()[1] == "Asunción"
    cov = t["Cobertura (%)"].tolist()
    assert cov[0] == 85.5 and cov[2] == 72.25
    assert math.isnan(cov[1]) and math.isnan(cov[3])  # (SD) and "-" are missing, not 0
    # "1.234" in a file of decimal commas is a thousands dot, and the reader says so
    assert t["Niños vacunados"].tolist() == [1234.0, 17.0, 2001.0, 40.0]
    assert kinds(t) == ["ambiguous_numbers"]
    assert t.attrs["read"]["problems"][0]["column"] == "Niños vacunados"


@pytest.mark.parametrize(("name", "encoding"), [("utf16.csv", "utf-16"),
                                                ("utf16le_nobom.csv", "utf-16-le")])
def test_utf16_with_and_without_bom(name, encoding):
    t = geoprio.read_table(BAD / name)
    assert t.attrs["read"]["encoding"] == encoding
    assert t.attrs["read"]["delimiter"] == ","
    assert t["ubigeo"].tolist() == ["150101", "150102", "150103"]
    assert t["distrito"].tolist() == ["Lima", "Ancón", "Ate"]
    assert t["desnutricion"].tolist() == [5.5, 7.25, 6.0]
    assert t.attrs["read"]["problems"] == []


def test_tab_separated():
    t = geoprio.read_table(BAD / "tabs.tsv")
    assert t.attrs["read"]["delimiter"] == "\t"
    assert t["pobreza"].tolist() == [12.5, 61.75, 30.0]
    assert t.attrs["read"]["number_styles"] == {"pobreza": "decimal comma"}


def test_thousands_dots_and_thousands_commas():
    t = geoprio.read_table(BAD / "thousands.csv")
    assert t["poblacion"].tolist() == [1234567.0, 2500.0, 1038495.0]
    assert t["superficie_km2"].tolist() == [21.98, 77.72, 131.25]
    t = geoprio.read_table(BAD / "thousands_comma.csv")
    assert t["poblacion"].tolist() == [1234567.0, 2500.0, 1038495.0]
    assert t["ingreso"].tolist() == [1520.5, 980.0, 1100.25]
    assert t.attrs["read"]["number_styles"] == {"poblacion": "thousands comma"}


def test_ambiguous_comma_is_reported():
    t = geoprio.read_table(b"ubigeo;pob\n010101;1,234\n010102;2,500\n", name="a.csv")
    assert t["pob"].tolist() == [1.234, 2.5]
    assert kinds(t) == ["ambiguous_numbers"]
    assert "decimal comma or a thousands comma" in t.attrs["read"]["problems"][0]["message"]


def test_merged_header_rows_in_xlsx():
    t = geoprio.read_table(BAD / "merged_header.xlsx")
    r = t.attrs["read"]
    assert (r["format"], r["sheet"], r["header_row"], r["header_rows"]) == (
        "xlsx", "Indicadores", 3, 2)
    assert list(t.columns) == ["UBIGEO", "Distrito", "Cobertura 2020", "Cobertura 2021",
                               "Anemia (%) 2020", "Anemia (%) 2021"]
    assert t["UBIGEO"].tolist() == ["010101", "010102", "010103", "010104", "010105"]
    assert t["Cobertura 2021"].tolist()[0] == 88.0 and math.isnan(t["Cobertura 2021"][1])
    assert t["Anemia (%) 2021"].tolist() == [28.4, 39.9, 25.0, 20.1, 33.3]
    (p,) = r["problems"]
    assert (p["kind"], p["row"], p["file_row"], p["column"], p["value"]) == (
        "text_in_numbers", 3, 7, "Anemia (%) 2020", "s/d")


def test_codes_with_5_and_7_digits():
    t = geoprio.read_table(BAD / "codes_5_7_digits.csv")
    assert t["ubigeo"].tolist() == ["010101", "1010101", "080915", "150101", "015010"]
    (p,) = t.attrs["read"]["problems"]
    assert (p["kind"], p["row"], p["file_row"], p["value"]) == ("invalid_code", 2, 3, "1010101")
    assert "7 digits" in p["message"]


def test_codes_join_keeps_the_invalid_code_visible(districts):
    t = geoprio.read_table(BAD / "codes_5_7_digits.csv")
    _, report = geoprio.join_indicators(districts.drop(columns="geometry"), t)
    assert report.invalid == [{"row": 2, "value": "1010101"}]
    assert [u["code"] for u in report.unmatched] == ["015010"]  # 5 digits, padded, unknown
    assert report.matched == 3  # 010101, 080915 (recoded to 080902), 150101


def test_text_in_numeric_column_kept_numeric_and_every_cell_reported():
    t = geoprio.read_table(BAD / "text_in_numbers.csv")
    v = t["anemia"].tolist()
    assert [v[i] for i in (0, 1, 3, 4, 6, 8, 9)] == [30.1, 41.2, 25.0, 33.3, 28.8, 36.0, 22.5]
    assert all(math.isnan(v[i]) for i in (2, 5, 7))
    got = [(p["row"], p["file_row"], p["column"], p["value"])
           for p in t.attrs["read"]["problems"]]
    assert got == [(3, 4, "anemia", "s/d"), (6, 7, "anemia", "no reporta")]  # (SD) is missing
    assert t.attrs["read"]["problem_counts"] == {"text_in_numbers": 2}
    assert t.attrs["read"]["text_columns"] == ["distrito"]


def test_percentages_out_of_range_reported_not_altered():
    t = geoprio.read_table(BAD / "pct_out_of_range.csv")
    assert t["anemia (%)"].tolist() == [30.5, 120.5, -3.0, 45.0]
    assert t["pobreza_pct"].tolist() == [20.0, 35.0, 101.0, 15.0]
    got = [(p["row"], p["column"], p["value"]) for p in t.attrs["read"]["problems"]]
    # poblacion (500, 1200) is no percentage and is not reported
    assert got == [(2, "anemia (%)", 120.5), (3, "anemia (%)", -3.0),
                   (3, "pobreza_pct", 101.0)]


def test_duplicated_codes_reported_with_the_columns_that_differ():
    t = geoprio.read_table(BAD / "dup_codes.csv")
    assert len(t) == 5
    dups = [(p["code"], p["rows"], p["columns"]) for p in t.attrs["read"]["problems"]]
    assert dups == [("010101", [1, 3], ["anemia"]), ("010102", [2, 4], [])]


def test_missing_key_column():
    with pytest.raises(InputError, match=r"no column of district codes .* \['distrito', "
                                         r"'provincia', 'anemia'\]") as err:
        geoprio.read_table(BAD / "no_key.csv")
    assert [p["kind"] for p in err.value.problems] == ["missing_key"]


def test_named_key_absent_suggests_the_close_one_and_lists_other_problems():
    data = b"Ubigeo,anemia\n010101,30\n010102,s/d\n010103,25\n010104,20\n"
    with pytest.raises(InputError, match=r"id_column 'UBIGEO' is not in the table \(did you "
                                         r"mean 'Ubigeo'\?\).*1 other problem") as err:
        geoprio.read_table(data, name="k.csv", id_column="UBIGEO")
    assert [p["kind"] for p in err.value.problems] == ["missing_key", "text_in_numbers"]


def test_size_limit_with_a_clear_message(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"ubigeo,v\n" + b"010101,1\n" * 200_000)  # 1.7 MB
    with pytest.raises(InputError, match=r"big\.csv: 1\.7 MB is more than the 1\.0 MB a table "
                                         r"may have \(max_bytes=1,048,576\)"):
        geoprio.read_table(path, max_bytes=2**20)

    class Stream(io.BytesIO):
        def __init__(self, data):
            super().__init__(data)
            self.read_sizes = []

        def read(self, n=-1):
            self.read_sizes.append(n)
            return super().read(n)

    stream = Stream(path.read_bytes())
    with pytest.raises(InputError, match=r"upload\.csv: it is more than the 1\.0 MB a table"):
        geoprio.read_table(stream, name="upload.csv", max_bytes=2**20)
    assert stream.read_sizes == [2**20 + 1]  # an upload is never read past the limit


def test_a_large_file_is_read_whole_and_problems_are_exact(tmp_path):
    rng = np.random.default_rng(7)
    codes = [f"{c:06d}" for c in rng.integers(10101, 259999, 60_000)]
    values = rng.integers(0, 100_000, 60_000) / 100
    lines = ["ubigeo;valor"] + [f"{c};{v:.2f}".replace(".", ",") for c, v in
                                zip(codes, values, strict=True)]
    lines[30_000] = "999999;no hay"  # data row 30000, line 30001
    t = geoprio.read_table("\n".join(lines).encode(), name="long.csv")
    assert len(t) == 60_000
    expected = values.copy()
    expected[29_999] = np.nan
    np.testing.assert_allclose(t["valor"].to_numpy(), expected, rtol=0, atol=1e-9)
    text = [p for p in t.attrs["read"]["problems"] if p["kind"] == "text_in_numbers"]
    assert [(p["row"], p["file_row"], p["value"]) for p in text] == [(30_000, 30_001, "no hay")]


def test_fast_and_slow_csv_paths_agree():
    body = "".join(f"{10101 + i:06d};{i},5;x{i}\n" for i in range(300))
    plain = geoprio.read_table(("ubigeo;v;n\n" + body).encode(), name="a.csv")
    # a quoted header cell over two lines sends the reader down the csv-module path
    quoted = geoprio.read_table(('ubigeo;v;"n\nnombre"\n' + body).encode(), name="b.csv")
    assert plain["v"].tolist() == quoted["v"].tolist() == [i + 0.5 for i in range(300)]
    assert plain["n"].tolist() == quoted["n nombre"].tolist()


# property-based: random tables written every way an office writes them
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzñáéíóú", min_size=3, max_size=12).filter(
    lambda s: s not in MISSING_CODES and s.lower() not in {"nan", "none", "null"})


@st.composite
def tables(draw):
    n = draw(st.integers(1, 15))
    codes = draw(st.lists(st.integers(10101, 259999), min_size=n, max_size=n, unique=True))
    ncols = draw(st.integers(1, 3))
    cols = [draw(st.lists(st.integers(-10**8, 10**8), min_size=n, max_size=n))
            for _ in range(ncols)]
    names = draw(st.lists(NAME, min_size=n, max_size=n))
    return codes, [[c / 100 for c in col] for col in cols], names


def fmt(v: float, style: str) -> str:
    s = f"{v:,.2f}" if style.endswith("thousands") else f"{v:.2f}"
    if style.startswith("comma"):
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
    return s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le"]),
       st.sampled_from([",", ";", "\t"]),
       st.sampled_from(["point", "comma", "point_thousands", "comma_thousands"]))
def test_random_tables_read_back_equal(table, encoding, delimiter, style):
    codes, cols, names = table
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(["ubigeo", "nombre", *[f"v{j}" for j in range(len(cols))]])
    for i, code in enumerate(codes):
        w.writerow([f"{code:06d}", names[i], *[fmt(col[i], style) for col in cols]])
    t = geoprio.read_table(buf.getvalue().encode(encoding), name="r.csv")
    assert t.attrs["read"]["delimiter"] == delimiter
    assert t["ubigeo"].tolist() == [f"{c:06d}" for c in codes]
    assert t["nombre"].tolist() == names
    for j, col in enumerate(cols):
        assert t[f"v{j}"].tolist() == pytest.approx(col, abs=1e-9)
    assert [p for p in t.attrs["read"]["problems"] if p["kind"] != "ambiguous_numbers"] == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.tsv", "x.xlsx", "x.txt"]))
def test_random_bytes_raise_only_geoprio_errors(data, name):
    try:
        t = geoprio.read_table(data, name=name)
    except GeoprioError:
        return
    assert "read" in t.attrs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ubigeo", ";", ",", "\t", "\n", '"', "010101", "1,5", "x",
                                 "(SD)", "\r", " ", "%", "1.234", "-", "\x00", "ñ"]),
                max_size=80))
def test_random_table_like_text_raises_only_geoprio_errors(parts):
    with contextlib.suppress(GeoprioError):
        geoprio.read_table("".join(parts).encode("utf-8"), name="t.csv")


# --------------------------------------------------------------------------- boundaries
def test_invalid_polygon_repaired_and_empty_geometries_reported():
    b = geoprio.read_boundaries(BAD / "invalid_polygon.geojson")
    r = b.attrs["read"]
    assert b["ubigeo"].tolist() == ["150101", "010101", "150102", "150103"]
    assert r["repaired"] == [1] and r["empty"] == [3, 4]
    assert r["counts"]["repaired"] == 1 and r["counts"]["empty"] == 2
    assert r["crs_assumed"].startswith("GeoJSON without a 'crs' member: EPSG:4326")
    bowtie = b.geometry.iloc[0]
    assert bowtie.is_valid and bowtie.geom_type == "MultiPolygon"
    # the bowtie is two triangles of a quarter of the 0.01 x 0.01 degree square each
    assert bowtie.area == pytest.approx(2 * 0.25 * 0.01 * 0.01, rel=1e-6)
    assert b.geometry.iloc[2] is None or b.geometry.iloc[2].is_empty


def test_points_and_lines_only_is_an_error():
    with pytest.raises(GeometryError, match=r"no polygon at all \(\{'Point': 2, 'LineString': 1\}"):
        geoprio.read_boundaries(BAD / "points_not_polygons.geojson")


def test_points_among_polygons_are_reported_and_set_missing(tmp_path):
    gdf = gpd.GeoDataFrame({"ubigeo": ["150101", "150102", "150103"]},
                           geometry=[LIMA, Point(-77.0, -12.0), LIMA.buffer(0.01)],
                           crs="EPSG:4326")
    path = tmp_path / "mixed.gpkg"
    gdf.to_file(path, engine="pyogrio")
    b = geoprio.read_boundaries(path)
    assert b.attrs["read"]["not_polygons"] == [{"row": 2, "type": "Point"}]
    assert b.geometry.iloc[1] is None
    assert b["ubigeo"].tolist() == ["150101", "150102", "150103"]  # the row is kept


def test_z_coordinates_dropped():
    b = geoprio.read_boundaries(BAD / "z_coords.geojson")
    assert b.attrs["read"]["counts"]["dropped_z"] == 2
    assert not shapely.has_z(b.geometry.values).any()
    assert b["ubigeo"].tolist() == ["150101", "010101"]  # numbers lost their zero: restored
    assert b.geometry.iloc[0].equals(LIMA)


def test_other_codes_reported():
    b = geoprio.read_boundaries(BAD / "other_codes.geojson")
    r = b.attrs["read"]
    assert r["code_column"] == "codigo"
    assert b["ubigeo"].tolist() == ["001501", "150101", None]
    assert r["invalid_codes"] == [{"row": 3, "value": "15010199"}]
    assert r["not_2017"] == ["001501"]


@pytest.mark.parametrize(("name", "epsg"), [("utm18s.gpkg", 32718), ("psad56.gpkg", 24878)])
def test_projected_crs_reprojected_to_lon_lat(name, epsg):
    raw = gpd.read_file(BAD / name, engine="pyogrio")
    assert raw.crs.to_epsg() == epsg
    x0, y0, _, _ = raw.geometry.iloc[0].bounds
    assert 270_000 < x0 < 290_000 and 8_660_000 < y0 < 8_680_000  # UTM 18S metres at Lima
    b = geoprio.read_boundaries(BAD / name)
    assert b.crs.to_epsg() == 4326
    assert b.attrs["read"]["crs"] == f"EPSG:{epsg}" and b.attrs["read"]["reprojected"]
    assert metres(b.geometry.iloc[0].centroid, LIMA.centroid) < 1.0
    assert b["ubigeo"].tolist() == ["150101", "010101"]


def test_psad56_datum_shift_is_applied():
    raw = gpd.read_file(BAD / "psad56.gpkg", engine="pyogrio")
    naive = raw.set_crs(32718, allow_override=True).to_crs(4326)  # PSAD56 taken as WGS 84
    assert metres(naive.geometry.iloc[0].centroid, LIMA.centroid) > 100


def test_shapefile_without_prj_needs_a_crs():
    with pytest.raises(GeometryError, match=r"no CRS .*\.prj.*UTM metres of the southern "
                                            r"hemisphere.*crs='EPSG:\.\.\.'"):
        geoprio.read_boundaries(BAD / "no_crs_shapefile.zip")
    b = geoprio.read_boundaries(BAD / "no_crs_shapefile.zip", crs="EPSG:32718")
    assert metres(b.geometry.iloc[0].centroid, LIMA.centroid) < 1.0
    assert b.attrs["read"]["crs"] == "EPSG:32718"


def test_geojson_in_metres_without_crs(tmp_path):
    utm = gpd.GeoSeries([LIMA], crs=4326).to_crs(32718).iloc[0]
    data = gpd.GeoDataFrame({"ubigeo": ["150101"]}, geometry=[utm]).to_json().encode()
    with pytest.raises(GeometryError, match="are not longitude/latitude"):
        geoprio.read_boundaries(data, name="m.geojson")
    b = geoprio.read_boundaries(data, name="m.geojson", crs="EPSG:32718")
    assert metres(b.geometry.iloc[0].centroid, LIMA.centroid) < 1.0


def test_missing_dbf():
    with pytest.raises(GeometryError, match=r"distritos\.shp has no \.dbf \(attribute table\)"):
        geoprio.read_boundaries(BAD / "missing_dbf.zip")


def test_missing_shx(tmp_path):
    out = tmp_path / "no_shx.zip"
    with zipfile.ZipFile(BAD / "zip_slip.zip") as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith(".shx"):
                dst.writestr(Path(info.filename.replace("\\", "/")).name, src.read(info))
    with pytest.raises(GeometryError, match=r"has no \.shx \(shape index\)"):
        geoprio.read_boundaries(out)


def test_zip_slip_members_do_not_escape(tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    b = geoprio.read_boundaries((BAD / "zip_slip.zip").read_bytes(), name="zip_slip.zip")
    assert b["ubigeo"].tolist() == ["150101", "010101"]
    assert metres(b.geometry.iloc[0].centroid, LIMA.centroid) < 1.0
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b"]
    assert not Path("/tmp/geoprio_zip_slip").exists()
    assert not Path("/tmp/evil").exists()


def test_nested_zip_refused():
    with pytest.raises(GeometryError, match=r"nested archives are not read \(distritos\.zip"):
        geoprio.read_boundaries(BAD / "nested.zip")


def test_zip_bomb_by_ratio_refused_before_reading(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("distritos.dbf", "w") as member:
            zero = bytes(2**20)
            for _ in range(40):  # 40 MB of zeros: about 40 KB packed
                member.write(zero)
        zf.writestr("distritos.shp", b"")
        zf.writestr("distritos.shx", b"")
    assert path.stat().st_size < 200_000
    with pytest.raises(GeometryError, match=r"above the 100:1 allowed; this looks like a zip "
                                            r"bomb"):
        geoprio.read_boundaries(path)


def test_zip_bomb_by_declared_size_refused(tmp_path):
    # a member that declares 1 GB in the central directory (the archive itself is tiny)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("distritos.shp", b"x" * 10)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (2**30).to_bytes(4, "little")  # uncompressed size
    with pytest.raises(GeometryError, match=f"would unpack to {2**30:,} bytes, more than the "
                                            f"{MAX_UNZIPPED_BYTES:,} allowed"):
        geoprio.read_boundaries(bytes(data), name="liar.zip")


def test_several_layers_need_a_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    one = gpd.GeoDataFrame({"ubigeo": ["150101"]}, geometry=[LIMA], crs=4326)
    one.to_file(path, layer="distritos", engine="pyogrio")
    one.to_file(path, layer="otros", engine="pyogrio")
    with pytest.raises(GeometryError, match=r"2 layers \(\['distritos', 'otros'\]\)"):
        geoprio.read_boundaries(path)
    assert geoprio.read_boundaries(path, layer="otros").attrs["read"]["layer"] == "otros"


def test_code_column_named_but_absent():
    with pytest.raises(GeometryError, match=r"id_column 'IDDIST' is not in"):
        geoprio.read_boundaries(BAD / "utm18s.gpkg", id_column="IDDIST")


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["b.zip", "b.gpkg", "b.geojson", "b.bin"]))
def test_random_bytes_as_boundaries_raise_only_geoprio_errors(data, name):
    with pytest.raises(GeoprioError):
        geoprio.read_boundaries(data, name=name)


# --------------------------------------------------------------------------- rasters
def _peru_box() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"ubigeo": ["150101"]}, geometry=[box(-77, -13, -75, -11)],
                            crs="EPSG:4326")


def test_raster_without_crs(tmp_path):
    import rasterio
    from rasterio.transform import Affine

    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       transform=Affine(1, 0, -78, 0, -1, -10)) as ds:
        ds.write(np.ones((1, 4, 4), dtype="uint8"))
    with pytest.raises(RasterError, match="has no CRS"):
        geoprio.zonal_stats(_peru_box(), path)


def test_raster_outside_peru(tmp_path):
    import rasterio
    from rasterio.transform import Affine

    path = tmp_path / "europe.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs="EPSG:4326", transform=Affine(1, 0, 0, 0, -1, 50)) as ds:
        ds.write(np.ones((1, 4, 4), dtype="uint8"))
    with pytest.raises(RasterError, match="does not overlap the districts"):
        geoprio.zonal_stats(_peru_box(), path)


def test_raster_with_a_huge_declared_size_is_refused_unread(tmp_path):
    import rasterio
    from rasterio.transform import Affine

    path = tmp_path / "huge.tif"
    size = 100_000  # 10 billion pixels declared; nothing written
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="uint8", crs="EPSG:4326", tiled=True, blockxsize=1024,
                       blockysize=1024, compress="deflate", sparse_ok=True,
                       transform=Affine(14 / size, 0, -82, 0, -19 / size, 0)):
        pass
    assert path.stat().st_size < 200_000
    with pytest.raises(RasterError, match=r"too fine for district 150101: its window has "
                                          r"[\d,]+ pixels, above max_window_pixels"):
        geoprio.zonal_stats(_peru_box(), path)


def test_read_boundaries_is_exported_lazily():
    import geoprio.readers.boundaries

    assert geoprio.read_boundaries is geoprio.readers.boundaries.read_boundaries
    assert os.fspath(BAD).endswith(os.path.join("tests", "data", "bad"))
