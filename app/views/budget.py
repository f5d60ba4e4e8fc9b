"""Presupuesto page: the budget trade-off (:func:`geoprio.tradeoff`), drawn.

The same money reaches the most children (large districts with low rates) or the highest rates
(small remote districts). For a range of budgets the planner sets, the page computes the Pareto
frontier of children reached against their mean rate with the exact solver, draws it (Altair),
lets the planner pick a point, and shows that point's list on a map and a table. The export
(CSV or XLSX, :func:`geoprio.report.decisions.export_tradeoff`) records the point and both objective
values: in the XLSX methodology sheet, and in columns ``tradeoff_*`` of every row.

Eligibility and costs come from the scenario applied in the sidebar; its list size is ignored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import geoprio
from app.runtime.exports import download_button
from app.runtime.state import catalog, display_order, districts, geometry_url, uploads_key
from app.runtime.view import View
from app.texts.i18n import t
from app.texts.text import error_text
from app.widgets.charts import number_axis
from app.widgets.map_component import district_map
from geoprio import fmt
from geoprio.data.search import safe_id
from geoprio.decide.frontier import tradeoff_list
from geoprio.engine.derived import PEOPLE
from geoprio.engine.scenario import Scenario
from geoprio.errors import GeoprioError
from geoprio.report import mapping
from geoprio.report.decisions import export_tradeoff
from geoprio.report.exporting import safe_filename

DEFAULT_COST = 2_000_000.0
COLOURS = {"chosen": "#b30000", "eligible": "#fdd49e", "other": "#f7f7f7"}
MIME = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet"}
#: the point and its objective values, written in every exported row
POINT_COLUMNS = ("tradeoff_budget", "tradeoff_point", "tradeoff_children_reached",
                 "tradeoff_mean_rate")


@st.cache_data(max_entries=8, show_spinner=False)
def frontier(token: str, fingerprint: str, budgets: tuple[float, ...], steps: int,
             people: str, *, _frame: pd.DataFrame, _catalog: pd.DataFrame) -> pd.DataFrame:
    """:func:`geoprio.tradeoff` of the scenario, once per scenario, uploads and settings."""
    return geoprio.tradeoff(_frame, Scenario.from_token(token), budgets=list(budgets),
                            steps=steps, objectives=(people, PEOPLE[people][1]),
                            catalog=_catalog)


def _defaults(s: Scenario) -> dict:
    need = s.need.removesuffix("_rate_weighted")
    lo, hi = (s.budget / 2, s.budget * 2) if s.budget else (200_000_000.0, 800_000_000.0)
    return {"bud_people": need if need in PEOPLE else "stunted_children",
            "bud_cost": float(s.cost_per_district or DEFAULT_COST), "bud_lo": float(lo),
            "bud_hi": float(hi), "bud_n": 3, "bud_steps": 11}


AMOUNTS = ("bud_cost", "bud_lo", "bud_hi")


def settings(view: View) -> dict | None:
    """The form: objective, cost, budget range, points; the settings last computed.

    Amounts are typed as Peru writes them ("200 000 000"; :func:`geoprio.fmt.parse_amount`)."""
    lang, s = view.lang, view.scenario
    for k, v in _defaults(s).items():
        st.session_state.setdefault(k, v)
        if k in AMOUNTS:
            st.session_state.setdefault(f"{k}_txt", fmt.number(v, 0, lang))
    with st.form("bud_form"):
        c1, c2 = st.columns(2)
        c1.selectbox(t("bud_people", lang), list(PEOPLE), key="bud_people",
                     format_func=lambda p: t(p, lang), help=t("bud_people_help", lang))
        if s.cost_per_beneficiary is not None:
            c2.caption(t("bud_cost_benef", lang, cost=fmt.money(s.cost_per_beneficiary, lang=lang)))
        else:
            c2.text_input(t("cost_per_district", lang), key="bud_cost_txt")
        c1, c2, c3, c4 = st.columns(4)
        c1.text_input(t("bud_lo", lang), key="bud_lo_txt")
        c2.text_input(t("bud_hi", lang), key="bud_hi_txt")
        c3.number_input(t("bud_n", lang), 1, 5, key="bud_n", help=t("bud_n_help", lang))
        c4.number_input(t("bud_steps", lang), 3, 21, key="bud_steps",
                        help=t("bud_steps_help", lang))
        asked = st.form_submit_button(t("bud_run", lang), type="primary")
    if asked and _read_amounts(lang, with_cost=s.cost_per_beneficiary is None):
        ss = st.session_state
        lo, hi = sorted((float(ss["bud_lo"]), float(ss["bud_hi"])))
        n = int(ss["bud_n"]) if hi > lo else 1
        budgets = tuple(float(round(b)) for b in np.linspace(lo, hi, n))
        st.session_state["bud_asked"] = {
            "budgets": budgets, "steps": int(ss["bud_steps"]), "people": ss["bud_people"],
            "cost": None if s.cost_per_beneficiary is not None else float(ss["bud_cost"])}
    return st.session_state.get("bud_asked")


def _read_amounts(lang: str, *, with_cost: bool) -> bool:
    """The form's amounts from their text boxes; False (and a message) if one is not one."""
    ss = st.session_state
    labels = {"bud_cost": "cost_per_district", "bud_lo": "bud_lo", "bud_hi": "bud_hi"}
    for key in AMOUNTS if with_cost else AMOUNTS[1:]:
        try:
            value = fmt.parse_amount(ss[f"{key}_txt"])
        except GeoprioError as exc:
            st.error(f"{t(labels[key], lang)}: {error_text(exc, lang)}")
            return False
        if not 1 <= value <= 1e12:
            limits = t("amount_range", lang, low="1", high=fmt.number(1e12, 0, lang))
            st.error(f"{t(labels[key], lang)}: {limits}")
            return False
        ss[key] = value
    return True


def chart(points: pd.DataFrame, chosen: pd.Series, people: str, lang: str) -> alt.Chart:
    """The frontiers (one line per budget), the chosen point circled in black."""
    data = points.drop(columns="ubigeos").assign(
        budget_text=[fmt.money(b, lang=lang) for b in points["budget"]],
        children_text=[fmt.integer(v, lang) for v in points["children_reached"]],
        rate_text=[fmt.percent(v, 1, lang) for v in points["mean_rate"]],
        n_text=[fmt.integer(v, lang) for v in points["n_selected"]])
    x = alt.X("children_reached:Q", title=t(people, lang), axis=number_axis(lang))
    y = alt.Y("mean_rate:Q", title=t("bud_mean_rate", lang), scale=alt.Scale(zero=False),
              axis=number_axis(lang, 1))
    tips = [alt.Tooltip("budget_text:N", title=t("budget_amount", lang)),
            alt.Tooltip("point:O", title=t("bud_point", lang)),
            alt.Tooltip("children_text:N", title=t(people, lang)),
            alt.Tooltip("rate_text:N", title=t("bud_mean_rate", lang)),
            alt.Tooltip("n_text:N", title=t("bud_n_selected", lang))]
    colour = alt.Color("budget_text:N", title=t("budget_amount", lang),
                       sort=list(dict.fromkeys(data["budget_text"])),
                       legend=alt.Legend(orient="bottom"))
    base = alt.Chart(data)
    lines = base.mark_line(point=True).encode(x=x, y=y, color=colour, tooltip=tips,
                                              detail="budget_text:N")
    pick = alt.Chart(data[(data["budget"] == chosen["budget"])
                          & (data["point"] == chosen["point"])]).mark_point(
        size=300, color="black", filled=False, strokeWidth=3).encode(x=x, y=y, tooltip=tips)
    return (lines + pick).properties(height=380)


def point_label(row: pd.Series, people: str, lang: str) -> str:
    return t("bud_point_label", lang, k=int(row["point"]),
             n=fmt.integer(row["children_reached"], lang),
             r=fmt.percent(row["mean_rate"], 1, lang), d=fmt.integer(row["n_selected"], lang))


def point_map(listed: pd.DataFrame, people: str, rate: str, lang: str) -> None:
    order = display_order()
    frame = listed.set_index("ubigeo").reindex(order)
    chosen = frame["selected"].fillna(False).astype(bool)
    eligible = frame["eligible"].fillna(False).astype(bool) & ~chosen
    kind = np.where(chosen, "chosen", np.where(eligible, "eligible", "other"))
    labels = {k: t(f"bud_map_{k}", lang) for k in COLOURS}
    rows = [(COLOURS[k], labels[k], int((kind == k).sum())) for k in COLOURS]
    tip = pd.DataFrame({
        "kind": [labels[k] for k in kind],
        people: [fmt.integer(v, lang) if pd.notna(v) else "" for v in frame[people]],
        rate: [fmt.percent(v, 1, lang) if pd.notna(v) else "" for v in frame[rate]],
        "rank": [fmt.integer(v, lang) if pd.notna(v) else "" for v in frame["rank"]]})
    fields = {"district": t("district", lang), "province": t("province", lang),
              "department": t("department", lang), "ubigeo": t("ubigeo", lang),
              "kind": t("bud_map_title", lang), people: t(people, lang),
              rate: t("bud_rate", lang), "rank": t("rank", lang)}
    district_map(geometry_url(), colours=[COLOURS[k] for k in kind], table=tip,
                 fields=list(fields), aliases=list(fields.values()), outline=chosen.to_numpy(),
                 legend_html=mapping.legend_html(rows, t("bud_map_title", lang), lang=lang),
                 height=520,
                 key="budget_map", missing=t("missing", lang))


def reached_note(people: str, lang: str) -> None:
    """How the people reached are estimated, and where SIEN-HIS counts children elsewhere."""
    frame = districts()
    if people != "stunted_children" or "measured_per_resident_u5_2022" not in frame:
        st.caption(t(f"bud_reached_{'children' if people != 'poor_people' else 'poor'}", lang))
        return
    over = int((frame["measured_per_resident_u5_2022"] > 100).sum())
    st.caption(t("bud_reached_stunted", lang, k=fmt.integer(over, lang)))


def export_frame(listed: pd.DataFrame, cost: float | None) -> pd.DataFrame:
    """The point's list, in rank order, with the point and its values in every row."""
    info = listed.attrs["tradeoff"]
    rows = listed[listed["selected"].to_numpy(dtype=bool)].sort_values(["rank", "ubigeo"])
    if "cost" not in rows.columns and cost is not None:
        rows = rows.assign(cost=cost)
    rows = rows.assign(tradeoff_budget=info["budget"], tradeoff_point=info["point"],
                       tradeoff_children_reached=info["children_reached"],
                       tradeoff_mean_rate=info["mean_rate"])
    rows.attrs = dict(listed.attrs)
    return rows


@st.cache_data(max_entries=16, show_spinner=False)
def export_bytes(key: tuple, *, _frame: pd.DataFrame, _catalog: pd.DataFrame) -> bytes:
    """:func:`export_tradeoff` of the point's list; ``key`` names everything that changes it
    (scenario token, uploads fingerprint, settings, budget, point, language, extension); the
    headers in the page's language with the ids kept below them."""
    lang, ext = key[-2], key[-1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"frontera{ext}"
        export_tradeoff(_frame, path, catalog=_catalog, lang=lang)
        return path.read_bytes()


def render(view: View) -> None:
    """The page: the planner's budgets, the frontier drawn, a point picked, its list on a map
    and in a table, and its export."""
    lang = view.lang
    st.markdown(t("bud_intro", lang))
    asked = settings(view)
    if asked is None:
        st.info(t("bud_ask", lang))
        return
    s = view.scenario
    if asked["cost"] is not None:
        s = s.replace(cost_per_district=asked["cost"])
    people = asked["people"]
    rate = PEOPLE[people][1]
    points = _frontier_points(s, asked, lang)
    if points is None:
        return
    budget, point, chosen = _pick_point(points, people, lang)
    st.altair_chart(chart(points, chosen, people, lang), width="stretch")
    st.caption(t("bud_chart_note", lang))
    listed = tradeoff_list(view.ranked, points, int(point), budget=float(budget))
    _point_metrics(chosen, people, lang)
    reached_note(people, lang)
    point_map(listed, people, rate, lang)
    _point_table(listed, asked["cost"], people, rate, lang)
    st.subheader(t("export", lang))
    st.caption(t("bud_export_help", lang))
    _export_buttons(view, s, asked, listed, (float(budget), int(point)), lang)


def _frontier_points(s: Scenario, asked: dict, lang: str) -> pd.DataFrame | None:
    """The frontier's points for the budgets asked; None (and the reason said) when there
    is none to draw."""
    try:
        with st.spinner(t("bud_computing", lang, n=fmt.integer(
                len(asked["budgets"]) * asked["steps"], lang))):
            points = frontier(s.to_token(), uploads_key(), asked["budgets"], asked["steps"],
                              asked["people"], _frame=districts(), _catalog=catalog())
    except GeoprioError as exc:
        from app.views.decide import plain

        st.error(t("scenario_error", lang, msg=plain(exc)))
        return None
    if points.empty:
        st.warning(t("bud_empty", lang))
        return None
    return points


def _pick_point(points: pd.DataFrame, people: str, lang: str) -> tuple[float, int, pd.Series]:
    """The budget and the point of its frontier the planner picks (the first ones until she
    does), and the point's row."""
    budgets = list(dict.fromkeys(points["budget"]))
    c1, c2 = st.columns([1, 3])
    if st.session_state.get("bud_budget") not in budgets:
        st.session_state["bud_budget"] = budgets[0]
    budget = c1.selectbox(t("budget_amount", lang), budgets, key="bud_budget",
                          format_func=lambda b: fmt.money(b, lang=lang))
    rows = points[points["budget"] == budget].set_index("point", drop=False)
    if st.session_state.get("bud_point") not in list(rows.index):
        st.session_state["bud_point"] = int(rows.index[0])
    point = c2.select_slider(t("bud_pick", lang), list(rows.index), key="bud_point",
                             format_func=lambda k: point_label(rows.loc[k], people, lang),
                             help=t("bud_pick_help", lang))
    return budget, point, rows.loc[point]


def _point_metrics(chosen: pd.Series, people: str, lang: str) -> None:
    """The point in five numbers: people reached, their mean rate, districts, cost, unspent."""
    m = st.columns(5)
    m[0].metric(t(people, lang), fmt.integer(chosen["children_reached"], lang))
    m[1].metric(t("bud_mean_rate", lang), fmt.percent(chosen["mean_rate"], 1, lang))
    m[2].metric(t("bud_n_selected", lang), fmt.integer(chosen["n_selected"], lang))
    m[3].metric(t("bud_cost", lang), fmt.money(chosen["cost"], lang=lang))
    m[4].metric(t("bud_unspent", lang), fmt.money(chosen["unspent"], lang=lang))


def _point_table(listed: pd.DataFrame, cost: float | None, people: str, rate: str,
                 lang: str) -> None:
    """The point's selected districts in rank order, with people, rate and cost."""
    table = listed[listed["selected"].to_numpy(dtype=bool)].sort_values(["rank", "ubigeo"])
    if "cost" not in table.columns and cost is not None:  # a list without a budget
        table = table.assign(cost=cost)
    whole = fmt.printf_integer(lang)
    cc = st.column_config
    cols = ["rank", "ubigeo", "district", "province", "department", people, rate, "cost"]
    cols = [c for c in cols if c in table.columns]
    shown = table[cols].round({people: 0, "cost": 0})
    if rate in shown:  # the rate with a decimal comma in Spanish (a Styler: sorts as numbers)
        shown = shown.style.format({rate: lambda v: fmt.number(v, 1, lang)}, na_rep="")
    st.dataframe(shown, hide_index=True, width="stretch",
                 height=360, column_config={
                     "rank": cc.NumberColumn(t("rank", lang), format=whole),
                     "ubigeo": t("ubigeo", lang), "district": t("district", lang),
                     "province": t("province", lang), "department": t("department", lang),
                     people: cc.NumberColumn(t(people, lang), format=whole),
                     rate: cc.NumberColumn(t("bud_rate", lang)),
                     "cost": cc.NumberColumn("S/", format=whole)}, placeholder="—")


def _export_buttons(view: View, s: Scenario, asked: dict, listed: pd.DataFrame,
                    picked: tuple[float, int], lang: str) -> None:
    """CSV and XLSX of the point's list, cached on everything that changes them."""
    budget, point = picked
    frame, cat = export_frame(listed, asked["cost"]), catalog()
    stem = safe_filename(f"frontera_{safe_id(view.scenario.title(lang), default='escenario')}_"
                         f"{int(budget)}_{int(point)}")
    cols2 = st.columns(2)
    for col, ext, key in zip(cols2, (".csv", ".xlsx"), ("fmt_csv", "fmt_xlsx"), strict=True):
        k = (s.to_token(), uploads_key(), asked["budgets"], asked["steps"], asked["people"],
             float(budget), int(point), lang, ext)
        download_button(col, t("download", lang, fmt=t(key, lang)),
                        lambda k=k: export_bytes(k, _frame=frame, _catalog=cat), lang=lang,
                        file_name=f"{stem}{ext}", mime=MIME[ext],
                        key=f"bud_download{ext}", on_click="ignore")
