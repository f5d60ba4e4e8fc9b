"""Map tab: choropleth of the score or any indicator, selected districts outlined."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from app.i18n import label, t
from app.map_component import district_map
from app.state import catalog, display_geometry, geometry_url
from geoprio import mapping

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def map_frame(ranked: pd.DataFrame, column: str, lang: str) -> gpd.GeoDataFrame:
    """The ranked table on the display geometry, with a readable rank interval."""
    geo = display_geometry().merge(ranked, on="ubigeo", how="left", validate="one_to_one")
    interval = ranked["rank_p05"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}") + "–" + \
        ranked["rank_p95"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    geo["rank_interval"] = interval.where(ranked["rank"].notna(), "").to_numpy()
    return gpd.GeoDataFrame(geo, geometry="geometry", crs=4326)


def render(ranked: pd.DataFrame, lang: str) -> str | None:
    normalisation = ranked.attrs.get("scenario", {}).get("normalisation", "minmax")
    cat = catalog().set_index("id")
    options = ["score", *[i for i in cat.index if cat.loc[i, "kind"] == "indicator"
                          and i in ranked.columns]]
    c1, c2, c3 = st.columns([3, 2, 1])
    column = c1.selectbox(t("map_of", lang), options,
                          format_func=lambda i: t("score", lang) if i == "score"
                          else label(cat.loc[i], lang), key="map_column")
    scheme = c2.selectbox(t("scheme", lang), list(mapping.SCHEMES),
                          format_func=lambda s: t(s, lang), key="map_scheme")
    k = c3.number_input(t("classes", lang), 3, 7, 5, key="map_k")
    if column == "score":
        title, palette, source = t("score", lang), "YlOrRd", ""
        unit = t(f"score_unit_{normalisation}", lang)
    else:
        row = cat.loc[column]
        title = label(row, lang)
        unit = f"{row['unit']}, {row['year']}" if pd.notna(row["year"]) else str(row["unit"])
        palette = "PuBu" if row["higher_is_worse"] is False else "YlOrRd"
        source = f"{t('source', lang)}: {row['source']}. {row['description']}"
    frame = map_frame(ranked, column, lang)
    tooltip = {"district": t("district", lang), "province": t("province", lang),
               "department": t("department", lang), "ubigeo": t("ubigeo", lang),
               column: title, "rank": t("rank", lang),
               "rank_interval": t("rank_interval", lang), "p_selected": t("p_selected", lang)}
    basemap = st.checkbox(t("basemap", lang), False, key="map_basemap")
    breaks = mapping.class_breaks(frame[column], scheme=scheme, k=int(k), palette=palette)
    rows = list(zip(breaks.colours, breaks.labels(), breaks.counts, strict=True))
    if breaks.missing:
        rows.append((mapping.MISSING_COLOUR, t("missing", lang), breaks.missing))
    # geometry travels once (a static file); each rerun sends only colours and the tooltip table
    clicked = district_map(
        geometry_url(), colours=breaks.colour_of(),
        table=frame[[column, "rank", "rank_interval", "p_selected"]],
        fields=list(tooltip), aliases=list(tooltip.values()),
        outline=frame["selected"].fillna(False).astype(bool),
        legend_html=mapping.legend_html(rows, title, unit), height=640, key="map",
        missing=t("missing", lang), tiles=OSM_TILES if basemap else None,
        attribution="© OpenStreetMap")
    st.caption(t("outline_selected", lang) + (" " + source if source else ""))
    if breaks.missing:
        st.warning(t("districts_missing", lang, n=breaks.missing))
    if column != "score" and isinstance(cat.loc[column, "caveats"], str):
        st.info(f"{t('caveats', lang)}: {cat.loc[column, 'caveats']}".replace("*", "\\*"))
    return clicked
