"""Data tab: the catalog, and uploads of tables, GeoTIFFs and boundaries."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import geoprio
from app.i18n import t
from app.state import base_districts, catalog, uploads
from geoprio.errors import GeoprioError


def render(lang: str) -> None:
    st.subheader(t("catalog", lang))
    st.dataframe(catalog(), hide_index=True, width="stretch", height=320)
    upload_table(lang)
    upload_raster(lang)
    upload_boundaries(lang)


def _indicator_form(values: pd.Series, default_id: str, lang: str, key: str,
                    source: str) -> None:
    new_id = st.text_input(t("new_id", lang), default_id, key=f"{key}_id")
    worse = st.checkbox(t("higher_worse", lang), True, key=f"{key}_worse")
    if st.button(t("add", lang), key=f"{key}_add"):
        clean = re.sub(r"\W+", "_", new_id.strip()).strip("_").lower()
        if not clean or clean[0].isdigit() or clean in set(base_districts().columns):
            st.error(t("bad_file", lang, msg=f"id {new_id!r}"))
            return
        uploads()[clean] = {"values": values.astype("float64"), "row": {
            "id": clean, "label_es": new_id, "label_en": new_id, "unit": "", "year": pd.NA,
            "source": source, "higher_is_worse": worse, "kind": "indicator",
            "aggregate": "wmean:pop_2020", "description": source, "caveats": ""}}
        st.success(t("added", lang, id=clean))


def upload_table(lang: str) -> None:
    up = st.file_uploader(t("upload_table", lang), type=["csv", "xlsx", "txt"], key="up_table")
    if up is None:
        return
    try:
        table = geoprio.read_table(up.getvalue(), name=up.name)
        joined, report = geoprio.join_indicators(base_districts(), table)
    except GeoprioError as exc:
        st.error(t("bad_file", lang, msg=exc))
        return
    c = report.to_dict()["counts"]
    st.markdown(f"**{t('join_report', lang)}** — {up.name}")
    cols = st.columns(5)
    for col, key in zip(cols, ("matched", "unmatched", "duplicates", "recoded", "no_row"),
                        strict=True):
        col.metric(t(key, lang), c["missing_districts" if key == "no_row" else key])
    st.text(report.summary())
    numeric = [col for col in table.columns if col != report.key and
               pd.api.types.is_float_dtype(table[col])]
    if not numeric:
        st.warning(t("bad_file", lang, msg="no numeric column"))
        return
    col = st.selectbox(t("column_to_add", lang), numeric, key="up_table_col")
    values = joined.set_index("ubigeo")[col if col in joined.columns else f"{col}_table"]
    _indicator_form(values, col, lang, "up_table", f"{up.name} (subido por el usuario)")


def upload_raster(lang: str) -> None:
    up = st.file_uploader(t("upload_raster", lang), type=["tif", "tiff"], key="up_raster")
    if up is None:
        return
    stat = st.selectbox(t("stat", lang), ["mean", "median", "max", "min", "sum"], key="up_stat")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raster.tif"
        path.write_bytes(up.getvalue())
        try:
            table = geoprio.zonal_stats(geoprio.load_districts(), path, stats=(stat, "count"))
        except GeoprioError as exc:
            st.error(t("bad_file", lang, msg=exc))
            return
    st.dataframe(table["zonal_method"].value_counts(), width="content")
    values = table.set_index("ubigeo")[stat]
    _indicator_form(values, Path(up.name).stem, lang, "up_raster",
                    f"{up.name}: {stat} zonal (subido por el usuario)")


def upload_boundaries(lang: str) -> None:
    up = st.file_uploader(t("upload_bounds", lang), type=["gpkg", "geojson", "json", "zip"],
                          key="up_bounds")
    if up is None:
        return
    try:
        frame = geoprio.read_boundaries(up.getvalue(), name=up.name)
    except GeoprioError as exc:
        st.error(t("bad_file", lang, msg=exc))
        return
    info = frame.attrs.get("read", {})
    st.success(t("uploaded_bounds", lang, n=len(frame), crs=info.get("source_crs", "?")))
    st.dataframe(pd.DataFrame(frame.drop(columns="geometry")).head(50), width="stretch")
