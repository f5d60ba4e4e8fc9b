"""GeoDa's everyday views on the Conglomerados page, driven by Streamlit's AppTest.

Figures come from esda and mapclassify (the oracles of tests/test_geoda.py) or from geoprio
called directly; numbers as Peru writes them (decimal comma, no-break space in Spanish).
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")

from test_app import ENGLISH, _raw, make, page, page_texts

import geoprio
from app.widgets.charts import spanish_label_expr
from geoprio.report.mapping import box_breaks
from geoprio.spatial.contiguity import queen_contiguity

IND = "stunting_u5_2019"


@pytest.fixture(scope="module")
def districts_w():
    d = geoprio.load_districts()
    return d, queen_contiguity(d)


def hotspots_page(lang: str = "es", view: str | None = None):
    at = page(make({"lang": lang} if lang == "en" else None), "conglomerados")
    at.radio(key="analisis").set_value("hotspots").run()
    if view:
        at.radio(key="vista").set_value(view).run()
    assert not at.exception, at.exception
    return at


def legends(at) -> dict[str, dict[str, int]]:
    """Each folium map's legend: title -> {row label: count}."""
    out = {}
    for comp in at.get("component_instance"):
        page_html = json.loads(comp.proto.json_args).get("html", "")
        box = re.search(r'class="geoprio-legend"[^>]*><b>(.*?)</b>(.*?)</div></div>', page_html,
                        re.S)
        if not box:
            continue
        # counts as Peru writes them: "1 537" with a no-break space
        rows = re.findall(r"</span>([^<]*) <span[^>]*>\(([^)<]+)\)</span>", box.group(2))
        out[html.unescape(box.group(1))] = {html.unescape(lab): int(re.sub(r"\D", "", n))
                                            for lab, n in rows}
    return out


def chart_spec(at) -> dict:
    """The page's one chart, its data sets (Streamlit sends them apart) under "datasets"."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    spec["datasets"] = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data)
                        for d in chart.proto.datasets}
    return spec


# ------------------------------------------------------------ clusters beside significance
def test_cluster_map_shows_unstable_labels_apart_beside_the_significance_map(districts_w):
    d, w = districts_w
    at = hotspots_page()
    maps = legends(at)
    name = geoprio.catalog().set_index("id").loc[IND, "label_es"]
    assert list(maps) == [f"Conglomerados: {name}", f"Significancia: {name}"]
    _, result = geoprio.hotspots(d, IND, spatial_weights=w)
    clusters = maps[f"Conglomerados: {name}"]
    # the runs disagree on 38 districts: drawn as "inestable", not as hot spots
    assert clusters["inestable"] == result.counts["unstable"] == 38
    assert clusters == {"alto-alto": 95, "alto rodeado de bajos": 6, "bajo rodeado de altos": 4,
                        "bajo-bajo": 185, "no significativo": 1537, "inestable": 38,
                        "sin dato": 9}
    assert clusters["alto-alto"] == result.counts["HH"]
    significance = maps[f"Significancia: {name}"]
    classes = geoprio.significance_classes(result).value_counts()
    assert significance == {"p ≤ 0,001": classes["0.001"], "p ≤ 0,01": classes["0.01"],
                            "p ≤ 0,05": classes["0.05"], "no significativo": 1537,
                            "inestable": 38, "sin dato": 9}
    # a district has a p class exactly when it has a cluster label
    labelled = sum(v for k, v in clusters.items() if k not in
                   ("no significativo", "inestable", "sin dato"))
    assert labelled == sum(v for k, v in significance.items() if k.startswith("p ≤"))
    assert len(at.columns) >= 2  # side by side
    # the sentence above the maps writes its numbers as Peru does (it read "α = 0,00,05")
    summary = next(m.value for m in at.markdown if m.value.startswith("95 distritos forman"))
    assert "(20 corridas de 9\u00a0999 permutaciones, α = 0,05 con FDR;" in summary


def test_significance_map_in_english():
    at = hotspots_page("en")
    maps = legends(at)
    sig = next(v for k, v in maps.items() if k.startswith("Significance: "))
    assert "p ≤ 0.001" in sig and "not significant" in sig and "unstable" in sig
    clusters = next(v for k, v in maps.items() if k.startswith("Clusters: "))
    assert {"high-high", "low-low", "high among lows", "low among highs"} <= set(clusters)


# --------------------------------------------------------------------- Moran scatterplot
def test_moran_scatterplot_with_global_i_equal_to_esda(districts_w):
    import esda

    d, w = districts_w
    at = hotspots_page(view="scatter")
    keep = d[IND].notna().to_numpy()
    moran = esda.Moran(d.loc[keep, IND].to_numpy(float), w.subset(keep).w, permutations=0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["I de Moran global"] == f"{moran.I:.3f}".replace(".", ",") == "0,501"
    assert metrics["Valor p (999 permutaciones)"] == "0,001"
    spec = chart_spec(at)
    layers = spec["layer"]
    marks = [layer["mark"]["type"] for layer in layers]
    assert marks.count("circle") == 1 and "line" in marks and marks.count("text") == 2
    points = layers[marks.index("circle")]["encoding"]
    assert points["x"]["field"] == "z" and points["y"]["field"] == "lag"
    name = geoprio.catalog().set_index("id").loc[IND, "label_es"]
    assert points["x"]["title"] == f"{name} (estandarizado)"
    assert points["y"]["title"] == ["Promedio de los vecinos en", name]
    assert points["x"]["axis"]["labelExpr"] == spanish_label_expr(1)  # 0,5 and 1 000,0
    assert points["color"]["scale"]["domain"] == ["alto-alto", "bajo rodeado de altos",
                                                  "bajo-bajo", "alto rodeado de bajos"]
    # the line's slope is Moran's I
    line = layers[marks.index("line")]
    data = spec["datasets"][line["data"]["name"]]
    slope = (data["lag"][1] - data["lag"][0]) / (data["z"][1] - data["z"][0])
    assert slope == pytest.approx(moran.I, abs=1e-9)
    # every point is a district with a value, in its esda quadrant
    pts = spec["datasets"][layers[marks.index("circle")]["data"]["name"]]
    assert len(pts) == int(keep.sum()) == 1865
    quads = np.array(["", "alto-alto", "bajo rodeado de altos", "bajo-bajo",
                      "alto rodeado de bajos"])
    local = esda.Moran_Local(d.loc[keep, IND].to_numpy(float), w.subset(keep).w,
                             permutations=0)
    assert pts["quadrant_text"].tolist() == quads[local.q].tolist()


def test_moran_scatterplot_in_english():
    at = hotspots_page("en", "scatter")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Global Moran's I"] == "0.501"
    assert metrics["p-value (999 permutations)"] == "0.001"
    points = next(layer for layer in chart_spec(at)["layer"]
                  if layer["mark"]["type"] == "circle")
    assert points["encoding"]["color"]["scale"]["domain"] == [
        "high-high", "low among highs", "low-low", "high among lows"]


# ------------------------------------------------------------------------------ box map
def test_box_map_classes_are_mapclassify_boxplot(districts_w):
    import mapclassify

    d, _ = districts_w
    at = hotspots_page(view="box")
    values = d[IND].to_numpy(float)
    ok = np.isfinite(values)
    theirs = mapclassify.BoxPlot(values[ok], hinge=1.5)
    (legend,) = legends(at).values()
    counts = list(legend.values())
    assert counts[:6] == np.bincount(theirs.yb, minlength=6).tolist() == [0, 467, 466, 466,
                                                                          448, 18]
    assert counts[6] == 9  # sin dato
    labels = list(legend)
    assert labels[0].startswith("Atípico bajo (≤ ") and labels[5].startswith("Atípico alto (> ")
    fence = theirs.bins[4]
    assert labels[5] == f"Atípico alto (> {fence:.1f})".replace(".", ",")
    assert box_breaks(d[IND]).labels("es") == labels[:6]
    assert any("1,5 veces el rango intercuartílico" in c.value for c in at.caption)


# ------------------------------------------------------------------ bivariate Local Moran
def test_bivariate_local_moran_against_poverty(districts_w):
    import esda

    d, w = districts_w
    at = hotspots_page(view="bivariate")
    box = at.selectbox(key="hs_against")
    assert box.value == "poverty_2018"
    assert box.format_func("poverty_2018") == "Pobreza monetaria 2018"
    keep = d[IND].notna().to_numpy()
    x, y = d.loc[keep, IND].to_numpy(float), d.loc[keep, "poverty_2018"].to_numpy(float)
    global_bv = esda.Moran_BV(x, y, w.subset(keep).w, permutations=0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["I de Moran bivariado"] == f"{global_bv.I:.3f}".replace(".", ",")
    _, result = geoprio.bivariate_hotspots(d, IND, "poverty_2018", spatial_weights=w)
    (legend,) = legends(at).values()
    assert legend == {"alto-alto": result.counts["HH"], "alto rodeado de bajos": 24,
                      "bajo rodeado de altos": 36, "bajo-bajo": result.counts["LL"],
                      "no significativo": 1327, "inestable": 46, "sin dato": 9}
    summary = next(m.value for m in at.markdown if "rodeados de pobreza" in m.value)
    assert summary.startswith("180 distritos con desnutrición crónica infantil por encima")
    # the chart beside the map: y is the lag of poverty
    points = next(layer for layer in chart_spec(at)["layer"]
                  if layer["encoding"].get("y", {}).get("field") == "lag")
    assert points["encoding"]["y"]["title"] == ["Promedio de los vecinos en",
                                                "Pobreza monetaria 2018"]
    # another second indicator: the map follows
    box.set_value("no_water_2017").run()
    assert not at.exception
    cat = geoprio.catalog().set_index("id")
    water, name = cat.loc["no_water_2017", "label_es"], cat.loc[IND, "label_es"]
    assert list(legends(at)) == [f"{name} frente a {water} de los vecinos"]


# ------------------------------------------------------------------- Spanish throughout
@pytest.mark.parametrize("view", ["clusters", "scatter", "box", "bivariate"])
def test_spanish_views_show_no_raw_id_and_no_english_word(view):
    at = hotspots_page(view=view)
    texts = page_texts(at)
    for title, rows in legends(at).items():
        texts += [title, *rows]
    ids = set(geoprio.catalog()["id"])
    problems = {}
    rule = geoprio.Scenario.preset("dci").rule
    for text in texts:
        # the rule box holds a rule (ids are its syntax) and its help shows one
        if text == rule or text.startswith("Ejemplo: poverty_2018"):
            continue
        raw, english = _raw(text, ids), ENGLISH.findall(text)
        english = [w for w in english if not re.search(r"(?i)\b(Getis-Ord)\b", w)]
        if raw or english:
            problems[text[:120]] = raw + english
    assert not problems, problems


# ------------------------------------------------------------------ an uploaded indicator
def test_an_uploaded_indicator_with_three_values_gets_a_message_not_a_crash():
    table = geoprio.load_districts().set_index("ubigeo")
    values = pd.Series(np.nan, index=table.index)
    values.iloc[:3] = [10.0, 20.0, 30.0]  # a box map needs 4 values
    upload = {"cov": {"values": values, "row": {
        "id": "cov", "label_es": "cobertura", "label_en": "coverage", "unit": "%",
        "year": 2024, "source": "test", "higher_is_worse": True, "kind": "indicator",
        "aggregate": "wmean:pop_2020", "description": "", "caveats": ""}}}
    at = page(make(session={"uploads": upload}), "conglomerados")
    at.radio(key="analisis").set_value("hotspots").run()
    at.selectbox(key="hs_ind").set_value("cov").run()
    at.radio(key="vista").set_value("box").run()
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert warning.value == ("Esta vista no se puede calcular para «cobertura»: tiene dato "
                             "en 3 distritos, con 3 valores distintos; se necesitan al menos "
                             "4 distritos con valores que varíen.")
    for view in ("clusters", "scatter", "bivariate"):  # 3 values: drawn or refused, no crash
        at.radio(key="vista").set_value(view).run()
        assert not at.exception, (view, at.exception)


def test_a_link_opens_the_hot_spot_view_it_names():
    """?analisis=hotspots&vista=box: a colleague's link opens the box map, not the default."""
    at = page(make({"analisis": "hotspots", "vista": "box"}), "conglomerados")
    assert not at.exception, at.exception
    assert at.radio(key="vista").value == "box"
    (legend,) = legends(at).values()
    assert next(iter(legend)).startswith("Atípico bajo")
    at.radio(key="vista").set_value("scatter").run()
    assert at.query_params["vista"] in ("scatter", ["scatter"])  # written back to the link


def test_side_by_side_legends_sit_over_the_pacific_and_stay_small():
    """At 1366 px the two hot-spot maps are half wide: a top legend hid a third of the
    country. Both legends sit bottom left (over the ocean), at most half the map's width."""
    at = page(make({"analisis": "hotspots"}), "conglomerados")
    boxes = [re.search(r'class="geoprio-legend" style="([^"]*)"',
                       json.loads(c.proto.json_args).get("html", ""))
             for c in at.get("component_instance")]
    styles = [b.group(1) for b in boxes if b]
    assert len(styles) == 2
    for style in styles:
        assert "bottom:28px;left:10px" in style and "max-width:48%" in style
        assert "top:" not in style
