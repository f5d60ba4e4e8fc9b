"""FONIE's simultaneous gaps in the app (:func:`geoprio.fonie_gaps`).

- On the Mapa page, :func:`gaps_map` (a switch above the map) colours each district by the
  number of FONIE sectors whose gap is above the reference (the national median of the
  districts, or a threshold the planner sets), outlines the districts with at least N gaps,
  and says that roads have no district data and can be added by upload (page Datos).
- On the Ranking page, :func:`ranking_gaps` adds the column "Brechas FONIE": the count and
  the sectors, with the reference chosen on the map (national median by default).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.runtime.state import districts, geometry_url, uploads, uploads_key
from app.runtime.view import View
from app.texts.i18n import t
from app.widgets.map_component import district_map
from geoprio import fmt
from geoprio.decide.fonie import FONIE_SECTORS, fonie_gaps
from geoprio.errors import GeoprioError
from geoprio.report import mapping

__all__ = ["COLUMN", "gaps", "gaps_map", "ranking_gaps", "sectors_text"]

COLUMN = "fonie_gaps"
#: colour of 0, 1, ..., 5 gaps
COLOURS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026", "#4d0013")
DEFAULT_THRESHOLD = 50.0


@st.cache_data(max_entries=16, show_spinner=False)
def _gaps(fingerprint: str, reference: str | float, roads: str | None, *,
          _frame: pd.DataFrame) -> pd.DataFrame:
    out = fonie_gaps(_frame, reference, roads=roads)
    keep = ["ubigeo", "fonie_gap_count", "fonie_gap_sectors", "fonie_gap_unknown"]
    small = out[keep].copy()
    small.attrs = {"fonie_gaps": out.attrs["fonie_gaps"]}
    return small


def settings() -> tuple[str | float, str | None]:
    """The reference and the roads column this session chose (median, none by default)."""
    ss = st.session_state
    reference: str | float = "median"
    if ss.get("fonie_ref") == "threshold":
        reference = float(ss.get("fonie_threshold", DEFAULT_THRESHOLD))
    roads = ss.get("fonie_roads")
    return reference, roads if roads in uploads() else None


def gaps(reference: str | float = "median", roads: str | None = None) -> pd.DataFrame:
    """Per district (ubigeo): gap count, sectors above the reference, sectors unknown."""
    return _gaps(uploads_key(), reference, roads, _frame=districts())


def sectors_text(sectors, lang: str) -> str:
    """Sector ids in words: ``["water", "telecom"]`` -> ``"agua, telecomunicaciones"``."""
    name = "label_en" if lang == "en" else "label_es"
    return ", ".join(getattr(FONIE_SECTORS[s], name) for s in sectors)


def ranking_gaps(ranked: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``ranked`` with the column ``fonie_gaps``: "3: agua, saneamiento, electrificación"."""
    try:
        g = gaps(*settings()).set_index("ubigeo")
    except GeoprioError:  # a table without the census columns: no column, nothing invented
        return ranked
    count = ranked["ubigeo"].map(g["fonie_gap_count"])
    sectors = ranked["ubigeo"].map(g["fonie_gap_sectors"])
    text = [f"{int(n)}: {sectors_text(s, lang)}" if isinstance(s, list) and n else
            ("0" if isinstance(s, list) else "") for n, s in zip(count, sectors, strict=True)]
    return ranked.assign(**{COLUMN: text})


def _controls(lang: str) -> tuple[str | float, str | None, int]:
    c1, c2, c3, c4 = st.columns([2, 1, 2, 1])
    c1.radio(t("fonie_reference", lang), ["median", "threshold"], key="fonie_ref",
             horizontal=True, format_func=lambda r: t(f"fonie_ref_{r}", lang),
             help=t("fonie_reference_help", lang))
    if st.session_state.get("fonie_ref") == "threshold":
        c2.number_input(t("fonie_threshold", lang), 0.0, 100.0, DEFAULT_THRESHOLD, step=5.0,
                        format="%.0f", key="fonie_threshold")
    own = list(uploads())
    c3.selectbox(t("fonie_roads", lang), [None, *own], key="fonie_roads",
                 format_func=lambda i: t("fonie_roads_none", lang) if i is None else
                 str(uploads()[i]["row"].get("label_en" if lang == "en" else "label_es", i)),
                 help=t("fonie_roads_help", lang))
    top = len(FONIE_SECTORS) if settings()[1] else len(FONIE_SECTORS) - 1
    n = c4.number_input(t("fonie_min", lang), 0, top, min(3, top), key="fonie_min")
    return *settings(), int(n)


def gaps_map(view: View, ranked: pd.DataFrame) -> bool:
    """The gap-count map instead of the indicator map when its switch is on; whether drawn.

    ``ranked`` is the ranking in the map's order (``page_map.in_map_order``).
    """
    lang = view.lang
    if not st.toggle(t("fonie_toggle", lang), key="map_fonie", help=t("fonie_toggle_help",
                                                                      lang)):
        return False
    reference, roads, at_least = _controls(lang)
    try:
        raw = gaps(reference, roads)
    except GeoprioError as exc:
        from app.views.decide import plain

        st.error(t("scenario_error", lang, msg=plain(exc)))
        return True
    info = raw.attrs.get("fonie_gaps", {})
    g = raw.set_index("ubigeo").reindex(ranked["ubigeo"])
    count = g["fonie_gap_count"]
    known = count.notna().to_numpy()
    top = len(FONIE_SECTORS) if roads else len(FONIE_SECTORS) - 1
    colours = [COLOURS[int(n)] if ok else mapping.MISSING_COLOUR
               for n, ok in zip(count, known, strict=True)]
    rows = [(COLOURS[k], t("fonie_n_gaps" if k != 1 else "fonie_one_gap", lang, n=k),
             int((count == k).sum())) for k in range(top + 1)]
    if (~known).any():
        rows.append((mapping.MISSING_COLOUR, t("missing", lang), int((~known).sum())))
    tip = pd.DataFrame({
        "count": [fmt.integer(n, lang) if ok else "" for n, ok in zip(count, known,
                                                                          strict=True)],
        "sectors": [sectors_text(s, lang) if isinstance(s, list) else "" for s in
                    g["fonie_gap_sectors"]],
        "unknown": [sectors_text(s, lang) if isinstance(s, list) else "" for s in
                    g["fonie_gap_unknown"]],
        "rank": [fmt.integer(v, lang) if pd.notna(v) else "" for v in ranked["rank"]]})
    fields = {"district": t("district", lang), "province": t("province", lang),
              "department": t("department", lang), "ubigeo": t("ubigeo", lang),
              "count": t("fonie_count", lang), "sectors": t("fonie_sectors", lang),
              "unknown": t("fonie_unknown", lang), "rank": t("rank", lang)}
    many = (count >= at_least).fillna(False).to_numpy(dtype=bool) if at_least else None
    ref_text = (t("fonie_ref_median", lang) if reference == "median" else
                t("fonie_ref_value", lang, v=fmt.percent(float(reference), 0, lang)))
    district_map(geometry_url(), colours=colours, table=tip, fields=list(fields),
                 aliases=list(fields.values()), outline=many,
                 legend_html=mapping.legend_html(rows, t("fonie_legend", lang), ref_text, lang),
                 height=640, key="map", missing=t("missing", lang))
    if at_least:
        st.caption(t("fonie_outlined", lang, n=fmt.integer(int(many.sum()), lang),
                     k=fmt.integer(at_least, lang)))
    refs = "; ".join(
        f"{sectors_text([sid], lang)} > {fmt.percent(v['reference'], 1, lang)}"
        for sid, v in info.items() if v.get("reference") is not None
        and pd.notna(v.get("reference")))
    st.caption(t("fonie_method", lang, refs=refs))
    if not roads:
        st.info(t("fonie_no_roads", lang))
    return True
