"""Clusters page: typologies, contiguous zones and hot spots, each a map and a table.

Groups depend on the indicator values, not on the scenario: they are cached on the uploads'
fingerprint and the options, and computed only when this page is open.
"""

from __future__ import annotations

import logging
import math

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import geoprio
from app.runtime.state import (
    catalog,
    display_geometry,
    district_labels,
    districts,
    full_geometry,
    indicator_ids,
    leaflet_base_url,
    uploads_key,
)
from app.runtime.urlstate import valid
from app.runtime.view import View
from app.texts.i18n import label, option, t
from app.texts.text import md
from app.widgets.charts import number_axis
from geoprio import fmt
from geoprio.errors import GeoprioError
from geoprio.report import mapping

log = logging.getLogger(__name__)

# Okabe-Ito colours (colour-blind safe) for up to 8 groups, then greys
GROUP_COLOURS = ["#d55e00", "#e69f00", "#f0e442", "#009e73", "#56b4e9", "#0072b2", "#cc79a7",
                 "#999999", "#666666", "#bbbbbb", "#444444", "#dddddd"]
HOTSPOT_COLOURS = {"HH": "#b2182b", "HL": "#ef8a62", "LH": "#67a9cf", "LL": "#2166ac",
                   "hot": "#b2182b", "cold": "#2166ac", "ns": "#f7f7f7", "unstable": "#c2a5cf"}
# GeoDa's significance map: darker green, smaller p
SIGNIFICANCE_COLOURS = {"0.0001": "#006d2c", "0.001": "#31a354", "0.01": "#74c476",
                        "0.05": "#bae4b3", "0.1": "#edf8e9", "ns": "#f7f7f7",
                        "unstable": "#c2a5cf"}
QUADRANTS = ("HH", "LH", "LL", "HL")
GEODA_VIEWS = ("clusters", "scatter", "box", "bivariate")
DEFAULTS = ("poverty_2018", "stunting_u5_2019", "no_water_2017", "no_sewer_2017")


@st.cache_data(max_entries=16, show_spinner=False)
def run_cluster(key: tuple, indicators: tuple[str, ...], method: str, k, contiguous: bool,
                min_population: float | None, *, _frame: pd.DataFrame,
                _catalog: pd.DataFrame | None = None):
    """``key`` holds the uploads' fingerprint: values and catalog rows (directions)."""
    geo = gpd.GeoDataFrame(_frame.merge(full_geometry(), on="ubigeo"), geometry="geometry",
                           crs=4326)
    # directions from the session's catalog: an uploaded coverage is "higher is better"
    frame, result = geoprio.cluster(geo, list(indicators), method=method, k=k,
                                    contiguous=contiguous, min_population=min_population,
                                    missing="median", catalog=_catalog)
    return pd.DataFrame(frame.drop(columns="geometry")), result


@st.cache_data(max_entries=16, show_spinner=False)
def run_hotspots(key: tuple, indicator: str, method: str, alpha: float, *,
                 _frame: pd.DataFrame):
    geo = gpd.GeoDataFrame(_frame.merge(full_geometry(), on="ubigeo"), geometry="geometry",
                           crs=4326)
    frame, result = geoprio.hotspots(geo, indicator, method=method, alpha=alpha)
    return pd.DataFrame(frame.drop(columns="geometry")), result


def _geo(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame.merge(full_geometry(), on="ubigeo"), geometry="geometry",
                            crs=4326)


@st.cache_data(max_entries=16, show_spinner=False)
def run_scatter(key: tuple, indicator: str, against: str | None, *, _frame: pd.DataFrame):
    """The Moran scatterplot (same weights and seed as the hot spots)."""
    return geoprio.moran_scatter(_geo(_frame), indicator, against=against)


@st.cache_data(max_entries=16, show_spinner=False)
def run_bivariate(key: tuple, indicator: str, against: str, alpha: float, *,
                  _frame: pd.DataFrame):
    frame, result = geoprio.bivariate_hotspots(_geo(_frame), indicator, against, alpha=alpha)
    return pd.DataFrame(frame.drop(columns="geometry")), result


def shown_labels(frame: pd.DataFrame, result) -> pd.Series:
    """The cluster map's class of every row of ``frame``: the stable label, "unstable" where
    the runs disagree, missing where the indicator is missing."""
    return frame["ubigeo"].map(result.stable_labels())


def significance_label(code: str, lang: str) -> str:
    """"p ≤ 0,001" for a class bound, the hot-spot option's words otherwise."""
    if code in ("ns", "unstable"):
        return option("hotspot", code, lang)
    return t("p_le", lang, p=fmt.number(float(code), len(code.split(".")[-1]), lang))


def _axis(lang: str, title_limit: int = 0) -> alt.Axis:
    """An axis whose numbers read as ``lang`` writes them (decimal comma in Spanish).

    ``title_limit`` (pixels) cuts a long title: the chart shrinks its plot to fit the whole
    title otherwise."""
    return number_axis(lang, 1, titleLimit=title_limit)


def scatter_chart(s, names: dict[str, str], lang: str) -> alt.Chart:
    """GeoDa's Moran scatterplot: standardised value, spatial lag, the slope line (= I),
    the axes through 0 and the four quadrants named in ``lang``."""
    pts = s.points.reset_index()
    labels = district_labels()
    pts["nombre"] = pts["ubigeo"].map(labels).fillna(pts["ubigeo"])
    pts["quadrant_text"] = [option("hotspot", q, lang) for q in pts["quadrant"]]
    pts["value_text"] = [fmt.number(v, 1, lang) for v in pts["value"]]
    pts["z_text"] = [fmt.number(v, 2, lang) for v in pts["z"]]
    pts["lag_text"] = [fmt.number(v, 2, lang) for v in pts["lag"]]
    x_name = names.get(s.indicator, s.indicator)
    y_name = names.get(s.against, s.against) if s.against else x_name
    quads = [option("hotspot", q, lang) for q in QUADRANTS]
    colours = [HOTSPOT_COLOURS[q] for q in QUADRANTS]
    points = alt.Chart(pts).mark_circle(size=22, opacity=0.65).encode(
        x=alt.X("z:Q", title=t("scatter_x", lang, name=x_name), axis=_axis(lang)),
        y=alt.Y("lag:Q", title=t("scatter_y", lang, name=y_name).split("|"),  # two lines
                axis=_axis(lang, 390)),
        color=alt.Color("quadrant_text:N", title=t("quadrant", lang),
                        scale=alt.Scale(domain=quads, range=colours),
                        legend=alt.Legend(labelLimit=0, orient="bottom")),
        tooltip=[alt.Tooltip("nombre:N", title=t("district", lang)),
                 alt.Tooltip("value_text:N", title=t("value", lang)),
                 alt.Tooltip("z_text:N", title=t("z_value", lang)),
                 alt.Tooltip("lag_text:N", title=t("lag", lang)),
                 alt.Tooltip("quadrant_text:N", title=t("quadrant", lang))])
    lo, hi = float(pts["z"].min()), float(pts["z"].max())
    line = alt.Chart(pd.DataFrame({"z": [lo, hi], "lag": [s.intercept + s.slope * lo,
                                                          s.intercept + s.slope * hi]})
                     ).mark_line(color="#333333", strokeWidth=2).encode(x="z:Q", y="lag:Q")
    zero = pd.DataFrame({"v": [0.0]})
    rules = (alt.Chart(zero).mark_rule(color="#999999", strokeDash=[4, 4]).encode(x="v:Q")
             + alt.Chart(zero).mark_rule(color="#999999", strokeDash=[4, 4]).encode(y="v:Q"))
    ymin, ymax = float(pts["lag"].min()), float(pts["lag"].max())
    corners = pd.DataFrame({
        "z": [hi, lo, lo, hi], "lag": [ymax, ymax, ymin, ymin],
        "text": quads, "align": ["right", "left", "left", "right"]})
    text = alt.Chart(corners).mark_text(fontSize=13, fontWeight="bold", dy=0).encode(
        x="z:Q", y="lag:Q", text="text:N",
        color=alt.Color("text:N", scale=alt.Scale(domain=quads, range=colours), legend=None))
    right = text.transform_filter("datum.align == 'right'").mark_text(
        fontSize=13, fontWeight="bold", align="right")
    left = text.transform_filter("datum.align == 'left'").mark_text(
        fontSize=13, fontWeight="bold", align="left")
    return (rules + points + line + right + left).properties(height=420)


def _map(frame: pd.DataFrame, column: str, colours: dict, labels: dict, title: str,
         tooltip: dict, key: str, lang: str, height: int = 520, half: bool = False) -> None:
    """A category map; its legend over the Pacific (bottom left), smaller at half width, so
    that it never hides the country (at 1366 px a top legend covered a third of it)."""
    geo = gpd.GeoDataFrame(display_geometry().merge(frame, on="ubigeo", how="left"),
                           geometry="geometry", crs=4326)
    m = mapping.category_map(geo, column, colours, labels, title=title, tooltip=tooltip,
                             missing_label=t("missing", lang), lang=lang,
                             corner="bottom-left", compact=half)
    mapping.serve_assets_from(m, leaflet_base_url())
    st_folium(m, height=height, use_container_width=True, returned_objects=[], key=key)


def group_summary(result, kind: str, lang: str, auto: bool) -> str:
    """The result in one sentence, with the method named in ``lang``."""
    top = result.profiles.iloc[0]
    method = option("cluster_method", "ward" if kind == "zones" else result.method, lang)
    how = {"es": "k elegido automáticamente", "en": "k chosen automatically"}[lang] if auto \
        else {"es": "k fijado", "en": "k set by the user"}[lang]
    n = fmt.integer(len(result.profiles), lang)
    size = fmt.integer(int(top["size"]), lang)
    if lang == "en":
        noun = "contiguous zones" if kind == "zones" else "typologies"
        text = (f"{n} {noun} ({method}, {how}); the most severe (1) has {size} districts: "
                f"{top['label_en']}.")
        if kind == "zones" and result.merges:
            text += (f" {fmt.integer(len(result.merges), lang)} zones under the population "
                     f"floor were merged into a neighbour.")
        return text
    noun = "zonas contiguas" if kind == "zones" else "tipologías"
    text = (f"{n} {noun} ({method}, {how}); la más severa (1) reúne {size} distritos: "
            f"{top['label_es']}.")
    if kind == "zones" and result.merges:
        text += (f" {fmt.integer(len(result.merges), lang)} zonas bajo el mínimo de población "
                 f"se unieron a una vecina.")
    return text


def hotspot_summary(result, lang: str) -> str:
    """The engine's sentence in ``lang`` (it writes its numbers as ``lang`` does)."""
    return result.summary_en if lang == "en" else result.summary_es


def profile_tables(result, names: dict[str, str], units: dict[str, str], kind: str,
                   lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The profile as two tables with labelled headers: means (as text) and z-scores (long)."""
    p = result.profiles
    group = t("zone" if kind == "zones" else "group", lang)
    inds = [c for c in result.indicators if c in p.columns]
    means = pd.DataFrame({
        group: [int(g) for g in p.index],
        t("profile", lang): p["label_en" if lang == "en" else "label_es"].to_numpy(),
        t("size", lang): [fmt.integer(v, lang) for v in p["size"]],
        t("population", lang): [fmt.integer(v, lang) for v in p["population"]],
        **{f"{names.get(i, i)} ({units.get(i, '')})".replace(" ()", ""):
           [fmt.number(v, 1, lang) for v in p[i]] for i in inds},
    })
    z = p[[f"{i}_z" for i in inds if f"{i}_z" in p.columns]].copy()
    z.columns = [names.get(c[:-2], c[:-2]) for c in z.columns]
    z.index = [f"{int(g)}: {lab}" for g, lab in zip(
        p.index, p["label_en" if lang == "en" else "label_es"], strict=True)]
    long = z.reset_index(names="group").melt(id_vars="group", var_name="indicator",
                                             value_name="z")
    long["text"] = [fmt.number(v, 2, lang) for v in long["z"]]
    return means, long


def heat_chart(long: pd.DataFrame, lang: str) -> alt.Chart:
    """z-scores of each group and indicator as a heat table (diverging, centred at 0).

    One row per indicator (its whole label on the left, where there is room) and one column
    per group: labels never run over the values, however many indicators there are."""
    top = float(long["z"].abs().max() or 1.0)
    long = long.assign(number=long["group"].str.split(":").str[0])
    base = alt.Chart(long).encode(
        x=alt.X("number:N", title=t("group", lang), sort=None,
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("indicator:N", title=None, sort=None, axis=alt.Axis(labelLimit=0)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("z:Q", title=t("z", lang), scale=alt.Scale(
            scheme="redblue", reverse=True, domain=[-top, top], domainMid=0),
            legend=alt.Legend(gradientLength=max(60, 40 * long["indicator"].nunique() - 20))),
        tooltip=[alt.Tooltip("group:N", title=t("group", lang)),
                 alt.Tooltip("indicator:N", title=t("indicator", lang)),
                 alt.Tooltip("text:N", title=t("z", lang))])
    text = base.mark_text(fontSize=13).encode(
        text="text:N",
        color=alt.condition(f"abs(datum.z) > {top * 0.6}", alt.value("white"),
                            alt.value("black")))
    rows = long["indicator"].nunique()  # the height holds the axes too (autosize "fit")
    return (cells + text).properties(height=90 + 40 * rows)


def render(view: View) -> None:
    """The page: typology, zones or hot spots of the indicators (not of the scenario)."""
    lang = view.lang
    frame_all = districts()
    cat = catalog().set_index("id")
    usable = indicator_ids(cat.reset_index(), frame_all.columns)
    names = {i: label(cat.loc[i], lang) for i in usable}
    tip = {"district": t("district", lang), "department": t("department", lang),
           "ubigeo": t("ubigeo", lang)}
    valid("analisis", ["typology", "zones", "hotspots"])
    kind = st.radio(t("analysis", lang), ["typology", "zones", "hotspots"], horizontal=True,
                    format_func=lambda x: t(x, lang), key="analisis", persist_state="session")
    key = (uploads_key(),)  # groups depend on the indicator values, not on the scenario
    if kind == "hotspots":
        _hotspots(frame_all, key, usable, names, tip, lang)
        return
    inds, method, k, floor = _cluster_form(kind, usable, names, lang)
    if len(inds) < 2:
        st.info(t("cluster_need_two", lang))
        return
    frame, result = run_cluster(key, tuple(inds), method, "auto" if k == 0 else int(k),
                                kind == "zones", float(floor) or None, _frame=frame_all,
                                _catalog=cat.reset_index())
    col = "zone" if kind == "zones" else "cluster"
    st.markdown(md(group_summary(result, kind, lang, auto=k == 0)))  # user labels in it
    groups = sorted(v for v in frame[col].dropna().unique() if v >= 1)
    colours = {g: GROUP_COLOURS[(g - 1) % len(GROUP_COLOURS)] for g in groups}
    text_col = f"{col}_{lang}"
    labels = {g: f"{g}: {frame.loc[frame[col] == g, text_col].iloc[0]}" for g in groups}
    _map(frame, col, colours, labels, t(kind, lang),
         {**tip, col: t("zone" if kind == "zones" else "group", lang),
          text_col: t("profile", lang)}, f"{kind}_map", lang)
    units = {i: str(cat.loc[i, "unit"]) for i in usable}
    means, long = profile_tables(result, names, units, kind, lang)
    st.markdown(f"**{t('profile_table', lang)}**")
    st.dataframe(means, hide_index=True, width="stretch", placeholder="—")
    if not long.empty:
        st.markdown(f"**{t('profile_heat', lang)}**")
        st.altair_chart(heat_chart(long, lang), width="stretch")


def _hotspots(frame_all: pd.DataFrame, key: tuple, usable: list[str], names: dict[str, str],
              tip: dict[str, str], lang: str) -> None:
    """The hot-spot choices (indicator, method, significance, view) and the view chosen; an
    indicator that cannot be analysed says why."""
    c1, c2, c3 = st.columns(3)
    ind = c1.selectbox(t("indicator", lang), usable, format_func=names.get,
                       index=usable.index("stunting_u5_2019"), key="hs_ind")
    method = c2.selectbox(t("method", lang), ["local_moran", "gi_star"], key="hs_method",
                          format_func=lambda m: option("hotspot_method", m, lang))
    alpha = c3.select_slider(t("alpha", lang), [0.01, 0.05, 0.1], 0.05, key="hs_alpha",
                             format_func=lambda a: fmt.number(a, 2, lang))
    valid("vista", GEODA_VIEWS)
    view_kind = st.radio(t("geoda_view", lang), GEODA_VIEWS, horizontal=True,
                         key="vista", format_func=lambda v: option("geoda_view", v, lang))
    try:
        hotspot_views(view_kind, frame_all, key, ind, method, alpha, names, tip, usable,
                      lang)
    except GeoprioError as error:  # e.g. an uploaded indicator with too few values
        log.info("hot-spot view %s of %s: %s", view_kind, ind, error)
        values = pd.to_numeric(frame_all[ind], errors="coerce").dropna()
        st.warning(t("geoda_error", lang, name=md(names[ind]),
                     n=fmt.integer(len(values), lang),
                     k=fmt.integer(values.nunique(), lang)))


def _cluster_form(kind: str, usable: list[str], names: dict[str, str],
                  lang: str) -> tuple[list[str], str, int, int]:
    """The typology's or the zones' form: indicators, method (zones: Ward), number of groups
    (0: chosen by the data) and, for zones, the smallest population of a zone."""
    defaults = [i for i in DEFAULTS if i in usable]
    with st.form(f"cluster_form_{kind}"):
        inds = st.multiselect(t("cluster_indicators", lang), usable, defaults,
                              format_func=names.get)
        c1, c2 = st.columns(2)
        method = c1.selectbox(t("method", lang), ["kmeans", "ward", "gmm"],
                              format_func=lambda m: option("cluster_method", m, lang)) \
            if kind == "typology" else "ward"
        k = c2.number_input(t("k", lang), 0, 30, 0 if kind == "typology" else 8)
        floor = st.number_input(t("min_pop", lang), 0, 5_000_000, 0, 50_000) \
            if kind == "zones" else 0
        st.form_submit_button(t("run", lang))
    return inds, method, k, floor


def hotspot_views(view_kind: str, frame_all: pd.DataFrame, key: tuple, ind: str, method: str,
                  alpha: float, names: dict[str, str], tip: dict[str, str], usable: list[str],
                  lang: str) -> None:
    """GeoDa's everyday views of the hot-spot analysis: cluster and significance maps side by
    side, the Moran scatterplot, the box map and the bivariate Local Moran."""
    name = names[ind]

    def value_text(frame: pd.DataFrame) -> pd.Series:
        return frame[ind].map(lambda v: fmt.number(v, 1, lang))
    if view_kind == "scatter":
        s = run_scatter(key, ind, None, _frame=frame_all)
        _scatter(s, names, lang)
        return
    if view_kind == "box":
        box = mapping.box_breaks(frame_all[ind])
        frame = frame_all[["ubigeo", ind, *[c for c in tip if c in frame_all.columns
                                            and c != "ubigeo"]]].copy()
        frame["box"] = box.yb
        frame["value_text"] = value_text(frame)
        box_labels = box.labels(lang)
        frame["box_text"] = [box_labels[c] if c >= 0 else t("missing", lang) for c in box.yb]
        st.caption(t("box_note", lang, hinge=fmt.number(box.hinge, 1, lang),
                     high=fmt.integer(len(box.high_outliers), lang),
                     low=fmt.integer(len(box.low_outliers), lang)))
        _map(frame, "box", dict(enumerate(box.colours)), dict(enumerate(box_labels)),
             t("box_map", lang, name=name),
             {**tip, "value_text": name, "box_text": t("box_class", lang)}, "hs_box", lang)
        return
    if view_kind == "bivariate":
        others = [i for i in usable if i != ind]
        default = "poverty_2018" if "poverty_2018" in others else others[0]
        against = st.selectbox(t("against", lang), others, index=others.index(default),
                               format_func=names.get, key="hs_against")
        frame, result = run_bivariate(key, ind, against, alpha, _frame=frame_all)
        st.markdown(md(hotspot_summary(result, lang)))  # names uploaded indicators
        st.caption(t("bivariate_note", lang, x=md(name), y=md(names[against])))
        # the map at full width (its legend names both indicators), the scatterplot below
        _label_map(frame, result, t("bivariate_map", lang, x=name, y=names[against]),
                   {**tip, "value_text": name}, value_text(frame), "hs_bv_map", lang)
        _scatter(run_scatter(key, ind, against, _frame=frame_all), names, lang)
        return
    frame, result = run_hotspots(key, ind, method, alpha, _frame=frame_all)
    st.markdown(md(hotspot_summary(result, lang)))  # names uploaded indicators
    left, right = st.columns(2)
    with left:
        _label_map(frame, result, t("cluster_map", lang, name=name),
                   {**tip, "value_text": name}, value_text(frame), "hs_map", lang, half=True)
    with right:
        classes = frame["ubigeo"].map(geoprio.significance_classes(result))
        frame["significance"] = classes
        frame["significance_text"] = classes.map(lambda c: significance_label(c, lang),
                                                 na_action="ignore")
        frame["value_text"] = value_text(frame)
        present = [c for c in SIGNIFICANCE_COLOURS if c in set(classes.dropna())]
        _map(frame, "significance", {c: SIGNIFICANCE_COLOURS[c] for c in present},
             {c: significance_label(c, lang) for c in present},
             t("significance_map", lang, name=name),
             {**tip, "value_text": name, "significance_text": t("p_class", lang)},
             "hs_sig_map", lang, half=True)
    local = result.local
    agree = math.ceil(local.min_stability * local.runs - 1e-9)
    st.caption(t("significance_note", lang, perms=fmt.integer(local.permutations, lang),
                 runs=fmt.integer(local.runs, lang), agree=fmt.integer(agree, lang)))


def _label_map(frame: pd.DataFrame, result, title: str, tooltip: dict, value_text: pd.Series,
               key: str, lang: str, half: bool = False) -> None:
    """A cluster map of stable labels; unstable ones drawn and counted apart ("inestable")."""
    frame = frame.copy()
    frame["shown"] = shown_labels(frame, result)
    frame["hotspot_text"] = frame["shown"].map(lambda v: option("hotspot", v, lang),
                                               na_action="ignore")
    frame["value_text"] = value_text.to_numpy()
    present = [v for v in HOTSPOT_COLOURS if v in set(frame["shown"].dropna())]
    _map(frame, "shown", {v: HOTSPOT_COLOURS[v] for v in present},
         {v: option("hotspot", v, lang) for v in present}, title,
         {**tooltip, "hotspot_text": t("hotspot_class", lang)}, key, lang, half=half)


def _scatter(s, names: dict[str, str], lang: str) -> None:
    c1, c2 = st.columns(2)
    c1.metric(t("moran_i_bv" if s.against else "moran_i", lang), fmt.number(s.I, 3, lang))
    c2.metric(t("moran_p", lang, n=fmt.integer(s.moran.permutations, lang)),
              fmt.number(s.p_sim, 3, lang))
    st.altair_chart(scatter_chart(s, names, lang), width="stretch")
    st.caption(t("scatter_note", lang, n=fmt.integer(s.moran.permutations, lang),
                 dropped=fmt.integer(len(s.dropped), lang)))
