"""geoprio in the browser: ``streamlit run streamlit_app.py``.

A thin shell: the pages under ``app/`` lay out widgets; every number comes from ``geoprio``.
"""

from __future__ import annotations

import streamlit as st

from app import sidebar, tab_clusters, tab_data, tab_district, tab_map, tab_ranking
from app.i18n import t
from app.state import ranked
from geoprio.errors import GeoprioError

st.set_page_config(page_title="geoprio", page_icon="🗺️", layout="wide")

lang = sidebar.language()
st.title(t("title", lang))
st.caption(t("subtitle", lang))
scenario = sidebar.scenario_panel(lang)
try:
    result = ranked(scenario, lang)
except GeoprioError as exc:
    st.error(t("scenario_error", lang, msg=exc))
    st.stop()

tabs = st.tabs([t(k, lang) for k in ("tab_map", "tab_ranking", "tab_clusters", "tab_district",
                                     "tab_data")])
with tabs[0]:
    clicked = tab_map.render(result, lang)
with tabs[1]:
    tab_ranking.render(result, scenario, lang)
with tabs[2]:
    tab_clusters.render(result, lang)
with tabs[3]:
    tab_district.render(result, lang, clicked)
with tabs[4]:
    tab_data.render(lang)
