"""geoprio.report.mapcodec: the compact map layer (shared arcs, varint strings, browser decoder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import MultiPolygon, Point, Polygon, box

from geoprio.errors import GeometryError, InputError
from geoprio.report.mapcodec import (
    CompactChoropleth,
    compact_layer,
    decode_borders,
    decode_coverage,
    decode_rings,
    encode_coverage,
    payload_bytes,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
UNIT = 0.001  # small test frames: one grid unit of 1e-3 degree near Lima
X0, Y0 = -77.0, -12.0


def _poly(shell, holes=()):
    move = lambda pts: [(X0 + x * UNIT, Y0 + y * UNIT) for x, y in pts]  # noqa: E731
    return Polygon(move(shell), [move(h) for h in holes])


@pytest.fixture(scope="module")
def small() -> gpd.GeoDataFrame:
    """A: a square with a hole and an extra vertex at (10, 2); B: the enclave filling the
    hole; C: two squares, the first sharing A's side from (10, 0) to (10, 2)."""
    a = _poly([(0, 0), (10, 0), (10, 2), (10, 10), (0, 10)],
              [[(4, 4), (4, 6), (6, 6), (6, 4)]])
    b = _poly([(4, 4), (6, 4), (6, 6), (4, 6)])
    c = MultiPolygon([_poly([(10, 0), (12, 0), (12, 2), (10, 2)]),
                      _poly([(20, 0), (22, 0), (22, 2), (20, 2)])])
    return gpd.GeoDataFrame({"ubigeo": ["010101", "010102", "020101"],
                             "dep": ["01", "02", "01"]}, geometry=[a, b, c], crs=4326)


def _expected(geom, precision: int) -> list[list[np.ndarray]]:
    """The quantized input, computed here: rounded integers, closed rings, no repeats."""
    out = []
    for poly in shapely.get_parts(geom):
        rings = []
        for ring in [poly.exterior, *poly.interiors]:
            q = np.rint(np.asarray(ring.coords) * 10**precision).astype(np.int64)
            keep = np.r_[True, np.any(q[1:] != q[:-1], axis=1)]
            rings.append(q[keep])
        out.append(rings)
    return out


def _same_ring(got: np.ndarray, want: np.ndarray) -> bool:
    """Same closed ring, vertex by vertex and in the same direction (any start vertex)."""
    if got.shape != want.shape or not np.array_equal(got[0], got[-1]):
        return False
    g, w = got[:-1], want[:-1]
    starts = np.flatnonzero(np.all(g == w[0], axis=1))
    return any(np.array_equal(np.roll(g, -int(k), axis=0), w) for k in starts)


def _assert_round_trip(frame: gpd.GeoDataFrame, precision: int) -> None:
    decoded = decode_rings(encode_coverage(frame, precision=precision))
    assert len(decoded) == len(frame)
    for row, (geom, got) in enumerate(zip(frame.geometry, decoded, strict=True)):
        want = _expected(geom, precision)
        assert [len(p) for p in got] == [len(p) for p in want], f"row {row}"
        for gp, wp in zip(got, want, strict=True):
            for gr, wr in zip(gp, wp, strict=True):
                assert _same_ring(gr, wr), f"row {row}: ring differs"


# ----------------------------------------------------------------------------- encoding
def test_small_round_trip_keeps_holes_and_multipolygons(small):
    _assert_round_trip(small, 4)
    decoded = decode_rings(encode_coverage(small, precision=4))
    assert [len(p) for p in decoded[0]] == [2]  # A: one polygon, exterior + hole
    assert len(decoded[2]) == 2  # C: two polygons
    geoms = decode_coverage(encode_coverage(small))
    assert geoms.iloc[0].area == pytest.approx(small.geometry.iloc[0].area, rel=1e-9)
    assert geoms.iloc[0].geoms[0].interiors[0].coords[0] in {
        (X0 + x * UNIT, Y0 + y * UNIT) for x, y in [(4, 4), (4, 6), (6, 6), (6, 4)]}


def test_shared_sides_are_stored_once(small):
    # A's outside is cut at (10, 0) and (10, 2) into 2 arcs, one shared with C's first
    # square; A's hole is B's exterior (one closed arc); C's first square adds 1 arc and
    # its second square 1: 5 arcs, against 6 rings.
    enc = encode_coverage(small)
    assert enc["n_arcs"] == 5
    flat = encode_coverage(small, topology=False)
    assert flat["n_arcs"] == 0
    assert decode_rings(flat)[1][0][0].shape == (5, 2)


def test_quantization_merges_close_vertices():
    square = Polygon([(0, 0), (1, 0), (1.00004, 0.00004), (1, 1), (0, 1)])
    got = decode_rings(encode_coverage(gpd.GeoSeries([square], crs=4326), precision=4))
    assert got[0][0][0].tolist() == [[0, 0], [10000, 0], [10000, 10000], [0, 10000], [0, 0]]
    _assert_round_trip(gpd.GeoDataFrame(geometry=[square], crs=4326), 2)


def test_group_borders_come_from_the_arcs(small):
    enc = encode_coverage(small, borders="dep")
    lines = decode_borders(enc, "dep")
    # outside of A (8+10+10+10) + C's outer sides (2+2+2) + C's far square (8) + the hole
    # (8, between departments 01 and 02); the side A-C lies inside department 01
    assert lines.length == pytest.approx(60 * UNIT, rel=1e-9)
    assert len(lines.geoms) == 4


def test_empty_geometry_keeps_its_row():
    series = gpd.GeoSeries([box(0, 0, 1, 1), Polygon(), None], crs=4326)
    enc = encode_coverage(series, precision=1)
    assert enc["n_features"] == 3
    assert [len(f) for f in decode_rings(enc)] == [1, 0, 0]


def test_other_crs_is_reprojected_with_a_warning(small):
    with pytest.warns(UserWarning, match="reprojected to EPSG:4326"):
        enc = encode_coverage(small.to_crs(32718))
    assert enc["n_features"] == 3
    assert enc["bbox"][0] == pytest.approx(X0, abs=1e-4)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"precision": 9}, InputError, "precision must be an integer from 0 to 7; got 9"),
    ({"precision": 2.5}, InputError, "precision must be an integer from 0 to 7; got 2.5"),
    ({"borders": "nope"}, InputError, r"borders: columns \['nope'\] are not in the frame"),
    ({"borders": "dep", "topology": False}, InputError, "borders need topology=True"),
])
def test_encode_rejects_bad_options(small, kwargs, error, match):
    with pytest.raises(error, match=match):
        encode_coverage(small, **kwargs)


def test_encode_rejects_bad_input():
    with pytest.raises(TypeError, match="frame must be a GeoDataFrame or GeoSeries; got list"):
        encode_coverage([box(0, 0, 1, 1)])
    with pytest.raises(GeometryError, match="row 1: geometry must be a Polygon or Mult"):
        encode_coverage(gpd.GeoSeries([box(0, 0, 1, 1), Point(0, 0)], crs=4326))
    with pytest.raises(InputError, match="encoded must be a dict made by encode_coverage"):
        decode_rings({"arcs": ""})
    enc = encode_coverage(gpd.GeoSeries([box(0, 0, 1, 1)], crs=4326))
    with pytest.raises(InputError, match=r"name must be one of the encoded borders \[\]"):
        decode_borders(enc, "department")
    with pytest.raises(InputError, match="truncated"):
        decode_rings({**enc, "shapes": enc["shapes"] + "~"})


def test_cache_returns_independent_copies(small):
    first = encode_coverage(small, borders="dep")
    first["borders"]["dep"] = "spoiled"
    again = encode_coverage(small, borders="dep")
    assert again["borders"]["dep"] != "spoiled"
    assert again == encode_coverage(small, borders="dep", cache=False)
    moved = small.assign(geometry=small.translate(xoff=0.01))
    assert encode_coverage(moved)["bbox"][0] == pytest.approx(X0 + 0.01)


# ----------------------------------------------------------------------------- folium element
def test_compact_layer_builds_the_layer_from_a_frame(small):
    layer = compact_layer(small, ["#ffffb2", "#b10026", "#ffffb2"],
                          tooltip={"dep": "Departamento"}, outline=small["dep"] == "02",
                          borders="dep", name="mapa")
    data = json.loads(layer.data_json)
    assert data["fields"] == ["dep"] and data["aliases"] == ["Departamento"]
    assert data["table"]["ubigeo"] == ["010101", "010102", "020101"]
    assert data["outline"] == [1] and data["borders"] == ["dep"] and data["name"] == "mapa"
    with pytest.raises(InputError, match=r"tooltip: columns \['name'\] are not in the frame"):
        compact_layer(small, ["#fff"] * 3, tooltip={"name": "Nombre"})


def test_layer_validates_its_arguments(small):
    enc = encode_coverage(small, borders="dep")
    with pytest.raises(InputError, match=r"colours must hold one colour per feature \(3\); "
                                         "got 2"):
        CompactChoropleth(enc, colours=["#fff", "#000"])
    with pytest.raises(InputError, match=r"properties\['ubigeo'\] must hold 3 values"):
        CompactChoropleth(enc, colours=["#fff"] * 3, properties={"ubigeo": ["1"]})
    with pytest.raises(InputError, match=r"tooltip_fields \['name'\] are not in properties"):
        CompactChoropleth(enc, colours=["#fff"] * 3, properties={"ubigeo": small["ubigeo"]},
                          tooltip_fields=["name"])
    with pytest.raises(InputError, match=r"outline must hold 3 booleans"):
        CompactChoropleth(enc, colours=["#fff"] * 3, outline=[True])
    with pytest.raises(InputError, match=r"borders must be among the encoded borders "
                                         r"\['dep'\]; got \['department'\]"):
        CompactChoropleth(enc, colours=["#fff"] * 3, borders=["department"])
    with pytest.raises(InputError, match=r"style keys must be among .*; got \['colour'\]"):
        CompactChoropleth(enc, colours=["#fff"] * 3, style={"colour": "red"})


def test_layer_data_is_compact_and_safe(small):
    enc = encode_coverage(small, borders="dep")
    layer = CompactChoropleth(
        enc, colours=["#ffffb2", "#b10026", "#ffffb2"],
        properties={"ubigeo": small["ubigeo"], "name": ["</script>", "Ñuñoa", "x"],
                    "value": [1.23456, float("nan"), 3]},
        outline=[False, True, True])
    data = json.loads(layer.data_json)
    assert "</script>" not in layer.data_json
    assert data["table"]["name"][:2] == ["</script>", "Ñuñoa"]
    assert data["table"]["value"] == [1.23, None, 3]
    assert data["palette"] == ["#ffffb2", "#b10026"]
    assert data["colour"] == [0, 1, 0]
    assert data["outline"] == [1, 2]
    assert data["borders"] == ["dep"]
    assert not getattr(layer, "default_js", []) and not getattr(layer, "default_css", [])


def test_layer_script_survives_streamlit_folium(small):
    sf = pytest.importorskip("streamlit_folium")
    m = folium.Map(tiles=None)
    layer = CompactChoropleth(encode_coverage(small), colours=["#fff"] * 3,
                              properties={"ubigeo": small["ubigeo"]}).add_to(m)
    m.get_root().render()
    script = sf._get_map_string(m)
    assert layer.data_json in script
    assert "window.geoprioCodec.draw(map_div," in script
    assert m.get_bounds() == [[pytest.approx(Y0), pytest.approx(X0)],
                              [pytest.approx(Y0 + 10 * UNIT), pytest.approx(X0 + 22 * UNIT)]]


# ----------------------------------------------------------------------------- the country
@pytest.fixture(scope="module")
def display():
    import geoprio

    return geoprio.load_districts(display=True)


@pytest.fixture(scope="module")
def country(display):
    return encode_coverage(display, borders="department")


def test_country_round_trip_is_exact(display):
    _assert_round_trip(display, 4)


def test_country_department_borders_match_a_dissolve(display, country):
    deps = [shapely.coverage_union_all(g.geometry.to_numpy())
            for _, g in display.groupby("department")]
    assert len(deps) == 25
    want = shapely.union_all(shapely.boundary(deps)).length
    assert decode_borders(country, "department").length == pytest.approx(want, rel=1e-9)


def _country_map(display, country):
    from geoprio.report import mapping

    frame = display.assign(rank=display["poverty_2018"].rank(ascending=False, method="min"))
    breaks = mapping.class_breaks(frame["poverty_2018"], k=5)
    m = folium.Map(tiles=None, prefer_canvas=True)
    minx, miny, maxx, maxy = frame.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    CompactChoropleth(country, colours=breaks.colour_of(),
                      properties=frame[["district", "province", "department", "ubigeo",
                                        "poverty_2018", "rank"]],
                      tooltip_aliases=["Distrito", "Provincia", "Departamento", "Ubigeo",
                                       "Pobreza 2018 (%)", "Puesto"],
                      outline=(frame["rank"] <= 50).to_numpy()).add_to(m)
    return m, frame


def test_country_payload_is_under_one_megabyte(display, country):
    from geoprio.report import mapping

    plain = len(json.dumps(mapping.to_geojson(display, ["ubigeo"]), separators=(",", ":")))
    geometry = payload_bytes(country)
    rings = payload_bytes(encode_coverage(display, topology=False))
    # measured: 2,286,292 bytes of GeoJSON; 411,967 ring by ring; 257,985 as shared arcs
    # (with the department borders)
    assert plain > 2_000_000
    assert geometry < 300_000
    assert geometry < plain / 8
    assert geometry < 0.7 * rings
    m, _ = _country_map(display, country)
    mapping.serve_assets_from(m, "")
    page = mapping.payload_size(m)  # measured: 373,363 bytes with the tooltip table
    assert page < 450_000


@pytest.mark.browser
def test_country_draws_in_chromium(display, country, tmp_path):
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is missing (outside CI; in CI this test must run)")
    from playwright.sync_api import sync_playwright

    from geoprio.report import mapping

    m, frame = _country_map(display, country)
    page_file = tmp_path / "map.html"
    page_file.write_text(mapping.map_html(m), encoding="utf-8")
    napo = frame.set_index("ubigeo").loc["160107"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            errors: list[str] = []
            remote: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                    else remote.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_function("window.geoprioLayer !== undefined", timeout=30_000)
            counts = page.evaluate("""() => { var g = window.geoprioLayers.choropleth;
                return [g.fill.getLayers().length, g.outline.getLayers().length,
                        g.borders.department.getLayers()[0].getLatLngs().length]; }""")
            assert counts == [1874, int((frame["rank"] <= 50).sum()),
                              len(decode_borders(country, "department").geoms)]
            row = int(np.flatnonzero(frame["ubigeo"].to_numpy() == "160107")[0])
            coords = page.evaluate(f"""window.geoprioLayer.getLayers()
                .find(l => l.feature.id === {row}).feature.geometry.coordinates""")
            vertices = page.evaluate("""window.geoprioLayer.getLayers().reduce(
                (n, l) => n + l.feature.geometry.coordinates.flat(2).length, 0)""")
            x, y = page.evaluate("""() => { var g = window.geoprioLayers.choropleth;
                var l = g.fill.getLayers().find(l => l.feature.properties.ubigeo === '160107');
                var c = g.map.latLngToContainerPoint(l.getBounds().getCenter());
                var r = g.map.getContainer().getBoundingClientRect();
                return [c.x + r.left, c.y + r.top]; }""")
            page.mouse.move(x, y)
            page.mouse.move(x + 1, y + 1)
            tip = page.wait_for_selector(".leaflet-tooltip", timeout=10_000).inner_text()
        finally:
            browser.close()
    assert errors == [] and remote == []
    # the browser's decoder gives the same vertices as Python's
    rings = decode_rings(country)
    assert vertices == sum(len(r) for feature in rings for poly in feature for r in poly)
    want = [[ring.tolist() for ring in poly] for poly in rings[row]]
    assert [[np.rint(np.asarray(r) * 1e4).astype(int).tolist() for r in p] for p in coords] \
        == want
    lines = [line.split("\t") for line in tip.splitlines()]
    assert lines[0] == ["Distrito", napo["district"]]
    assert lines[3] == ["Ubigeo", "160107"]
    assert lines[4] == ["Pobreza 2018 (%)", f"{round(napo['poverty_2018'], 2):g}"]
    assert lines[5] == ["Puesto", f"{napo['rank']:g}"]
