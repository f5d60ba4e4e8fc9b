"""Comparar page: two scenarios side by side (:func:`geoprio.compare_scenarios`).

Each side is a preset, the scenario applied in the sidebar, a scenario file (TOML, at most
``MAX_SCENARIO_BYTES``) or a link (``?s=`` token); the second side may also be the first one
on the SIEN 2019 rates (:func:`geoprio.decide.comparison.with_2019_rates`). The page shows the rank
correlations, the districts that enter, leave or stay (a map and a table with both ranks,
their 90% intervals, the reasons and whether the move is within the intervals or news), the
people each list reaches, and exports the comparison (XLSX with both scenarios in the
methodology sheet, GeoPackage) through :func:`geoprio.report.decisions.export_comparison`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import streamlit as st

from app.runtime.exports import download_button
from app.runtime.state import (
    catalog,
    display_order,
    districts,
    full_geometry,
    geometry_url,
    uploads_key,
)
from app.runtime.view import View
from app.texts.i18n import option, t
from app.texts.text import error_text
from app.views.decide import full_ranked, plain
from app.widgets.map_component import district_map
from app.widgets.sidebar import preset_name
from geoprio import fmt
from geoprio.data.search import safe_id
from geoprio.decide.comparison import ScenarioComparison, compare_scenarios, with_2019_rates
from geoprio.engine.scenario import MAX_SCENARIO_BYTES, Scenario, decode_text
from geoprio.errors import GeoprioError
from geoprio.report import mapping
from geoprio.report.decisions import export_comparison
from geoprio.report.exporting import safe_filename

PRESETS = ("fonie", "dci", "anemia")
#: where a side's scenario comes from (the second side may also be the first on 2019 data)
SOURCES_A = ("current", *PRESETS, "file", "link")
SOURCES_B = ("a2019", *SOURCES_A)
#: what happened to a district -> map colour
COLOURS = {"entering": "#1a9850", "leaving": "#d73027", "kept": "#4575b4",
           "out": "#f7f7f7"}
ORDER = {"entering": 0, "leaving": 1, "kept": 2, "out": 3}
MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".gpkg": "application/geopackage+sqlite3"}


def _source_name(src: str, lang: str) -> str:
    if src in PRESETS:
        return option("preset", src, lang)
    return t(f"cmp_src_{src}", lang)


def scenario_name(s: Scenario, lang: str) -> str:
    """How a scenario reads: a preset's name in ``lang`` only if it is that preset field by
    field (and "datos 2019" for a preset on 2019 rates); else its own name, and a name
    borrowed from a preset says it is not that preset."""
    if s.is_preset():
        return option("preset", s.name, lang)
    base = s.name.removesuffix("_2019")
    if s.name.endswith("_2019") and base in PRESETS and s == with_2019_rates(
            Scenario.preset(base)):
        return t("cmp_2019", lang, name=option("preset", base, lang))
    return preset_name(s, lang)


def _token_of(text: str) -> str:
    """The scenario token of a pasted link (its ``s`` parameter) or of a bare token."""
    text = text.strip()
    if "s=" in text or "://" in text:
        values = parse_qs(urlsplit(text).query).get("s") or parse_qs(text.split("?")[-1]).get(
            "s")
        if not values:
            raise GeoprioError("the link has no scenario (no s= parameter); copy the whole "
                               "address of the app after choosing a scenario",
                               es="el enlace no trae un escenario (falta el parámetro s=); "
                                  "copie la dirección completa de la aplicación después de "
                                  "elegir un escenario")
        return values[0]
    return text


def _checked(s: Scenario) -> Scenario:
    s.validate(catalog=catalog(), columns=list(districts().columns))
    return s


def side(key: str, view: View, first: Scenario | None) -> Scenario | None:
    """The scenario of one side (``"a"`` or ``"b"``); None while a file or link is missing."""
    lang = view.lang
    sources = SOURCES_A if first is None else SOURCES_B
    title = t("cmp_side_a" if first is None else "cmp_side_b", lang)
    src = st.selectbox(title, sources, key=f"cmp_{key}_src",
                       format_func=lambda s: _source_name(s, lang))
    try:
        if src == "current":
            return view.scenario
        if src in PRESETS:
            return Scenario.preset(src)
        if src == "a2019":
            assert first is not None
            return _checked(with_2019_rates(first))
        if src == "file":
            up = st.file_uploader(t("cmp_file", lang), type=["toml"], key=f"cmp_{key}_file",
                                  help=t("cmp_file_help", lang))
            if up is None:
                return None
            if up.size > MAX_SCENARIO_BYTES:
                raise GeoprioError(f"{up.name}: {up.size:,} bytes; a scenario file is at most "
                                   f"{MAX_SCENARIO_BYTES:,} bytes",
                                   es=f"{up.name}: {fmt.integer(up.size)} bytes; un archivo de "
                                      f"escenario tiene como máximo "
                                      f"{fmt.integer(MAX_SCENARIO_BYTES)} bytes")
            return _checked(Scenario.from_toml(decode_text(up.getvalue()), catalog=catalog()))
        text = st.text_input(t("cmp_link", lang), key=f"cmp_{key}_link", max_chars=100_000,
                             placeholder=t("cmp_link_placeholder", lang))
        if not text.strip():
            return None
        return _checked(Scenario.from_token(_token_of(text), catalog=catalog()))
    except GeoprioError as exc:
        st.error(t("cmp_bad_scenario", lang, msg=error_text(exc, lang)))
        return None


def _interval(lo, hi, lang: str) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return ""
    return f"{fmt.integer(lo, lang)}–{fmt.integer(hi, lang)}"


def mark(row, lang: str) -> str:
    """"Noticia" when the intervals do not explain the move; "dentro del intervalo" else."""
    if bool(row["news"]):
        return t("cmp_news", lang)
    moved = row["change"] in ("entering", "leaving") or (
        pd.notna(row["rank_shift"]) and row["rank_shift"] != 0)
    within = row["within_intervals"]
    if moved and not pd.isna(within) and bool(within):
        return t("cmp_within", lang)
    return ""


def table_for_screen(c: ScenarioComparison, lang: str, only_changes: bool) -> pd.DataFrame:
    """The comparison's rows as the page shows them: changes first, words for the codes."""
    table = pd.DataFrame(c.table.drop(columns="geometry", errors="ignore"))
    if only_changes:
        table = table[table["change"].isin(["entering", "leaving"])]
    table = table.assign(_o=table["change"].map(ORDER),
                         _r=table["rank_b"].astype("Float64").fillna(table["rank_a"]
                                                                     .astype("Float64")))
    table = table.sort_values(["_o", "_r", "ubigeo"], na_position="last")
    return pd.DataFrame({
        "change": [t(f"cmp_change_{x}", lang) for x in table["change"]],
        "mark": [mark(r, lang) for r in table.to_dict("records")],
        "rank_a": table["rank_a"].to_numpy(),
        "interval_a": [_interval(a, b, lang) for a, b in
                       zip(table["rank_p05_a"], table["rank_p95_a"], strict=True)],
        "rank_b": table["rank_b"].to_numpy(),
        "interval_b": [_interval(a, b, lang) for a, b in
                       zip(table["rank_p05_b"], table["rank_p95_b"], strict=True)],
        "ubigeo": table["ubigeo"].to_numpy(),
        "district": table["district"].to_numpy(),
        "province": table["province"].to_numpy(),
        "department": table["department"].to_numpy(),
        "reasons_a": table["reasons_a"].to_numpy(),
        "reasons_b": table["reasons_b"].to_numpy(),
    })


def column_config(lang: str) -> dict:
    whole = fmt.printf_integer(lang)
    cc = st.column_config
    return {"change": t("cmp_change", lang), "mark": cc.TextColumn(
        t("cmp_mark", lang), help=t("cmp_mark_help", lang)),
        "rank_a": cc.NumberColumn(t("cmp_rank_a", lang), format=whole),
        "interval_a": t("cmp_interval_a", lang),
        "rank_b": cc.NumberColumn(t("cmp_rank_b", lang), format=whole),
        "interval_b": t("cmp_interval_b", lang),
        "ubigeo": t("ubigeo", lang), "district": t("district", lang),
        "province": t("province", lang), "department": t("department", lang),
        "reasons_a": cc.TextColumn(t("cmp_reasons_a", lang), width="large"),
        "reasons_b": cc.TextColumn(t("cmp_reasons_b", lang), width="large")}


def people_table(c: ScenarioComparison, lang: str) -> pd.DataFrame:
    """People reached by each list (words and numbers as the language writes them)."""
    rows = []
    for p, r in c.people.iterrows():
        rows.append({t("cmp_people", lang): t(str(p), lang),
                     t("cmp_list_a", lang): fmt.integer(r["a"], lang),
                     t("cmp_list_b", lang): fmt.integer(r["b"], lang),
                     t("cmp_difference", lang): fmt.integer(r["difference"], lang)})
    return pd.DataFrame(rows)


def change_map(c: ScenarioComparison, lang: str) -> None:
    """Districts that enter, leave or stay, coloured; moves the intervals do not explain
    outlined."""
    order = display_order()
    table = pd.DataFrame(c.table.drop(columns="geometry", errors="ignore")).set_index(
        "ubigeo").reindex(order)
    change = table["change"].fillna("out")
    ranked = table["rank_a"].notna() | table["rank_b"].notna()
    colours = [COLOURS[x] if r else mapping.MISSING_COLOUR for x, r in
               zip(change, ranked, strict=True)]
    counts = change[ranked.to_numpy()].value_counts()
    rows = [(COLOURS[k], t(f"cmp_change_{k}", lang), int(counts.get(k, 0)))
            for k in ("entering", "leaving", "kept", "out")]
    if (~ranked).any():
        rows.append((mapping.MISSING_COLOUR, t("cmp_unranked", lang), int((~ranked).sum())))
    tip = pd.DataFrame({
        "change": [t(f"cmp_change_{x}", lang) for x in change],
        "rank_a": [fmt.integer(v, lang) if pd.notna(v) else "" for v in table["rank_a"]],
        "interval_a": [_interval(a, b, lang) for a, b in
                       zip(table["rank_p05_a"], table["rank_p95_a"], strict=True)],
        "rank_b": [fmt.integer(v, lang) if pd.notna(v) else "" for v in table["rank_b"]],
        "interval_b": [_interval(a, b, lang) for a, b in
                       zip(table["rank_p05_b"], table["rank_p95_b"], strict=True)],
        "mark": [mark(r, lang) if pd.notna(r["change"]) else "" for r in
                 table.assign(news=table["news"].fillna(False)).to_dict("records")],
    })
    fields = {"district": t("district", lang), "province": t("province", lang),
              "department": t("department", lang), "ubigeo": t("ubigeo", lang),
              "change": t("cmp_change", lang), "rank_a": t("cmp_rank_a", lang),
              "interval_a": t("cmp_interval_a", lang), "rank_b": t("cmp_rank_b", lang),
              "interval_b": t("cmp_interval_b", lang), "mark": t("cmp_mark", lang)}
    news = table["news"].fillna(False).astype(bool) & change.isin(["entering", "leaving"])
    district_map(geometry_url(), colours=colours, table=tip, fields=list(fields),
                 aliases=list(fields.values()), outline=news.to_numpy(),
                 legend_html=mapping.legend_html(rows, t("cmp_map_title", lang), lang=lang),
                 height=560,
                 key="compare_map", missing=t("missing", lang))
    st.caption(t("cmp_map_caption", lang))


@st.cache_data(max_entries=8, show_spinner=False)
def comparison_bytes(key: tuple, *, _comparison: ScenarioComparison,
                     _catalog: pd.DataFrame) -> bytes:
    """:func:`export_comparison` of the comparison (geometry added for the GeoPackage).

    ``key`` = (token a, token b, uploads fingerprint, language, extension).
    """
    import geopandas as gpd

    ext = key[-1]
    c = _comparison
    if ext == ".gpkg":
        table = pd.DataFrame(c.table.drop(columns="geometry", errors="ignore"))
        geo = gpd.GeoDataFrame(table.merge(full_geometry(), on="ubigeo", how="left"),
                               geometry="geometry", crs=4326)
        c = dataclasses.replace(c, table=geo)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"comparacion{ext}"
        # the workbook for a planner in the page's language (ids kept below the labels); the
        # GeoPackage with its field ids, for GIS software
        export_comparison(c, path, catalog=_catalog, lang=key[3] if ext == ".xlsx" else None)
        return path.read_bytes()


@st.cache_data(max_entries=8, show_spinner=False)
def _comparison(key: tuple, *, _ranked_a: pd.DataFrame, _ranked_b: pd.DataFrame,
                _catalog: pd.DataFrame) -> ScenarioComparison:
    """:func:`compare_scenarios` of two complete rankings, its paired draws included.

    ``key`` = (token a, token b, uploads fingerprint, language): everything the answer
    depends on (each ranking is a function of its token, the uploads and the language).
    Streamlit hands each caller its own copy.
    """
    return compare_scenarios(_ranked_a, _ranked_b, catalog=_catalog, lang=key[3])


def comparison(a: Scenario, b: Scenario, lang: str, ranked_a: pd.DataFrame,
               ranked_b: pd.DataFrame) -> ScenarioComparison:
    """The comparison of ``a`` and ``b``, computed once per pair, uploads and language (the
    paired Monte Carlo is the page's costliest step: a rerun, a checkbox, a download and
    another session asking the same pair reuse it)."""
    key = (a.to_token(), b.to_token(), uploads_key(), lang)
    return _comparison(key, _ranked_a=ranked_a, _ranked_b=ranked_b, _catalog=catalog())


def downloads(c: ScenarioComparison, a: Scenario, b: Scenario, lang: str) -> None:
    st.subheader(t("export", lang))
    st.caption(t("cmp_export_help", lang))
    cat = catalog()
    stem = (f"comparacion_{safe_id(a.title(lang), default='a')}_"
            f"{safe_id(b.title(lang), default='b')}")
    cols = st.columns(2)
    for col, ext, fmt_key in zip(cols, (".xlsx", ".gpkg"), ("fmt_xlsx", "fmt_gpkg"),
                                 strict=True):
        key = (a.to_token(), b.to_token(), uploads_key(), lang, ext)
        download_button(
            col, t("download", lang, fmt=t(fmt_key, lang)),
            lambda k=key: comparison_bytes(k, _comparison=c, _catalog=cat), lang=lang,
            file_name=safe_filename(f"{stem}{ext}"), mime=MIME[ext],
            key=f"cmp_download{ext}", on_click="ignore")


def render(view: View) -> None:
    lang = view.lang
    st.markdown(t("cmp_intro", lang))
    c1, c2 = st.columns(2)
    with c1:
        a = side("a", view, None)
    with c2:
        b = side("b", view, a if a is not None else view.scenario)
    if a is None or b is None:
        st.info(t("cmp_choose", lang))
        return
    st.markdown(t("cmp_names", lang, a=plain(scenario_name(a, lang)),
                  b=plain(scenario_name(b, lang))))
    with st.spinner(t("cmp_computing", lang)):
        ra = view.ranked if a == view.scenario and view.complete else full_ranked(a, lang)
        rb = view.ranked if b == view.scenario and view.complete else full_ranked(b, lang)
        c = comparison(a, b, lang, ra, rb)
    if a == b:
        st.info(t("cmp_same", lang))
    m = st.columns(5)
    m[0].metric(t("cmp_spearman", lang), fmt.number(c.spearman, 3, lang),
                help=t("cmp_spearman_help", lang, n=fmt.integer(c.n_common, lang)))
    m[1].metric(t("cmp_kendall", lang), fmt.number(c.kendall, 3, lang))
    m[2].metric(t("cmp_change_entering", lang), fmt.integer(len(c.entering), lang),
                help=t("cmp_within_help", lang, n=fmt.integer(c.n_within("entering"), lang)))
    m[3].metric(t("cmp_change_leaving", lang), fmt.integer(len(c.leaving), lang),
                help=t("cmp_within_help", lang, n=fmt.integer(c.n_within("leaving"), lang)))
    m[4].metric(t("cmp_change_kept", lang), fmt.integer(c.n_kept, lang))
    st.caption(t("cmp_within_line", lang,
                 e=fmt.integer(c.n_within("entering"), lang), n_e=fmt.integer(len(c.entering),
                                                                               lang),
                 l=fmt.integer(c.n_within("leaving"), lang), n_l=fmt.integer(len(c.leaving),
                                                                             lang)))
    change_map(c, lang)
    only = st.checkbox(t("cmp_only_changes", lang), True, key="cmp_only")
    shown = table_for_screen(c, lang, only)
    st.dataframe(shown, hide_index=True, width="stretch", height=420,
                 column_config=column_config(lang), placeholder="—")
    st.caption(t("shown_rows", lang, shown=fmt.integer(len(shown), lang),
                 total=fmt.integer(len(c.table), lang)))
    st.markdown(f"**{t('cmp_people_title', lang)}**")
    st.dataframe(people_table(c, lang), hide_index=True, placeholder="—")
    st.caption(t("cmp_people_note", lang))
    downloads(c, a, b, lang)
