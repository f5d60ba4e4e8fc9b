"""District sheets: opened with pypdf, their figures recomputed by hand from the shipped table."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from pypdf import PdfReader

import geoprio
from geoprio.cli import main
from geoprio.engine.scenario import Scenario
from geoprio.errors import GeoprioError, InputError
from geoprio.report.sheet import district_sheet, district_sheets, format_number


def text_of(pdf: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    box = page.mediabox
    return len(reader.pages), page.extract_text(), (float(box.width), float(box.height))


def peru(x: float, decimals: int = 1) -> str:
    """Peru's number format, written here independently of geoprio."""
    whole, _, frac = f"{x:.{decimals}f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return " ".join(groups) + ("," + frac if frac else "")


def wmean(t: pd.DataFrame, col: str, weight: str) -> float:
    ok = t[col].notna() & t[weight].notna()
    return float((t.loc[ok, col] * t.loc[ok, weight]).sum() / t.loc[ok, weight].sum())


@pytest.fixture(scope="module")
def dci(districts):
    return geoprio.prioritize(districts, Scenario.preset("dci").replace(n_draws=0))


@pytest.fixture(scope="module")
def asuncion(tmp_path_factory, dci):
    path = tmp_path_factory.mktemp("sheet") / "ficha.pdf"
    district_sheet("010102", path, result=dci)
    return path.read_bytes()


def test_pdf_is_one_a4_page_with_the_figures_by_hand(asuncion, table, dci):
    pages, text, (w, h) = text_of(asuncion)
    assert pages == 1
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (210, 297)  # A4 in mm
    row = table.set_index("ubigeo").loc["010102"]
    assert "Asunción" in text and "Provincia Chachapoyas" in text
    assert "Departamento Amazonas" in text
    assert f"Población 2020: {peru(row['pop_2020'], 0)}" in text
    amazonas = table[table["ubigeo"].str[:2] == "01"]
    # Fay–Herriot estimates are geoprio's: no source publishes them by department or for
    # Peru, so both are district means weighted by children under 5, and marked "*"; Peru's
    # 13.1% is the roll-up the methodology (3.13) sets beside ENDES's 11.7%
    stunting = [peru(row["stunting_u5_2022_fh"]) + "%",
                peru(wmean(amazonas, "stunting_u5_2022_fh", "under5_2020")) + "%*",
                peru(wmean(table, "stunting_u5_2022_fh", "under5_2020")) + "%*"]
    assert stunting == ["16,7%", "20,8%*", "13,1%*"]
    assert "Desnutrición crónica < 5 años (Fay–Herriot) " + " ".join(stunting) + " 2022" in text
    # the three estimates side by side, with the children measured and the own-data share:
    # 1 of 6 stunted; EB 15.7% (5.7-28.8), FH 16.7% (10.2-24.0): methodology 3.13
    flat = " ".join(text.split())
    assert ("Desnutrición 2022, tres estimaciones: medida 16,7% en 6 niños · Bayes empírico "
            "15,7% (5,7%–28,8%) · Fay–Herriot 16,7% (10,2%–24,0%), "
            f"{peru(row['stunting_u5_2022_fh_gamma'], 0)}% de datos propios.") in flat
    # poverty 2018: Peru is INEI's published 20.5% (typed from INEI's report); no department
    # figure for 2018 is in the sources, so Amazonas is a roll-up, marked
    poverty = [peru(row["poverty_2018"]) + "%",
               peru(wmean(amazonas, "poverty_2018", "pop_2020")) + "%*", "20,5%"]
    assert "Pobreza monetaria " + " ".join(poverty) + " 2018" in text
    assert "con *, promedio de los distritos ponderado por población" in text.replace("\n", " ")
    # the rank under the scenario, with its total (districts ranked)
    total = int(dci["rank"].notna().sum())
    rank = int(dci.set_index("ubigeo").loc["010102", "rank"])
    assert f"Puesto {peru(rank, 0)} de {peru(total, 0)}" in text
    # the caveat of few children: 6 measured in 2022, raw 1 of 6
    assert f"medida en solo {int(row['evaluated_u5_2022'])} niños" in text
    assert f"({peru(100 / 6)}%)" in text
    # FONIE: rural households without a mobile phone above the national median
    median = table["rural_no_mobile_2017"].median()
    assert f"telecomunicaciones: {peru(row['rural_no_mobile_2017'])}% (mediana {peru(median)}%)" \
        in text
    assert "caminos rurales: sin datos distritales" in text
    assert "INEI, Encuesta Demográfica y de Salud Familiar (ENDES)" in text


def test_same_inputs_give_the_same_bytes(tmp_path, asuncion, dci):
    again = district_sheet("010102", tmp_path / "otra.pdf", result=dci)
    assert again.read_bytes() == asuncion
    assert b"/CreationDate (D:20171022000000Z)" in asuncion


def test_caveats_that_apply(tmp_path, dci):
    yaguas = district_sheet("160804", tmp_path / "y.pdf", result=dci).read_bytes()
    _, text, _ = text_of(yaguas)
    assert "0% de hogares con agua de red pública" in text
    assert "VRAEM" not in text.split("Advertencias")[1]  # a border district, not VRAEM
    echarate = district_sheet("080902", tmp_path / "e.pdf").read_bytes()
    _, text, _ = text_of(echarate)
    assert "se creó Kumpirushiato (080915)" in text
    assert "Sin escenario" in text
    # a post-2017 code gives its 2017 district's sheet
    post = district_sheet("080915", tmp_path / "k.pdf").read_bytes()
    assert post == echarate
    lima = district_sheet("150101", tmp_path / "l.pdf").read_bytes()
    _, text, _ = text_of(lima)
    assert "Sin población rural en 2017" in text


def test_html_sheet_is_self_contained(tmp_path, dci):
    path = district_sheet("010102", tmp_path / "ficha.html", result=dci)
    page = path.read_text(encoding="utf-8")
    assert "<h1>Asunción</h1>" in page and "15,7%" in page
    assert "data:image/png;base64," in page
    assert 'src="http' not in page and "<script" not in page
    assert district_sheet("010102", tmp_path / "b.html", result=dci).read_bytes() == \
        path.read_bytes()
    english = district_sheet("010102", tmp_path / "en.html", result=dci, lang="en")
    assert "Monetary poverty" in english.read_text(encoding="utf-8")


def test_zip_of_a_list(tmp_path, districts):
    result = geoprio.prioritize(districts, Scenario.preset("dci").replace(top_n=3, n_draws=0))
    path = district_sheets(result, tmp_path / "fichas.zip", districts=districts)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names == ["001_140203_Incahuasi.pdf", "002_140202_Cañaris.pdf",
                         "003_250204_Yurua.pdf", "indice.csv"]
        for name in names[:3]:
            pages, text, _ = text_of(zf.read(name))
            assert pages == 1 and "Ficha distrital" in text
        index = pd.read_csv(io.BytesIO(zf.read("indice.csv")), encoding="utf-8-sig",
                            dtype={"ubigeo": str})
        assert index["puesto"].tolist() == [1, 2, 3]
        assert {i.date_time for i in zf.infolist()} == {(2017, 10, 22, 0, 0, 0)}
    again = district_sheets(result, tmp_path / "otra.zip", districts=districts)
    assert again.read_bytes() == path.read_bytes()


def test_format_number_and_errors(tmp_path):
    assert format_number(2788624, 0) == "2 788 624" == peru(2788624, 0)
    assert format_number(-1.25, 2) == "-1,25"
    with pytest.raises(GeoprioError, match=r"extension must be \.pdf or \.html"):
        district_sheet("010102", tmp_path / "f.docx")
    with pytest.raises(InputError, match="'999999' is not one of the districts"):
        district_sheet("999999", tmp_path / "f.pdf")
    with pytest.raises(GeoprioError, match=r"go in a \.zip"):
        district_sheets(pd.DataFrame({"ubigeo": ["1"], "rank": [1], "selected": [True]}),
                        tmp_path / "f.pdf")


def test_cli_sheet(tmp_path, capsys):
    one = tmp_path / "ficha.pdf"
    assert main(["sheet", "010102", "--preset", "dci", "--draws", "0", "--out", str(one)]) == 0
    assert text_of(one.read_bytes())[0] == 1
    many = tmp_path / "fichas.zip"
    assert main(["sheet", "--preset", "dci", "--top", "2", "--draws", "0", "--out",
                 str(many)]) == 0
    with zipfile.ZipFile(many) as zf:
        assert len(zf.namelist()) == 3
    assert main(["sheet", "--out", str(many)]) == 2
    assert main(["sheet", "010102", "--out", str(many)]) == 2
    assert "a .zip of sheets needs --preset" in capsys.readouterr().err


def test_a_frame_without_the_indicators_says_no_data(tmp_path, districts):
    few = districts[["ubigeo", "department", "province", "district", "pop_2020", "geometry"]]
    _, text, _ = text_of(district_sheet("010102", tmp_path / "f.pdf", districts=few).read_bytes())
    assert "Pobreza monetaria" not in text  # rows of absent indicators are left out
    assert "Población 2020: 265" in text and "Menores de 5 años 2020: s. d." in text
    # FONIE's gaps then come from the shipped census columns
    assert "telecomunicaciones: 37,5% (mediana 34,4%)" in text


def test_a_probability_is_never_rounded_up_to_the_line_it_misses(tmp_path, districts):
    """p = 0.897 reads "89,7%" with "selección incierta", never "90%" (issue 19)."""
    s = Scenario.preset("dci").replace(n_draws=0)
    result = geoprio.prioritize(districts, s)
    code = result.loc[result["rank"] == 10, "ubigeo"].item()
    result.loc[result["ubigeo"] == code, "p_selected"] = 0.897
    path = district_sheet(code, tmp_path / "f.pdf", result=result)
    _, text, _ = text_of(path.read_bytes())
    flat = " ".join(text.split())
    assert "89,7%" in flat and "en la lista en 90%" not in flat.lower()
    assert "Selección incierta: en la lista en 89,7% de las simulaciones" in flat


def test_the_scenario_title_and_an_uploaded_indicator_are_on_the_sheet(tmp_path, districts):
    cat = geoprio.catalog()
    frame = districts.copy()
    frame["cobertura_agua_rural"] = 12.5
    row = {**cat.iloc[0].to_dict(), "id": "cobertura_agua_rural",
           "label_es": "Cobertura de agua rural 2024", "label_en": "Rural water coverage 2024",
           "unit": "%", "year": 2024, "source": "Gobierno regional", "kind": "indicator",
           "higher_is_worse": False}
    cat = pd.concat([cat, pd.DataFrame([row])], ignore_index=True)
    s = Scenario.preset("dci").replace(name="dci (modificado)", n_draws=0, weights={
        **Scenario.preset("dci").weights, "cobertura_agua_rural": 0.1})
    result = geoprio.prioritize(frame, s, catalog=cat)
    path = district_sheet("250204", tmp_path / "u.pdf", districts=frame, result=result,
                          catalog=cat)
    flat = " ".join(text_of(path.read_bytes())[1].split())
    assert "Cobertura de agua rural 2024" in flat and "12,5%" in flat
    assert "Puesto en el escenario MIDIS desnutrición crónica (modificado)" in flat
    assert "«dci" not in flat
def test_a_district_measuring_more_children_than_live_there_says_so(tmp_path, dci):
    # issue 20: Nieva (010401) measured 7,064 under-5s in 2022 (SIEN-HIS) where INEI counts
    # 3,503 living: 202 per 100; 2,055 stunted counted against 3,503 x 30.34% = 1,063 (the
    # Fay–Herriot estimate on ENDES's scale, data/indicators/districts.csv: the budget need)
    nieva = district_sheet("010401", tmp_path / "n.pdf", result=dci).read_bytes()
    _, text, _ = text_of(nieva)
    caveats = " ".join(text.split("Advertencias")[1].split())
    assert "Se midió a más niños de los que viven en el distrito (202 por cada 100" in caveats
    assert f"contados aquí ({peru(2055, 0)}) pueden superar la estimación para sus " \
           f"residentes ({peru(1063, 0)}," in caveats
    # Asunción measured 6 of its 23: no caveat
    _, text, _ = text_of(district_sheet("010102", tmp_path / "a.pdf", result=dci).read_bytes())
    assert "Se midió a más niños" not in text
    english = district_sheet("010401", tmp_path / "n.html", result=dci, lang="en")
    assert "More children were measured than live in the district (202 per 100" in \
        english.read_text(encoding="utf-8")


def test_sources_are_never_cut_however_many_indicators_the_scenario_weighs(tmp_path, districts):
    """Six uploaded indicators with six sources: the table grows, the trend chart shrinks,
    and the caveats and sources go to a second page rather than off the bottom of the first
    (they were cut)."""
    cat = geoprio.catalog()
    frame = districts.copy()
    rows = []
    for k in range(6):
        frame[f"extra_{k}"] = float(k)
        rows.append({**cat.iloc[0].to_dict(), "id": f"extra_{k}", "label_es": f"Extra {k}",
                     "label_en": f"Extra {k}", "unit": "%", "year": 2024,
                     "source": f"Fuente propia número {k}", "kind": "indicator",
                     "higher_is_worse": True})
    cat = pd.concat([cat, pd.DataFrame(rows)], ignore_index=True)
    weights = {**Scenario.preset("dci").weights, **{f"extra_{k}": 0.1 for k in range(6)}}
    s = Scenario.preset("dci").replace(name="mucho", n_draws=0, weights=weights)
    result = geoprio.prioritize(frame, s, catalog=cat)
    path = district_sheet("010102", tmp_path / "x.pdf", districts=frame, result=result,
                          catalog=cat)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 2
    flat = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for k in range(6):
        assert f"Fuente propia número {k}" in flat
    assert "Encuesta Demográfica y de Salud Familiar (ENDES)" in flat
    assert "[15] INEI, Encuesta Demográfica" in flat  # 8 shipped + 6 uploaded, then ENDES
    assert flat.count("geoprio 0.1.0 · datos del repositorio geoprio") == 2  # each page
