"""District sheets in the app (:func:`geoprio.district_sheet`, :func:`geoprio.district_sheets`).

- On the Distrito page, :func:`sheet_buttons`: the selected district's one-page sheet, PDF
  and HTML, under the scenario applied (its rank, 90% interval and reasons). Built when the
  button is clicked (Streamlit's deferred download), from the complete ranking.
- On the Ranking page, :func:`sheets_zip`: a ZIP with the sheet of every district of the
  list. About a quarter of a second per sheet (a minute or two for 375), so it is built only
  when "Preparar fichas" is pressed; the ZIP is cached per scenario, uploads and language.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app.i18n import t
from app.state import catalog, districts, full_ranking, uploads_key
from app.view import View
from geoprio import fmt
from geoprio.exporting import safe_filename
from geoprio.scenario import Scenario
from geoprio.search import safe_id
from geoprio.sheet import district_sheet, district_sheets

__all__ = ["sheet_buttons", "sheet_bytes", "sheets_zip", "zip_bytes"]

MIME = {".pdf": "application/pdf", ".html": "text/html", ".zip": "application/zip"}


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
        col.download_button(
            t("sheet_download", lang, fmt=ext[1:].upper()),
            lambda k=key: sheet_bytes(k, _scenario=scenario, _frame=frame, _catalog=cat),
            file_name=safe_filename(f"ficha_{ubigeo}_{safe_id(name, default='distrito')}{ext}"),
            mime=MIME[ext], key=f"sheet_download{ext}", on_click="ignore",
            icon=":material/description:")
    c3.caption(t("sheet_help", lang))


@st.cache_data(max_entries=4, show_spinner=False)
def zip_bytes(key: tuple, *, _scenario: Scenario, _frame: pd.DataFrame,
              _catalog: pd.DataFrame, _ranked: pd.DataFrame | None = None) -> bytes:
    """The ZIP of the list's sheets; ``key`` = (scenario token, uploads fingerprint, lang).

    ``_ranked``: the complete ranking of that key when the page has it (else it is waited for).
    """
    _, fingerprint, lang = key
    ranked = _ranked if _ranked is not None else full_ranking(
        _scenario, lang, frame=_frame, cat=_catalog, fingerprint=fingerprint)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fichas.zip"
        district_sheets(ranked, path, which="selected", lang=lang, districts=_frame,
                        catalog=_catalog)
        return path.read_bytes()


def sheets_zip(view: View) -> None:
    """"Preparar fichas" then the ZIP's download button (the ZIP is built on request)."""
    lang, scenario = view.lang, view.scenario
    n = int(view.ranked["selected"].fillna(False).astype(bool).sum())
    if n == 0:
        return
    key = (scenario.to_token(), uploads_key(), lang)
    st.subheader(t("sheets_title", lang))
    c1, c2 = st.columns([2, 3])
    prepared = st.session_state.get("sheets_prepared") == key
    if not prepared and c1.button(t("sheets_prepare", lang, n=fmt.integer(n, lang)),
                                  key="sheets_prepare"):
        prepared = True
    if not prepared:
        c2.caption(t("sheets_help", lang, n=fmt.integer(n, lang),
                     s=fmt.integer(max(1, round(n * 0.3 / 60)), lang)))
        return
    with st.spinner(t("sheets_preparing", lang, n=fmt.integer(n, lang))):
        data = zip_bytes(key, _scenario=scenario, _frame=districts(), _catalog=catalog(),
                         _ranked=view.ranked if view.complete else None)
    st.session_state["sheets_prepared"] = key
    name = safe_filename(f"fichas_{safe_id(scenario.title(lang), default='escenario')}.zip")
    c1.download_button(t("sheets_download", lang, n=fmt.integer(n, lang)), data,
                       file_name=name, mime=MIME[".zip"], key="sheets_download",
                       on_click="ignore", icon=":material/folder_zip:")
    c2.caption(t("sheets_ready", lang, mb=fmt.number(len(data) / 1e6, 1, lang)))
