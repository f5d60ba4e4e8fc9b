"""The scenario panel: preset, weights, rule, filters, list size; the scenario in the URL."""

from __future__ import annotations

import streamlit as st

from app.i18n import label, t
from app.state import catalog, districts
from geoprio.errors import GeoprioError
from geoprio.scenario import Scenario

PRESETS = ("fonie", "dci", "anemia")


def language() -> str:
    default = st.query_params.get("lang", "es")
    lang = st.sidebar.radio(t("language", "es") + " / Language", ["es", "en"], horizontal=True,
                            index=1 if default == "en" else 0,
                            format_func=lambda c: {"es": "Español", "en": "English"}[c])
    st.query_params["lang"] = lang
    return lang


def _initial() -> Scenario:
    token = st.query_params.get("s")
    if token:
        try:
            return Scenario.from_token(token, catalog=catalog())
        except GeoprioError as exc:
            st.sidebar.error(str(exc))
    return Scenario.preset(st.query_params.get("preset", "dci"))


def scenario_panel(lang: str) -> Scenario:
    """Widgets that build the scenario; returns the scenario in force."""
    if "scenario" not in st.session_state:
        st.session_state["scenario"] = _initial()
        st.session_state["form_version"] = 0
    current: Scenario = st.session_state["scenario"]
    sb = st.sidebar
    sb.header(t("scenario", lang))
    preset = sb.selectbox(t("preset", lang), PRESETS,
                          index=PRESETS.index(current.name) if current.name in PRESETS else 1,
                          format_func=lambda p: t(f"preset_{p}", lang), key="preset_choice")
    if preset != st.session_state.get("last_preset", current.name if current.name in PRESETS
                                      else preset):
        current = Scenario.preset(preset)
        st.session_state["scenario"] = current
        st.session_state["form_version"] += 1
    st.session_state["last_preset"] = preset
    version = st.session_state["form_version"]

    cat = catalog()
    frame = districts()
    usable = cat[cat["kind"].isin(["indicator"]) & cat["id"].isin(frame.columns)]
    labels = {r["id"]: label(r, lang) for _, r in usable.iterrows()}
    with sb.form(f"scenario_form_{version}"):
        chosen = st.multiselect(t("weights", lang), list(labels),
                                default=[w for w in current.weights if w in labels],
                                format_func=labels.get)
        weights = {}
        for ind in chosen:
            weights[ind] = st.slider(labels[ind], 0.0, 1.0,
                                     float(current.weights.get(ind, 0.5)), 0.05, key=f"w_{ind}")
        rule = st.text_area(t("rule", lang), current.rule, help=t("rule_help", lang), height=80)
        deps = sorted(frame["department"].unique())
        departments = st.multiselect(t("departments", lang), deps,
                                     default=[d for d in current.departments if d in deps])
        modes = ["all", "top_n", "threshold", "budget"]
        mode_now = ("budget" if current.budget is not None else
                    "threshold" if current.threshold is not None else
                    "top_n" if current.top_n is not None else "all")
        mode = st.radio(t("list_size", lang), modes, index=modes.index(mode_now),
                        format_func=lambda m: t(m, lang), horizontal=True)
        top_n = st.number_input(t("n", lang), 1, len(frame), int(current.top_n or 375))
        # the score's range follows the normalisation: 0-1, or z-scores around 0 (no bounds)
        threshold = st.number_input(t("score_min", lang), value=float(
            current.threshold if current.threshold is not None else
            (0.0 if current.normalisation == "zscore" else 0.5)), step=0.05,
            help=t("score_min_help", lang))
        budget = st.number_input(t("budget_amount", lang), 0.0, 1e12,
                                 float(current.budget or 100_000_000.0), 1_000_000.0)
        cost = st.number_input(t("cost_per_district", lang), 1.0, 1e10,
                               float(current.cost_per_district or 2_000_000.0), 100_000.0)
        c1, c2 = st.columns(2)
        normalisation = c1.selectbox(t("normalisation", lang), ["minmax", "zscore", "rank"],
                                     index=["minmax", "zscore", "rank"].index(
                                         current.normalisation)
                                     if current.normalisation != "target" else 0)
        aggregation = c2.selectbox(t("aggregation", lang), ["arithmetic", "geometric"],
                                   index=["arithmetic", "geometric"].index(current.aggregation))
        missing = st.selectbox(t("missing_policy", lang), ["reweight", "exclude", "impute"],
                               index=["reweight", "exclude", "impute"].index(current.missing))
        draws = st.select_slider(t("draws", lang), [0, 100, 250, 500, 1000],
                                 value=min([0, 100, 250, 500, 1000],
                                           key=lambda v: abs(v - current.n_draws)))
        submitted = st.form_submit_button(t("apply", lang), type="primary")
    if submitted:
        changes = dict(weights=weights, rule=rule.strip(), departments=departments,
                       normalisation=normalisation, aggregation=aggregation, missing=missing,
                       n_draws=int(draws), top_n=None, threshold=None, budget=None,
                       cost_per_district=None)
        if mode == "all":
            pass  # every eligible district, ordered by score
        elif mode == "top_n":
            changes["top_n"] = int(top_n)
        elif mode == "threshold":
            changes["threshold"] = float(threshold)
        else:
            changes.update(budget=float(budget), cost_per_district=float(cost))
        try:
            new = current.replace(**changes).validate(catalog=cat, columns=list(frame.columns))
        except GeoprioError as exc:
            key = "rule_error" if "rule" in str(exc).lower() else "scenario_error"
            sb.error(t(key, lang, msg=exc))
        else:
            st.session_state["scenario"] = new
            current = new
    st.query_params["s"] = current.to_token()
    sb.caption(t("link", lang))
    return current
