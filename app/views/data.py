"""Data page: the catalog, and uploads of tables, GeoTIFFs and boundaries.

An uploaded column becomes an indicator with an id made from its name by
:func:`geoprio.data.search.safe_id` (``"Cobertura vacunación niño (%)"`` →
``cobertura_vacunacion_nino``); the page reruns at once so that the weights, the rule, the
map and the district page all offer it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from app.runtime.parsed import parsed
from app.runtime.state import base_districts, catalog, uploads
from app.runtime.view import View
from app.texts.i18n import label, option, t
from app.texts.text import error_text, md
from geoprio import fmt
from geoprio.data.columns import RESERVED_IDS
from geoprio.data.labels import unit_label
from geoprio.data.search import safe_id
from geoprio.errors import GeoprioError
from geoprio.readers.safety import one_line
from geoprio.readers.textbounds import MAX_LABEL, MAX_SOURCE, MAX_UNIT

log = logging.getLogger(__name__)

KIND_KEYS = {"indicator": "kind_indicator", "count": "kind_count", "flag": "kind_flag",
             "context": "kind_context", "bound": "kind_bound", "group": "kind_group"}


def catalog_table(lang: str) -> pd.DataFrame:
    """The catalog with labelled headers in ``lang`` (the id kept: rules use it)."""
    cat = catalog()
    direction = {True: t("worse", lang), False: t("better", lang)}
    return pd.DataFrame({
        t("cat_label", lang): [label(r, lang) for r in cat.to_dict("records")],
        t("cat_id", lang): cat["id"].astype(str),
        t("cat_unit", lang): [unit_label(u, lang) for u in cat["unit"]],
        t("cat_year", lang): [str(int(y)) if pd.notna(y) else "" for y in cat["year"]],
        t("cat_kind", lang): [t(KIND_KEYS[k], lang) if k in KIND_KEYS else str(k)
                              for k in cat["kind"]],
        t("cat_direction", lang): [direction.get(v, "") if isinstance(v, bool) else ""
                                   for v in cat["higher_is_worse"]],
        t("cat_source", lang): cat["source"].fillna("").astype(str),
        t("cat_caveats", lang): cat["caveats"].fillna("").astype(str),
    })


def render(view: View) -> None:
    lang = view.lang
    note = st.session_state.pop("data_added", None)
    if note:
        st.success(note)
    st.subheader(t("catalog", lang))
    st.dataframe(catalog_table(lang), hide_index=True, width="stretch", height=320, placeholder="—")
    st.caption(t("upload_note", lang))
    upload_table(lang)
    upload_raster(lang)
    upload_boundaries(lang)


def _indicator_form(values: pd.Series, default_label: str, lang: str, key: str,
                    source: str) -> None:
    # max_chars: the browser stops typing there and Streamlit cuts what a client sends
    name = st.text_input(t("new_label", lang), default_label[:MAX_LABEL], key=f"{key}_label",
                         max_chars=MAX_LABEL)
    new_id = safe_id(name)
    st.caption(t("new_id", lang, id=md(new_id)))
    unit = st.text_input(t("new_unit", lang), "", key=f"{key}_unit", max_chars=MAX_UNIT)
    worse = st.checkbox(t("higher_worse", lang), True, key=f"{key}_worse")
    source = one_line(source, MAX_SOURCE)  # the file's name is the user's text
    if st.button(t("add", lang), key=f"{key}_add"):
        if new_id.lower() in RESERVED_IDS:  # computed on every run: it would be replaced
            st.error(t("id_reserved", lang, id=md(new_id), suggestion=md(f"{name} usuario")))
            return
        taken = set(base_districts().columns) | set(catalog()["id"])
        if new_id in taken and new_id not in uploads():
            st.error(t("id_taken", lang, id=md(new_id)))
            return
        text = name.strip() or new_id
        uploads()[new_id] = {"values": values.astype("float64"), "row": {
            "id": new_id, "label_es": text, "label_en": text, "unit": unit.strip(),
            "year": pd.NA, "source": source, "higher_is_worse": bool(worse),
            "kind": "indicator", "aggregate": "wmean:pop_2020", "description": source,
            "caveats": ""}}
        st.session_state["data_added"] = t("added_ok", lang, label=md(text), id=md(new_id))
        st.rerun()  # the sidebar, the map and the district page offer it from this run on


def join_report(report, name: str, lang: str) -> None:
    """The join report in ``lang``: counts, one sentence, and every problem row."""
    c = report.to_dict()["counts"]
    st.markdown(f"**{t('join_report', lang)}** — {md(name)}")
    cols = st.columns(5)
    for col, key in zip(cols, ("matched", "unmatched", "duplicates", "recoded", "no_row"),
                        strict=True):
        col.metric(t(key, lang), fmt.integer(c["missing_districts" if key == "no_row" else key],
                                             lang))
    n = {k: fmt.integer(v, lang) for k, v in c.items()}
    st.text(t("join_summary", lang, rows=n["rows"], column=report.key,
              scheme=report.scheme.upper(), matched=n["matched"], recoded=n["recoded"],
              unmatched=n["unmatched"], invalid=n["invalid"], duplicates=n["duplicates"],
              missing=n["missing_districts"], total=fmt.integer(1874, lang)))
    rows = []
    for item in report.unmatched:
        rows.append((item["row"], str(item["code"]), t("join_unmatched", lang)))
    for item in report.invalid:
        rows.append((item["row"], str(item["value"]), t("join_invalid", lang)))
    for item in report.duplicates:
        rows.append((item["rows"][0], str(item["ubigeo"]), t(
            "join_duplicate", lang, rows=", ".join(map(str, item["rows"])))))
    for item in report.recoded:
        rows.append((item["row"], str(item["code"]), t(
            "join_recoded", lang, ubigeo=item["ubigeo"], scheme=t(f"scheme_{item['scheme']}",
                                                                  lang))))
    if rows:
        problems = pd.DataFrame(rows, columns=[t("join_row", lang), t("join_code", lang),
                                               t("join_problem", lang)])
        st.dataframe(problems.sort_values(t("join_row", lang)), hide_index=True,
                     width="stretch", height=min(400, 38 + 35 * len(rows)), placeholder="—")


def _bad_file(exc: Exception, name: str, lang: str) -> None:
    """One escaped line for a file that could not be read; anything but a ``GeoprioError`` is
    a bug met by a user's file: its traceback goes to the server's log, not to the page."""
    if not isinstance(exc, GeoprioError):
        log.error("upload %r: unexpected %s", name, type(exc).__name__, exc_info=exc)
    st.error(t("bad_file", lang, msg=error_text(exc, lang)))


def upload_table(lang: str) -> None:
    up = st.file_uploader(t("upload_table", lang), type=["csv", "xlsx", "txt"], key="up_table")
    if up is None:
        return
    try:
        table, joined, report = parsed("table", up)  # once per file, in a child with limits
    except Exception as exc:  # a user's file: whatever it raises is one line, never a trace
        _bad_file(exc, up.name, lang)
        return
    join_report(report, up.name, lang)
    numeric = [col for col in table.columns if col != report.key
               and pd.api.types.is_numeric_dtype(table[col])
               and not pd.api.types.is_bool_dtype(table[col])]
    if not numeric:
        st.warning(t("no_numeric", lang))
        return
    col = st.selectbox(t("column_to_add", lang), numeric, key="up_table_col")
    values = joined.set_index("ubigeo")[col if col in joined.columns else f"{col}_table"]
    _indicator_form(values, str(col), lang, "up_table",
                    t("uploaded_by_user", "es", name=up.name))


def upload_raster(lang: str) -> None:
    up = st.file_uploader(t("upload_raster", lang), type=["tif", "tiff"], key="up_raster")
    if up is None:
        return
    stat = st.selectbox(t("stat", lang), ["mean", "median", "max", "min", "sum"], key="up_stat",
                        format_func=lambda s: option("stat", s, lang))
    try:
        table = parsed("raster", up)  # every statistic, once per file, in a child with limits
    except Exception as exc:  # a user's file: one line, never a trace
        _bad_file(exc, up.name, lang)
        return
    if table.attrs.get("zonal", {}).get("factor", 1) > 1:
        st.info(t("raster_coarsened", lang, factor=table.attrs["zonal"]["factor"]))
    counts = table["zonal_method"].value_counts()
    st.markdown(f"**{t('zonal_methods', lang)}**")
    st.dataframe(pd.DataFrame({t("zonal_method", lang): [option("zonal", m, lang)
                                                         for m in counts.index],
                               t("zonal_count", lang): [fmt.integer(v, lang)
                                                        for v in counts.to_numpy()]}),
                 hide_index=True, placeholder="—")
    values = table.set_index("ubigeo")[stat]
    _indicator_form(values, f"{Path(up.name).stem} ({option('stat', stat, lang)})", lang,
                    "up_raster", t("uploaded_by_user", "es",
                                   name=f"{up.name}: {option('stat', stat, 'es')} zonal"))


def upload_boundaries(lang: str) -> None:
    up = st.file_uploader(t("upload_bounds", lang), type=["gpkg", "geojson", "json", "zip"],
                          key="up_bounds")
    if up is None:
        return
    try:
        frame = parsed("boundaries", up)  # once per file, in a child with limits
    except Exception as exc:  # a user's file: whatever it raises is one line, never a trace
        _bad_file(exc, up.name, lang)
        return
    info = frame.attrs.get("read", {})
    st.success(t("uploaded_bounds", lang, n=fmt.integer(len(frame), lang),
                 crs=md(info.get("source_crs", "?"))))
    st.dataframe(pd.DataFrame(frame.drop(columns="geometry")).head(50), width="stretch",
                 placeholder="—")
