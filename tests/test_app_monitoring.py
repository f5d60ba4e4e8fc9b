"""Monitoring in the app (issue 14): the Distrito page's 2019/2022 view and the change map.

Expected figures are read from the shipped files with pandas (``data/indicators/districts.csv``
and ``departments_endes.csv``) and written the way Peru writes numbers by hand (decimal comma,
one decimal): an independent route from the page's own ``geoprio.stunting_trend`` and
``geoprio.fmt``. The raw 2022 rates are also recomputed from the counts (cases / children
measured). Colours are ColorBrewer's RdBu, typed from the ColorBrewer table.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import geoprio
from app.runtime.state import jobs
from geoprio.report import mapping

TIMEOUT = 120
DATA = Path(__file__).resolve().parents[1] / "data" / "indicators"
NBSP = "\u00a0"
# ColorBrewer RdBu, 11 classes: the blue half and the red half, each light to dark
BLUES = {"#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"}
REDS = {"#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"}
GREY = "#d9d9d9"
CHANGE = "stunting_u5_change_2019_2022"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(DATA / "districts.csv", dtype={"ubigeo": str}).set_index("ubigeo")


@pytest.fixture(scope="module")
def endes() -> pd.DataFrame:
    return pd.read_csv(DATA / "departments_endes.csv", dtype={"department_code": str})


def one(x: float) -> str:
    """One decimal with a decimal comma, written by hand (half away from zero, as INEI)."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(repr(float(x))).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")


def whole(n: float) -> str:
    text = f"{int(n):,}".replace(",", NBSP)
    return text


def district_page(ubigeo: str, lang: str = "es") -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params["distrito"] = ubigeo
    at.query_params["lang"] = lang
    at.run()
    jobs().wait_all(timeout=120)
    at.run()
    at.switch_page("app/pages/distrito.py").run()
    assert not at.exception, at.exception
    return at


def monitoring(at: AppTest, column: str = "Niños medidos") -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


# --------------------------------------------------------------------------- Distrito
def test_yurua_2019_and_2022_beside_ucayali_endes(raw, endes):
    at = district_page("250204")
    table = monitoring(at)
    r = raw.loc["250204"]
    rows = {(a, y, s.split(" ")[0]): row for (a, y, s), row in
            zip(zip(table["Indicador"], table["Año"], table["Fuente"], strict=True),
                table.to_dict("records"), strict=True)}
    stunt = "Desnutrición crónica (< 5 años)"
    anemia = "Anemia (6 a 35 meses)"
    # 2019: the published rate; children not published, at least the fewest consistent
    s19 = rows[(stunt, "2019", "SIEN")]
    assert s19["Tasa bruta (%)"] == one(r["stunting_u5_2019"]) == "41,3"
    assert s19["Niños medidos"] == f"no publicado (al menos {whole(r['stunting_u5_2019_min_n'])})"
    assert s19["Tasa suavizada (%)"] == "" and s19["Intervalo 90 %"] == ""
    # 2022: raw rate = cases / children measured; smoothed and its 90% interval
    s22 = rows[(stunt, "2022", "SIEN-HIS")]
    assert r["evaluated_u5_2022"] == 290 and r["stunted_u5_2022"] == 126
    assert s22["Tasa bruta (%)"] == one(100 * 126 / 290) == "43,4"
    assert s22["Niños medidos"] == "290"
    assert s22["Tasa suavizada (%)"] == one(r["stunting_u5_2022_eb"])
    assert s22["Intervalo 90 %"] == (f"{one(r['stunting_u5_2022_eb_lo'])}–"
                                     f"{one(r['stunting_u5_2022_eb_hi'])}")
    a22 = rows[(anemia, "2022", "SIEN-HIS")]
    assert a22["Tasa bruta (%)"] == one(100 * r["anemic_6_35m_2022"] / r["evaluated_6_35m_2022"])
    assert a22["Niños medidos"] == whole(r["evaluated_6_35m_2022"])
    assert rows[(anemia, "2019", "SIEN")]["Tasa bruta (%)"] == one(r["anemia_6_35m_2019"])
    # beside: Ucayali's ENDES in the same years, with its sample
    uc = endes[(endes["department_code"] == "25") & (endes["area"] == "total")].set_index("year")
    for year in (2019, 2022):
        e = rows[(stunt, str(year), "ENDES")]
        assert e["Fuente"].startswith("ENDES Ucayali")
        assert e["Tasa bruta (%)"] == one(uc.loc[year, "stunting_u5"])
        assert e["Niños medidos"] == whole(uc.loc[year, "n_stunting"])
        assert rows[(anemia, str(year), "ENDES")]["Tasa bruta (%)"] == one(
            uc.loc[year, "anemia_6_35m"])
    assert rows[(stunt, "2019", "ENDES")]["Tasa bruta (%)"] == "17,7"  # ENDES 2019, Ucayali
    # 290 and 53 children: no small-number caveat for Yurúa
    assert not [w.value for w in at.main.warning if "menos de 30" in w.value]
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [s.get("title") for s in specs]
    assert stunt in titles and anemia in titles  # one chart per indicator, four layers each
    assert all(len(s["layer"]) == 4 for s in specs if s.get("title") in (stunt, anemia))


def test_huancavelica_district_figures(raw):
    table = monitoring(district_page("090101"))
    r = raw.loc["090101"]
    s22 = table[(table["Año"] == "2022") & table["Fuente"].str.startswith("SIEN-HIS")].iloc[0]
    assert s22["Niños medidos"] == whole(r["evaluated_u5_2022"]) == f"2{NBSP}310"
    assert s22["Tasa bruta (%)"] == one(100 * r["stunted_u5_2022"] / r["evaluated_u5_2022"])
    assert s22["Intervalo 90 %"] == (f"{one(r['stunting_u5_2022_eb_lo'])}–"
                                     f"{one(r['stunting_u5_2022_eb_hi'])}")


def test_fewer_than_30_children_is_said_for_each_year_and_indicator(raw):
    # Asunción (Chachapoyas): 6 children measured for stunting in 2022, 1 for anaemia
    at = district_page("010102")
    r = raw.loc["010102"]
    assert r["evaluated_u5_2022"] == 6 and r["evaluated_6_35m_2022"] == 1
    warnings = [w.value for w in at.main.warning]
    assert any(w.startswith("Desnutrición crónica (< 5 años) 2022: niños medidos, 6 (menos de "
                            "30)") for w in warnings), warnings
    assert any(w.startswith("Anemia (6 a 35 meses) 2022: niños medidos, 1 (menos de 30)")
               for w in warnings), warnings
    # 2019: the rate is consistent with as few as 17 children (the catalog's small-n flag)
    assert r["stunting_u5_2019_min_n"] == 17 and bool(r["stunting_u5_2019_small_n"])
    assert any("2019: la tasa puede basarse en apenas 17 niños" in w for w in warnings)
    table = monitoring(at)
    s22 = table[(table["Año"] == "2022") & table["Fuente"].str.startswith("SIEN-HIS")].iloc[0]
    assert s22["Tasa bruta (%)"] == one(100 * r["stunted_u5_2022"] / 6)


def test_a_district_without_a_2022_record_says_missing_not_zero(raw):
    ubigeo = raw.index[raw["evaluated_u5_2022"].isna()][0]
    at = district_page(ubigeo)
    warnings = [w.value for w in at.main.warning]
    assert any("no tiene registro en SIEN-HIS (dato faltante, no cero)" in w for w in warnings)
    table = monitoring(at)
    s22 = table[(table["Año"] == "2022") & table["Fuente"].str.startswith("SIEN-HIS")
                & table["Indicador"].str.startswith("Desnutrición")].iloc[0]
    assert s22["Tasa bruta (%)"] == "sin dato" and s22["Niños medidos"] == "no publicado"


def test_english_labels():
    at = district_page("250204", "en")
    table = monitoring(at, "Children measured")
    assert list(table.columns) == ["Indicator", "Year", "Source", "Raw rate (%)",
                                   "Smoothed rate (%)", "90% interval", "Children measured"]
    s22 = table[(table["Year"] == "2022") & table["Source"].str.startswith("SIEN-HIS")].iloc[0]
    assert s22["Raw rate (%)"] == "43.4"
    assert table["Source"].str.contains("ENDES Ucayali").any()


# ------------------------------------------------------------------------------- Mapa
def _map_args(at: AppTest) -> dict:
    comp = next(e for e in at.get("component_instance")
                if e.proto.component_name.endswith("district_map"))
    return json.loads(comp.proto.json_args)


def test_the_map_offers_the_change_on_a_palette_diverging_at_zero(raw):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params["mapa"] = CHANGE
    at.run()
    assert not at.exception, at.exception
    box = at.selectbox(key="mapa")
    assert box.value == CHANGE
    assert "Cambio de la desnutrición crónica 2019→2022 (puntos)" in box.options
    args = _map_args(at)
    colours = [args["palette"][i] for i in args["colour"]]
    order = geoprio.load_districts(display=True)["ubigeo"].astype(str)
    change = raw[CHANGE].reindex(order).to_numpy()
    assert len(colours) == len(change) == 1874
    # recomputed from the two rates: the change is 2022 minus 2019, in points
    both = raw[["stunting_u5_2022", "stunting_u5_2019"]].dropna()
    assert np.allclose(raw.loc[both.index, CHANGE], both["stunting_u5_2022"]
                       - both["stunting_u5_2019"], atol=1e-6)
    for value, colour in zip(change, colours, strict=True):
        if np.isnan(value):
            assert colour == GREY
        elif value > 0:
            assert colour in REDS, (value, colour)
        else:
            assert colour in BLUES, (value, colour)
    n_up = int((change > 0).sum())
    assert sum(c in REDS for c in colours) == n_up
    assert 0 < n_up < np.isfinite(change).sum()  # some rose, some fell


def test_diverging_breaks_by_hand():
    # equal intervals of [-6, 9] in 3: bounds -1, 4, 9; 0 is added as a bound
    cb = mapping.diverging_breaks([-6, -2, -1, 0, 1, 3, 9, np.nan], scheme="equal_interval", k=3)
    assert cb.bins.tolist() == [-1.0, 0.0, 4.0, 9.0]
    assert cb.counts.tolist() == [3, 1, 2, 1] and cb.missing == 1
    assert cb.colours == ["#92c5de", "#d1e5f0", "#fddbc7", "#f4a582"]
    assert cb.colour_of() == ["#92c5de"] * 3 + ["#d1e5f0", "#fddbc7", "#fddbc7", "#f4a582",
                                                GREY]
    # all on one side: no 0 bound added, one hue only
    up = mapping.diverging_breaks([1, 2, 3, 4], scheme="equal_interval", k=2)
    assert up.bins.tolist() == [2.5, 4.0] and set(up.colours) <= REDS
    # a rise that is better: the sides swap
    rev = mapping.diverging_breaks([-2, 2], scheme="equal_interval", k=2, reverse=True)
    assert rev.colour_of() == ["#fddbc7", "#d1e5f0"]
