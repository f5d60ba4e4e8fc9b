"""Map page: choropleth of the score or any indicator, selected districts outlined.

An estimate published with an interval (Fay–Herriot and Empirical Bayes rates, poverty 2018)
can also be mapped by the **width of its interval** (``<id>__ancho``): where the figure is least
known, e.g. districts with few children measured.

The indicator, the classification and the number of classes are kept in the URL
(``?mapa=…&clasificacion=…&clases=…``) so that a link opens the same map.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.runtime.state import catalog, display_order, geometry_url, indicator_ids
from app.runtime.urlstate import valid
from app.runtime.view import View
from app.texts.i18n import label, option, t
from app.texts.text import md
from app.views import fonie as fonie_view
from app.widgets.map_component import district_map
from geoprio import fmt
from geoprio.data.labels import unit_label
from geoprio.engine.uncertainty import ARCSINE, INTERVAL_Z
from geoprio.report import mapping

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DISTRICT_PAGE = "distrito"
#: suffix of a map option that shows an estimate's interval width instead of its value
WIDTH = "__ancho"


def interval_level(column: str) -> int:
    """The level (%) of the interval ``<column>_lo``–``<column>_hi``: 90 for geoprio's own
    estimates (Fay–Herriot, Empirical Bayes), 95 for INEI's poverty interval."""
    return 90 if column in ARCSINE or column in INTERVAL_Z else 95


def map_options(cat: pd.DataFrame, columns: pd.Index) -> list[str]:
    """The score, then each indicator, each followed by its interval width when it has one."""
    out = ["score"]
    for ind in indicator_ids(cat.reset_index(), columns):
        out.append(ind)
        if f"{ind}_lo" in columns and f"{ind}_hi" in columns:
            out.append(ind + WIDTH)
    return out


def option_label(option_id: str, cat: pd.DataFrame, lang: str) -> str:
    if option_id == "score":
        return t("score", lang)
    if option_id.endswith(WIDTH):
        base = option_id.removesuffix(WIDTH)
        return t("interval_width", lang, level=interval_level(base), name=label(cat.loc[base],
                                                                                 lang))
    return label(cat.loc[option_id], lang)


def _decimals(values: pd.Series, unit: str) -> int:
    """Decimals a tooltip value needs: none for counts, one for percentages, else 2-3."""
    if unit in ("%",):
        return 1
    finite = values.dropna()
    if finite.empty:
        return 0
    if (finite == finite.round()).all():
        return 0
    return 3 if finite.abs().max() < 10 else 1


def tooltip_table(ranked: pd.DataFrame, column: str, unit: str, view: View) -> pd.DataFrame:
    """Tooltip values as text in the page's language (the map shows them as given)."""
    lang = view.lang
    d = 3 if column == "score" else _decimals(ranked[column], unit)
    table = pd.DataFrame(index=ranked.index)
    table[column] = [fmt.number(v, d, lang) for v in ranked[column]]
    table["rank"] = [fmt.integer(v, lang) if pd.notna(v) else "" for v in ranked["rank"]]
    if view.complete:
        lo, hi = ranked["rank_p05"], ranked["rank_p95"]
        table["rank_interval"] = [
            f"{fmt.integer(a, lang)}–{fmt.integer(b, lang)}" if pd.notna(r) and pd.notna(a)
            else "" for r, a, b in zip(ranked["rank"], lo, hi, strict=True)]
        table["p_selected"] = [fmt.probability(p, 0, lang) for p in ranked["p_selected"]]
    return table


def in_map_order(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranking in the order of the published geometry (colours go by position)."""
    order = display_order()
    if len(ranked) == len(order) and (ranked["ubigeo"].to_numpy() == order).all():
        return ranked
    return ranked.set_index("ubigeo").reindex(order).reset_index()


def map_breaks(column: str, values: pd.Series, scheme: str, k: int, palette: str,
               cat: pd.DataFrame) -> mapping.ClassBreaks:
    """The map's classes; a change (an id with ``_change_``, e.g. stunting 2019→2022) on a
    diverging palette centred on 0: blues where it fell, reds where it rose (when a rise is
    worse, as the catalog says)."""
    if "_change_" in column:
        better_up = column in cat.index and cat.loc[column, "higher_is_worse"] is False
        return mapping.diverging_breaks(values, scheme=scheme, k=k, centre=0.0,
                                        reverse=bool(better_up))
    return mapping.class_breaks(values, scheme=scheme, k=k, palette=palette)


def render(view: View) -> None:
    """The page: a choropleth of the score, an indicator or an interval's width, the list
    outlined; a click offers the district's sheet."""
    lang = view.lang
    ranked = in_map_order(view.ranked)
    if fonie_view.gaps_map(view, ranked):  # FONIE's simultaneous gaps instead (issue 16)
        return
    cat = catalog().set_index("id")
    column, scheme, k = _map_choices(ranked, cat, lang)
    if column.endswith(WIDTH):
        base = column.removesuffix(WIDTH)
        ranked = ranked.assign(**{column: ranked[f"{base}_hi"] - ranked[f"{base}_lo"]})
    title, unit, raw_unit, palette, source = _legend_words(column, cat,
                                                           view.scenario.normalisation, lang)
    values = ranked[column].astype("float64")
    breaks = map_breaks(column, values, scheme, int(k), palette, cat)
    labels = fmt.break_labels(breaks.lower, breaks.bins, lang)
    rows = [(c, lab, int(n)) for c, lab, n in
            zip(breaks.colours, labels, breaks.counts, strict=True)]
    if breaks.missing:
        rows.append((mapping.MISSING_COLOUR, t("missing", lang), int(breaks.missing)))
    fields = {"district": t("district", lang), "province": t("province", lang),
              "department": t("department", lang), "ubigeo": t("ubigeo", lang),
              column: title, "rank": t("rank", lang)}
    if view.complete:
        fields.update(rank_interval=t("rank_interval", lang), p_selected=t("p_selected", lang))
    basemap = st.checkbox(t("basemap", lang), False, key="map_basemap")
    # geometry travels once (a static file); each rerun sends only colours and the tooltip table
    clicked = district_map(
        geometry_url(), colours=breaks.colour_of(),
        table=tooltip_table(ranked, column, raw_unit, view),
        fields=list(fields), aliases=list(fields.values()),
        outline=ranked["selected"].fillna(False).astype(bool),
        legend_html=mapping.legend_html(rows, title, unit, lang), height=640, key="map",
        missing=t("missing", lang), tiles=OSM_TILES if basemap else None,
        attribution="© OpenStreetMap")
    st.caption(t("outline_selected", lang) + (" " + source if source else ""))
    _clicked(ranked, clicked, lang)
    if breaks.missing:
        st.warning(t("districts_missing", lang, n=fmt.integer(breaks.missing, lang)))
    base = column.removesuffix(WIDTH)
    if base != "score" and isinstance(cat.loc[base, "caveats"], str) and \
            cat.loc[base, "caveats"].strip():
        st.info(f"{t('caveats', lang)}: {md(cat.loc[base, 'caveats'], 4000)}")


def _map_choices(ranked: pd.DataFrame, cat: pd.DataFrame, lang: str) -> tuple[str, str, int]:
    """What the map shows (the score, an indicator or its interval's width), its class-break
    scheme and its number of classes."""
    options = map_options(cat, ranked.columns)
    valid("mapa", options)
    valid("clasificacion", mapping.SCHEMES)
    c1, c2, c3 = st.columns([3, 2, 1])
    column = c1.selectbox(t("map_of", lang), options, key="mapa", persist_state="session",
                          format_func=lambda i: option_label(i, cat, lang))
    scheme = c2.selectbox(t("scheme", lang), list(mapping.SCHEMES), key="clasificacion",
                          persist_state="session",
                          format_func=lambda s: option("scheme", s, lang))
    k = c3.number_input(t("classes", lang), 3, 7, key="clases", persist_state="session")
    return column, scheme, k


def _legend_words(column: str, cat: pd.DataFrame, normalisation: str,
                  lang: str) -> tuple[str, str, str, str, str]:
    """The legend's title and unit (with the year), the catalog's unit, the palette and the
    source line of the column mapped."""
    if column == "score":
        return (t("score", lang), t(f"score_unit_{normalisation}", lang), "", "YlOrRd", "")
    if column.endswith(WIDTH):
        base = column.removesuffix(WIDTH)
        raw_unit = str(cat.loc[base, "unit"])
        unit = t("points", lang) if raw_unit == "%" else unit_label(raw_unit, lang)
        return (option_label(column, cat, lang), unit, raw_unit, "PuBu",
                f"{t('source', lang)}: {md(cat.loc[base, 'source'])}. {t('width_note', lang)}")
    row = cat.loc[column]
    raw_unit = str(row["unit"])
    shown = unit_label(raw_unit, lang)
    unit = f"{shown}, {int(row['year'])}" if pd.notna(row["year"]) else shown
    palette = "PuBu" if row["higher_is_worse"] is False else "YlOrRd"
    return (label(row, lang), unit, raw_unit, palette,
            f"{t('source', lang)}: {md(row['source'])}.")


def _clicked(ranked: pd.DataFrame, clicked: str | None, lang: str) -> None:
    """The district clicked on the map, with a link to its sheet."""
    if clicked and clicked in set(ranked["ubigeo"]):
        r = ranked.loc[ranked["ubigeo"] == clicked].iloc[0]
        name = f"{r['district']} — {r['province']}, {r['department']} ({clicked})"
        c1, c2 = st.columns([3, 1])
        c1.markdown(t("clicked", lang, name=name))
        c2.page_link(st.session_state["pages"][DISTRICT_PAGE], label=t("open_district", lang),
                     icon=":material/arrow_forward:", query_params={"distrito": clicked})
