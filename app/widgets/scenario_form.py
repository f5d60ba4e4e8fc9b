"""The scenario panel's values, without widgets: load a scenario, read it back, say what changed.

The panel's controls live in ``st.session_state`` under the keys of :func:`form_values`. A
preset switch writes *every* key from the preset (:func:`form_values`), so no control keeps a
value from the previous preset; "Aplicar" builds the scenario back (:func:`scenario_from`),
keeping the base's exact value for every control left as loaded, so that applying without
touching anything gives back exactly the base scenario. :func:`changed` says which controls
differ from the base: the panel marks them "modificado", and the scenario's name and
description say so (they travel into every export's methodology).

Examples
--------
>>> from geoprio.engine.scenario import Scenario
>>> fonie = Scenario.preset("fonie")
>>> values = form_values(fonie)
>>> scenario_from(values, fonie, "es") == fonie
True
>>> values["sc_w_poverty_2018"]  # each weight as its share of the score, in percent
20.0
>>> values["sc_w_poverty_2018"] = 50.0
>>> sorted(changed(values, form_values(fonie)))
['sc_w_poverty_2018']
>>> scenario_from(values, fonie, "es").name
'fonie (modificado)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from geoprio.data.search import fold
from geoprio.engine.scenario import Scenario
from geoprio.readers.textbounds import MAX_DESCRIPTION, MAX_NAME

__all__ = ["DRAWS", "FIELDS", "MODES", "PRESETS", "base_of", "changed", "changed_fields",
           "form_values", "mode_of", "scenario_from", "slider_weights"]

PRESETS = ("fonie", "dci", "anemia")
MODES = ("all", "top_n", "threshold", "budget")
DRAWS = (0, 100, 250, 500, 1000)
NEEDS = ("score", "stunted_children", "stunted_children_rate_weighted", "anemic_children",
         "anemic_children_rate_weighted", "poor_people", "poor_people_rate_weighted")
#: field group -> the form keys that feed it (weights: every ``sc_w_<id>`` and ``sc_inds``)
FIELDS: dict[str, tuple[str, ...]] = {
    "weights": ("sc_inds",),
    "rule": ("sc_rule",),
    "departments": ("sc_deps",),
    "list": ("sc_mode", "sc_top_n", "sc_threshold", "sc_budget", "sc_cost", "sc_cost_b"),
    "need": ("sc_need",),
    "normalisation": ("sc_norm",),
    "aggregation": ("sc_agg",),
    "missing": ("sc_missing",),
    "draws": ("sc_draws",),
}
MODIFIED = {"es": "modificado", "en": "modified"}
_SUFFIX = re.compile(r"^(.*) \((?:modificado|modified)\)$")
_DEFAULTS = {"top_n": 375, "budget": 100_000_000.0, "cost": 2_000_000.0, "cost_b": 1_000.0}


def mode_of(s: Scenario) -> str:
    """Which list size ``s`` uses: ``budget``, ``threshold``, ``top_n`` or ``all``."""
    return ("budget" if s.budget is not None else "threshold" if s.threshold is not None
            else "top_n" if s.top_n is not None else "all")


def _departments(wanted: Iterable[str], available: Iterable[str] | None) -> list[str]:
    """The scenario's departments as the data spell them (accents and case as in the table)."""
    wanted = list(wanted)
    if available is None:
        return wanted
    by_fold = {fold(a): a for a in available}
    return [by_fold.get(fold(w), w) for w in wanted]


def form_values(s: Scenario, departments: Iterable[str] | None = None) -> dict[str, Any]:
    """Every control's value for scenario ``s`` (keys ``sc_*``; weights ``sc_w_<id>`` in
    percent, as :func:`slider_weights` shows them: the engine rescales weights to sum 1).

    ``departments`` are the names the data use, so that "Huanuco" in a scenario shows as the
    option "HUÁNUCO".
    """
    values: dict[str, Any] = {
        "sc_inds": list(s.weights),
        "sc_rule": s.rule,
        "sc_deps": _departments(s.departments, departments),
        "sc_mode": mode_of(s),
        "sc_top_n": int(s.top_n if s.top_n is not None else _DEFAULTS["top_n"]),
        "sc_threshold": float(s.threshold if s.threshold is not None else
                              (0.0 if s.normalisation == "zscore" else 0.5)),
        "sc_budget": float(s.budget if s.budget is not None else _DEFAULTS["budget"]),
        "sc_cost": float(s.cost_per_district if s.cost_per_district is not None
                         else _DEFAULTS["cost"]),
        "sc_cost_b": float(s.cost_per_beneficiary if s.cost_per_beneficiary is not None
                           else _DEFAULTS["cost_b"]),
        "sc_need": s.need,
        "sc_norm": s.normalisation,
        "sc_agg": s.aggregation,
        "sc_missing": s.missing,
        "sc_draws": int(s.n_draws),
    }
    for ind, w in slider_weights(s.weights).items():
        values[f"sc_w_{ind}"] = w
    return values


def slider_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The sliders' values (0–100) for a scenario's weights: the weights as typed, in percent
    (a link made with sliders at 30/20/20/20/20 opens at 30/20/20/20/20, not at their shares
    27/18/18/18/18); only weights beyond the sliders' range (a file with weights 3 and 1) are
    shown as their shares of the score.

    Examples
    --------
    >>> slider_weights({"a": 0.3, "b": 0.2, "c": 0.2, "d": 0.2, "e": 0.2})["a"]
    30.0
    >>> slider_weights({"a": 3, "b": 1})
    {'a': 75.0, 'b': 25.0}
    """
    raw = {ind: float(w) for ind, w in weights.items()}
    if all(0 <= w <= 1 for w in raw.values()):
        return {ind: round(100.0 * w, 9) for ind, w in raw.items()}
    total = sum(raw.values()) or 1.0
    return {ind: 100.0 * w / total for ind, w in raw.items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def changed(values: Mapping[str, Any], loaded: Mapping[str, Any]) -> set[str]:
    """The controls whose value differs from ``loaded`` (weights: ``sc_w_<id>`` each).

    An indicator added to the weights counts as changed; one set to 0 too. The list-size
    inputs count only when they matter (the budget input only in budget mode).
    """
    out: set[str] = set()
    inds = list(values.get("sc_inds", []))
    base_inds = list(loaded.get("sc_inds", []))
    # weights count as their shares: the engine rescales them to sum 1
    now_w = {i: float(values.get(f"sc_w_{i}", 0.0)) for i in inds}
    then_w = {i: float(loaded.get(f"sc_w_{i}", 0.0)) for i in base_inds}
    now_sum, then_sum = sum(now_w.values()) or 1.0, sum(then_w.values()) or 1.0
    every = list(dict.fromkeys([*inds, *base_inds]))
    if any(abs(now_w.get(i, 0.0) / now_sum - then_w.get(i, 0.0) / then_sum) > 1e-6
           for i in every):  # the shares moved: mark the sliders that were moved
        out.update(f"sc_w_{i}" for i in every
                   if not _same(now_w.get(i, 0.0), then_w.get(i, 0.0)))
    mode = values.get("sc_mode")
    relevant = {"all": (), "top_n": ("sc_top_n",), "threshold": ("sc_threshold",),
                "budget": ("sc_budget", "sc_cost", "sc_cost_b", "sc_need")}.get(mode, ())
    for key in ("sc_rule", "sc_deps", "sc_mode", "sc_norm", "sc_agg", "sc_missing",
                "sc_draws", *relevant):
        a, b = values.get(key), loaded.get(key)
        if key == "sc_rule":
            a, b = str(a or "").strip(), str(b or "").strip()
        if key == "sc_deps":
            a, b = sorted(map(fold, a or [])), sorted(map(fold, b or []))
        if not _same(a, b):
            out.add(key)
    if loaded.get("sc_mode") != "budget" and mode == "budget":
        out.update(k for k in ("sc_budget", "sc_cost", "sc_cost_b", "sc_need"))
    return out


def changed_fields(keys: Iterable[str]) -> list[str]:
    """The field groups (:data:`FIELDS`) that the changed controls ``keys`` belong to."""
    keys = set(keys)
    out = []
    for name, feeds in FIELDS.items():
        if keys & set(feeds) or (name == "weights" and any(k.startswith("sc_w_")
                                                          for k in keys)):
            out.append(name)
    return out


def base_of(s: Scenario) -> Scenario:
    """The scenario ``s`` is compared against: its preset (also for "fonie (modificado)"), or
    ``s`` itself for a scenario of its own (a file or a link made elsewhere)."""
    name = s.name.strip()
    m = _SUFFIX.match(name)
    root = (m.group(1) if m else name).strip().lower()
    return Scenario.preset(root) if root in PRESETS else s


def base_name(base: Scenario) -> str:
    """The name a modified scenario builds on (the preset's id, or the scenario's own)."""
    m = _SUFFIX.match(base.name.strip())
    return m.group(1) if m else base.name


def scenario_from(values: Mapping[str, Any], base: Scenario, lang: str = "es",
                  *, labels: Mapping[str, str] | None = None,
                  departments: Iterable[str] | None = None) -> Scenario:
    """The scenario the controls describe, built on ``base``.

    Every field whose controls still hold the base's values keeps the base's exact value;
    fields the panel has no control for (directions, targets, provinces, quintiles, seed...)
    come from ``base``. When anything differs, the name becomes ``"<base> (modificado)"`` and
    the description starts by saying what was modified (``labels`` names the fields).
    ``departments`` are the names the data use (see :func:`form_values`).
    """
    loaded = form_values(base, departments)
    keys = changed(values, loaded)
    groups = changed_fields(keys)
    changes: dict[str, Any] = {}
    if "weights" in groups:
        changes["weights"] = {i: round(float(values.get(f"sc_w_{i}", 0.0)) / 100.0, 6)
                              for i in values.get("sc_inds", [])
                              if float(values.get(f"sc_w_{i}", 0.0)) > 0}
    if "rule" in groups:
        changes["rule"] = str(values.get("sc_rule") or "").strip()
    if "departments" in groups:
        changes["departments"] = list(values.get("sc_deps") or [])
    if "list" in groups or "need" in groups:
        mode = values.get("sc_mode", "all")
        changes.update(top_n=None, threshold=None, budget=None, cost_per_district=None,
                       cost_per_beneficiary=None)
        if mode == "top_n":
            changes["top_n"] = int(values["sc_top_n"])
        elif mode == "threshold":
            changes["threshold"] = float(values["sc_threshold"])
        elif mode == "budget":
            changes["budget"] = float(values["sc_budget"])
            changes["need"] = str(values.get("sc_need") or base.need)
            if base.cost_per_beneficiary is not None:
                changes["cost_per_beneficiary"] = float(values["sc_cost_b"])
            else:
                changes["cost_per_district"] = float(values["sc_cost"])
    for group, key, field in (("normalisation", "sc_norm", "normalisation"),
                              ("aggregation", "sc_agg", "aggregation"),
                              ("missing", "sc_missing", "missing"),
                              ("draws", "sc_draws", "n_draws")):
        if group in groups:
            changes[field] = int(values[key]) if field == "n_draws" else str(values[key])
    if not changes:
        return base
    word = MODIFIED.get(lang, MODIFIED["es"])
    root = base_name(base)
    what = ", ".join((labels or {}).get(g, g) for g in groups)
    title = base.title(lang) if base.is_preset() else root  # "FONIE (servicios básicos)"
    prefix = (f"Modificado a partir de «{title}» ({what}). " if lang == "es" else
              f"Modified from “{title}” ({what}). ")
    return base.replace(name=_within(root, f" ({word})", MAX_NAME),
                        description=_within(prefix + base.description, "", MAX_DESCRIPTION),
                        **changes)


def _within(text: str, suffix: str, limit: int) -> str:
    """``text + suffix`` cut (with "…") to the bound a scenario's field has: the suffix and
    prefix the panel adds must not push a name or description from a link over it."""
    if len(text) + len(suffix) <= limit:
        return text + suffix
    return text[:limit - len(suffix) - 1].rstrip() + "…" + suffix
