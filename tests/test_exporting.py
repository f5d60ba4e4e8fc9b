"""Exports: every format opens, holds every row, and neutralises spreadsheet formulas."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.errors import GeoprioError
from geoprio.report.exporting import export, safe_filename, shapefile_field_names

DAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def ranked():
    s = Scenario.preset("dci").replace(n_draws=20, top_n=50)
    out = geoprio.prioritize(geoprio.load_districts(display=True), s)
    return out, s


def test_csv_has_bom_every_row_and_no_live_formula(tmp_path):
    frame = pd.DataFrame({"ubigeo": ["010101", "010102"], "nota": ["=HYPERLINK(\"x\")", "@SUM"],
                          "valor": [-1.5, 2.0]})
    path = export(frame, tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, dtype={"ubigeo": str}, encoding="utf-8-sig")
    assert back["nota"].tolist() == ["'=HYPERLINK(\"x\")", "'@SUM"]
    assert back["valor"].tolist() == [-1.5, 2.0]  # numbers untouched
    assert back["ubigeo"].tolist() == ["010101", "010102"]


def test_xlsx_has_the_rows_and_a_methodology_sheet(tmp_path, ranked):
    frame, scenario = ranked
    path = export(frame, tmp_path / "dci.xlsx", scenario=scenario, date=DAY)
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["distritos", "metodologia"]
    rows = list(wb["distritos"].iter_rows(values_only=True))
    assert len(rows) == 1 + 1874
    header = rows[0]
    selected = sum(1 for r in rows[1:] if r[header.index("selected")] is True)
    assert selected == 50
    meta = dict(list(wb["metodologia"].iter_rows(values_only=True))[1:])
    assert meta["fecha"] == "2026-01-15"
    assert meta["distritos seleccionados"] == "50"
    assert '"stunting_u5_2022_fh": 0.3' in meta["escenario.weights"]
    assert meta["dato.stunting_u5_2022_fh"].startswith("Desnutrición crónica")


def test_same_inputs_same_bytes(tmp_path, ranked):
    frame, scenario = ranked
    for ext in ("csv", "xlsx", "geojson", "gpkg", "zip"):
        a = export(frame, tmp_path / f"a.{ext}", scenario=scenario, date=DAY).read_bytes()
        b = export(frame, tmp_path / f"b.{ext}", scenario=scenario, date=DAY).read_bytes()
        assert a == b, ext


def test_gis_formats_round_trip(tmp_path, ranked):
    frame, scenario = ranked
    gpkg = gpd.read_file(export(frame, tmp_path / "d.gpkg", scenario=scenario),
                         layer="distritos")
    assert len(gpkg) == 1874 and gpkg.crs.to_epsg() == 4326
    assert gpkg["selected"].sum() == 50
    gj = gpd.read_file(export(frame, tmp_path / "d.geojson", scenario=scenario))
    assert len(gj) == 1874
    z = export(frame, tmp_path / "d.zip", scenario=scenario)
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
    assert {"distritos.shp", "distritos.dbf", "distritos.prj", "campos.csv",
            "escenario.toml"} <= names
    shp = gpd.read_file(f"zip://{z}!distritos.shp")
    assert len(shp) == 1874
    assert shp["ubigeo"].iloc[0] == frame["ubigeo"].iloc[0]


def test_gpkg_round_trip_changes_nothing(tmp_path, ranked):
    frame, scenario = ranked
    first = export(frame, tmp_path / "one.gpkg", scenario=scenario)
    again = gpd.read_file(first, layer="distritos")
    second = export(again, tmp_path / "two.gpkg", scenario=scenario)
    assert first.read_bytes() == second.read_bytes()


def test_maps_export_offline(tmp_path, ranked):
    frame, _ = ranked
    page = export(frame, tmp_path / "m.html", column="score").read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page
    assert "L.map(" in page or "L.map (" in page
    assert re.search(r'"n_features": ?1874', page)  # every district travels, encoded
    png = export(frame, tmp_path / "m.png", column="score").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors_name_the_problem(tmp_path):
    frame = pd.DataFrame({"ubigeo": ["010101"]})
    with pytest.raises(GeoprioError, match="extension must be one of"):
        export(frame, tmp_path / "x.docx")
    with pytest.raises(GeoprioError, match="needs geometry"):
        export(frame, tmp_path / "x.gpkg")


def test_file_names_are_sanitised():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\temp\\lista FONIE.xlsx") == "lista_FONIE.xlsx"
    assert safe_filename("") == "geoprio"


def test_shapefile_names_are_unique_and_short():
    names = shapefile_field_names(["rural_centres_far_5km", "rural_centres_far_10km",
                                   "rural_centres_far_20km", "ubigeo"])
    assert len(set(names.values())) == 4
    assert all(len(v) <= 10 for v in names.values())


def test_report_png_has_the_size_a_report_needs_and_the_same_bytes(tmp_path, ranked):
    from PIL import Image

    frame, scenario = ranked
    a = export(frame, tmp_path / "a.png", scenario=scenario, lang="es")
    b = export(frame, tmp_path / "b.png", scenario=scenario, lang="es")
    assert max(Image.open(a).size) >= 1600
    assert a.read_bytes() == b.read_bytes()


def test_report_map_words(ranked, catalog):
    from geoprio.report.exporting import _footer, _map_labels

    _, scenario = ranked
    opts = _map_labels("score", catalog, {}, scenario, "es")
    # a document names a scenario by its title, never by its id: this one is "dci" with other
    # draws and list size, so it is named as given, in quotes (it is not the preset)
    assert opts["heading"] == "Escenario: «dci» — Puntaje del escenario"
    preset = _map_labels("score", catalog, {}, Scenario.preset("dci"), "es")
    assert preset["heading"] == "Escenario: MIDIS desnutrición crónica — Puntaje del escenario"
    changed = _map_labels("score", catalog, {}, scenario.replace(name="dci (modificado)"), "en")
    assert changed["heading"] == ("Scenario: MIDIS chronic malnutrition (modified) — "
                                  "Scenario score")
    assert opts["unit"] == "0 a 1; 1 = mayor necesidad"  # never the raw id "score"
    assert "INEI" in opts["source"]
    pov = _map_labels("poverty_2018", catalog, {}, scenario, "en")
    assert pov["title"] == "Monetary poverty 2018" and pov["unit"] == "%, 2018"
    assert pov["source"].startswith("INEI, Mapa de pobreza")
    import datetime as dt

    assert _footer("INEI", dt.date(2026, 11, 28), "es").endswith(
        "Elaborado con geoprio, 2026-11-28.")
    assert "Límites: INEI / GEO GPS PERÚ" in _footer("INEI", None, "es")


def test_report_html_has_title_legend_footer_outline_and_km_scale(tmp_path, ranked):
    frame, scenario = ranked
    page = export(frame, tmp_path / "m.html", scenario=scenario, lang="es",
                  column="poverty_2018").read_text(encoding="utf-8")
    assert "Escenario: «dci» — Pobreza monetaria 2018" in page
    assert "Pobreza monetaria 2018 (%, 2018)" in page  # legend: label and unit
    assert "Fuente: INEI, Mapa de pobreza monetaria" in page
    assert "L.control.scale({imperial: false, metric: true})" in page
    assert "L.control.scale()" not in page  # folium's own scale shows miles
    assert '"w": 1.6' in page  # the country's outline
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing fetched


def test_planner_csv_and_xlsx_in_spanish(tmp_path, ranked):
    import openpyxl

    frame, scenario = ranked
    text = export(frame, tmp_path / "t.csv", scenario=scenario, lang="es").read_text(
        encoding="utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # reasons hold ';': quoted
    labels, lines = rows[0], [";".join(r) for r in rows]
    # one header row, the decision first: rank, ubigeo, names, score, interval, probabilities
    assert labels[:9] == ["Puesto", "Ubigeo", "Distrito", "Provincia", "Departamento",
                          "Puntaje del escenario", "Puesto p5", "Puesto p95",
                          "Prob. de selección"]
    assert "Pobreza monetaria 2018" in labels and "poverty_2018" not in lines[1]
    yurua = next(r for r in rows[1:] if r[1] == "250204")
    assert yurua[labels.index("Pobreza monetaria 2018")] == "52,65"  # decimal comma
    assert yurua[labels.index("Puesto")] == "3"  # a whole number, no ",0"
    assert {r[labels.index("Seleccionado")] for r in rows[1:]} == {"sí", "no"}
    assert len(rows) == 1 + len(frame)
    wb = openpyxl.load_workbook(export(frame, tmp_path / "t.xlsx", scenario=scenario, lang="es"))
    rows = list(wb["distritos"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Puesto", "Ubigeo") and rows[1][1] != "ubigeo"
    assert len(rows) == 1 + len(frame)
    fields = {r[1]: r for r in wb["campos"].iter_rows(values_only=True)}
    assert fields["poverty_2018"][0] == "Pobreza monetaria 2018"
    assert fields["poverty_2018"][2] == "%"


def test_planner_csv_writes_booleans_as_words_and_a_missing_one_as_empty(tmp_path):
    frame = pd.DataFrame({"ubigeo": ["010101", "010102", "010103"],
                          "selected": pd.array([True, False, pd.NA], dtype="boolean")})
    text = export(frame, tmp_path / "b.csv", lang="es").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["Ubigeo;Seleccionado", "010101;sí", "010102;no", "010103;"]
    text = export(frame, tmp_path / "b.csv", lang="en").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["Ubigeo,Selected", "010101,yes", "010102,no", "010103,"]
