"""Ranking tab: the list with score, rank interval, probability, reasons, people reached."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import geoprio
from app.i18n import t
from app.state import catalog, display_geometry, uploads_key
from geoprio.exporting import safe_filename
from geoprio.scenario import Scenario

COLUMNS = ["rank", "ubigeo", "district", "province", "department", "score", "rank_p05",
           "rank_p95", "p_selected", "p_eligible", "eligible", "selected", "stunted_children",
           "anemic_children", "poor_people", "reasons"]
FORMATS = {"CSV": ".csv", "Excel (XLSX)": ".xlsx", "GeoJSON": ".geojson", "GeoPackage": ".gpkg",
           "Shapefile (ZIP)": ".zip", "Mapa HTML": ".html", "Mapa PNG": ".png",
           "Escenario TOML": ".toml"}


def shown_table(ranked: pd.DataFrame, query: str, only_selected: bool) -> pd.DataFrame:
    """The rows the screen shows, in the order it shows them (the export writes these)."""
    table = ranked
    if only_selected:
        table = table[table["selected"]]
    if query:
        q = query.strip().casefold()
        hay = (table["district"] + " " + table["province"] + " " + table["department"] + " " +
               table["ubigeo"]).str.casefold()
        table = table[hay.str.contains(q, regex=False)]
    return table.sort_values(["rank", "ubigeo"], na_position="last")


def totals(ranked: pd.DataFrame, lang: str) -> None:
    sel = ranked[ranked["selected"]]
    cols = st.columns(7)
    cols[0].metric(t("eligible", lang), f"{int(ranked['eligible'].sum()):,}")
    cols[1].metric(t("selected", lang), f"{len(sel):,}")
    cols[2].metric(t("uncertain", lang), f"{int(ranked['selection_uncertain'].sum()):,}",
                   help=t("uncertain_help", lang))
    cols[3].metric(t("elig_uncertain", lang), f"{int(ranked['eligibility_uncertain'].sum()):,}",
                   help=t("elig_uncertain_help", lang))
    for col, key in zip(cols[4:], ("stunted_children", "anemic_children", "poor_people"),
                        strict=True):
        if key in sel.columns:
            col.metric(t(key, lang), f"{sel[key].sum():,.0f}")


def render(ranked: pd.DataFrame, scenario: Scenario, lang: str) -> None:
    totals(ranked, lang)
    excluded = ranked.attrs.get("excluded") or []
    if len(excluded):
        ids = ", ".join(map(str, list(excluded)[:15]))
        st.caption(t("excluded", lang, n=len(excluded), ids=ids))
    sel = ranked[ranked["selected"]]
    odd = sel[sel["no_water_2017"] == 100]
    if len(odd):
        st.warning(t("suspicious", lang, names=", ".join(odd["district"] + " (" + odd["ubigeo"]
                                                          + ")")))
    c1, c2 = st.columns([3, 1])
    query = c1.text_input(t("search", lang), key="rank_search")
    only = c2.checkbox(t("only_selected", lang), value=True, key="rank_only_selected")
    table = shown_table(ranked, query, only)
    cols = [c for c in COLUMNS if c in table.columns]
    st.dataframe(
        table[cols], hide_index=True, width="stretch", height=480,
        column_config={
            "ubigeo": t("ubigeo", lang), "district": t("district", lang),
            "province": t("province", lang), "department": t("department", lang),
            "rank_p05": st.column_config.NumberColumn(t("rank_p05", lang), format="%d"),
            "rank_p95": st.column_config.NumberColumn(t("rank_p95", lang), format="%d"),
            "eligible": t("eligible_col", lang), "selected": t("selected_col", lang),
            "stunted_children": st.column_config.NumberColumn(t("stunted_children", lang),
                                                              format="%.0f"),
            "anemic_children": st.column_config.NumberColumn(t("anemic_children", lang),
                                                             format="%.0f"),
            "poor_people": st.column_config.NumberColumn(t("poor_people", lang), format="%.0f"),
            "score": st.column_config.NumberColumn(t("score_col", lang), format="%.3f"),
            "p_selected": st.column_config.ProgressColumn(t("p_selected", lang), min_value=0.0,
                                                          max_value=1.0, format="%.2f"),
            "p_eligible": st.column_config.ProgressColumn(t("p_eligible", lang), min_value=0.0,
                                                          max_value=1.0, format="%.2f"),
            "rank": st.column_config.NumberColumn(t("rank", lang), format="%d"),
            "reasons": st.column_config.TextColumn(t("reasons", lang), width="large"),
        })
    st.caption(f"{len(table):,} / {len(ranked):,}")
    export_box(table, scenario, lang,
               (scenario.to_token(), uploads_key(), query, only, lang))


def export_box(table: pd.DataFrame, scenario: Scenario, lang: str, key: tuple) -> None:
    st.subheader(t("export", lang))
    st.caption(t("export_help", lang))
    c1, c2 = st.columns([2, 3])
    fmt = c1.selectbox(t("export", lang), list(FORMATS), key="export_format",
                       label_visibility="collapsed")
    ext = FORMATS[fmt]
    # the map column matters only for the map formats: don't rebuild a CSV when it changes
    column = st.session_state.get("map_column", "score") if ext in (".html", ".png") else ""
    data = export_bytes(key, ext, column, _table=table, _scenario=scenario)
    name = safe_filename(f"geoprio_{scenario.name}{ext}")
    c2.download_button(t("download", lang, fmt=fmt), data, file_name=name,
                       key=f"download{ext}")


@st.cache_data(max_entries=16, show_spinner=False)
def export_bytes(key: tuple, ext: str, column: str, *, _table: pd.DataFrame,
                 _scenario: Scenario) -> bytes:
    """``geoprio.export`` of the table shown (geometry added for GIS and map formats)."""
    frame = _table
    if ext in (".geojson", ".gpkg", ".zip", ".html", ".png"):
        import geopandas as gpd

        geo = display_geometry() if ext in (".html", ".png") else full_geometry()
        frame = gpd.GeoDataFrame(_table.merge(geo, on="ubigeo", how="left"),
                                 geometry="geometry", crs=4326)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{ext}"
        geoprio.export(frame, path, scenario=_scenario, catalog=catalog(),
                       column=column if column in frame.columns else "score")
        return path.read_bytes()


@st.cache_resource
def full_geometry():
    return geoprio.load_districts()[["ubigeo", "geometry"]]
