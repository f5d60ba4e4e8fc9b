"""Ranking page: totals, the list with score, rank interval, probabilities and reasons; exports.

The search (``?buscar=``) and the "selected only" switch (``?solo=``) are kept in the URL.
Numbers follow :mod:`geoprio.fmt` (Spanish: ``1 874``, ``0,734``). Exports are built when
the button is clicked (Streamlit's deferred download), from the complete ranking.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import geoprio
from app.runtime.exports import download_button
from app.runtime.state import (
    catalog,
    display_geometry,
    districts,
    full_geometry,
    full_ranking,
    uploads_key,
)
from app.runtime.view import View
from app.texts.i18n import option, t
from app.views import fonie as fonie_view
from app.views import sheets as sheet_view
from geoprio import fmt
from geoprio.data.search import matches, safe_id
from geoprio.engine.scenario import Scenario
from geoprio.report.exporting import safe_filename

COLUMNS = ["rank", "ubigeo", "district", "province", "department", "score", "rank_p05",
           "rank_p95", "p_selected", "p_eligible", "eligible", "selected", "budget_need",
           "cost", "cum_cost", "stunted_children", "anemic_children", "poor_people",
           fonie_view.COLUMN, "reasons"]
UNCERTAIN = ("rank_p05", "rank_p95", "p_selected", "p_eligible")
COUNTS = ("stunted_children", "anemic_children", "poor_people")
#: export formats: extension -> i18n key of its name
FORMATS = {".csv": "fmt_csv", ".xlsx": "fmt_xlsx", ".geojson": "fmt_geojson",
           ".gpkg": "fmt_gpkg", ".zip": "fmt_zip", ".html": "fmt_html", ".png": "fmt_png",
           ".toml": "fmt_toml"}
MIME = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet", ".geojson": "application/geo+json",
        ".gpkg": "application/geopackage+sqlite3", ".zip": "application/zip",
        ".html": "text/html", ".png": "image/png", ".toml": "application/toml"}


def shown_table(ranked: pd.DataFrame, query: str | None, only_selected: bool) -> pd.DataFrame:
    """The rows the screen shows, in the order it shows them (the export writes these).

    The search ignores accents and case (:func:`geoprio.data.search.matches`).
    """
    table = ranked
    if only_selected:
        table = table[table["selected"].fillna(False).astype(bool)]
    if query:
        table = table[matches(table, query)]
    return table.sort_values(["rank", "ubigeo"], na_position="last")


def _open_row(ubigeos: list[str]) -> None:
    """The table's row selection: remember the district to open (the run switches page)."""
    rows = st.session_state["rank_table"].selection.rows
    if rows and rows[0] < len(ubigeos):
        st.session_state["_open_district"] = ubigeos[rows[0]]


def uncertain_counts(ranked: pd.DataFrame) -> tuple[int, int]:
    """Districts whose selection is uncertain (probability between 10% and 90%): how many are
    in the list, and how many outside it could enter."""
    uncertain = ranked["selection_uncertain"].fillna(False).astype(bool)
    selected = ranked["selected"].fillna(False).astype(bool)
    return int((uncertain & selected).sum()), int((uncertain & ~selected).sum())


def totals(view: View) -> None:
    lang, ranked = view.lang, view.ranked
    sel = ranked[ranked["selected"]]
    waiting = t("pending_value", lang)
    row1 = st.columns(4)
    row1[0].metric(t("eligible", lang), fmt.integer(int(ranked["eligible"].sum()), lang))
    row1[1].metric(t("selected", lang), fmt.integer(len(sel), lang))
    inside, outside = uncertain_counts(ranked)
    row1[2].metric(t("uncertain_in", lang),
                   t("n_of_m", lang, n=fmt.integer(inside, lang), m=fmt.integer(len(sel), lang))
                   if view.complete else waiting, help=t("uncertain_in_help", lang))
    row1[3].metric(t("uncertain_out", lang), fmt.integer(outside, lang)
                   if view.complete else waiting, help=t("uncertain_out_help", lang))
    if view.complete and int(ranked["eligibility_uncertain"].sum()):
        st.caption(t("elig_uncertain_line", lang, n=fmt.integer(
            int(ranked["eligibility_uncertain"].sum()), lang)))
    row2 = st.columns(4)
    for col, key in zip(row2, COUNTS, strict=False):
        if key in sel.columns:
            col.metric(t(key, lang), fmt.integer(float(sel[key].sum()), lang),
                       help=t(f"{key}_help", lang))


def budget_note(view: View) -> None:
    """What a budget list maximised, how, and why large districts with low rates are in it."""
    info = view.ranked.attrs.get("budget")
    if not info:
        return
    lang, s = view.lang, view.scenario
    need = info["need"]
    need_text = option("need", need, lang)
    if s.cost_per_beneficiary is not None:
        cost = t("budget_cost_benef", lang, cost=fmt.money(s.cost_per_beneficiary, lang=lang))
    else:
        cost = t("budget_cost_district", lang, cost=fmt.money(s.cost_per_district, lang=lang))
    sel = view.ranked["selected"]
    digits = 3 if need == "score" else 0
    parts = [t("budget_what", lang, budget=fmt.money(s.budget, lang=lang), cost=cost,
               n=fmt.integer(int(sel.sum()), lang), spent=fmt.money(info["cost"], lang=lang),
               need=need_text.lower() if lang == "es" else need_text),
             t("budget_method", lang, value=fmt.number(info["value"], digits, lang),
               exact=fmt.number(info["exact_value"], digits, lang),
               gap=fmt.percent(100 * info["gap"], 2, lang))]
    if need.endswith("_rate_weighted"):
        parts.append(t("budget_weighted", lang))
    elif need == "score":
        parts.append(t("budget_score", lang))
        if info.get("need_shifted"):
            parts.append(t("budget_shifted", lang))
    elif need in ("stunted_children", "anemic_children", "poor_people"):
        parts.append(t("budget_people", lang, alt=option("need", f"{need}_rate_weighted",
                                                         lang)))
    st.info(" ".join(parts))


def _names(ranked: pd.DataFrame, ubigeos: list[str]) -> str:
    names = ranked.set_index("ubigeo")["district"]
    return ", ".join(f"{names.get(u, u)} ({u})" for u in ubigeos)


def table_for_screen(table: pd.DataFrame, view: View):
    """The columns shown, numbers as the language writes them (a Styler for decimals)."""
    cols = [c for c in COLUMNS if c in table.columns and (view.complete or c not in UNCERTAIN)]
    shown = table[cols].reset_index(drop=True)
    for c in ("p_selected", "p_eligible"):  # rounded toward 50%: 0.897 shows 89%, never 90%
        if c in shown:
            shown[c] = fmt.toward_even_odds(shown[c].to_numpy(dtype=float))
    for c in (*COUNTS, "cost", "cum_cost"):
        if c in shown:
            shown[c] = shown[c].round()
    lang = view.lang
    digits = 3 if view.scenario.need == "score" else 0
    formats = {"score": lambda v: fmt.number(v, 3, lang) if pd.notna(v) else "",
               "budget_need": lambda v: fmt.number(v, digits, lang) if pd.notna(v) else ""}
    present = {k: f for k, f in formats.items() if k in shown}
    return shown.style.format(present, na_rep="") if present else shown


def column_config(view: View) -> dict:
    lang = view.lang
    whole = fmt.printf_integer(lang)
    cc = st.column_config
    return {
        "rank": cc.NumberColumn(t("rank", lang), format=whole),
        "ubigeo": t("ubigeo", lang), "district": t("district", lang),
        "province": t("province", lang), "department": t("department", lang),
        "score": cc.NumberColumn(t("score_col", lang)),
        "rank_p05": cc.NumberColumn(t("rank_p05", lang), format=whole,
                                    help=t("rank_interval_help", lang)),
        "rank_p95": cc.NumberColumn(t("rank_p95", lang), format=whole,
                                    help=t("rank_interval_help", lang)),
        "p_selected": cc.ProgressColumn(t("p_selected", lang), min_value=0, max_value=100,
                                        format="%d%%", help=t("p_selected_help", lang)),
        "p_eligible": cc.ProgressColumn(t("p_eligible", lang), min_value=0, max_value=100,
                                        format="%d%%"),
        "eligible": cc.CheckboxColumn(t("eligible_col", lang)),
        "selected": cc.CheckboxColumn(t("selected_col", lang)),
        "budget_need": cc.NumberColumn(option("need", view.scenario.need, lang)),
        "cost": cc.NumberColumn("S/", format=whole),
        "cum_cost": cc.NumberColumn("S/ Σ", format=whole),
        **{k: cc.NumberColumn(t(k, lang), format=whole, help=t(f"{k}_help", lang))
           for k in COUNTS},
        fonie_view.COLUMN: cc.TextColumn(t("fonie_column", lang),
                                         help=t("fonie_column_help", lang)),
        "reasons": cc.TextColumn(t("reasons", lang), width="large"),
    }


def render(view: View) -> None:
    lang, ranked = view.lang, view.ranked
    totals(view)
    budget_note(view)
    excluded = ranked.attrs.get("excluded") or []
    if len(excluded):
        names = _names(ranked, list(excluded)[:15])
        more = "…" if len(excluded) > 15 else ""
        st.caption(t("excluded", lang, n=fmt.integer(len(excluded), lang), names=names + more))
    sel = ranked[ranked["selected"]]
    odd = sel[sel["no_water_2017"] == 100] if "no_water_2017" in sel else sel.iloc[:0]
    if len(odd):
        st.warning(t("suspicious", lang, names=_names(ranked, list(odd["ubigeo"]))))
    c1, c2 = st.columns([3, 1])
    query = c1.text_input(t("search", lang), key="buscar", persist_state="session",
                          placeholder=t("search_placeholder", lang))
    only = c2.checkbox(t("only_selected", lang), key="solo", persist_state="session")
    table = fonie_view.ranking_gaps(shown_table(ranked, query, only), lang)
    ubigeos = table["ubigeo"].astype(str).tolist()
    st.dataframe(table_for_screen(table, view), hide_index=True, width="stretch", height=480,
                 column_config=column_config(view), key="rank_table", placeholder="—",
                 on_select=lambda: _open_row(ubigeos), selection_mode="single-row")
    c1, c2 = st.columns([1, 3])
    c1.caption(t("shown_rows", lang, shown=fmt.integer(len(table), lang),
                 total=fmt.integer(len(ranked), lang)))
    c2.caption(t("row_opens", lang))
    if not len(table):
        st.info(t("no_rows", lang))
    target = st.session_state.pop("_open_district", None)
    if target:  # a row was clicked: its district's page
        st.session_state["distrito"] = target
        st.switch_page(st.session_state["pages"]["distrito"])
    export_box(view, query or "", bool(only))
    sheet_view.sheets_zip(view)  # the list's district sheets, a ZIP (issue 16)


def export_box(view: View, query: str, only: bool) -> None:
    lang, scenario = view.lang, view.scenario
    st.subheader(t("export", lang))
    st.caption(t("export_help", lang))
    c1, c2 = st.columns([2, 3])
    ext = c1.selectbox(t("export_format", lang), list(FORMATS), key="export_format",
                       format_func=lambda e: t(FORMATS[e], lang),
                       label_visibility="collapsed")
    # the map formats colour the map page's indicator
    column = st.session_state.get("mapa", "score") if ext in (".html", ".png") else ""
    # the page's language (labelled headers, ids kept in a second row) and today's date (the
    # methodology sheet and the map's footer): both in the key, as everything that changes it
    key = (scenario.to_token(), uploads_key(), query, only, lang, ext, column,
           dt.date.today().isoformat())
    # "fonie (modificado)" -> geoprio_fonie_modificado.csv
    stem = safe_id(scenario.title(lang), default="escenario")  # its title, never "dci"
    name = safe_filename(f"geoprio_{stem}{ext}")
    frame, cat = districts(), catalog()

    def build() -> bytes:  # on click, outside the page's run: everything it needs is captured
        ranked = full_ranking(scenario, lang, frame=frame, cat=cat, fingerprint=key[1])
        table = shown_table(ranked, query, only)
        return export_bytes(key, _table=table, _scenario=scenario, _catalog=cat)

    download_button(c2, t("download", lang, fmt=t(FORMATS[ext], lang)), build, lang=lang,
                    file_name=name, mime=MIME[ext], key=f"download{ext}", on_click="ignore")
    if not view.complete:
        c2.caption(t("export_wait", lang))


@st.cache_data(max_entries=16, show_spinner=False)
def export_bytes(key: tuple, *, _table: pd.DataFrame, _scenario: Scenario,
                 _catalog: pd.DataFrame) -> bytes:
    """``geoprio.export`` of the table shown (geometry added for GIS and map formats).

    ``key`` = (token, uploads fingerprint, search, selected-only, language, extension, map
    column, date): everything that changes the file.
    """
    lang, ext, column, date = key[4], key[5], key[6], dt.date.fromisoformat(key[7])
    frame = _table
    if ext in (".geojson", ".gpkg", ".zip", ".html", ".png"):
        import geopandas as gpd

        geo = display_geometry() if ext in (".html", ".png") else full_geometry()
        frame = gpd.GeoDataFrame(_table.merge(geo, on="ubigeo", how="left"),
                                 geometry="geometry", crs=4326)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{ext}"
        geoprio.export(frame, path, scenario=_scenario, catalog=_catalog, lang=lang, date=date,
                       column=column if column in frame.columns else "score")
        return path.read_bytes()
