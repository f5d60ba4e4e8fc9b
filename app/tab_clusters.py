"""Clusters tab: typologies, contiguous zones and hot spots, each a map and a table."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import geoprio
from app.i18n import label, t
from app.state import catalog, display_geometry, leaflet_base_url, uploads_key
from geoprio import mapping

# Okabe-Ito colours (colour-blind safe) for up to 8 groups, then greys
GROUP_COLOURS = ["#d55e00", "#e69f00", "#f0e442", "#009e73", "#56b4e9", "#0072b2", "#cc79a7",
                 "#999999", "#666666", "#bbbbbb", "#444444", "#dddddd"]
HOTSPOT_COLOURS = {"HH": "#b2182b", "HL": "#ef8a62", "LH": "#67a9cf", "LL": "#2166ac",
                   "hot": "#b2182b", "cold": "#2166ac", "ns": "#f7f7f7"}


@st.cache_data(max_entries=16, show_spinner=False)
def run_cluster(key: tuple, indicators: tuple[str, ...], method: str, k, contiguous: bool,
                min_population: float | None, *, _frame: pd.DataFrame):
    geo = gpd.GeoDataFrame(_frame.merge(geoprio.load_districts()[["ubigeo", "geometry"]],
                                        on="ubigeo"), geometry="geometry", crs=4326)
    frame, result = geoprio.cluster(geo, list(indicators), method=method, k=k,
                                    contiguous=contiguous, min_population=min_population,
                                    missing="median")
    return pd.DataFrame(frame.drop(columns="geometry")), result


@st.cache_data(max_entries=16, show_spinner=False)
def run_hotspots(key: tuple, indicator: str, method: str, alpha: float, *,
                 _frame: pd.DataFrame):
    geo = gpd.GeoDataFrame(_frame.merge(geoprio.load_districts()[["ubigeo", "geometry"]],
                                        on="ubigeo"), geometry="geometry", crs=4326)
    frame, result = geoprio.hotspots(geo, indicator, method=method, alpha=alpha)
    return pd.DataFrame(frame.drop(columns="geometry")), result


def _map(frame: pd.DataFrame, column: str, colours: dict, labels: dict, title: str,
         tooltip: dict, key: str) -> None:
    geo = gpd.GeoDataFrame(display_geometry().merge(frame, on="ubigeo", how="left"),
                           geometry="geometry", crs=4326)
    m = mapping.category_map(geo, column, colours, labels, title=title, tooltip=tooltip)
    mapping.serve_assets_from(m, leaflet_base_url())
    st_folium(m, height=520, use_container_width=True, returned_objects=[], key=key)


def render(ranked: pd.DataFrame, lang: str) -> None:
    cat = catalog().set_index("id")
    usable = [i for i in cat.index if cat.loc[i, "kind"] == "indicator" and i in ranked.columns]
    names = {i: label(cat.loc[i], lang) for i in usable}
    tip = {"district": t("district", lang), "department": t("department", lang),
           "ubigeo": t("ubigeo", lang)}
    kind = st.radio(t("method", lang), ["typology", "zones", "hotspots"], horizontal=True,
                    format_func=lambda x: t(x, lang), key="cluster_kind")
    key = (uploads_key(),)  # groups depend on the indicator values, not on the scenario
    if kind == "hotspots":
        c1, c2, c3 = st.columns(3)
        ind = c1.selectbox(t("indicator", lang), usable, format_func=names.get,
                           index=usable.index("stunting_u5_2019"), key="hs_ind")
        method = c2.selectbox(t("method", lang), ["local_moran", "gi_star"], key="hs_method")
        alpha = c3.select_slider(t("alpha", lang), [0.01, 0.05, 0.1], 0.05, key="hs_alpha")
        frame, result = run_hotspots(key, ind, method, alpha, _frame=ranked)
        col = f"hotspot_{ind}"
        st.markdown(result.summary_es if lang == "es" else result.summary_en)
        present = [v for v in HOTSPOT_COLOURS if v in set(frame[col])]
        _map(frame, col, {v: HOTSPOT_COLOURS[v] for v in present}, {v: v for v in present},
             names[ind], {**tip, ind: names[ind], col: t("hotspots", lang)}, "hs_map")
        return
    defaults = [i for i in ("poverty_2018", "stunting_u5_2019", "no_water_2017",
                            "no_sewer_2017") if i in usable]
    with st.form(f"cluster_form_{kind}"):
        inds = st.multiselect(t("cluster_indicators", lang), usable, defaults,
                              format_func=names.get)
        c1, c2 = st.columns(2)
        method = c1.selectbox(t("method", lang), ["kmeans", "ward", "gmm"]) \
            if kind == "typology" else "ward"
        k = c2.number_input(t("k", lang), 0, 30, 0 if kind == "typology" else 8)
        floor = st.number_input(t("min_pop", lang), 0, 5_000_000, 0, 50_000) \
            if kind == "zones" else 0
        st.form_submit_button(t("run", lang))
    if len(inds) < 2:
        st.info(t("cluster_indicators", lang) + " (≥ 2)")
        return
    frame, result = run_cluster(key, tuple(inds), method, "auto" if k == 0 else int(k),
                                kind == "zones", float(floor) or None, _frame=ranked)
    col = "zone" if kind == "zones" else "cluster"
    st.markdown(result.summary_es if lang == "es" else result.summary_en)
    groups = sorted(v for v in frame[col].dropna().unique() if v >= 1)
    colours = {g: GROUP_COLOURS[(g - 1) % len(GROUP_COLOURS)] for g in groups}
    text_col = f"{col}_{lang}"
    labels = {g: f"{g}: {frame.loc[frame[col] == g, text_col].iloc[0]}" for g in groups}
    _map(frame, col, colours, labels, t(kind, lang), {**tip, col: col, text_col: "perfil"},
         f"{kind}_map")
    profiles = result.profiles
    st.dataframe(profiles, width="stretch")
    z_cols = [c for c in profiles.columns if c.endswith("_z")]
    if z_cols:
        st.bar_chart(profiles[z_cols].rename(columns=lambda c: names.get(c[:-2], c)))
