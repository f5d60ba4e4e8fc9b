"""A workbook a planner can sort, filter and paste into a report (issue 19, item 4).

Read back with openpyxl as a spreadsheet reads it: one header row, the decision first, a number
format on every numeric cell, the ids in ``campos``, the methodology as sentences. Expected
values come from the ranking itself (the engine as oracle) and from the conventions the issue
states (percentages as percentages, counts with separators, scores with three decimals).
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

import geoprio
from geoprio.decide.comparison import compare_scenarios
from geoprio.engine.scenario import Scenario
from geoprio.report.decisions import export_comparison


@pytest.fixture(scope="module")
def dci():
    s = Scenario.preset("dci").replace(n_draws=200)
    return geoprio.prioritize(geoprio.load_districts(), s), s


@pytest.fixture(scope="module")
def book(dci, tmp_path_factory):
    ranked, s = dci
    path = tmp_path_factory.mktemp("xlsx") / "dci.xlsx"
    geoprio.export(ranked.drop(columns="geometry"), path, scenario=s, lang="es")
    return openpyxl.load_workbook(path)


def header(book) -> list[str]:
    return [c.value for c in next(book["distritos"].iter_rows(max_row=1))]


def column(book, label: str) -> list:
    i = header(book).index(label)
    return [row[i] for row in book["distritos"].iter_rows(min_row=2, values_only=True)]


def test_one_header_row_then_a_district_per_row(book, dci):
    ranked, _ = dci
    sheet = book["distritos"]
    assert sheet.max_row == 1 + len(ranked)
    last = sheet.cell(1, sheet.max_column).column_letter
    assert sheet.freeze_panes == "A2"  # the header stays while scrolling
    assert sheet.auto_filter.ref == f"A1:{last}{1 + len(ranked)}"  # filters on every column
    # the second row is a district, not the ids
    assert [c.value for c in sheet[2]][1] in set(ranked["ubigeo"])


def test_the_decision_comes_first(book):
    assert header(book)[:15] == [
        "Puesto", "Ubigeo", "Distrito", "Provincia", "Departamento", "Puntaje del escenario",
        "Puesto p5", "Puesto p95", "Prob. de selección", "Prob. de ser elegible",
        "Seleccionado", "Elegible", "Selección incierta", "Elegibilidad incierta", "Razones"]


def test_every_numeric_cell_has_its_format(book, dci):
    ranked, _ = dci
    formats = {c.value: book["distritos"].cell(2, i + 1).number_format
               for i, c in enumerate(book["distritos"][1])}
    assert formats["Puesto"] == "#,##0"
    assert formats["Puntaje del escenario"] == "0.000"
    assert formats["Prob. de selección"] == "0.0%"  # 200 draws: exact to one decimal
    assert formats["Pobreza monetaria 2018"] == '0.0"%"'  # the data are 0-100
    assert formats["Niños menores de 5 años 2020"] == "#,##0"
    # a probability cell holds the probability itself (Excel shows 0.5 as 50,0%)
    by_ubigeo = dict(zip(column(book, "Ubigeo"), column(book, "Prob. de selección"),
                         strict=True))
    expected = ranked.set_index("ubigeo")["p_selected"]
    assert all(abs(by_ubigeo[u] - expected[u]) < 1e-12 for u in expected.index)


def test_no_binary_noise_in_a_cell(book):
    for row in book["distritos"].iter_rows(min_row=2, values_only=True):
        for v in row:
            if isinstance(v, float):
                assert round(v, 6) == v, v


def test_sorting_a_column_sorts_numbers_not_text(book, dci):
    """A planner sorts by poverty: the cells are numbers, missing ones empty (never 0)."""
    ranked, _ = dci
    values = column(book, "Pobreza monetaria 2018")
    assert all(v is None or isinstance(v, (int, float)) for v in values)  # numbers, not text
    top = max(v for v in values if v is not None)
    assert top == ranked["poverty_2018"].max()
    assert values.count(None) == int(ranked["poverty_2018"].isna().sum())


def test_yes_no_in_words_and_the_ids_in_campos(book, dci):
    ranked, _ = dci
    assert set(column(book, "Seleccionado")) == {"sí", "no"}
    assert column(book, "Seleccionado").count("sí") == int(ranked["selected"].sum())
    fields = {r[1]: r[0] for r in book["campos"].iter_rows(min_row=2, values_only=True)}
    assert fields["p_selected"] == "Prob. de selección"
    assert fields["stunting_u5_2022_fh"] == ("Desnutrición crónica en menores de 5 años 2022 "
                                             "(Fay–Herriot)")
    assert list(fields.values()) == header(book)  # one row per column, in the same order


def test_the_methodology_is_a_table_a_person_reads(book):
    rows = list(book["metodologia"].iter_rows(values_only=True))
    assert rows[0] == ("ítem", "valor")
    items = dict(rows[1:])
    assert items["Escenario"] == "«dci»"  # DCI with 200 draws is not the preset itself
    assert items["Peso de «Desnutrición crónica en menores de 5 años 2022 (Fay–Herriot)»"] == \
        "30,0%"
    assert items["Tamaño de la lista"] == "los primeros 375"
    assert items["Simulaciones Monte Carlo"] == "200"
    assert items["Datos faltantes"] == "repartir el peso entre los demás indicadores"
    assert not [v for _, v in rows if isinstance(v, str) and v.lstrip().startswith(("{", "["))]


def test_a_preset_is_named_by_its_title(tmp_path):
    ranked = geoprio.prioritize(geoprio.load_districts().head(50), Scenario.preset("fonie"))
    path = geoprio.export(ranked.drop(columns="geometry"), tmp_path / "f.xlsx",
                          scenario=Scenario.preset("fonie"), lang="en")
    items = dict(list(openpyxl.load_workbook(path)["metodologia"].iter_rows(values_only=True)))
    assert items["Scenario"] == "FONIE (basic services)"


def test_spanish_csv_has_the_same_layout(dci, tmp_path):
    ranked, s = dci
    path = geoprio.export(ranked.drop(columns="geometry"), tmp_path / "d.csv", scenario=s,
                          lang="es")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Puesto", "Ubigeo", "Distrito"] and len(rows) == 1 + len(ranked)
    first = next(r for r in rows[1:] if r[0] == "1")
    assert first[1] == ranked.loc[ranked["rank"] == 1, "ubigeo"].item()
    # integers without ",0"; decimals with a comma; counts as whole numbers
    under5 = rows[0].index("Niños menores de 5 años 2020")
    assert all(r[under5] == "" or r[under5].isdigit() for r in rows[1:])
    score = first[rows[0].index("Puntaje del escenario")]
    assert "," in score and "." not in score


def test_comparison_workbook_in_spanish_with_the_right_sign(tmp_path):
    d = geoprio.load_districts()
    a = Scenario.preset("dci").replace(n_draws=0)
    b = a.replace(name="b", weights={"poverty_2018": 1.0})
    c = compare_scenarios(a, b, districts=d)
    path = export_comparison(c, tmp_path / "c.xlsx", lang="es")
    sheet = openpyxl.load_workbook(path)["distritos"]
    head = [cell.value for cell in sheet[1]]
    change = head.index("Cambio de A a B")
    shift = head.index("Cambio de puesto (B − A; positivo: baja en la lista)")
    rank_a, rank_b = head.index("Puesto (A)"), head.index("Puesto (B)")
    words = {row[change] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert words <= {"entra", "sale", "se mantiene", "fuera de ambas listas"}
    assert {"entra", "sale"} <= words
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[rank_a] is not None and row[rank_b] is not None:
            assert row[shift] == row[rank_b] - row[rank_a]  # 1 641 -> 1 698 is +57: it falls
    table = c.table.set_index("ubigeo")
    falls = table[(table["rank_b"] - table["rank_a"]) > 0].index[0]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True)
               if r[head.index("Ubigeo")] == falls)
    assert row[shift] > 0 and row[rank_b] > row[rank_a]


def test_the_api_gives_the_same_layout(dci):
    ranked, _ = dci
    from geoprio.report.planner import planner_table

    laid = planner_table(ranked, "es", geoprio.catalog())
    assert laid.labels[:2] == ["Puesto", "Ubigeo"] and "geometry" not in laid.ids
    assert isinstance(laid.frame, pd.DataFrame) and len(laid.frame) == len(ranked)


def test_text_columns_carry_no_number_format_and_names_are_not_cut(book):
    sheet = book["distritos"]
    head = header(book)
    for label in ("Ubigeo", "Distrito", "Razones"):
        assert sheet.cell(2, head.index(label) + 1).number_format == "General"
    names = [v for v in column(book, "Distrito") if v]
    width = sheet.column_dimensions[sheet.cell(1, head.index("Distrito") + 1).column_letter]
    longest = sorted(len(n) for n in names)[int(0.95 * (len(names) - 1))]
    assert width.width >= longest  # 95% of the names fit without being cut
