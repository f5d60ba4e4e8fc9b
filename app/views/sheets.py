"""District sheets in the app (:func:`geoprio.district_sheet`, :func:`geoprio.district_sheets`).

- On the Distrito page, :func:`sheet_buttons`: the selected district's one-page sheet, PDF
  and HTML, under the scenario applied (its rank, 90% interval and reasons). Built when the
  button is clicked (Streamlit's deferred download), from the complete ranking.
- On the Ranking page, :func:`sheets_zip`: a ZIP with the sheet of every district of the
  list. About a quarter of a second per sheet (a minute or two for 375), so it is built only
  when "Preparar fichas" is pressed, in the background (:class:`app.runtime.exports.LongExports`:
  never in the page's run, one at a time per process, with its progress and "Cancelar"), at
  most :data:`MAX_APP_SHEETS` sheets; the last ZIPs are kept per scenario, uploads and language.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from app.runtime.exports import ExportBusy, LongExport, download_button, long_exports
from app.runtime.state import catalog, districts, full_ranking, uploads_key
from app.runtime.view import View
from app.texts.i18n import t
from app.texts.text import md
from geoprio import fmt
from geoprio.data.search import safe_id
from geoprio.engine.scenario import Scenario
from geoprio.report.exporting import safe_filename
from geoprio.report.sheet import district_sheet, district_sheets

__all__ = ["MAX_APP_SHEETS", "sheet_buttons", "sheet_bytes", "sheets_zip", "zip_bytes"]

MIME = {".pdf": "application/pdf", ".html": "text/html", ".zip": "application/zip"}
#: most sheets the app puts in one ZIP: every preset's list (FONIE's is 800), about 4 minutes
#: of one core at a quarter of a second a sheet; longer lists: the command line
MAX_APP_SHEETS = 800


@st.cache_data(max_entries=32, show_spinner=False)
def sheet_bytes(key: tuple, *, _scenario: Scenario, _frame: pd.DataFrame,
                _catalog: pd.DataFrame) -> bytes:
    """One district's sheet; ``key`` = (ubigeo, scenario token, uploads fingerprint,
    language, extension)."""
    ubigeo, _, fingerprint, lang, ext = key
    ranked = full_ranking(_scenario, lang, frame=_frame, cat=_catalog, fingerprint=fingerprint)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ficha{ext}"
        district_sheet(ubigeo, path, lang=lang, districts=_frame, result=ranked,
                       catalog=_catalog)
        return path.read_bytes()


def sheet_buttons(view: View, ubigeo: str, name: str) -> None:
    """Download buttons for the district's sheet (PDF and HTML)."""
    lang, scenario = view.lang, view.scenario
    frame, cat, fingerprint = districts(), catalog(), uploads_key()
    c1, c2, c3 = st.columns([1, 1, 2])
    for col, ext in ((c1, ".pdf"), (c2, ".html")):
        key = (ubigeo, scenario.to_token(), fingerprint, lang, ext)
        download_button(
            col, t("sheet_download", lang, fmt=ext[1:].upper()),
            lambda k=key: sheet_bytes(k, _scenario=scenario, _frame=frame, _catalog=cat),
            lang=lang,
            file_name=safe_filename(f"ficha_{ubigeo}_{safe_id(name, default='distrito')}{ext}"),
            mime=MIME[ext], key=f"sheet_download{ext}", on_click="ignore",
            icon=":material/description:")
    c3.caption(t("sheet_help", lang))


def zip_bytes(key: tuple, progress: Callable[[int, int], None], *, scenario: Scenario,
              frame: pd.DataFrame, cat: pd.DataFrame, ranked: pd.DataFrame | None = None
              ) -> bytes:
    """The ZIP of the list's sheets; ``key`` = (scenario token, uploads fingerprint, lang).

    Run by :class:`app.runtime.exports.LongExports` (``progress`` counts the sheets and stops the
    ZIP when it is cancelled or out of time). ``ranked``: the complete ranking of that key when
    the page had it (else it is waited for).
    """
    _, fingerprint, lang = key
    ranked = ranked if ranked is not None else full_ranking(
        scenario, lang, frame=frame, cat=cat, fingerprint=fingerprint)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fichas.zip"
        district_sheets(ranked, path, which="selected", lang=lang, districts=frame,
                        catalog=cat, progress=progress)
        return path.read_bytes()


def sheets_zip(view: View) -> None:
    """"Preparar fichas", its progress (and "Cancelar"), then the ZIP's download button.

    The ZIP is built in the background (:class:`app.runtime.exports.LongExports`), never in the
    page's run; a list longer than :data:`MAX_APP_SHEETS` is refused with what to do instead.
    """
    lang, scenario = view.lang, view.scenario
    n = int(view.ranked["selected"].fillna(False).astype(bool).sum())
    if n == 0:
        return
    st.subheader(t("sheets_title", lang))
    if n > MAX_APP_SHEETS:
        st.caption(t("sheets_cap", lang, n=fmt.integer(n, lang),
                     most=fmt.integer(MAX_APP_SHEETS, lang)))
        return
    key = (scenario.to_token(), uploads_key(), lang)
    job = st.session_state.get("sheets_job")
    if job is not None and job.key != key:  # another scenario or language: that ZIP stops
        job.cancel()
        job = st.session_state["sheets_job"] = None
    c1, c2 = st.columns([2, 3])
    if job is None or job.state in ("cancelled", "timeout", "failed"):
        if job is not None and job.state != "cancelled":
            c2.warning(t("sheets_" + job.state, lang, msg=md(job.error)))
        if not c1.button(t("sheets_prepare", lang, n=fmt.integer(n, lang)),
                         key="sheets_prepare"):
            c2.caption(t("sheets_help", lang, n=fmt.integer(n, lang),
                         s=fmt.integer(max(1, round(n * 0.3 / 60)), lang)))
            return
        frame, cat = districts(), catalog()
        ranked = view.ranked if view.complete else None
        try:
            job = long_exports().start(key, lambda step: zip_bytes(
                key, step, scenario=scenario, frame=frame, cat=cat, ranked=ranked))
        except ExportBusy:
            c2.warning(t("sheets_busy", lang))
            return
        st.session_state["sheets_job"] = job
    if not job.finished:
        _progress(job, n, lang)
        return
    name = safe_filename(f"fichas_{safe_id(scenario.title(lang), default='escenario')}.zip")
    data = job.result or b""
    c1.download_button(t("sheets_download", lang, n=fmt.integer(n, lang)), lambda: data,
                       file_name=name, mime=MIME[".zip"], key="sheets_download",
                       on_click="ignore", icon=":material/folder_zip:")
    c2.caption(t("sheets_ready", lang, mb=fmt.number(len(data) / 1e6, 1, lang)))


@st.fragment(run_every=1.0)
def _progress(job: LongExport, n: int, lang: str) -> None:
    """The ZIP's progress, redrawn every second (this fragment only), and "Cancelar"; the
    whole page again once it is finished (its download button)."""
    if job.finished:
        st.rerun()
    done = fmt.integer(job.done, lang)
    st.progress(job.done / max(1, job.total or n),
                text=t("sheets_progress", lang, done=done, n=fmt.integer(n, lang)))
    if st.button(t("sheets_cancel", lang), key="sheets_cancel"):
        job.cancel()
        st.session_state["sheets_job"] = None
        st.rerun()
