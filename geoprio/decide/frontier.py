"""The budget trade-off: children reached against the severity of the rate, as a frontier.

(:func:`geoprio.tradeoff` lives here; the module is named ``frontier`` so that it does not
shadow the function.)

The same money reaches the most children in large districts with low rates, or the highest
rates in small remote districts. A budget list (:mod:`geoprio.engine.budget`) hides that choice in
the
scenario's ``need``; :func:`tradeoff` shows it. For a budget ``B`` and each eligible district
``i`` with people reached ``n_i`` (e.g. ``stunted_children``), rate ``r_i`` (e.g.
``stunting_u5_2022_fh_endes``, %) and cost ``c_i``, a list ``x`` (``x_i`` in {0, 1}) has two
objectives:

- **children reached** ``N(x) = Σ n_i x_i``;
- **mean rate** ``R(x) = Σ n_i r_i x_i / Σ n_i x_i``: the need-weighted severity of the list
  (with ``n`` = stunted children: the stunting rate of the district where the average stunted
  child reached lives).

**Method: epsilon-constraint, exact.** For a grid of ``steps`` severity floors ``ε`` from the
mean rate of the list that reaches the most children to the highest rate a single affordable
district has, solve the 0–1 program

    maximise Σ n_i x_i  subject to  Σ c_i x_i ≤ B  and  Σ n_i (r_i − ε) x_i ≥ 0

(the second constraint is ``R(x) ≥ ε`` made linear), with the objective augmented by a tiny
weight on the rate, ``Σ n_i x_i + δ Σ n_i r_i x_i`` with ``δ = AUGMENT / max r`` (the *augmented*
epsilon-constraint method of Mavrotas, 2009): at most a millionth of the children is traded
for rate, and each point is **Pareto-optimal**. A list ``y`` dominating the point ``x``
(``N(y) ≥ N(x)`` and ``R(y) ≥ R(x)``, one strictly) would satisfy the same constraints
(``R(y) ≥ R(x) ≥ ε``) and have ``Σ n r y = R(y) N(y) ≥ R(x) N(x)``, so a strictly larger
objective: impossible at the optimum. Each program is solved exactly by
:func:`scipy.optimize.milp` (HiGHS, relative gap ``MIP_REL_GAP``). Unlike a weighted sum of
the two objectives, the epsilon-constraint method also finds the points that lie in a dent
of the frontier. Points that repeat a list are kept once.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"ubigeo": ["a", "b", "c", "d"], "n": [100.0, 60.0, 10.0, 30.0],
...                   "r": [10.0, 20.0, 50.0, 30.0]})
>>> s = Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=2,
...              cost_per_district=1, n_draws=0)
>>> t = tradeoff(f, s, steps=3, objectives=("n", "r"))
>>> t[["children_reached", "mean_rate", "ubigeos"]].values.tolist()
[[160.0, 13.75, ['a', 'b']], [40.0, 35.0, ['c', 'd']], [10.0, 50.0, ['c']]]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoprio.engine.budget import MIP_REL_GAP
from geoprio.engine.derived import PEOPLE
from geoprio.engine.scenario import Scenario
from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

__all__ = ["MAX_BUDGETS", "MAX_SOLVES", "MAX_STEPS", "TRADEOFF_COLUMNS",
           "tradeoff", "tradeoff_list"]

#: columns of :func:`tradeoff`, in order
TRADEOFF_COLUMNS: tuple[str, ...] = (
    "budget", "point", "epsilon", "children_reached", "mean_rate", "n_selected", "cost",
    "unspent", "optimal", "ubigeos",
)
#: bounds that keep a frontier quick enough to draw in the app
MAX_STEPS = 101
MAX_BUDGETS = 50
#: most programs one call solves (budgets × steps): about a minute on the shipped data
MAX_SOLVES = 400
_REL_TOL = 1e-9
#: weight of the mean rate's numerator beside children reached (augmented epsilon-constraint):
#: at most a millionth of the children is given up for a higher rate, and no point is dominated
AUGMENT = 1e-6


def _objectives(scenario: Scenario, objectives: Sequence[str] | None) -> tuple[str, str]:
    if objectives is not None:
        if (isinstance(objectives, str) or len(objectives) != 2
                or not all(isinstance(o, str) for o in objectives)):
            raise ScenarioError("objectives must be two column names: (people reached, rate), "
                                f"e.g. ('stunted_children', 'stunting_u5_2022_fh_endes'); got "
                                f"{objectives!r}")
        return objectives[0], objectives[1]
    base = scenario.need.removesuffix("_rate_weighted")
    if base not in PEOPLE:
        raise ScenarioError(
            f"the trade-off weighs people reached against their rate, and the scenario's need "
            f"is {scenario.need!r}: pass objectives=('stunted_children', "
            "'stunting_u5_2022_fh_endes') or set need to one of " + ", ".join(map(repr, PEOPLE))
        )
    return base, PEOPLE[base][1]


def _budgets(scenario: Scenario, budgets: Any) -> list[float]:
    if budgets is None:
        if scenario.budget is None:
            raise ScenarioError("tradeoff needs a budget: give budgets=[...] or a scenario "
                                "with a budget")
        return [float(scenario.budget)]
    values = np.atleast_1d(np.asarray(budgets, dtype=float)).ravel()
    if values.size == 0 or values.size > MAX_BUDGETS:
        raise ScenarioError(f"budgets must hold 1 to {MAX_BUDGETS} amounts; got {values.size}")
    if not (np.isfinite(values) & (values > 0)).all():
        raise ScenarioError(f"budgets must be numbers > 0; got {values.tolist()[:5]}")
    return values.tolist()


def _base(districts: pd.DataFrame, scenario: Scenario, budget: float,
          catalog: pd.DataFrame | None) -> pd.DataFrame:
    """The point result of the scenario as a budget list (eligibility, derived columns, cost)."""
    from geoprio.engine.ranking import prioritize

    if scenario.cost_per_district is None and scenario.cost_per_beneficiary is None:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no cost: set cost_per_district, or "
            "cost_per_beneficiary with beneficiary_column (CLI: --cost-per-district or "
            "--cost-per-beneficiary)"
        )
    s = scenario.replace(top_n=None, threshold=None, budget=budget, n_draws=0)
    return prioritize(districts, s, catalog=catalog)


def _column(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    if name not in frame.columns:
        raise ScenarioError(f"{role} {name!r} is not a column of the districts frame")
    try:
        return pd.to_numeric(frame[name], errors="raise").astype(float).to_numpy()
    except (TypeError, ValueError):
        raise ScenarioError(f"{role} {name!r} must be numeric") from None


def _point(n: np.ndarray, r: np.ndarray, c: np.ndarray, budget: float, eps: float | None,
           time_limit: float) -> tuple[np.ndarray, bool]:
    """Maximise ``Σ n x + δ Σ n r x`` within the budget and with mean rate ≥ ``eps``."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows, lo, hi = [c], [-np.inf], [budget]
    if eps is not None:
        rows.append(n * (r - eps))
        lo.append(0.0)
        hi.append(np.inf)
    top = float(np.max(r)) if len(r) else 0.0
    delta = AUGMENT / top if top > 0 else 0.0
    # presolve off: these two-row programs are solved at the root, and HiGHS's presolve
    # costs more than the solve itself (benchmarks/bench_decide.py)
    res = milp(c=-(n + delta * n * r), integrality=np.ones(len(n)), bounds=Bounds(0, 1),
               constraints=LinearConstraint(np.vstack(rows), lo, hi),
               options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP,
                        "presolve": False})
    if res.x is None:
        return np.zeros(len(n), dtype=bool), False
    chosen = res.x > 0.5
    feasible = c[chosen].sum() <= budget * (1 + 1e-9) and (
        eps is None or (n * (r - eps))[chosen].sum() >= -1e-9 * max(1.0, n[chosen].sum()))
    return chosen, bool(res.status == 0 and feasible)


def tradeoff(
    districts: pd.DataFrame,
    scenario: Scenario | str,
    budgets: float | Sequence[float] | None = None,
    steps: int = 11,
    *,
    objectives: Sequence[str] | None = None,
    catalog: pd.DataFrame | None = None,
    time_limit: float = 10.0,
) -> pd.DataFrame:
    """The Pareto frontier of children reached against their mean rate, for each budget.

    Parameters
    ----------
    districts : DataFrame
        The districts (e.g. ``geoprio.load_districts()``).
    scenario : Scenario or preset name
        Decides who is eligible and what each district costs (``cost_per_district``, or
        ``cost_per_beneficiary`` × ``beneficiary_column``); its list size is ignored.
    budgets : float or sequence of float, optional
        Budgets to draw a frontier for (at most ``MAX_BUDGETS``); default the scenario's.
    steps : int, default=11
        Severity floors per budget (2 to ``MAX_STEPS``), evenly spaced from the mean rate of
        the list reaching the most children to the highest affordable rate. Points that
        repeat a list are kept once, so a frontier may have fewer rows.
    objectives : (str, str), optional
        People-reached and rate columns; default the scenario's need (``stunted_children``
        for DCI) and its rate (``stunting_u5_2022_fh_endes``).
    catalog : DataFrame, optional
        Passed to :func:`geoprio.prioritize`.
    time_limit : float, default=10.0
        Seconds allowed to each solve (``optimal`` says whether it proved optimality).

    Returns
    -------
    DataFrame
        One row per frontier point, by budget then by rising severity: ``budget``, ``point``
        (0, 1, … within a budget), ``epsilon`` (the severity floor it was solved for),
        ``children_reached``, ``mean_rate``, ``n_selected``, ``cost``, ``unspent``
        (``budget − cost``: a point at the high rates may spend half the money), ``optimal``
        and ``ubigeos`` (list of codes, in input order). ``attrs`` holds ``people``, ``rate``,
        ``method``, ``eligible`` and ``scenario``.
    """
    s = Scenario.preset(scenario) if isinstance(scenario, str) else scenario
    if not isinstance(s, Scenario):
        raise TypeError(f"scenario must be a Scenario or a preset name; got {scenario!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not (
            2 <= steps <= MAX_STEPS):
        raise ScenarioError(f"steps must be an integer from 2 to {MAX_STEPS}; got {steps!r}")
    people, rate = _objectives(s, objectives)
    amounts = _budgets(s, budgets)
    if len(amounts) * steps > MAX_SOLVES:
        raise ScenarioError(f"{len(amounts)} budgets × {steps} steps is more than "
                            f"{MAX_SOLVES} programs: use fewer budgets or steps")
    base = _base(districts, s, amounts[0], catalog)
    n = _column(base, people, "people column")
    r = _column(base, rate, "rate column")
    c = base["cost"].to_numpy(dtype=float)
    usable = (base["rank"].notna().to_numpy() & np.isfinite(n) & (n > 0) & np.isfinite(r)
              & np.isfinite(c) & (c >= 0))
    idx = np.flatnonzero(usable)
    codes = base["ubigeo"].astype(str).to_numpy()
    nu, ru, cu = n[idx], r[idx], c[idx]
    rows: list[dict[str, Any]] = []
    for budget in amounts:
        rows.extend(_frontier(nu, ru, cu, codes[idx], budget, int(steps), time_limit))
    out = pd.DataFrame(rows, columns=list(TRADEOFF_COLUMNS))
    out.attrs = {"people": people, "rate": rate, "eligible": int(idx.size),
                 "method": "epsilon-constraint, exact 0-1 (scipy.optimize.milp, HiGHS)",
                 "scenario": s.to_dict()}
    logger.info("tradeoff %r: %d budgets, %d points", s.name, len(amounts), len(out))
    return out


def _frontier(n: np.ndarray, r: np.ndarray, c: np.ndarray, codes: np.ndarray, budget: float,
              steps: int, time_limit: float) -> list[dict[str, Any]]:
    affordable = c <= budget * (1 + 1e-12)
    if not affordable.any():
        return []
    top, ok = _point(n, r, c, budget, None, time_limit)
    m0 = float((n * r)[top].sum() / n[top].sum())
    r_max = float(r[affordable].max())
    found: list[tuple[float, np.ndarray, bool]] = [(m0, top, ok)]
    for eps in np.linspace(m0, r_max, steps)[1:]:
        chosen, ok = _point(n, r, c, budget, float(eps), time_limit)
        if chosen.any():
            found.append((float(eps), chosen, ok))
    rows: list[dict[str, Any]] = []
    seen: set[bytes] = set()
    for eps, chosen, ok in found:
        key = np.packbits(chosen).tobytes()
        if key in seen:
            continue
        seen.add(key)
        reached = float(n[chosen].sum())
        rows.append({"budget": budget, "epsilon": eps, "children_reached": reached,
                     "mean_rate": float((n * r)[chosen].sum() / reached),
                     "n_selected": int(chosen.sum()), "cost": float(c[chosen].sum()),
                     "unspent": budget - float(c[chosen].sum()),
                     "optimal": bool(ok), "ubigeos": codes[chosen].tolist()})
    # a point another one dominates (only possible when a solve stopped short) is dropped
    keep = []
    for i, p in enumerate(rows):
        dominated = any(
            q["children_reached"] >= p["children_reached"] * (1 - _REL_TOL)
            and q["mean_rate"] >= p["mean_rate"] * (1 - _REL_TOL)
            and (q["children_reached"] > p["children_reached"] * (1 + _REL_TOL)
                 or q["mean_rate"] > p["mean_rate"] * (1 + _REL_TOL))
            for j, q in enumerate(rows) if j != i)
        if dominated:
            logger.warning("tradeoff: a point at budget %g was dominated and dropped", budget)
        else:
            keep.append(p)
    keep.sort(key=lambda p: (p["mean_rate"], -p["children_reached"]))
    for k, p in enumerate(keep):
        p["point"] = k
    return keep


def tradeoff_list(result: pd.DataFrame, frontier: pd.DataFrame, point: int,
                  *, budget: float | None = None) -> pd.DataFrame:
    """A :func:`geoprio.prioritize` output with its list replaced by a frontier point's.

    Parameters
    ----------
    result : DataFrame
        The scenario's prioritisation (ranks, intervals, reasons, geometry).
    frontier : DataFrame
        :func:`tradeoff` output.
    point : int
        The ``point`` chosen.
    budget : float, optional
        Which budget's frontier (needed when the frontier has several).

    Returns
    -------
    DataFrame
        A copy of ``result`` with the point's own list and figures: ``selected`` is the
        point's list; ``budget_need`` the people reached the frontier maximised; ``cost`` what
        each district costs *in the frontier* (its scenario's cost, not ``result``'s);
        ``cum_cost`` and ``cum_coverage`` walk the point's list in rank order; ``reasons``
        say "selected/not selected at point k" instead of the greedy list's verdict;
        ``p_selected`` and ``selection_uncertain`` (the Monte Carlo of the greedy list) are
        missing, since a frontier point is an exact optimum on the published estimates.
        ``attrs["tradeoff"]`` holds the point, both objective values, ``cost``, ``unspent``
        and the method; ``attrs["budget"]`` the point's budget, value, cost and unspent money;
        ``attrs["totals"]`` the people reached by the point's list.
    """
    from geoprio.engine.derived import people_totals

    row = _point_row(frontier, point, budget)
    chosen = set(row["ubigeos"])
    out = result.copy()
    out["selected"] = out["ubigeo"].astype(str).isin(chosen).to_numpy()
    missing = chosen - set(out["ubigeo"].astype(str))
    if missing:
        raise ScenarioError(f"the point's districts {sorted(missing)[:5]} are not in result")
    for col in ("p_selected", "selection_uncertain"):
        if col in out.columns:
            out[col] = np.nan if col == "p_selected" else pd.array([pd.NA] * len(out),
                                                                    dtype="boolean")
    point_info = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()
                  if k != "ubigeos"}
    point_info.update(people=frontier.attrs.get("people"), rate=frontier.attrs.get("rate"),
                      method=frontier.attrs.get("method"))
    _point_columns(out, frontier, point_info)
    out["reasons"] = _point_reasons(result, out["selected"].to_numpy(), int(row["point"]))
    out.attrs = dict(result.attrs)
    out.attrs["tradeoff"] = point_info
    out.attrs["budget"] = {
        "need": point_info["people"], "method": "frontier point (exact 0-1)",
        "budget": point_info["budget"], "value": point_info["children_reached"],
        "cost": point_info["cost"], "unspent": point_info["budget"] - point_info["cost"]}
    out.attrs["totals"] = people_totals(out, out["selected"])
    return out


def _point_row(frontier: pd.DataFrame, point: int, budget: float | None) -> pd.Series:
    rows = frontier[frontier["point"] == point]
    if budget is not None:
        rows = rows[np.isclose(rows["budget"], budget)]
    if len(rows) != 1:
        raise ScenarioError(
            f"frontier has {len(rows)} rows for point {point!r}"
            + ("" if budget is not None else "; pass budget= when it has several budgets")
        )
    return rows.iloc[0]


def _point_columns(out: pd.DataFrame, frontier: pd.DataFrame, info: dict[str, Any]) -> None:
    """``budget_need``, ``cost``, ``cum_cost``, ``cum_coverage`` of the point's own list."""
    from geoprio.engine.budget import allocation_table

    s = Scenario.from_dict(frontier.attrs["scenario"]) if "scenario" in frontier.attrs \
        else None
    people = info.get("people")
    need = (pd.to_numeric(out[people], errors="coerce").to_numpy(dtype=float)
            if people in out.columns else np.full(len(out), np.nan))
    ranked = out["rank"].notna().to_numpy() if "rank" in out.columns else np.ones(len(out), bool)
    need = np.where(ranked, need, np.nan)
    if s is not None and s.cost_per_district is not None:
        costs = np.full(len(out), float(s.cost_per_district))
    elif s is not None and s.cost_per_beneficiary is not None and \
            s.beneficiary_column in out.columns:
        base = pd.to_numeric(out[s.beneficiary_column], errors="coerce").to_numpy(dtype=float)
        costs = base * float(s.cost_per_beneficiary)
    else:
        costs = np.full(len(out), np.nan)
    rank = out["rank"].to_numpy(dtype=float, na_value=np.nan) if "rank" in out.columns \
        else np.arange(1, len(out) + 1, dtype=float)
    order = np.argsort(np.where(np.isfinite(rank), rank, np.inf), kind="stable")
    alloc = allocation_table(need, costs, out["selected"].to_numpy(dtype=bool), order)
    out["budget_need"] = need
    for c in ("cost", "cum_cost", "cum_coverage"):
        out[c] = alloc[c].to_numpy()


def _point_reasons(result: pd.DataFrame, selected: np.ndarray, point: int) -> pd.Series:
    """The greedy list's verdict in each reason replaced by the point's."""
    from geoprio.engine.ranking import _TEXT
    from geoprio.engine.texts import FRONTIER_POINT as _POINT_TEXT

    lang = result.attrs.get("lang", "es")
    t = _TEXT.get(lang, _TEXT["es"])
    yes, no = (x.format(k=point) for x in _POINT_TEXT.get(lang, _POINT_TEXT["es"]))
    verdict = re.compile(rf"; (?:{re.escape(t['sel'])}|{re.escape(t['nosel'])})"
                         r"(?: \([^)]*\))?")
    reasons = result["reasons"].fillna("").astype(str).tolist() if "reasons" in result \
        else [""] * len(result)
    out = [verdict.sub(f"; {yes if sel else no}", text, count=1)
           for text, sel in zip(reasons, selected, strict=True)]
    return pd.Series(out, index=result.index, dtype=object)

