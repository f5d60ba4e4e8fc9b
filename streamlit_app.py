"""geoprio in the browser: ``streamlit run streamlit_app.py``.

A thin shell: the sidebar builds the scenario; only the page on screen runs (Streamlit pages
with ``st.navigation``: Mapa, Ranking, Comparar, Presupuesto, Conglomerados, Distrito, Datos,
each under its own URL); every number comes from ``geoprio``. For a server, start
``deploy/serve.py`` instead: it warms the caches when the process starts (see
``deploy/README.md``).

The ranking is drawn at once from the point estimates; the Monte Carlo (rank intervals,
probabilities) runs in the background once no page is being drawn, and reruns the page when
it is done (``app/runtime/state.py``, ``app/runtime/jobs.py``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st

from app.runtime import urlstate
from app.runtime.jobs import name_thread, rerun_trigger, session_id
from app.runtime.state import Ranking, jobs, page_runs, ranking
from app.runtime.view import View
from app.runtime.watchdog import PAGE_SECONDS, watchdog
from app.texts.i18n import t
from app.texts.text import error_text
from app.widgets import sidebar, style
from geoprio import fmt
from geoprio.errors import GeoprioError

HERE = Path(__file__).resolve().parent
#: url path (and file under app/pages/), title key, icon
PAGES = (("mapa", "page_map", ":material/map:"),
         ("ranking", "page_ranking", ":material/format_list_numbered:"),
         ("comparar", "page_compare", ":material/compare_arrows:"),
         ("presupuesto", "page_budget", ":material/payments:"),
         ("conglomerados", "page_clusters", ":material/hub:"),
         ("distrito", "page_district", ":material/location_on:"),
         ("datos", "page_data", ":material/database:"))


def run() -> None:
    """One run of the page: sidebar, scenario, ranking, the page on screen."""
    cpu0 = time.thread_time()
    st.set_page_config(page_title="geoprio", page_icon="🗺️", layout="wide")
    name_thread(b"geoprio-page")  # this run's thread, as top -H and the benchmarks see it
    urlstate.restore()  # the view a link carries (language, map, search, district...)

    lang = sidebar.language()
    style.apply(lang)  # the decision above the fold; Streamlit's own words in Spanish
    scenario, base = sidebar.scenario_panel(lang)
    try:
        result = ranking(scenario, lang)
    except GeoprioError as exc:
        st.error(t("scenario_error", lang, msg=error_text(exc, lang)))
        st.stop()
    st.session_state["view"] = View(lang=lang, scenario=scenario, base=base,
                                    ranked=result.frame, complete=result.complete)

    pages = {url: st.Page(HERE / "app" / "pages" / f"{url}.py", title=t(key, lang),
                          url_path=url, icon=icon, default=url == "mapa")
             for url, key, icon in PAGES}
    st.session_state["pages"] = pages  # for links between pages (the map's district link)
    current = st.navigation(list(pages.values()), position="top")

    st.title(t("title", lang))
    st.caption(t("subtitle", lang, n=fmt.integer(len(result.frame), lang)))
    st.markdown(t("scenario_line", lang, name=sidebar.preset_markdown(base, lang) + (
        f" · {t('modified', lang)}" if scenario != base else "")))
    uncertainty(result, lang, scenario.n_draws)
    try:
        current.run()
    finally:
        urlstate.publish()  # the view back into the address, for a link
        if os.environ.get("GEOPRIO_RUN_LOG"):  # benchmarks: the CPU of each page run
            with open(os.environ["GEOPRIO_RUN_LOG"], "a") as log:
                log.write(f"{time.time():.3f} {current.url_path or 'mapa'} "
                          f"{time.thread_time() - cpu0:.4f}\n")


def uncertainty(result: Ranking, lang: str, n_draws: int) -> None:
    """Ask for the Monte Carlo (rank intervals, probabilities) and say how it goes.

    The job waits in the background until no page is being drawn, so asking before the page
    is drawn costs the page nothing. When it ends, the session is rerun on the page it is on
    (:func:`app.runtime.jobs.rerun_trigger`), or, where Streamlit cannot be asked to, a fragment
    polls.
    When the queue is full, the page says the server is busy and the fragment asks again.
    """
    if result.error:
        st.warning(t("mc_failed", lang, msg=error_text(result.error, lang)))
        return
    if result.complete:
        return
    waiting = "⏳ " + t("computing", lang, n=fmt.integer(n_draws, lang))
    queued = result.start()
    trigger = rerun_trigger() if queued else None
    if trigger is not None:
        jobs().when_done(result.key, trigger, tag=session_id())
        st.caption(waiting)
        return

    @st.fragment(run_every=1.0 if queued else 3.0)
    def poll() -> None:
        """Redraw the page when the Monte Carlo is done; ask again while the queue is full."""
        nonlocal queued
        queued = queued or result.start()
        try:
            done = jobs().get(result.key)
        except Exception:  # it failed: the next run says so
            done = True
        if done is not None:
            st.rerun()
        st.caption(waiting if queued else "⏳ " + t("mc_busy", lang))

    poll()


# background jobs wait while a page is being drawn; a run past PAGE_SECONDS is a hang that
# the process's health check reports (app/runtime/watchdog.py)
with page_runs(), watchdog().task("page run", PAGE_SECONDS):
    run()
