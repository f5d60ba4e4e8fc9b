"""The sidebar: language, and the scenario panel (preset, weights, rule, filters, list size).

The scenario *applied* (what every page shows) lives in ``st.session_state["sc_applied"]``;
the *base* it is compared with (a preset, or a scenario from a link) in ``"sc_base"``. The
controls live in a fragment: moving a slider reruns only the panel (it marks the controls
that differ from the base "modificado" and says when changes are not applied yet);
"Aplicar" and a preset switch rerun the page. A preset switch writes every control from the
preset (:func:`app.widgets.scenario_form.form_values`), so nothing is left over from the
previous one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from app.runtime.state import catalog, districts, indicator_ids, uploads
from app.texts.i18n import label, option, t
from app.texts.text import error_text, md
from app.widgets.amounts import amount_input
from app.widgets.scenario_form import (
    DRAWS,
    FIELDS,
    MODES,
    NEEDS,
    PRESETS,
    base_name,
    base_of,
    changed,
    changed_fields,
    form_values,
    scenario_from,
)
from geoprio import fmt
from geoprio.engine.rules import Rule
from geoprio.engine.scenario import BASE_COLUMNS, DERIVED_COLUMNS, Scenario
from geoprio.errors import GeoprioError

LINK = "link"
log = logging.getLogger(__name__)


def language() -> str:
    """The page's language, kept in the URL (``?lang=en``; Spanish by default;
    app.runtime.urlstate)."""
    return st.sidebar.radio("Idioma / Language", ["es", "en"], horizontal=True, key="lang",
                            persist_state="session",
                            format_func=lambda c: {"es": "Español", "en": "English"}[c])


def _departments() -> list[str]:
    return sorted(districts()["department"].dropna().unique())


def _labels(lang: str) -> dict[str, str]:
    return {g: t(f"field_{g}", lang) for g in FIELDS}


def _load(s: Scenario) -> None:
    """Write every control's value for ``s`` (callbacks and the first run only)."""
    st.session_state.update(form_values(s, _departments()))
    st.session_state["sc_add"] = None


def _same_beyond_panel(a: Scenario, b: Scenario) -> bool:
    """Whether ``a`` and ``b`` agree on every field the panel has no control for."""
    skip = {"name", "description", "weights", "rule", "departments", "top_n", "threshold",
            "budget", "cost_per_district", "cost_per_beneficiary", "need", "normalisation",
            "aggregation", "missing", "n_draws"}
    da, db = a.to_dict(), b.to_dict()
    return all(da[k] == db[k] for k in da if k not in skip)


def missing_ids(s: Scenario) -> list[str]:
    """The ids a scenario uses that this session's data lack (an indicator the link's sender
    uploaded: a link carries the scenario, never the file)."""
    known = {*BASE_COLUMNS, *DERIVED_COLUMNS, *map(str, catalog()["id"]), *districts().columns}
    return [n for n in s.names_used() if n not in known]


def _start(lang: str) -> None:
    """The session's first run: the scenario from the link (``?s=``) or the DCI preset."""
    token = st.query_params.get("s")
    scenario = Scenario.preset("dci")
    try:
        if token:
            linked = Scenario.from_token(token)
            missing = missing_ids(linked)
            if missing:  # the sender's upload: say which, keep the link to open it later
                st.session_state["sc_pending_link"] = token
                raise GeoprioError(t("link_missing_upload", lang, ids=", ".join(
                    f"«{m}»" for m in missing[:5])))
            scenario = linked.validate(catalog=catalog(), columns=list(districts().columns))
        base, applied = _panel_of(scenario, lang)
    except Exception as exc:  # a link is the user's text: one line, the DCI preset opens
        if not isinstance(exc, GeoprioError):
            log.error("link scenario: unexpected %s", type(exc).__name__, exc_info=exc)
        st.session_state["sc_error"] = t("link_error", lang, msg=error_text(exc, lang))
        base, applied = _panel_of(Scenario.preset("dci"), lang)
    st.session_state["sc_base"] = base
    st.session_state["sc_applied"] = applied
    st.session_state["sc_preset"] = base.name if base.is_preset() else LINK
    if not base.is_preset():
        st.session_state["sc_link"] = base
    _load(applied)


def _panel_of(scenario: Scenario, lang: str) -> tuple[Scenario, Scenario]:
    """The base a scenario is compared with, and the scenario as the panel applies it."""
    base = base_of(scenario)
    if base is not scenario and not _same_beyond_panel(base, scenario):
        base = scenario  # a link that changed what the panel cannot show: its own base
    applied = scenario_from(form_values(scenario, _departments()), base, lang,
                            labels=_labels(lang), departments=_departments())
    return base, applied


def _restore_missing() -> None:
    """Put back any control Streamlit dropped (a run interrupted before a widget was drawn
    forgets it): from the scenario applied, so the panel never shows a stale value."""
    applied: Scenario = st.session_state["sc_applied"]
    values = form_values(applied, _departments())
    if "sc_inds" not in st.session_state:
        st.session_state["sc_inds"] = values["sc_inds"]
    for key, value in values.items():
        if key.startswith("sc_w_") and key[5:] not in st.session_state["sc_inds"]:
            continue
        if key not in st.session_state:
            st.session_state[key] = value
    for ind in st.session_state["sc_inds"]:  # an added indicator's slider
        st.session_state.setdefault(f"sc_w_{ind}", 10.0)


def _switch_preset() -> None:
    choice = st.session_state["sc_preset"]
    base = st.session_state.get("sc_link") if choice == LINK else Scenario.preset(choice)
    st.session_state["sc_base"] = base
    st.session_state["sc_applied"] = base
    st.session_state.pop("sc_error", None)
    _load(base)


def _values() -> dict:
    keys = [k for k in st.session_state if str(k).startswith("sc_") and not str(k).endswith(
        ("_txt", "_for", "_msg")) and k not in (
        "sc_base", "sc_applied", "sc_link", "sc_error", "sc_preset", "sc_add",
        "sc_pending_link", "sc_open_link")]
    return {k: st.session_state[k] for k in keys}


def _apply(lang: str) -> None:
    base: Scenario = st.session_state["sc_base"]
    cat, frame = catalog(), districts()
    try:  # the rule first: its own message, with the column at fault
        Rule(str(st.session_state.get("sc_rule") or "")).check_names(
            [*BASE_COLUMNS, *DERIVED_COLUMNS, *map(str, cat["id"]), *frame.columns])
    except GeoprioError as exc:
        st.session_state["sc_error"] = t("rule_error", lang, msg=error_text(exc, lang))
        return
    try:
        new = scenario_from(_values(), base, lang, labels=_labels(lang),
                            departments=_departments())
        new.validate(catalog=cat, columns=list(frame.columns))
    except GeoprioError as exc:
        st.session_state["sc_error"] = t("scenario_error", lang, msg=error_text(exc, lang))
        return
    st.session_state.pop("sc_error", None)
    st.session_state["sc_applied"] = new


def _add_indicator() -> None:
    ind = st.session_state.get("sc_add")
    if ind and ind not in st.session_state["sc_inds"]:
        st.session_state["sc_inds"] = [*st.session_state["sc_inds"], ind]
        st.session_state[f"sc_w_{ind}"] = 10.0
    st.session_state["sc_add"] = None


def _posing_as(base: Scenario) -> str | None:
    """The preset whose name a scenario bears without being it (field by field), or None."""
    root = base_name(base).strip().lower()
    return root if root in PRESETS and not base.is_preset() else None


def differences(base: Scenario, lang: str) -> str:
    """The fields in which a link named like a preset differs from that preset ("" if none)."""
    root = _posing_as(base)
    if root is None:
        return ""
    fields = base.differs_from(Scenario.preset(root))
    return ", ".join(t(f"sfield_{f}", lang) for f in fields if f not in ("name",))


def preset_name(base: Scenario, lang: str) -> str:
    """How the base scenario reads: the preset's name in ``lang`` only if it *is* the preset
    (field by field); a link's own name otherwise, saying which preset it is not."""
    if base.is_preset():
        return option("preset", base.name, lang)
    root = _posing_as(base)
    if root is None:
        return base.name
    return t("not_the_preset", lang, name=base.name, preset=option("preset", root, lang))


def preset_markdown(base: Scenario, lang: str) -> str:
    """:func:`preset_name` for a Markdown element: a link's name is the user's text, escaped."""
    if base.is_preset():
        return option("preset", base.name, lang)
    root = _posing_as(base)
    if root is None:
        return md(base.name)
    return t("not_the_preset", lang, name=md(base.name), preset=option("preset", root, lang))


def scenario_panel(lang: str) -> tuple[Scenario, Scenario]:
    """Draw the scenario panel; the scenario applied and its base."""
    if "sc_applied" not in st.session_state:
        _start(lang)
    _restore_missing()
    sb = st.sidebar
    sb.header(t("scenario", lang))
    options = [*PRESETS, *([LINK] if "sc_link" in st.session_state else [])]
    link = st.session_state.get("sc_link")
    sb.selectbox(t("preset", lang), options, key="sc_preset", on_change=_switch_preset,
                 help=t("preset_help", lang), persist_state="session",
                 format_func=lambda p: t("preset_link", lang, name=preset_name(link, lang))
                 if p == LINK else option("preset", p, lang))
    if st.session_state["sc_preset"] == LINK and differences(link, lang):
        sb.warning(t("link_not_preset", lang, name=md(link.name),
                     preset=option("preset", _posing_as(link), lang),
                     fields=differences(link, lang)))
    _controls(lang)
    sb.button(t("apply", lang), type="primary", key="sc_apply", on_click=_apply, args=(lang,),
              width="stretch")
    if st.session_state.get("sc_error"):
        sb.error(st.session_state["sc_error"])
    _pending_link(lang)
    applied: Scenario = st.session_state["sc_applied"]
    st.query_params["s"] = applied.to_token()
    sb.caption(t("link", lang))
    mine = [i for i in applied.names_used() if i in uploads()]
    if mine:  # the link will not carry the file: tell the sender before she copies it
        sb.warning(t("link_upload_warning", lang, ids=", ".join(f"«{md(i)}»" for i in mine)))
    return applied, st.session_state["sc_base"]


def _open_pending() -> None:
    token = st.session_state.pop("sc_pending_link")
    scenario = Scenario.from_token(token).validate(catalog=catalog(),
                                                   columns=list(districts().columns))
    base, applied = _panel_of(scenario, st.session_state.get("lang", "es"))
    st.session_state["sc_base"], st.session_state["sc_applied"] = base, applied
    st.session_state["sc_preset"] = base.name if base.is_preset() else LINK
    if not base.is_preset():
        st.session_state["sc_link"] = base
    st.session_state.pop("sc_error", None)
    _load(applied)


def _pending_link(lang: str) -> None:
    """A link that needed an upload: once the session has every id, offer to open it."""
    token = st.session_state.get("sc_pending_link")
    if token and not missing_ids(Scenario.from_token(token)):
        st.sidebar.button(t("open_pending_link", lang), on_click=_open_pending,
                          key="sc_open_link", type="primary")


@st.fragment
def _controls(lang: str) -> None:
    """The controls (a fragment: a change reruns only this panel)."""
    base: Scenario = st.session_state["sc_base"]
    applied: Scenario = st.session_state["sc_applied"]
    deps = _departments()
    loaded = form_values(base, deps)
    marks = changed(_values(), loaded)
    mark = _marker(marks, lang)
    cat = catalog().set_index("id")
    usable = indicator_ids(cat.reset_index(), districts().columns)
    names = {i: label(cat.loc[i], lang) for i in usable}
    with st.sidebar:
        _weight_controls(lang, usable, names, loaded, marks, mark)
        st.text_area(mark(t("rule", lang), "sc_rule"), key="sc_rule", height=80,
                     help=t("rule_help", lang), placeholder=t("rule_placeholder", lang),
                     persist_state="session")
        st.multiselect(mark(t("departments", lang), "sc_deps"), deps, key="sc_deps",
                       placeholder=t("departments_placeholder", lang), persist_state="session")
        _list_size_controls(lang, base, names, mark)
        _method_controls(lang, base, applied, mark)
        if marks:
            what = ", ".join(t(f"field_{g}", lang) for g in changed_fields(marks))
            st.caption(t("modified_summary", lang, base=preset_markdown(base, lang), what=what))
        if changed(_values(), form_values(applied, deps)):
            st.warning(t("pending", lang))


def _marker(marks: set[str], lang: str) -> Callable[[str, str], str]:
    """A control's label with " · modificado" when its value differs from the base."""
    word = t("modified", lang)

    def mark(text: str, key: str) -> str:
        return f"{text} · {word}" if key in marks else text

    return mark


def _weight_controls(lang: str, usable: list[str], names: dict[str, str],
                     loaded: dict, marks: set[str], mark: Callable[[str, str], str]) -> None:
    """A slider per weighted indicator (marked added or modified), how the weights add up,
    and the box that adds an indicator."""
    st.markdown(f"**{t('weights', lang)}**", help=t("weights_help", lang))
    inds = list(st.session_state["sc_inds"])
    for ind in inds:
        key = f"sc_w_{ind}"
        text = md(names.get(ind, ind))  # a label: Markdown; an upload's is user text
        if ind not in loaded["sc_inds"] and key in marks:
            text = f"{text} · {t('added', lang)}"
        else:
            text = mark(text, key)
        st.slider(text, 0.0, 100.0, step=5.0, format="%.0f%%", key=key,
                  persist_state="session")
    shares = _shares(inds, lang)
    if shares:
        st.caption(shares)
    st.selectbox(t("add_indicator", lang), [i for i in usable if i not in inds],
                 index=None, key="sc_add", on_change=_add_indicator,
                 placeholder=t("add_placeholder", lang), format_func=names.get)


def _list_size_controls(lang: str, base: Scenario, names: dict[str, str],
                        mark: Callable[[str, str], str]) -> None:
    """How the list is cut: top N, a minimum score, or a budget with its cost and need."""
    st.radio(mark(t("list_size", lang), "sc_mode"), MODES, key="sc_mode", horizontal=True,
             format_func=lambda m: option("mode", m, lang), persist_state="session")
    mode = st.session_state["sc_mode"]
    if mode == "top_n":
        st.number_input(mark(t("n", lang), "sc_top_n"), 1, 1_000_000, step=25,
                        key="sc_top_n", persist_state="session")
    elif mode == "threshold":
        amount_input(mark(t("score_min", lang), "sc_threshold"), "sc_threshold", lang,
                     low=-1e6, high=1e6, decimals=2, signed=True,
                     help=t("score_min_help", lang))
    elif mode == "budget":
        amount_input(mark(t("budget_amount", lang), "sc_budget"), "sc_budget", lang,
                     low=1.0, high=1e12)
        if base.cost_per_beneficiary is not None:
            amount_input(mark(t("cost_per_beneficiary", lang), "sc_cost_b"), "sc_cost_b",
                         lang, low=0.01, high=1e9)
        else:
            amount_input(mark(t("cost_per_district", lang), "sc_cost"), "sc_cost", lang,
                         low=1.0, high=1e10)
        needs = list(NEEDS)
        if st.session_state["sc_need"] not in needs:
            needs.append(st.session_state["sc_need"])
        st.selectbox(mark(t("need", lang), "sc_need"), needs, key="sc_need",
                     help=t("need_help", lang), persist_state="session",
                     format_func=lambda n: option("need", n, lang) if n in NEEDS
                     else names.get(n, n))


def _method_controls(lang: str, base: Scenario, applied: Scenario,
                     mark: Callable[[str, str], str]) -> None:
    """Normalisation, aggregation, missing-value policy and Monte Carlo draws."""
    norms = ["minmax", "zscore", "rank"]
    if "target" in (base.normalisation, applied.normalisation,
                    st.session_state["sc_norm"]):
        norms.append("target")
    st.selectbox(mark(t("normalisation", lang), "sc_norm"), norms, key="sc_norm",
                 format_func=lambda v: option("normalisation", v, lang),
                 persist_state="session")
    st.selectbox(mark(t("aggregation", lang), "sc_agg"), ["arithmetic", "geometric"],
                 key="sc_agg", format_func=lambda v: option("aggregation", v, lang),
                 persist_state="session")
    st.selectbox(mark(t("missing_policy", lang), "sc_missing"),
                 ["reweight", "exclude", "impute"], key="sc_missing",
                 format_func=lambda v: option("missing", v, lang), persist_state="session")
    draws = sorted({*DRAWS, int(st.session_state["sc_draws"])})
    st.select_slider(mark(t("draws", lang), "sc_draws"), draws, key="sc_draws",
                     format_func=lambda v: fmt.integer(v, lang), persist_state="session")


def _shares(inds: list[str], lang: str) -> str:
    """How the weights add up when not 100%: each weight counts as its share of the sum."""
    weights = [float(st.session_state.get(f"sc_w_{i}", 0.0)) for i in inds]
    total = sum(weights)
    if not inds or abs(total - 100) < 0.5:
        return ""
    if lang == "en":
        return (f"The weights add up to {fmt.percent(total, 0, lang)}: each counts as its "
                f"share of that sum.")
    return (f"Los pesos suman {fmt.percent(total, 0, lang)}: cada uno cuenta como su parte de "
            f"esa suma.")
