"""District page: one district's indicators beside its department and the nation; ENDES trend.

The district is kept in the URL (``?distrito=250204``): the map's "open the district" link
and a shared link open it directly.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.runtime.state import catalog, district_labels, districts, endes, published, uploads_key
from app.runtime.urlstate import valid
from app.runtime.view import View
from app.texts.i18n import label, t
from app.texts.text import md
from app.views import sheets as sheet_view
from app.views.monitoring import render_monitoring
from geoprio import fmt
from geoprio.data.labels import unit_label
from geoprio.data.search import matches
from geoprio.data.shipped import aggregate, reference_figure
from geoprio.engine.derived import PEOPLE

KINDS = ("indicator", "count", "flag", "context")


@st.cache_data(max_entries=8, show_spinner=False)
def rollups(key: str, *, _table: pd.DataFrame, _catalog: pd.DataFrame
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Department and national figures, once per set of uploaded indicators."""
    return (aggregate(_table, "department", _catalog).set_index("ubigeo"),
            aggregate(_table, "nation", _catalog))


def value_text(value, unit: str, kind: str, lang: str) -> str:
    """A value as the page writes it: yes/no for flags, whole counts, 1 decimal for %."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return t("missing", lang)
    if kind == "flag" or isinstance(value, bool) or type(value).__name__ == "bool_":
        return t("yes", lang) if bool(value) else t("no", lang)
    if isinstance(value, str):
        return value
    x = float(value)
    if kind == "count":
        return fmt.integer(x, lang)
    if unit == "%":
        return fmt.number(x, 1, lang)
    if abs(x) >= 100 or x.is_integer():
        return fmt.number(x, 0 if abs(x) >= 100 else 1 if not x.is_integer() else 0, lang)
    return fmt.number(x, 2 if abs(x) >= 1 else 3, lang)


def _reference_text(pub: pd.DataFrame, cat: pd.DataFrame, ind: str, code: str, rollup,
                    unit: str, kind: str, lang: str) -> str:
    """The department's or Peru's figure as its source publishes it; a mean of district
    figures no source publishes ends in " *" (the page's note says so)."""
    try:
        number = float(rollup)
    except (TypeError, ValueError):  # a flag or a text: as it is
        return value_text(rollup, unit, kind, lang)
    value, is_rollup = reference_figure(pub, cat, ind, code, number)
    text = value_text(value, unit, kind, lang)
    return f"{text} *" if is_rollup else text


def profile(ubigeo: str, lang: str) -> pd.DataFrame:
    """Indicator, unit, district value, department value and national value (as text); the
    department and national values are the sources' own where they publish them."""
    cat = catalog()
    table = districts()
    dep_table, nation_table = rollups(uploads_key(), _table=table, _catalog=cat)
    dep = dep_table.loc[ubigeo[:2]]
    nation = nation_table.iloc[0]
    row = table.set_index("ubigeo").loc[ubigeo]
    pub = published()
    rows = []
    for r in cat[cat["kind"].isin(KINDS)].to_dict("records"):
        if r["id"] not in row.index:
            continue
        unit, kind = str(r["unit"]), str(r["kind"])
        rows.append({t("indicator", lang): label(r, lang), t("unit", lang): unit_label(unit, lang),
                     t("value", lang): value_text(row[r["id"]], unit, kind, lang),
                     t("dept_value", lang): _reference_text(pub, cat, r["id"], ubigeo[:2],
                                                            dep.get(r["id"]), unit, kind, lang),
                     t("nation_value", lang): _reference_text(pub, cat, r["id"], "00",
                                                              nation.get(r["id"]), unit, kind,
                                                              lang)})
    return pd.DataFrame(rows)


def measured_note(ubigeo: str, lang: str) -> None:
    """Say so where SIEN-HIS measured more under-5s than live in the district (issue 20)."""
    row = districts().set_index("ubigeo").loc[ubigeo]
    ratio = row.get("measured_per_resident_u5_2022")
    if ratio is None or pd.isna(ratio) or ratio <= 100:
        return
    counts, rate = PEOPLE["stunted_children"]  # the budget lists' own estimate
    estimate = row[counts[0]] * row[rate] / 100
    st.info(t("measured_over", lang, v=fmt.integer(ratio, lang),
              counted=fmt.integer(row["stunted_u5_2022"], lang),
              est=fmt.integer(estimate, lang)))


def stunting_estimates(ubigeo: str, lang: str) -> pd.DataFrame:
    """The district's 2022 stunting three ways, as text: the rate measured (and its children),
    Empirical Bayes and Fay–Herriot with their 90% intervals and where each comes from (γ,
    the Fay–Herriot estimate's share from the district's own children)."""
    row = districts().set_index("ubigeo").loc[ubigeo]

    def pct(col: str) -> str:
        value = row.get(col)
        return "—" if value is None or pd.isna(value) else fmt.percent(value, 1, lang)

    def interval(col: str) -> str:
        lo, hi = pct(f"{col}_lo"), pct(f"{col}_hi")
        return "—" if "—" in (lo, hi) else f"{lo}–{hi}"

    n = row.get("evaluated_u5_2022")
    measured = n is not None and pd.notna(n) and n > 0
    raw_from = (t("est_raw_from", lang, y=fmt.integer(row["stunted_u5_2022"], lang),
                  n=fmt.integer(n, lang)) if measured else t("est_raw_none", lang))
    fh_from = (t("est_fh_from", lang, g=pct("stunting_u5_2022_fh_gamma")) if measured
               else t("est_fh_none", lang))
    rows = [(t("est_raw", lang), pct("stunting_u5_2022"), "—", raw_from),
            (t("est_eb", lang), pct("stunting_u5_2022_eb"), interval("stunting_u5_2022_eb"),
             t("est_eb_from", lang)),
            (t("est_fh", lang), pct("stunting_u5_2022_fh"), interval("stunting_u5_2022_fh"),
             fh_from)]
    return pd.DataFrame(rows, columns=[t("est_kind", lang), t("est_value", lang),
                                       t("est_interval", lang), t("est_from", lang)])


def endes_chart(dep_code: str, lang: str) -> tuple[str, alt.Chart] | None:
    """The ENDES series of the district's department and of Peru: title and chart."""
    series = endes()
    trend = series[(series["area"] == "total") & series["department_code"].isin([dep_code,
                                                                                "00"])]
    if trend.empty or not (trend["department_code"] == dep_code).any():
        return None
    dep_name = trend.loc[trend["department_code"] == dep_code, "department"].iloc[0]
    names = {"stunting_u5": t("endes_stunting", lang), "anemia_6_35m": t("endes_anemia", lang)}
    long = trend.melt(id_vars=["year", "department"], value_vars=list(names),
                      var_name="indicator", value_name="value").dropna(subset=["value"])
    long["series"] = long["indicator"].map(names) + " · " + long["department"]
    long["text"] = [fmt.percent(v, 1, lang) for v in long["value"]]
    long["year_text"] = long["year"].astype(int).astype(str)
    first, last = int(long["year"].min()), int(long["year"].max())
    colours = alt.Scale(domain=sorted(long["series"].unique()),
                        range=["#1b9e77", "#7fc97f", "#d95f02", "#fdb462"])
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:Q", title=t("endes_year", lang), scale=alt.Scale(
                domain=[first, last], nice=False, zero=False),
                axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0)),
            y=alt.Y("value:Q", title=t("endes_y", lang), scale=alt.Scale(zero=True),
                    axis=alt.Axis(format="d")),
            color=alt.Color("series:N", title=None, scale=colours, legend=alt.Legend(
                orient="bottom", columns=2, labelLimit=0, symbolType="stroke")),
            strokeDash=alt.StrokeDash("department:N", legend=None),
            tooltip=[alt.Tooltip("series:N", title=t("endes_series", lang)),
                     alt.Tooltip("year_text:N", title=t("endes_year", lang)),
                     alt.Tooltip("text:N", title=t("endes_y", lang))],
        )
        .properties(height=320)
    )
    return t("endes_trend", lang, dep=dep_name, first=first, last=last), chart


#: districts a search lists at most (the picker says how many more matched)
SHOWN_MATCHES = 200


def search_matches(query: str) -> list[str]:
    """The ubigeos a search finds, in map order: accents and case ignored, a number is the
    start of a ubigeo (:func:`geoprio.data.search.matches`, as the Ranking page searches)."""
    frame = districts()[["ubigeo", "district", "province", "department"]]
    return frame.loc[matches(frame, query), "ubigeo"].astype(str).tolist()


def picker(lang: str) -> str:
    """The search box and the list of what it found; the district chosen (kept in the URL).

    Streamlit's own type-to-filter is off (``filter_mode=None``): it neither ignores accents
    nor reads a ubigeo as a code, and offered other districts for a name typed without its
    accent. The search box does both, and the list holds only what it found.
    """
    names = district_labels()
    valid("distrito", list(names))
    query = st.text_input(t("district_search", lang), key="dist_buscar",
                          placeholder=t("pick_placeholder", lang), persist_state="session")
    found = search_matches(query) if query.strip() else []
    if query.strip() and not found:
        st.warning(t("district_none", lang, q=md(query, 100)))
    current = st.session_state["distrito"]
    fresh = query != st.session_state.get("_dist_searched", "")
    st.session_state["_dist_searched"] = query
    if fresh and found and current not in found:  # a new search shows its first match;
        st.session_state["distrito"] = current = found[0]  # a link or a click is kept
    options = found[:SHOWN_MATCHES] if found else list(names)
    if current not in options:  # beyond the first matches: keep it listed
        options = [current, *options]
    if len(found) > 1:
        st.caption(t("district_found", lang, n=fmt.integer(len(found), lang),
                     shown=fmt.integer(min(len(found), SHOWN_MATCHES), lang)))
    return st.selectbox(t("pick_district", lang), options, key="distrito",
                        persist_state="session", format_func=names.get, filter_mode=None)


def render(view: View) -> None:
    lang, ranked = view.lang, view.ranked
    names = district_labels()
    pick = picker(lang)
    r = ranked.set_index("ubigeo").loc[pick]
    st.subheader(names[pick])
    sheet_view.sheet_buttons(view, pick, str(r.get("district", pick)))  # PDF/HTML (issue 16)
    if pd.notna(r.get("rank")):
        if view.complete:
            st.markdown(t("district_rank", lang, rank=fmt.integer(r["rank"], lang),
                          lo=fmt.integer(r["rank_p05"], lang), hi=fmt.integer(r["rank_p95"],
                                                                              lang),
                          p=fmt.probability(r["p_selected"], 0 if r["p_selected"] in (0, 1)
                                            else 1, lang)))
        else:
            st.markdown(t("district_rank_point", lang, rank=fmt.integer(r["rank"], lang)))
    else:
        st.markdown(t("not_ranked", lang))
    st.caption(md(r["reasons"], 4000))  # a rule from a link is the user's text
    st.dataframe(profile(pick, lang), hide_index=True, width="stretch", placeholder="—")
    st.caption(t("reference_note", lang))
    st.markdown(f"**{t('est_title', lang)}**")
    st.dataframe(stunting_estimates(pick, lang), hide_index=True, width="stretch")
    measured_note(pick, lang)
    render_monitoring(pick, lang)  # 2019 and 2022 beside ENDES (app/views/monitoring.py)
    trend = endes_chart(pick[:2], lang)
    if trend is not None:
        title, chart = trend
        st.markdown(f"**{title}**")
        st.altair_chart(chart, width="stretch")
