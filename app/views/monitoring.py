"""The Distrito page's monitoring view: stunting and anaemia 2019 and 2022 beside ENDES.

Everything comes from :func:`geoprio.stunting_trend` (nothing re-derived here): for the
district, the 2019 rates (MINSA SIEN via CEPLAN; the number of children was not published,
only the fewest consistent with the rate), the 2022 raw and Empirical Bayes rates with their
90% interval and the children measured (INS SIEN-HIS); for its department, the ENDES survey
series. A table and an Altair chart per indicator; numbers through :mod:`geoprio.fmt`; a caveat
where fewer than 30 children were measured.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import geoprio
from app.texts.i18n import t
from geoprio import fmt

__all__ = ["SMALL_N", "caveats", "monitoring_chart", "monitoring_table", "render_monitoring",
           "trend"]

#: fewer children measured than this: the raw rate is noise (issue 14; the catalog's flags)
SMALL_N = 30
INDICATORS = ("stunting_u5", "anemia_6_35m")


@st.cache_data(max_entries=64, show_spinner=False)
def trend(ubigeo: str) -> pd.DataFrame:
    """:func:`geoprio.stunting_trend` of one district (cached per district)."""
    return geoprio.stunting_trend(ubigeo)


def _pct(value: float, lang: str) -> str:
    return t("missing", lang) if pd.isna(value) else fmt.number(value, 1, lang)


def monitoring_table(data: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The district's 2019 and 2022 rows, then the department's ENDES 2019 and 2022, as text.

    Columns: indicator, year, source, raw rate (%), smoothed rate (%), 90% interval, children
    measured (ENDES: children in the survey's sample for the department).
    """
    names = {"stunting_u5": t("endes_stunting", lang), "anemia_6_35m": t("endes_anemia", lang)}
    rows = []
    for ind in INDICATORS:
        part = data[(data["indicator"] == ind) & (
            (data["level"] == "district")
            | ((data["level"] == "department") & data["year"].isin([2019, 2022])))]
        for r in part.itertuples():
            if r.level == "district":
                source = t("mon_src_2019" if r.year == 2019 else "mon_src_2022", lang)
            else:
                source = t("mon_src_endes", lang, dep=r.name)
            if pd.notna(r.n_measured):
                measured = fmt.integer(r.n_measured, lang)
            elif pd.notna(r.n_min):
                measured = t("mon_n_min", lang, n=fmt.integer(r.n_min, lang))
            else:
                measured = t("mon_n_unpublished", lang)
            interval = "" if pd.isna(r.lo) else f"{_pct(r.lo, lang)}–{_pct(r.hi, lang)}"
            rows.append({t("indicator", lang): names[ind], t("endes_year", lang): str(r.year),
                         t("mon_source", lang): source, t("mon_raw", lang): _pct(r.value, lang),
                         t("mon_smoothed", lang): "" if pd.isna(r.smoothed) else
                         _pct(r.smoothed, lang),
                         t("mon_interval", lang): interval, t("mon_n", lang): measured})
    return pd.DataFrame(rows)


def monitoring_chart(data: pd.DataFrame, ind: str, lang: str) -> alt.LayerChart:
    """One indicator: the department's and Peru's ENDES lines, the district's raw rates
    (2019, 2022) as points and its 2022 smoothed rate with its 90% interval as a bar."""
    part = data[data["indicator"] == ind].copy()
    district = part[part["level"] == "district"]
    dep_name = part.loc[part["level"] == "department", "name"]
    labels = {"department": t("mon_series_endes", lang, dep=dep_name.iloc[0] if len(dep_name)
                                else ""),
              "national": t("mon_series_endes", lang, dep="Perú"),
              "district": t("mon_series_raw", lang), "smoothed": t("mon_series_eb", lang)}
    lines = part[part["level"] != "district"].dropna(subset=["value"]).copy()
    lines["series"] = lines["level"].map(labels)
    points = district.dropna(subset=["value"]).copy()
    points["series"] = labels["district"]
    eb = district.dropna(subset=["smoothed"]).copy()
    eb["series"] = labels["smoothed"]
    for frame, col in ((lines, "value"), (points, "value"), (eb, "smoothed")):
        frame["text"] = [fmt.percent(v, 1, lang) for v in frame[col]]
        frame["n_text"] = [fmt.integer(n, lang) if pd.notna(n) else t("mon_n_unpublished", lang)
                           for n in frame["n_measured"]]
    eb["interval"] = [f"{_pct(a, lang)}–{_pct(b, lang)}" for a, b in zip(eb["lo"], eb["hi"],
                                                                        strict=True)]
    order = [labels[k] for k in ("department", "national", "district", "smoothed")]
    colour = alt.Color("series:N", title=None, scale=alt.Scale(
        domain=order, range=["#1b9e77", "#999999", "#d95f02", "#7570b3"]),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0))
    years = [int(part["year"].min()), int(part["year"].max())]
    x = alt.X("year:Q", title=t("endes_year", lang), scale=alt.Scale(domain=years, nice=False,
                                                                       zero=False),
              axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0))
    y_top = float(np.nanmax(np.r_[part["value"].to_numpy(), part["hi"].to_numpy(), 0.0]))
    y = alt.Y("value:Q", title=t("endes_y", lang),
              scale=alt.Scale(domain=[0, max(10.0, np.ceil(y_top / 10) * 10)]))
    tip = [alt.Tooltip("series:N", title=t("endes_series", lang)),
           alt.Tooltip("year:Q", title=t("endes_year", lang), format="d"),
           alt.Tooltip("text:N", title=t("endes_y", lang)),
           alt.Tooltip("n_text:N", title=t("mon_n", lang))]
    line = alt.Chart(lines).mark_line(point=True).encode(
        x=x, y=y, color=colour, strokeDash=alt.StrokeDash("level:N", legend=None), tooltip=tip)
    raw = alt.Chart(points).mark_point(size=120, filled=True, shape="diamond").encode(
        x=x, y=y, color=colour, tooltip=tip)
    bar = alt.Chart(eb).mark_rule(strokeWidth=3).encode(
        x=alt.X("year:Q"), y=alt.Y("lo:Q"), y2="hi:Q", color=colour,
        tooltip=[*tip[:2], alt.Tooltip("interval:N", title=t("mon_interval", lang))])
    smooth = alt.Chart(eb).mark_point(size=90, filled=True, shape="circle").encode(
        x=x, y=alt.Y("smoothed:Q"), color=colour,
        tooltip=[*tip, alt.Tooltip("interval:N", title=t("mon_interval", lang))])
    title = t("endes_stunting" if ind == "stunting_u5" else "endes_anemia", lang)
    return (line + raw + bar + smooth).properties(height=300, title=title)


def caveats(data: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per year and indicator that rests on fewer than ``SMALL_N`` children."""
    out = []
    names = {"stunting_u5": t("endes_stunting", lang), "anemia_6_35m": t("endes_anemia", lang)}
    district = data[data["level"] == "district"]
    for r in district.itertuples():
        if r.year == 2022 and pd.isna(r.n_measured):
            out.append(t("mon_none_2022", lang, ind=names[r.indicator]))
        elif r.year == 2022 and r.n_measured < SMALL_N:
            out.append(t("mon_small_2022", lang, ind=names[r.indicator],
                         n=fmt.integer(r.n_measured, lang), min=SMALL_N))
        elif r.year == 2019 and pd.notna(r.n_min) and r.n_min < SMALL_N:
            out.append(t("mon_small_2019", lang, ind=names[r.indicator],
                         n=fmt.integer(r.n_min, lang), min=SMALL_N))
    return out


def render_monitoring(ubigeo: str, lang: str) -> None:
    """The monitoring view of district ``ubigeo`` (called from the Distrito page)."""
    data = trend(ubigeo)
    st.markdown(f"**{t('mon_title', lang)}**")
    st.dataframe(monitoring_table(data, lang), hide_index=True, width="stretch", placeholder="—")
    for sentence in caveats(data, lang):
        st.warning(sentence)
    cols = st.columns(2)
    for col, ind in zip(cols, INDICATORS, strict=True):
        col.altair_chart(monitoring_chart(data, ind, lang), width="stretch")
    st.caption(t("mon_note", lang))
