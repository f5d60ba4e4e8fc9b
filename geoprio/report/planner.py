"""Tables written for a planner: what an export holds when it is given a language.

A planner opens the file in a spreadsheet, sorts it, filters it and pastes it into a report.
So the table has **one header row** in words (the ids go to a ``campos`` sheet, label ↔ id),
**the decision first** (rank, ubigeo, district, province, department, score, rank interval,
probabilities, selected and eligible, reasons) and the indicators after, **coded values in
words** (a comparison's ``entering`` is "entra"; yes/no flags are "sí"/"no"), numbers rounded
to what they mean (no ``921.4169999999999``) and, in a workbook, a **number format on every
numeric cell**: percentages as percentages, counts as integers with separators, scores with
three decimals, probabilities as exact percentages (one decimal with up to 1,000 draws, two
beyond: never rounded up to a line they miss). The ``metodologia`` sheet is a table a person
reads (item | value) in the same language, with no JSON.

:func:`geoprio.export` uses this module for CSV and XLSX whenever ``lang`` is given (the app
always gives it); without ``lang`` the tables keep their ids, for GIS staff.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"ubigeo": ["1"], "x": [921.4169999999999], "rank": [1],
...                   "change": ["entering"], "selected": [True]})
>>> t = planner_table(f, "es")
>>> t.labels
['Puesto', 'Ubigeo', 'Seleccionado', 'Cambio de A a B', 'x']
>>> [str(v) for v in t.frame.iloc[0]]
['1', '1', 'sí', 'entra', '921.417']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoprio.data.labels import column_labels, unit_label
from geoprio.engine.texts import PLANNER_FIGURES, PLANNER_PARTS, YES_NO, text

__all__ = ["CODED", "DECISION_FIRST", "PlannerTable", "methodology_table", "planner_table"]

#: what a planner reads first, in this order (then every other column, as it came)
DECISION_FIRST: tuple[str, ...] = (
    "rank", "ubigeo", "district", "province", "department", "score", "rank_p05", "rank_p95",
    "p_selected", "p_eligible", "selected", "eligible", "selection_uncertain",
    "eligibility_uncertain", "reasons",
    # a comparison's and a trade-off point's own decision columns
    "change", "rank_a", "rank_b", "rank_shift", "news", "within_intervals",
)
#: coded values in words: column -> code -> (Spanish, English)
CODED: dict[str, dict[str, tuple[str, str]]] = {
    "change": {"kept": ("se mantiene", "stays"), "entering": ("entra", "enters"),
               "leaving": ("sale", "leaves"), "out": ("fuera de ambas listas", "in neither list")},
}
#: columns that count people, districts or money: whole numbers with separators
_WHOLE = {"rank", "rank_p05", "rank_p95", "rank_median", "rank_a", "rank_b", "rank_shift",
          "rank_p05_a", "rank_p95_a", "rank_p05_b", "rank_p95_b", "stunted_children",
          "anemic_children", "poor_people", "cost", "cum_cost", "poverty_quintile_2018",
          "poverty_group_2018", "tradeoff_point", "tradeoff_budget",
          "tradeoff_children_reached"}
_PROBABILITY = {"p_selected", "p_eligible", "p_selected_a", "p_selected_b", "p_eligible_a",
                "p_eligible_b", "cum_coverage"}


@dataclass
class PlannerTable:
    """A table laid out for a planner.

    Attributes
    ----------
    frame : the values, columns in the planner's order, coded values in words.
    labels : one header per column, in the language (unique).
    ids : the column ids behind each label (the ``campos`` sheet).
    formats : Excel number format per column id ("" for text).
    """

    frame: pd.DataFrame
    labels: list[str]
    ids: list[str]
    formats: dict[str, str]


def _order(columns: list[str]) -> list[str]:
    first = [c for c in DECISION_FIRST if c in columns]
    return first + [c for c in columns if c not in first]


def _units(catalog: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    if catalog is None or "id" not in catalog:
        return {}
    return {str(i): (str(u) if pd.notna(u) else "", str(k) if pd.notna(k) else "")
            for i, u, k in zip(catalog["id"], catalog["unit"], catalog["kind"], strict=True)}


def _format(col: str, values: pd.Series, unit: str, kind: str, draws: int) -> str:
    """The Excel number format of a numeric column ("" for text)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return ""  # text (object or pandas' string dtype) and yes/no words
    if col in _PROBABILITY:
        return "0.0%" if draws <= 1000 else "0.00%"
    if col == "score" or col.startswith("score_"):
        return "0.000"
    if col in _WHOLE or kind == "count" or pd.api.types.is_integer_dtype(values):
        return "#,##0"
    if unit == "%":
        return '0.0"%"'
    finite = values.dropna()
    if len(finite) and (finite == finite.round()).all():
        return "#,##0"
    return "#,##0.00" if len(finite) and finite.abs().max() < 100 else "#,##0.0"


def _words(col: str, values: pd.Series, lang: str) -> pd.Series:
    """Coded values and yes/no flags as words."""
    i = 0 if lang == "es" else 1
    if col in CODED:
        names = {k: v[i] for k, v in CODED[col].items()}
        return values.map(lambda v: names.get(v, v) if isinstance(v, str) else v)
    if pd.api.types.is_bool_dtype(values) or (
            values.dtype == object and values.dropna().map(
                lambda v: isinstance(v, (bool, np.bool_))).all() and values.notna().any()):
        yes, no = YES_NO[lang]
        return values.map(lambda v: None if pd.isna(v) else yes if v else no).astype(object)
    return values


def _rounded(values: pd.Series) -> pd.Series:
    """Floats to what they mean: six decimals (no binary noise such as 921.4169999999999)."""
    if pd.api.types.is_float_dtype(values):
        return values.round(6)
    return values


def planner_table(frame: pd.DataFrame, lang: str, catalog: pd.DataFrame | None = None,
                  *, n_draws: int = 1000) -> PlannerTable:
    """``frame`` laid out for a planner in ``lang`` (see the module).

    ``n_draws`` sets how many decimals a probability needs to be shown exactly.
    """
    cols = _order([str(c) for c in frame.columns if c != "geometry"])
    table = pd.DataFrame(frame[cols]).copy()
    units = _units(catalog)
    formats = {}
    for col in cols:
        unit, kind = units.get(col, ("", ""))
        formats[col] = _format(col, table[col], unit, kind, n_draws)
        table[col] = _rounded(_words(col, table[col], lang))
        if table[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
            table[col] = table[col].map(_flat)
    labels = column_labels(cols, lang, catalog)
    labels = [_with_unit(lab, unit_label(units.get(c, ("", ""))[0], lang), formats[c])
              for lab, c in zip(labels, cols, strict=True)]
    return PlannerTable(table, labels, cols, formats)


def _with_unit(label: str, unit: str, number_format: str) -> str:
    """A header says its unit where the format does not ("%" is in the cells)."""
    if not unit or unit == "%" or unit.casefold() in label.casefold() or number_format == "":
        return label
    return f"{label} ({unit})"


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


# ------------------------------------------------------------------ the methodology sheet
def _figure(key: str, lang: str) -> str:
    i = 0 if lang == "es" else 1
    if key in PLANNER_FIGURES:
        return PLANNER_FIGURES[key][i]
    from geoprio.data.labels import column_label

    base, _, side = key.rpartition("_")
    if side in ("a", "b") and base:
        return f"{column_label(base, lang)} ({side.upper()})"
    return column_label(key, lang)


def _word(key: str, lang: str) -> str:
    return text(f"planner_words.{key}", "es" if lang == "es" else "en")


def _item(key: str, lang: str, **kw: str) -> str:
    return text(f"planner_items.{key}", "es" if lang == "es" else "en", **kw)


def _number(value: float, lang: str, decimals: int = 0) -> str:
    from geoprio.fmt import number

    return number(value, decimals, lang)


def _list_size(s: Mapping[str, Any], lang: str) -> str:
    from geoprio.fmt import money

    if s.get("budget") is not None:
        cost = (s.get("cost_per_district"), s.get("cost_per_beneficiary"))
        each = (_item("per_district", lang, money=money(cost[0], lang=lang))
                if cost[0] is not None else
                _item("per_beneficiary", lang, money=money(cost[1], lang=lang)))
        return f"{money(s['budget'], lang=lang)} ({each})"
    if s.get("top_n") is not None:
        return _item("first_n", lang, n=_number(s["top_n"], lang))
    if s.get("threshold") is not None:
        return _item("score_at_least", lang, x=_number(s["threshold"], lang, 2))
    return _word("all", lang)


def _scenario_rows(s: Mapping[str, Any], lang: str,
                   labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """A scenario's settings as items a person reads."""
    from geoprio.engine.scenario import title_of
    from geoprio.fmt import percent

    rows = [(_item("scenario", lang), title_of(dict(s), lang))]
    if s.get("description"):
        rows.append((_item("description", lang), str(s["description"])))
    weights = {str(k): float(v) for k, v in (s.get("weights") or {}).items()}
    total = sum(weights.values()) or 1.0
    worse = s.get("higher_is_worse") or {}
    for ind, w in weights.items():
        name = labels.get(ind, ind)
        rows.append((_item("weight", lang, name=name), percent(100 * w / total, 1, lang)))
        if ind in worse:
            rows.append((_item("direction", lang, name=name),
                         _word("worse" if worse[ind] else "better", lang)))
    rows += [
        (_item("rule", lang), str(s.get("rule") or "") or _word("none", lang)),
        (_item("departments", lang), ", ".join(s.get("departments") or []) or
         _word("country", lang)),
        (_item("list", lang), _list_size(s, lang)),
        (_item("normalisation", lang), _word(str(s.get("normalisation", "minmax")), lang)),
        (_item("aggregation", lang), _word(str(s.get("aggregation", "arithmetic")), lang)),
        (_item("missing", lang), _word(str(s.get("missing", "reweight")), lang)),
        (_item("draws", lang), _number(s.get("n_draws", 0), lang)),
        (_item("seed", lang), str(s.get("seed", ""))),
    ]
    if s.get("provinces"):
        rows.append((_item("provinces", lang), ", ".join(s["provinces"])))
    if s.get("budget") is not None:
        rows.append((_item("need", lang), labels.get(str(s.get("need")), str(s.get("need")))))
    rows += [(_item("source", lang), str(x)) for x in s.get("sources") or []]
    rows += [(_item("caveat", lang), str(x)) for x in s.get("caveats") or []]
    return rows


def _is_scenario(part: Mapping[str, Any]) -> bool:
    return "weights" in part and "name" in part


def methodology_table(frame: pd.DataFrame, record: Any, catalog: pd.DataFrame | None,
                      date: dt.date | None, lang: str) -> pd.DataFrame:
    """The ``metodologia`` sheet in ``lang``: item | value, each a sentence a person reads.

    ``record`` is a scenario (``to_dict()``), an :class:`~geoprio.report.record.ExportRecord` of
    named parts (two scenarios and a comparison's figures; a scenario and a trade-off point),
    or None.
    """
    from geoprio.data.labels import column_label

    labels = {str(c): column_label(str(c), lang, catalog) for c in (
        catalog["id"] if catalog is not None and "id" in catalog else [])}
    rows: list[tuple[str, str]] = [(_item("made_by", lang), "geoprio")]
    if date is not None:
        rows.append((_item("date", lang), date.isoformat()))
    rows.append((_item("rows", lang), _number(len(frame), lang)))
    if "selected" in frame.columns:
        rows.append((_item("selected", lang),
                     _number(int(frame["selected"].fillna(False).astype(bool).sum()), lang)))
    parts = getattr(record, "parts", None)
    if parts is None and record is not None:
        parts = {"": record.to_dict()}
    for name, part in (parts or {}).items():
        inner = (_scenario_rows(part, lang, labels) if _is_scenario(part) else
                 [(_figure(str(k), lang), _plain(v, lang)) for k, v in part.items()
                  if v is not None])
        head = PLANNER_PARTS.get(name, (name, name))[0 if lang == "es" else 1]
        rows += [(_item("part", lang, part=head, item=item) if head else item, value)
                 for item, value in inner]
    if catalog is not None and "id" in catalog:
        for r in catalog[catalog["id"].isin(frame.columns)].itertuples():
            name = labels.get(str(r.id), str(r.id))
            year = "" if pd.isna(r.year) else f", {r.year}"
            unit = unit_label(r.unit, lang)
            rows.append((_item("data", lang, name=name), f"{unit}{year}; {r.source}"))
    rows.append((_item("licences", lang), _item("licences_value", lang)))
    head = (_item("item_head", lang), _item("value_head", lang))
    return pd.DataFrame(rows, columns=list(head))


def _plain(value: Any, lang: str) -> str:
    """A figure of a record (a comparison's correlation, a point's budget) as text."""
    if isinstance(value, bool):
        return YES_NO[lang][0 if value else 1]
    if isinstance(value, (int, np.integer)):
        return _number(int(value), lang)
    if isinstance(value, (float, np.floating)):
        return _number(float(value), lang, 0 if float(value).is_integer() else 3)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v, lang)}" for k, v in value.items())
    return str(value)
