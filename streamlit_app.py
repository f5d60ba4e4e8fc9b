"""geoprio in the browser: ``streamlit run streamlit_app.py``.

A thin shell: the sidebar builds the scenario; only the page on screen runs (Streamlit pages
with ``st.navigation``: Mapa, Ranking, Conglomerados, Distrito, Datos, each under its own
URL); every number comes from ``geoprio``. For a server, start ``deploy/serve.py`` instead:
it warms the caches when the process starts (see ``deploy/README.md``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st

from app import sidebar, urlstate
from app.i18n import t
from app.jobs import name_thread, rerun_trigger
from app.state import jobs, ranking
from app.view import View
from geoprio import fmt
from geoprio.errors import GeoprioError

#: url path (and file under app/pages/), title key, icon
PAGES = (("mapa", "page_map", ":material/map:"),
         ("ranking", "page_ranking", ":material/format_list_numbered:"),
         ("conglomerados", "page_clusters", ":material/hub:"),
         ("distrito", "page_district", ":material/location_on:"),
         ("datos", "page_data", ":material/database:"))

_cpu0 = time.thread_time()
st.set_page_config(page_title="geoprio", page_icon="🗺️", layout="wide")
name_thread(b"geoprio-page")  # this run's thread, as top -H and the benchmarks see it
urlstate.restore()  # the view a link carries (language, map, search, district...)

lang = sidebar.language()
scenario, base = sidebar.scenario_panel(lang)
try:
    result = ranking(scenario, lang)
except GeoprioError as exc:
    st.error(t("scenario_error", lang, msg=exc))
    st.stop()
st.session_state["view"] = View(lang=lang, scenario=scenario, base=base, ranked=result.frame,
                                complete=result.complete)

HERE = Path(__file__).resolve().parent
pages = {url: st.Page(HERE / "app" / "pages" / f"{url}.py", title=t(key, lang), url_path=url,
                      icon=icon, default=url == "mapa") for url, key, icon in PAGES}
st.session_state["pages"] = pages  # for links between pages (the map's district link)
current = st.navigation(list(pages.values()), position="top")

st.title(t("title", lang))
st.caption(t("subtitle", lang, n=fmt.integer(len(result.frame), lang)))
st.markdown(t("scenario_line", lang, name=sidebar.preset_name(base, lang) + (
    f" · {t('modified', lang)}" if scenario != base else "")))


@st.fragment(run_every=1.0)
def _uncertainty() -> None:
    """While the Monte Carlo runs, where Streamlit cannot be asked to rerun the session when
    it ends: poll once a second; redraw the page when it is done."""
    try:
        done = jobs().get(result.key)
    except Exception:  # it failed: the next run says so
        done = True
    if done is not None:
        st.rerun()
    st.caption("⏳ " + t("computing", lang, n=fmt.integer(scenario.n_draws, lang)))


trigger = None if result.complete else rerun_trigger()
if result.error:
    st.warning(t("mc_failed", lang, msg=result.error))
elif not result.complete and trigger is not None:  # the job reruns the page when it ends
    st.caption("⏳ " + t("computing", lang, n=fmt.integer(scenario.n_draws, lang)))
elif not result.complete:
    _uncertainty()
try:
    current.run()
finally:
    urlstate.publish()  # the view back into the address, for a link
    result.start()  # the Monte Carlo after the page (its colours first), even if it stopped
    if trigger is not None:
        jobs().when_done(result.key, trigger)
    if os.environ.get("GEOPRIO_RUN_LOG"):  # benchmarks: the CPU of each page run
        with open(os.environ["GEOPRIO_RUN_LOG"], "a") as log:
            log.write(f"{time.time():.3f} {current.url_path or 'mapa'} "
                      f"{time.thread_time() - _cpu0:.4f}\n")
