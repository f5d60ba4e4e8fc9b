"""Hostile inputs, second round (issue 13): user files against readers, writers and the CLI.

Each test names the class of the issue it covers. The files come from ``tests/data/bad/``
(written by ``make_corpus.py``) or are built here when they need a path of this machine, a
local HTTP server or many megabytes. Values are checked against independent routes: a file
the test writes itself, the request log of a server the test runs, calamine and openpyxl as
oracles for workbooks, Python's json module for nesting depth.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

import geoprio
from geoprio.errors import GeometryError, GeoprioError, InputError, RasterError
from geoprio.readers import formats, xlsx
from geoprio.readers.safety import MAX_MESSAGE_CHARS, gdal_guard

BAD = Path(__file__).parent / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402 - the corpus writer builds workbooks for the property test

LIMA = [(-77.035, -12.050), (-77.025, -12.050), (-77.025, -12.040), (-77.035, -12.040),
        (-77.035, -12.050)]
# the command and the child readers run the geoprio these tests import
CODE = Path(geoprio.__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(CODE)}


def kinds(frame) -> list[str]:
    return [p["kind"] for p in frame.attrs["read"]["problems"]]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geoprio", *args], capture_output=True,
                          text=True, env=ENV, cwd=CODE, timeout=300)


@pytest.fixture
def server(monkeypatch):
    """A local HTTP server on 127.0.0.1 and the list of paths it was asked for."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)  # requests go straight to the server
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    srv.shutdown()
    srv.server_close()


def districts(*boxes) -> gpd.GeoDataFrame:
    boxes = boxes or (box(-77.5, -8, -76, -6), box(-76, -8, -74, -6))
    return gpd.GeoDataFrame({"ubigeo": [f"0101{i + 1:02d}" for i in range(len(boxes))]},
                            geometry=list(boxes), crs="EPSG:4326")


def geotiff(path: Path, array, *, transform=None, nodata=None, dtype=None) -> Path:
    array = np.asarray(array)
    arrays = array if array.ndim == 3 else array[None]
    with rasterio.open(path, "w", driver="GTiff", width=arrays.shape[2], height=arrays.shape[1],
                       count=arrays.shape[0], dtype=dtype or arrays.dtype, crs="EPSG:4326",
                       transform=transform or from_origin(-78, -5, 0.5, 0.5),
                       nodata=nodata) as ds:
        ds.write(arrays.astype(dtype or arrays.dtype))
    return path


# =========================================================================== server's files
def _vrt_reading(path: Path) -> bytes:
    return f"""<OGRVRTDataSource>
  <OGRVRTLayer name="{path.stem}">
    <SrcDataSource>{path}</SrcDataSource>
    <GeometryType>wkbPolygon</GeometryType>
    <LayerSRS>EPSG:4326</LayerSRS>
    <GeometryField encoding="WKT" field="WKT"/>
  </OGRVRTLayer>
</OGRVRTDataSource>""".encode()


@pytest.fixture
def outside_file(tmp_path):
    """A file outside any upload, holding a secret, readable by GDAL as polygons with codes."""
    secret = tmp_path / "server" / "secreto.csv"
    secret.parent.mkdir()
    secret.write_text('ubigeo,clave,WKT\n150101,TOPSECRET-7731,"POLYGON((-77.035 -12.05,'
                      '-77.025 -12.05,-77.025 -12.04,-77.035 -12.05))"\n', encoding="utf-8")
    return secret


@pytest.mark.parametrize("name", ["distritos.gpkg", "distritos.geojson", "distritos.json",
                                  "distritos.bin"])
def test_ogr_vrt_upload_never_reads_a_file_outside_it(outside_file, name):
    import pyogrio

    vrt = _vrt_reading(outside_file)
    # the route the attack takes: GDAL itself does read the secret through this VRT
    probe = outside_file.parent / "probe.vrt"
    probe.write_bytes(vrt)
    assert "TOPSECRET-7731" in pyogrio.read_dataframe(probe)["clave"].tolist()
    with pytest.raises(GeometryError, match=r"XML \(an OGR/GDAL VRT.*not read") as err:
        geoprio.read_boundaries(vrt, name=name)
    assert "TOPSECRET" not in str(err.value) and str(outside_file) not in str(err.value)


def test_ogr_vrt_refused_as_a_path_and_inside_a_zip(outside_file, tmp_path):
    path = tmp_path / "upload" / "distritos.gpkg"
    path.parent.mkdir()
    path.write_bytes(_vrt_reading(outside_file))
    with pytest.raises(GeometryError, match="VRT"):
        geoprio.read_boundaries(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("distritos.geojson", _vrt_reading(outside_file))
    with pytest.raises(GeometryError, match=r"its layer is XML \(an OGR/GDAL VRT"):
        geoprio.read_boundaries(buf.getvalue(), name="capa.zip")
    with pytest.raises(GeometryError, match="VRT"):
        geoprio.read_boundaries(BAD / "ogr_vrt_named.gpkg")


@pytest.mark.parametrize(("name", "match"), [
    ("gpkg_with_view.gpkg", r"holds view\(s\) \['leak'\], which are not read"),
    ("gpkg_virtual_table.gpkg", r"virtual table 'leak' \(module 'VirtualOGR'\)"),
    ("plain_sqlite.gpkg", r"an SQLite database but not a GeoPackage"),
])
def test_geopackages_that_can_reach_other_data_are_refused(name, match):
    with pytest.raises(GeometryError, match=match):
        geoprio.read_boundaries(BAD / name)


def test_a_plain_geopackage_with_its_spatial_index_still_reads(tmp_path):
    path = tmp_path / "ok.gpkg"
    gpd.GeoDataFrame({"ubigeo": ["150101"]}, geometry=[Polygon(LIMA)], crs=4326).to_file(
        path, engine="pyogrio", SPATIAL_INDEX="YES")  # an rtree virtual table and triggers
    assert geoprio.read_boundaries(path)["ubigeo"].tolist() == ["150101"]


def test_paths_that_gdal_would_resolve_elsewhere_are_refused(server):
    url, hits = server
    for target, match in [(f"/vsicurl/{url}/a.gpkg", r"GDAL virtual file systems"),
                          (f"{url}/a.geojson", r"URLs are not fetched"),
                          ("CSV:/etc/passwd", r"driver prefixes such as 'CSV:'"),
                          ('<OGRVRTDataSource><OGRVRTLayer name="x"/></OGRVRTDataSource>',
                           r"looks like XML text")]:
        with pytest.raises(GeometryError, match=match):
            geoprio.read_boundaries(target)
        with pytest.raises(InputError, match=match):
            geoprio.read_table(target)
        with pytest.raises(RasterError, match=match):
            geoprio.zonal_stats(districts(), target)
    assert hits == []


# =========================================================================== no network
def test_geojson_crs_link_makes_no_request(server):
    import pyogrio

    url, hits = server
    gj = {"type": "FeatureCollection",
          "crs": {"type": "link", "properties": {"href": f"{url}/crs", "type": "proj4"}},
          "features": [{"type": "Feature", "properties": {"ubigeo": "150101"},
                        "geometry": {"type": "Polygon", "coordinates": [LIMA]}}]}
    data = json.dumps(gj).encode()
    with tempfile.TemporaryDirectory() as tmp:  # control: GDAL alone does fetch the link
        (Path(tmp) / "l.geojson").write_bytes(data)
        pyogrio.read_info(Path(tmp) / "l.geojson")
    assert hits == ["/crs"]
    hits.clear()
    with pytest.raises(GeometryError, match=r"'crs' member .* is not a CRS name"):
        geoprio.read_boundaries(data, name="link.geojson")
    with pytest.raises(GeometryError, match="not a CRS name"):
        geoprio.read_boundaries(BAD / "crs_link.geojson")
    assert hits == []


def _raster_vrt(source: str) -> bytes:
    return f"""<VRTDataset rasterXSize="10" rasterYSize="10"><SRS>EPSG:4326</SRS>
<GeoTransform>-78, 0.5, 0, -5, 0, -0.5</GeoTransform>
<VRTRasterBand dataType="Float32" band="1"><SimpleSource>
<SourceFilename relativeToVRT="0">{source}</SourceFilename><SourceBand>1</SourceBand>
</SimpleSource></VRTRasterBand></VRTDataset>""".encode()


def test_raster_vrt_makes_no_request_and_reads_no_server_raster(server, tmp_path):
    url, hits = server
    (tmp_path / "server").mkdir()
    private = geotiff(tmp_path / "server" / "privado.tif", np.full((10, 10), 77.0,
                                                                  dtype="float32"))
    local = _raster_vrt(str(private))
    remote = _raster_vrt(f"/vsicurl/{url}/interno.tif")
    # control: GDAL alone follows both sources
    probe = tmp_path / "probe.vrt"
    probe.write_bytes(local)
    with rasterio.open(probe) as ds:
        assert ds.read(1)[0, 0] == 77.0
    probe.write_bytes(remote)
    with pytest.raises(rasterio.errors.RasterioIOError), rasterio.open(probe) as ds:
        ds.read(1)
    assert hits
    hits.clear()
    for vrt in (local, remote):
        upload = tmp_path / "subida.tif"
        upload.write_bytes(vrt)
        with pytest.raises(RasterError, match=r"XML \(a GDAL VRT\?\).*not read"):
            geoprio.zonal_stats(districts(), upload)
        with pytest.raises(RasterError, match=r"^capa\.tif: is XML"):
            geoprio.zonal_stats(districts(), vrt, name="capa.tif")
        with pytest.raises(RasterError, match=r"subida\.tif: is XML"):  # as the weights
            geoprio.zonal_stats(districts(), private, population=upload)
    assert hits == []


def test_gdal_guard_blocks_http_even_when_gdal_is_asked_directly(server, monkeypatch):
    import pyogrio

    url, hits = server
    with gdal_guard():
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # /vsicurl/ is closed even then
        with pytest.raises(rasterio.errors.RasterioIOError):
            rasterio.open(f"/vsicurl/{url}/y.tif")
        monkeypatch.delenv("NO_PROXY")
        with pytest.raises(rasterio.errors.RasterioIOError):
            rasterio.open(f"/vsicurl/{url}/x.tif")
        # the CRS link below would be fetched without the guard (see the control above)
        assert pyogrio.get_gdal_config_option("GDAL_DISABLE_READDIR_ON_OPEN") == "EMPTY_DIR"
        gj = json.dumps({"type": "FeatureCollection", "crs": {"type": "link", "properties": {
            "href": f"{url}/crs"}}, "features": []})
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "l.geojson").write_text(gj, encoding="utf-8")
            pyogrio.read_info(Path(tmp) / "l.geojson")
    assert hits == []
    assert pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY") is None  # restored after


# =========================================================================== workbooks
_READ = ("import json, sys, geoprio\n"
         "try:\n"
         "    t = geoprio.read_table(sys.argv[1])\n"
         "    print(json.dumps(t.astype(object).where(t.notna(), None).to_dict('list')))\n"
         "except geoprio.errors.GeoprioError as exc:\n"
         "    print(exc)\n")


def read_in_child(path: Path) -> subprocess.CompletedProcess:
    """``read_table`` in a child process: a reader that aborts cannot end the test run."""
    return subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True,
                          text=True, env=ENV, timeout=120)


def test_last_cell_workbook_does_not_kill_the_process():
    """The issue's 4.7 KB workbook: read in a child so that a crash cannot end the tests."""
    path = BAD / "last_cell.xlsx"
    assert 4500 < path.stat().st_size < 4900
    proc = read_in_child(path)
    assert proc.returncode == 0, proc.stderr[-500:]  # calamine: 134 (SIGABRT)
    assert "value in cell XFD1048576 (1)" in proc.stdout
    assert "1,048,576 rows x 16,384 columns" in proc.stdout


def test_used_range_of_formatting_only_reads_the_table():
    t = geoprio.read_table(BAD / "last_cell_formatting_only.xlsx")
    assert t["ubigeo"].tolist() == ["010101", "010102", "010103"]
    assert t["anemia"].tolist() == [20.5, 21.5, 22.5]


def test_padded_shared_strings_are_read_without_trusting_their_count():
    proc = read_in_child(BAD / "padded_shared_strings.xlsx")  # calamine: SIGABRT
    assert proc.returncode == 0, proc.stderr[-500:]
    assert json.loads(proc.stdout) == {"ubigeo": ["010101"], "valor": [7.5]}


@pytest.mark.parametrize(("name", "match"), [
    ("entity_expansion.xlsx", r"declares a DTD or entities"),
    ("shared_string_out_of_range.xlsx", r"cell A1 refers to shared string '999999', but the "
                                        r"workbook has 1"),
    ("csv_named_xlsx.xlsx", r"is named \.xlsx but is not a workbook"),
])
def test_damaged_or_hostile_workbooks_are_named(name, match):
    with pytest.raises(InputError, match=match):
        geoprio.read_table(BAD / name)


def test_workbook_members_are_bounded_before_unpacking(monkeypatch, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(200):
        wb.active.append([f"{10101 + i:06d}", i + 0.5])
    path = tmp_path / "libro.xlsx"
    wb.save(path)
    monkeypatch.setattr(xlsx, "MAX_SHEET_XML_BYTES", 1000)
    with pytest.raises(InputError, match=r"sheet 'Sheet' \(xl/worksheets/sheet1\.xml\) would "
                                         r"unpack to [\d,]+ bytes, more than the 1,000 read"):
        geoprio.read_table(path)
    monkeypatch.setattr(xlsx, "MAX_SHEET_XML_BYTES", 10**9)
    monkeypatch.setattr(xlsx, "MAX_VALUES", 100)
    with pytest.raises(InputError, match=r"holds more than 100 values"):
        geoprio.read_table(path)
    monkeypatch.setattr(xlsx, "MAX_VALUES", 10**9)
    monkeypatch.setattr(xlsx, "MAX_CELL_ELEMENTS", 50)
    with pytest.raises(InputError, match=r"has more than 50 cells \(most of them empty"):
        geoprio.read_table(path)


def test_the_bounded_reader_agrees_with_calamine_and_openpyxl(tmp_path):
    from openpyxl import Workbook

    rng = np.random.default_rng(13)
    wb = Workbook()
    ws = wb.active
    ws.title = "Datos"
    ws.append(["ubigeo", "distrito", "pobreza", "fecha", "ok"])
    for i in range(300):
        ws.append([f"{10101 + i:06d}", f"Distrito ñ {i}", round(float(rng.random()), 4),
                   dt.datetime(2020, 1, 1) + dt.timedelta(days=i), bool(i % 2)])
    ws["G5"] = "suelto"
    ws.merge_cells("B3:C3")
    wb.create_sheet("Otra").append(["x"])
    path = tmp_path / "libro.xlsx"
    wb.save(path)
    rows, sheet, sheets = xlsx.read_xlsx(path.read_bytes(), label="libro.xlsx")
    assert (sheet, sheets) == ("Datos", ["Datos", "Otra"])
    oracle = pd.read_excel(path, header=None, engine="calamine", dtype=object)
    expected = oracle.astype(object).where(oracle.notna(), None).values.tolist()
    got = [r + [None] * (oracle.shape[1] - len(r)) for r in rows]
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert [None if v is None else (pd.Timestamp(v) if isinstance(v, dt.datetime) else v)
                for v in a] == [None if v is None else v for v in b]
    assert xlsx.read_xlsx(path.read_bytes(), label="l", sheet="Otra")[0] == [["x"]]


def test_ods_is_read_in_a_child_and_its_bomb_stays_there():
    def ods(body: str) -> bytes:
        content = (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
            'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
            'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
            'text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table '
            'table:name="Hoja1">' + body + "</table:table></office:spreadsheet></office:body>"
            "</office:document-content>")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
            zf.writestr("META-INF/manifest.xml", (
                '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:'
                'oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:'
                'full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
                'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:'
                'media-type="text/xml"/></manifest:manifest>'), zipfile.ZIP_DEFLATED)
        return buf.getvalue()

    def cell(v: str, number: bool = False) -> str:
        kind = f'office:value-type="float" office:value="{v}"' if number else \
            'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{v}</text:p></table:table-cell>"

    rows = (f"<table:table-row>{cell('ubigeo')}{cell('valor')}</table:table-row>"
            f"<table:table-row>{cell('010101')}{cell('4.5', True)}</table:table-row>")
    t = geoprio.read_table(ods(rows), name="tabla.ods")
    assert t["ubigeo"].tolist() == ["010101"] and t["valor"].tolist() == [4.5]
    assert t.attrs["read"]["format"] == "ods"
    bomb = rows + ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
                   'table:number-columns-repeated="16000" office:value-type="float" '
                   'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')
    with pytest.raises(InputError, match=r"^bomba\.ods: cannot be read as a spreadsheet"):
        geoprio.read_table(ods(bomb), name="bomba.ods")


def test_a_crash_of_the_isolated_reader_is_an_input_error(monkeypatch):
    monkeypatch.setattr(xlsx, "ISOLATED_MEMORY", 8 * 2**20)  # the child cannot even start
    with pytest.raises(InputError, match=r"^x\.xls: cannot be read as a spreadsheet"):
        xlsx.read_isolated(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), label="x.xls")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(
    st.tuples(st.integers(1, 40), st.integers(1, 30)),
    st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32),
              st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                      min_size=1, max_size=12).filter(str.strip)),
    min_size=1, max_size=60))
def test_workbook_cells_come_back_where_they_were_written(cells):
    """Property: any sparse sheet is read cell for cell (oracle: what was written)."""
    from xml.sax.saxutils import escape

    rows: dict[int, list[str]] = {}
    for (r, c), v in sorted(cells.items()):
        ref = f"{xlsx._col_letters(c)}{r}"
        rows.setdefault(r, []).append(
            f'<c r="{ref}"><v>{v!r}</v></c>' if isinstance(v, float) else
            f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>" + "".join(f'<row r="{r}">{"".join(cs)}</row>'
                                     for r, cs in sorted(rows.items())) + "</sheetData>"
             "</worksheet>")
    got, _, _ = xlsx.read_xlsx(make_corpus._xlsx(sheet), label="p.xlsx")
    for (r, c), v in cells.items():
        if isinstance(v, str) and not v.strip():
            continue
        assert got[r - 1][c - 1] == (float(v) if isinstance(v, float) else v)
    assert sum(v is not None for row in got for v in row) == len(cells)



# =========================================================================== rasters
def test_complex_raster_is_refused_not_cut_to_its_real_part():
    with pytest.raises(RasterError, match=r"holds complex numbers \(complex64, band 1\)"):
        geoprio.zonal_stats(districts(), BAD / "complex.tif")


def test_all_nodata_raster_is_reported_not_computed():
    with pytest.raises(RasterError, match=r"every pixel under the districts is nodata \(-9999\)"):
        geoprio.zonal_stats(districts(), BAD / "all_nodata.tif")


def test_district_with_only_nodata_pixels_says_so(tmp_path):
    grid = np.arange(100, dtype="float32").reshape(10, 10)
    grid[:, 5:] = -9999  # the east half: lon -75.5 to -73
    path = geotiff(tmp_path / "half.tif", grid, nodata=-9999)
    west, east = box(-77.9, -9.9, -76.1, -5.1), box(-75.4, -9.9, -73.1, -5.1)
    out = geoprio.zonal_stats(districts(west, east), path, stats=["mean", "count"])
    assert out["zonal_method"].tolist() == ["centre", "nodata"]
    # west: columns 0-3 (centres -77.75 ... -76.25) of rows 0-9 -> mean of c + 10 r
    assert out["count"].tolist() == [40, 0]
    assert out["mean"].iloc[0] == pytest.approx(np.mean([c + 10 * r for r in range(10)
                                                         for c in range(4)]))


def test_truncated_geotiff_is_a_raster_error_naming_the_file():
    whole = districts(box(-78, -10, -73, -5))
    with pytest.raises(RasterError, match=r"^raster .*truncated\.tif cannot be read \(band 1, "
                                          r"rows .*the file is truncated or damaged"):
        geoprio.zonal_stats(whole, BAD / "truncated.tif")


@pytest.mark.parametrize(("make", "match"), [
    (lambda p: geotiff(p, np.ones((300, 2, 2), dtype="uint8")),
     r"has 300 bands, more than the 256 read \(MAX_BANDS\)"),
    (lambda p: _sparse(p, 250_000, 10, block=(1, 250_000)),
     r"is 250,000 x 10 pixels, above the 200,000 pixels a side read \(MAX_SIDE\)"),
    (lambda p: _sparse(p, 16_400, 16_400, block=(16_400, 16_400)),
     r"blocks of 16,400 x 16,400 pixels \(2\d\d MB each, above 256 MB\); rewrite it tiled"),
])
def test_raster_limits_name_the_limit_hit(tmp_path, make, match):
    path = make(tmp_path / "r.tif")
    assert path.stat().st_size < 2_000_000
    with pytest.raises(RasterError, match=match):
        geoprio.zonal_stats(districts(), path)


def _sparse(path: Path, width: int, height: int, block: tuple[int, int]) -> Path:
    """A GeoTIFF declaring its size and blocks, with no pixel written (a few hundred bytes)."""
    tiled = block[0] != 1
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="uint8", crs="EPSG:4326", sparse_ok=True, compress="deflate",
                       transform=from_origin(-82, 0, 14 / width, 19 / height),
                       **({"tiled": True, "blockxsize": block[1], "blockysize": block[0]}
                          if tiled else {"blockysize": block[0]})):
        pass
    return path


def test_pixels_read_are_bounded_by_max_pixels(tmp_path):
    path = geotiff(tmp_path / "r.tif", np.ones((3, 10, 10), dtype="float32"))
    with pytest.raises(RasterError, match=r"10 x 10 pixels x 3 band\(s\) = 300 pixels to read, "
                                          r"above max_pixels=299"):
        geoprio.zonal_stats(districts(box(-78, -10, -73, -5)), path, band=[1, 2, 3],
                            max_pixels=299)
    out = geoprio.zonal_stats(districts(box(-78, -10, -73, -5)), path, band=[1, 2, 3],
                              max_pixels=300, stats=["count"])
    assert out[["b1_count", "b2_count", "b3_count"]].iloc[0].tolist() == [100, 100, 100]


def test_raster_upload_as_bytes_is_named_by_its_file_name(tmp_path):
    data = geotiff(tmp_path / "r.tif", np.full((10, 10), 3.0, dtype="float32")).read_bytes()
    out = geoprio.zonal_stats(districts(), data, name="lluvia.tif", stats=["mean"])
    assert out["mean"].tolist() == [3.0, 3.0]
    with pytest.raises(RasterError, match=r"^lluvia\.tif: cannot be opened as a GeoTIFF") as e:
        geoprio.zonal_stats(districts(), data[:200], name="lluvia.tif")
    assert tempfile.gettempdir() + os.sep + "geoprio_" not in str(e.value)


# =========================================================================== tables
def test_unclosed_quote_stops_with_the_line():
    with pytest.raises(InputError, match=r"unclosed_quote\.csv: line 4: a quote \(\"\) opens a "
                                         r"cell that is never closed, so the 47 line\(s\) after"):
        geoprio.read_table(BAD / "unclosed_quote.csv")


def test_quote_spanning_rows_is_listed_with_its_lines():
    t = geoprio.read_table(BAD / "quote_spans_rows.csv")
    assert len(t) == 47  # 50 rows written, lines 4-7 are one record
    assert kinds(t) == ["multiline_cell"]
    p = t.attrs["read"]["problems"][0]
    assert (p["file_row"], p["last_line"]) == (4, 7)
    # the rows after the merged record keep their true line numbers
    assert t["ubigeo"].iloc[3] == "010107"


def test_non_finite_numbers_are_problems_not_infinity():
    t = geoprio.read_table(BAD / "not_finite.csv")
    assert t["valor"].iloc[3:].tolist() == [12.5, 7.0, 8.0]
    assert t["valor"].iloc[:3].isna().all() and np.isfinite(t["valor"].dropna()).all()
    probs = [p for p in t.attrs["read"]["problems"] if p["kind"] == "not_finite"]
    assert [(p["row"], p["file_row"], p["value"][:5]) for p in probs] == [
        (1, 2, "1e400"), (2, 3, "-1e30"), (3, 4, "99999")]
    x = geoprio.read_table(BAD / "not_finite.xlsx")
    assert kinds(x) == ["not_finite", "not_finite"] and x["valor"].tolist()[2] == 12.5


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.floats(allow_nan=False).map(repr),
                 st.integers(-(10**500), 10**500).map(str),
                 st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99),
                           st.integers(-5000, 5000))))
def test_a_numeric_cell_is_finite_or_a_listed_problem(cell):
    """Property: no value read from a numeric column is infinite; what is not kept is listed."""
    body = "ubigeo,valor\n010101,1\n010102,2\n010103,3\n010104," + cell + "\n"
    t = geoprio.read_table(body.encode(), name="n.csv")
    v = t["valor"].iloc[3]
    assert not np.isinf(t["valor"]).any()
    if np.isnan(v):
        assert [p["row"] for p in t.attrs["read"]["problems"]] == [4]
    else:
        assert v == pytest.approx(float(cell)) and t.attrs["read"]["problems"] == []


def test_one_latin1_byte_in_utf8_is_reported_and_both_read_right():
    t = geoprio.read_table(BAD / "latin1_byte_in_utf8.csv")
    assert t["distrito"].tolist() == ["Chachapoyas", "Asunción", "Balsas", "Chiliquín"]
    assert kinds(t) == ["mixed_encoding"]
    p = t.attrs["read"]["problems"][0]
    assert p["lines"] == [5] and p["bytes"] == 1 and "0xED" in p["message"]
    assert t.attrs["read"]["encoding"] == "utf-8 (mixed)"


def test_a_whole_latin1_file_is_still_read_as_latin1_without_a_problem():
    t = geoprio.read_table(BAD / "latin1_semicolon.csv")
    assert t.attrs["read"]["encoding"] == "latin-1" and "mixed_encoding" not in kinds(t)


def test_reserved_column_names_are_renamed_and_listed():
    t = geoprio.read_table(BAD / "reserved_names.csv")
    assert t.columns.tolist() == ["ubigeo", "score_table", "rank_table", "geometry_table",
                                  "anemia"]
    assert kinds(t) == ["reserved_name"] * 3
    assert t["score_table"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("bad", ["geometry", "score", "rank", "p_selected", "reasons",
                                 "selected", "zonal_method"])
def test_reserved_indicator_ids_are_refused(bad, tmp_path):
    from geoprio.engine.ranking import BUDGET_COLUMNS, OUTPUT_COLUMNS
    from geoprio.readers.tables import RESERVED_NAMES, check_indicator_id

    assert {*OUTPUT_COLUMNS, *BUDGET_COLUMNS, "geometry"} <= RESERVED_NAMES
    with pytest.raises(InputError, match=f"'{bad}' is a name geoprio gives its results"):
        check_indicator_id(bad)
    zonal = pd.DataFrame({"ubigeo": ["010101"], "mean": [1.0]})
    cat = geoprio.catalog().head(0)
    with pytest.raises(InputError, match="a name geoprio gives its results"):
        geoprio.add_zonal_indicator(pd.DataFrame({"ubigeo": ["010101"]}), cat, zonal,
                                    column="mean", id=bad, label_es="x", label_en="x",
                                    unit="", higher_is_worse=True, source="s")


# =========================================================================== boundaries
def test_dbf_with_fewer_records_than_shapes_is_refused():
    with pytest.raises(GeometryError, match=r"the \.shp holds 5 shapes but the \.dbf 2 "
                                            r"records"):
        geoprio.read_boundaries(BAD / "dbf_fewer_records.zip")


def test_engineering_crs_is_one_line():
    with pytest.raises(GeometryError, match=r"engineering_crs\.gpkg: its CRS \(obra\) is a "
                                            r"local engineering system"):
        geoprio.read_boundaries(BAD / "engineering_crs.gpkg")


def test_deep_nesting_is_one_line_and_shallow_collections_are_read():
    with pytest.raises(GeometryError, match=r"nested more than 32 levels deep"):
        geoprio.read_boundaries(BAD / "deep_nesting.geojson")
    b = geoprio.read_boundaries(BAD / "nested_collections.geojson")
    assert b["ubigeo"].tolist() == ["150101", "010101"]
    assert b.geometry.iloc[0].equals(Polygon(LIMA))  # found 5 collections down
    assert b.attrs["read"]["problems"] == []


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}, \n', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(alphabet='ab"\\[]{}', max_size=4), inner, max_size=3), max_leaves=25)


def _depth(v) -> int:
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(_json_values, st.sampled_from([None, "EPSG:32718", "urn:ogc:def:crs:EPSG::4326"]),
       st.integers(1, 40))
def test_json_scan_agrees_with_python_json(props, crs, chunk):
    """Property: the chunked byte scan finds the depth and the crs member json.loads sees."""
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties":
                                                      {"p": props}, "geometry": None}]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    data = json.dumps(doc).encode()
    old = formats._CHUNK
    formats._CHUNK = chunk  # tiny chunks: every state crosses a chunk boundary
    try:
        depth = _depth(json.loads(data))
        if depth > formats.MAX_JSON_DEPTH:
            with pytest.raises(GeometryError, match="nested more than"):
                formats.check_geojson(data, "p")
        else:
            out = formats.check_geojson(data, "p")
            assert out["depth"] == depth
            assert out["crs"] == doc.get("crs")
    finally:
        formats._CHUNK = old


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 60))
def test_nesting_beyond_the_limit_is_refused_below_it_read(levels):
    geom = {"type": "Polygon", "coordinates": [LIMA]}
    for _ in range(levels):
        geom = {"type": "GeometryCollection", "geometries": [geom]}
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ubigeo": "150101"}, "geometry": geom}]}).encode()
    depth = 7 + 2 * levels  # FeatureCollection, features, Feature, and 4 levels of a Polygon
    if depth > formats.MAX_JSON_DEPTH:
        with pytest.raises(GeometryError, match=r"nested more than 32 levels deep"):
            geoprio.read_boundaries(data, name="n.geojson")
    else:
        b = geoprio.read_boundaries(data, name="n.geojson")
        assert b.geometry.iloc[0].equals(Polygon(LIMA))


def test_outside_peru_rows_are_problems_with_their_row():
    b = geoprio.read_boundaries(BAD / "outside_peru.geojson")
    r = b.attrs["read"]
    assert r["outside_peru_rows"] == [2] and r["outside_peru"] is False
    assert [(p["kind"], p["row"]) for p in r["problems"]] == [("outside_peru", 2)]


def test_source_crs_is_named_after_a_successful_read():
    b = geoprio.read_boundaries(BAD / "utm18s.gpkg")
    assert b.attrs["read"]["source_crs"] == "EPSG:32718" == b.attrs["read"]["crs"]


def test_no_server_temporary_path_in_messages():
    tmp = tempfile.gettempdir()
    cases = [
        (lambda: geoprio.read_boundaries(b"SQLite format 3\x00" + bytes(500), name="d.gpkg"),
         "d.gpkg"),
        (lambda: geoprio.read_boundaries(b'{"type": "FeatureCollection", "features": [{"type": '
                                         b'"Feature", "geometry": {"type": "Polygon", '
                                         b'"coordinates": [[[0, "x"]]]}}]}', name="d.geojson"),
         "d.geojson"),
        (lambda: geoprio.zonal_stats(districts(), b"II*\x00" + bytes(300), name="r.tif"),
         "r.tif"),
    ]
    for call, label in cases:
        with pytest.raises(GeoprioError) as err:
            call()
        text = str(err.value)
        assert text.startswith(label) and f"{tmp}{os.sep}geoprio_" not in text, text
        assert f"{tmp}{os.sep}tmp" not in text


def test_folders_and_pipes_are_named_as_such(tmp_path):
    folder = tmp_path / "carpeta.gpkg"
    folder.mkdir()
    for read, err in ((geoprio.read_table, InputError), (geoprio.read_boundaries,
                                                         GeometryError),
                      (lambda p: geoprio.zonal_stats(districts(), p), RasterError)):
        with pytest.raises(err, match=r"carpeta\.gpkg: is a folder, not a file"):
            read(folder)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "tubo.csv"
        os.mkfifo(fifo)  # opening it would block the reader forever
        with pytest.raises(InputError, match=r"tubo\.csv: is a named pipe \(FIFO\)"):
            geoprio.read_table(fifo)
        with pytest.raises(GeometryError, match=r"named pipe"):
            geoprio.read_boundaries(fifo)


@settings(max_examples=25, deadline=None)
@given(st.integers(10, 2_000_000), st.sampled_from(["header", "cell", "key"]))
def test_messages_stay_short_whatever_the_input(n, where):
    """Property: however long a name or a cell, the error and each problem are short."""
    long = "x" * n
    if where == "header":  # no code column: the error lists the columns
        body = f"{long},b\n1,2\n"
        with pytest.raises(InputError) as err:
            geoprio.read_table(body.encode(), name="h.csv")
        assert len(str(err.value)) <= MAX_MESSAGE_CHARS
    elif where == "cell":
        body = "ubigeo,v\n" + "".join(f"0101{i:02d},{i}\n" for i in range(1, 9)) + \
               f"010109,{long}\n"
        try:
            t = geoprio.read_table(body.encode(), name="c.csv")
        except InputError as err:  # a cell beyond the csv module's limit: refused, briefly
            assert n > 131_000 and len(str(err)) <= MAX_MESSAGE_CHARS
            assert "longer than 131,072 characters" in str(err)
        else:
            assert all(len(p["message"]) < 300 for p in t.attrs["read"]["problems"])
    else:
        with pytest.raises(InputError) as err:
            geoprio.read_table(b"ubigeo,v\n010101,1\n", name="k.csv", id_column=long)
        assert len(str(err.value)) <= MAX_MESSAGE_CHARS


# =========================================================================== CLI
def test_cli_check_on_boundaries_lists_problems_and_exits_like_tables():
    proc = cli("check", str(BAD / "invalid_polygon.geojson"))
    assert proc.returncode == 1
    assert "4 rows read; 3 problems" in proc.stdout
    assert "row 1 (ubigeo 150101): invalid polygon" in proc.stdout
    ok = cli("check", str(BAD / "utm18s.gpkg"))
    assert (ok.returncode, ok.stdout.strip().endswith("2 rows read; 0 problems")) == (0, True)


@pytest.mark.parametrize("name", ["last_cell.xlsx", "engineering_crs.gpkg", "truncated.tif",
                                  "deep_nesting.geojson", "gdal_vrt_named.tif"])
def test_cli_prints_one_line_and_exits_2(name):
    path = str(BAD / name)
    args = ("zonal", path, "--out", os.devnull) if name.endswith(".tif") else ("check", path)
    proc = cli(*args)
    assert proc.returncode == 2, proc.stderr[-400:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"geoprio {args[0]}: ")
    assert "Traceback" not in proc.stderr and len(lines[0]) <= MAX_MESSAGE_CHARS


def test_cli_zonal_name_works_without_unit(tmp_path):
    grid = np.random.default_rng(1).random((190, 140)).astype("float32") * 100
    raster = geotiff(tmp_path / "lluvia.tif", grid, transform=from_origin(-82, 0, 0.1, 0.1))
    out = tmp_path / "tabla.csv"
    proc = cli("zonal", str(raster), "--name", "lluvia_mm", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no numpy or library warning reaches the user
    cat = pd.read_csv(tmp_path / "tabla.catalog.csv", encoding="utf-8-sig")
    row = cat[cat["id"] == "lluvia_mm"].iloc[0]
    assert pd.isna(row["unit"]) and row["source"] == "lluvia.tif"


def test_cli_join_out_neutralises_formulas(tmp_path):
    out = tmp_path / "unido.csv"
    proc = cli("join", str(BAD / "formula_header.csv"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "'=HYPERLINK" in header and "'@SUM(A1)" in header
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    row = table[table["ubigeo"] == "010101"].iloc[0]
    assert row["nota"] == "'=1+1"


# =========================================================================== exports
def test_formula_headers_are_text_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    frame = pd.DataFrame({"ubigeo": ["010101"], '=HYPERLINK("http://x")': [1],
                          "@SUM(A1)": ["=1+1"]})
    csv_text = geoprio.export(frame, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "ubigeo,\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1)"
    ws = load_workbook(geoprio.export(frame, tmp_path / "t.xlsx"))["distritos"]
    assert [c.data_type for c in ws[1]] == ["s", "s", "s"]
    assert [c.value for c in ws[1]][1:] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    assert ws["C2"].value == "'=1+1" and ws["C2"].data_type == "s"


def test_html_and_xlsx_are_the_same_bytes_on_any_day(tmp_path, districts_small):
    a = geoprio.export(districts_small, tmp_path / "a.html", column="poverty_2018").read_bytes()
    b = geoprio.export(districts_small, tmp_path / "b.html", column="poverty_2018").read_bytes()
    assert a == b
    x = geoprio.export(districts_small, tmp_path / "a.xlsx").read_bytes()
    y = geoprio.export(districts_small, tmp_path / "b.xlsx").read_bytes()
    assert x == y
    today = dt.date.today().isoformat().encode()
    with zipfile.ZipFile(io.BytesIO(x)) as zf:
        assert not any(today in zf.read(n) for n in zf.namelist())
        meta = zf.read("docProps/core.xml")
    assert b"2017-10-22T00:00:00Z" in meta


@pytest.fixture(scope="module")
def districts_small():
    return geoprio.load_districts().head(25)
