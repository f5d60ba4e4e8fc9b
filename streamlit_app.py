"""geoprio in the browser: ``streamlit run streamlit_app.py``.

A thin shell: every number on the page comes from the ``geoprio`` package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

import geoprio
from app.i18n import t
from geoprio import mapping

st.set_page_config(page_title="geoprio", page_icon="🗺️", layout="wide")
STATIC = Path(__file__).parent / "static"


@st.cache_resource
def static_leaflet() -> str:
    """Copy the installed Leaflet files where Streamlit serves them; return their URL base."""
    STATIC.mkdir(exist_ok=True)
    for path in mapping.leaflet_assets().values():
        shutil.copyfile(path, STATIC / path.name)
    return "/app/static/"


@st.cache_resource
def districts_for_map():
    return geoprio.load_districts(display=True)


@st.cache_resource
def department_borders():
    return geoprio.load_districts("department", display=True)


@st.cache_data
def indicator_catalog():
    return geoprio.catalog()


lang = st.sidebar.radio(t("language", "es"), ["es", "en"], horizontal=True,
                        format_func=lambda c: {"es": "Español", "en": "English"}[c])
st.title(t("title", lang))
st.caption(t("subtitle", lang))

cat = indicator_catalog()
choices = cat[cat["kind"] == "indicator"].set_index("id")
label_col = f"label_{lang}"
indicator = st.sidebar.selectbox(t("indicator", lang), list(choices.index),
                                 format_func=lambda i: choices.loc[i, label_col])
scheme = st.sidebar.selectbox(t("scheme", lang), list(mapping.SCHEMES),
                              format_func=lambda s: t(s, lang))
k = st.sidebar.slider(t("classes", lang), 3, 7, 5)

row = choices.loc[indicator]
districts = districts_for_map()
m, breaks = mapping.choropleth(
    districts, indicator, scheme=scheme, k=k,
    palette="YlOrRd" if row["higher_is_worse"] is not False else "PuBu",
    title=row[label_col], unit=f"{row['unit']}, {row['year']}",
    tooltip={"district": t("district", lang), "province": t("province", lang),
             "department": t("department", lang), "ubigeo": t("ubigeo", lang),
             indicator: row[label_col]},
    borders=department_borders(), missing_label=t("missing", lang))
mapping.serve_assets_from(m, static_leaflet())
st_folium(m, height=620, use_container_width=True, returned_objects=[], key="map")

st.caption(f"{t('source', lang)}: {row['source']}. {row['description']}")
if isinstance(row["caveats"], str) and row["caveats"]:
    st.info(f"{t('caveats', lang)}: {row['caveats']}".replace("*", "\\*"))
if breaks.missing:
    st.warning(t("districts_missing", lang, n=breaks.missing))

st.subheader(t("top_table", lang))
worst = districts.drop(columns="geometry").sort_values(
    indicator, ascending=row["higher_is_worse"] is False, na_position="last").head(20)
st.dataframe(worst[["ubigeo", "department", "province", "district", indicator]],
             hide_index=True, width="stretch")
