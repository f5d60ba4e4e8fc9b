"""Clusters page: typologies, contiguous zones and hot spots, each a map and a table.

Groups depend on the indicator values, not on the scenario: they are cached on the uploads'
fingerprint and the options, and computed only when this page is open.
"""

from __future__ import annotations

import re

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import geoprio
from app.i18n import label, option, t
from app.state import (
    catalog,
    display_geometry,
    districts,
    full_geometry,
    indicator_ids,
    leaflet_base_url,
    uploads_key,
)
from app.text import md
from app.urlstate import valid
from app.view import View
from geoprio import fmt, mapping

# Okabe-Ito colours (colour-blind safe) for up to 8 groups, then greys
GROUP_COLOURS = ["#d55e00", "#e69f00", "#f0e442", "#009e73", "#56b4e9", "#0072b2", "#cc79a7",
                 "#999999", "#666666", "#bbbbbb", "#444444", "#dddddd"]
HOTSPOT_COLOURS = {"HH": "#b2182b", "HL": "#ef8a62", "LH": "#67a9cf", "LL": "#2166ac",
                   "hot": "#b2182b", "cold": "#2166ac", "ns": "#f7f7f7"}
DEFAULTS = ("poverty_2018", "stunting_u5_2019", "no_water_2017", "no_sewer_2017")


@st.cache_data(max_entries=16, show_spinner=False)
def run_cluster(key: tuple, indicators: tuple[str, ...], method: str, k, contiguous: bool,
                min_population: float | None, *, _frame: pd.DataFrame):
    geo = gpd.GeoDataFrame(_frame.merge(full_geometry(), on="ubigeo"), geometry="geometry",
                           crs=4326)
    frame, result = geoprio.cluster(geo, list(indicators), method=method, k=k,
                                    contiguous=contiguous, min_population=min_population,
                                    missing="median")
    return pd.DataFrame(frame.drop(columns="geometry")), result


@st.cache_data(max_entries=16, show_spinner=False)
def run_hotspots(key: tuple, indicator: str, method: str, alpha: float, *,
                 _frame: pd.DataFrame):
    geo = gpd.GeoDataFrame(_frame.merge(full_geometry(), on="ubigeo"), geometry="geometry",
                           crs=4326)
    frame, result = geoprio.hotspots(geo, indicator, method=method, alpha=alpha)
    return pd.DataFrame(frame.drop(columns="geometry")), result


def _map(frame: pd.DataFrame, column: str, colours: dict, labels: dict, title: str,
         tooltip: dict, key: str, lang: str) -> None:
    geo = gpd.GeoDataFrame(display_geometry().merge(frame, on="ubigeo", how="left"),
                           geometry="geometry", crs=4326)
    m = mapping.category_map(geo, column, colours, labels, title=title, tooltip=tooltip,
                             missing_label=t("missing", lang))
    mapping.serve_assets_from(m, leaflet_base_url())
    st_folium(m, height=520, use_container_width=True, returned_objects=[], key=key)


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
    """The engine's sentence with its significance level written as ``lang`` writes numbers."""
    text = result.summary_en if lang == "en" else result.summary_es
    return re.sub(r"α = ([0-9.]+)",
                  lambda m: "α = " + fmt.number(float(m.group(1)), 2, lang), text)


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
    """z-scores of each group and indicator as a heat table (diverging, centred at 0)."""
    top = float(long["z"].abs().max() or 1.0)
    base = alt.Chart(long).encode(
        x=alt.X("indicator:N", title=None, sort=None,
                axis=alt.Axis(labelAngle=0, labelLimit=0, orient="top",
                              labelExpr="split(datum.label, ' ')")),
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=0)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("z:Q", title=t("z", lang), scale=alt.Scale(
            scheme="redblue", reverse=True, domain=[-top, top], domainMid=0)),
        tooltip=[alt.Tooltip("group:N", title=t("group", lang)),
                 alt.Tooltip("indicator:N", title=t("indicator", lang)),
                 alt.Tooltip("text:N", title=t("z", lang))])
    text = base.mark_text(fontSize=13).encode(
        text="text:N",
        color=alt.condition(f"abs(datum.z) > {top * 0.6}", alt.value("white"),
                            alt.value("black")))
    return (cells + text).properties(height=max(120, 48 * long["group"].nunique()))


def render(view: View) -> None:
    lang = view.lang
    frame_all = districts()
    cat = catalog().set_index("id")
    usable = indicator_ids(cat.reset_index(), frame_all.columns)
    names = {i: label(cat.loc[i], lang) for i in usable}
    units = {i: str(cat.loc[i, "unit"]) for i in usable}
    tip = {"district": t("district", lang), "department": t("department", lang),
           "ubigeo": t("ubigeo", lang)}
    valid("analisis", ["typology", "zones", "hotspots"])
    kind = st.radio(t("analysis", lang), ["typology", "zones", "hotspots"], horizontal=True,
                    format_func=lambda x: t(x, lang), key="analisis", persist_state="session")
    key = (uploads_key(),)  # groups depend on the indicator values, not on the scenario
    if kind == "hotspots":
        c1, c2, c3 = st.columns(3)
        ind = c1.selectbox(t("indicator", lang), usable, format_func=names.get,
                           index=usable.index("stunting_u5_2019"), key="hs_ind")
        method = c2.selectbox(t("method", lang), ["local_moran", "gi_star"], key="hs_method",
                              format_func=lambda m: option("hotspot_method", m, lang))
        alpha = c3.select_slider(t("alpha", lang), [0.01, 0.05, 0.1], 0.05, key="hs_alpha",
                                 format_func=lambda a: fmt.number(a, 2, lang))
        frame, result = run_hotspots(key, ind, method, alpha, _frame=frame_all)
        col = f"hotspot_{ind}"
        frame["hotspot_text"] = frame[col].map(lambda v: option("hotspot", v, lang))
        st.markdown(md(hotspot_summary(result, lang)))  # names uploaded indicators
        present = [v for v in HOTSPOT_COLOURS if v in set(frame[col])]
        labels = {v: option("hotspot", v, lang) for v in present}
        _map(frame, col, {v: HOTSPOT_COLOURS[v] for v in present}, labels, names[ind],
             {**tip, ind: names[ind], "hotspot_text": t("hotspot_class", lang)}, "hs_map", lang)
        return
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
    if len(inds) < 2:
        st.info(t("cluster_need_two", lang))
        return
    frame, result = run_cluster(key, tuple(inds), method, "auto" if k == 0 else int(k),
                                kind == "zones", float(floor) or None, _frame=frame_all)
    col = "zone" if kind == "zones" else "cluster"
    st.markdown(md(group_summary(result, kind, lang, auto=k == 0)))  # user labels in it
    groups = sorted(v for v in frame[col].dropna().unique() if v >= 1)
    colours = {g: GROUP_COLOURS[(g - 1) % len(GROUP_COLOURS)] for g in groups}
    text_col = f"{col}_{lang}"
    labels = {g: f"{g}: {frame.loc[frame[col] == g, text_col].iloc[0]}" for g in groups}
    _map(frame, col, colours, labels, t(kind, lang),
         {**tip, col: t("zone" if kind == "zones" else "group", lang),
          text_col: t("profile", lang)}, f"{kind}_map", lang)
    means, long = profile_tables(result, names, units, kind, lang)
    st.markdown(f"**{t('profile_table', lang)}**")
    st.dataframe(means, hide_index=True, width="stretch")
    if not long.empty:
        st.markdown(f"**{t('profile_heat', lang)}**")
        st.altair_chart(heat_chart(long, lang), width="stretch")
