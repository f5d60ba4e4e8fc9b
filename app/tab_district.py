"""District tab: one district's indicators beside its department and the nation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.i18n import label, t
from app.state import catalog, districts, endes, uploads_key
from geoprio.data import aggregate


def profile(ranked: pd.DataFrame, ubigeo: str, lang: str) -> pd.DataFrame:
    """Indicator, district value, department value and national value (weighted as catalog)."""
    cat = catalog()
    table = districts()
    dep_table, nation_table = rollups(uploads_key(), _table=table, _catalog=cat)
    dep = dep_table.loc[ubigeo[:2]]
    nation = nation_table.iloc[0]
    row = table.set_index("ubigeo").loc[ubigeo]
    rows = []
    for r in cat[cat["kind"].isin(["indicator", "count", "flag", "context"])].itertuples():
        if r.id not in row.index:
            continue
        rows.append({t("indicator", lang): label(pd.Series(r._asdict()), lang),
                     t("unit", lang): r.unit, t("value", lang): _fmt(row[r.id], lang),
                     t("dept_value", lang): _fmt(dep.get(r.id), lang),
                     t("nation_value", lang): _fmt(nation.get(r.id), lang)})
    return pd.DataFrame(rows)


@st.cache_data(max_entries=8, show_spinner=False)
def rollups(key: str, *, _table: pd.DataFrame, _catalog: pd.DataFrame
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Department and national figures, once per set of uploaded indicators."""
    return (aggregate(_table, "department", _catalog).set_index("ubigeo"),
            aggregate(_table, "nation", _catalog))


def _fmt(value, lang: str) -> str:
    """A value as text: yes/no for flags, thousands for counts, 'sin dato' when missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return t("missing", lang)
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return ("sí" if lang == "es" else "yes") if value else "no"
    if isinstance(value, str):
        return value
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 1000 or number.is_integer() else f"{number:,.2f}"


def render(ranked: pd.DataFrame, lang: str, clicked: str | None) -> None:
    names = ranked.set_index("ubigeo")
    options = list(names.index)
    if clicked in names.index and clicked != st.session_state.get("last_click"):
        st.session_state["last_click"] = clicked
        st.session_state["district_select"] = clicked  # a map click picks the district
    pick = st.selectbox(t("pick_district", lang), options, index=options.index("250204"),
                        format_func=lambda u: f"{names.loc[u, 'district']} — "
                        f"{names.loc[u, 'province']}, {names.loc[u, 'department']} ({u})",
                        key="district_select")
    r = names.loc[pick]
    st.subheader(f"{r['district']} ({pick})")
    if pd.notna(r.get("rank")):
        st.markdown(t("district_rank", lang, rank=int(r["rank"]), lo=int(r["rank_p05"]),
                      hi=int(r["rank_p95"]), p=f"{r['p_selected']:.0%}"))
    else:
        st.markdown(t("not_ranked", lang))
    st.caption(str(r["reasons"]))
    st.dataframe(profile(ranked, pick, lang), hide_index=True, width="stretch")
    series = endes()
    dep_code = pick[:2]
    trend = series[(series["area"] == "total") & (series["department_code"].isin(
        [dep_code, "00"]))]
    if len(trend):
        dep_name = trend.loc[trend["department_code"] == dep_code, "department"].iloc[0]
        st.markdown(f"**{t('endes_trend', lang, dep=dep_name)}**")
        wide = trend.pivot_table(index="year", columns="department", values=["stunting_u5",
                                                                             "anemia_6_35m"])
        wide.columns = [f"{a} · {b}" for a, b in wide.columns]
        st.line_chart(wide)
