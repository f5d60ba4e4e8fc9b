"""People reached and budget allocation (0–1 knapsack).

People reached per district (estimates: a prevalence times a population count):

``stunted_children``
    ``under5_2020 × stunting_u5_2019 / 100``: children under 5 with chronic malnutrition.
``anemic_children``
    ``children_6_35m_2020 × anemia_6_35m_2019 / 100``: children 6–35 months with anemia.
``poor_people``
    ``pop_2020 × poverty_2018 / 100`` (``pop_2017`` if 2020 is absent): people in monetary
    poverty. Population and prevalence come from different years; the product is an order
    of magnitude, not a count.

A missing input gives a missing estimate (NaN), never zero.

Budget allocation chooses districts that maximise the need covered under a budget: an exact
0–1 knapsack solved with :func:`scipy.optimize.milp` (HiGHS), with the greedy rule (best
need per sol first, skipping what no longer fits) as a fallback and as a yardstick whose gap
to the exact optimum is reported.

Examples
--------
>>> res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50)
>>> res.selected.tolist(), res.value, res.greedy_value
([False, True, True], 220.0, 160.0)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

#: HiGHS relative MIP gap; its default (1e-4) can stop short of greedy on real data
MIP_REL_GAP = 1e-9

__all__ = [
    "BENEFICIARY_COLUMNS",
    "KnapsackResult",
    "add_beneficiaries",
    "allocation_table",
    "beneficiary_totals",
    "greedy_knapsack",
    "knapsack",
]

#: output column -> (count column candidates, prevalence column (%))
BENEFICIARY_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "stunted_children": (("under5_2020",), "stunting_u5_2019"),
    "anemic_children": (("children_6_35m_2020",), "anemia_6_35m_2019"),
    "poor_people": (("pop_2020", "pop_2017"), "poverty_2018"),
}


def add_beneficiaries(districts: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``districts`` with the people-reached columns it can compute.

    Columns whose inputs are absent are left out (and logged); missing inputs give NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"under5_2020": [1000.0, 500.0], "stunting_u5_2019": [20.0, None]})
    >>> add_beneficiaries(f)["stunted_children"].tolist()
    [200.0, nan]
    """
    out = districts.copy()
    for name, (counts, prevalence) in BENEFICIARY_COLUMNS.items():
        count = next((c for c in counts if c in out.columns), None)
        if count is None or prevalence not in out.columns:
            logger.info("%s not computed: needs %s and %s", name, " or ".join(counts), prevalence)
            continue
        n = pd.to_numeric(out[count], errors="coerce").astype(float)
        p = pd.to_numeric(out[prevalence], errors="coerce").astype(float)
        out[name] = n * p / 100.0
    return out


def beneficiary_totals(districts: pd.DataFrame, selected: pd.Series | None = None) -> dict:
    """Totals of the people-reached columns, for the selected districts or all.

    Missing district estimates are skipped and counted in ``<column>_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"poor_people": [10.0, 5.0, None]})
    >>> beneficiary_totals(f, pd.Series([True, False, True]))
    {'poor_people': 10.0, 'poor_people_missing': 1}
    """
    rows = districts if selected is None else districts[np.asarray(selected, dtype=bool)]
    out: dict[str, float | int] = {}
    for name in BENEFICIARY_COLUMNS:
        if name in rows.columns:
            col = rows[name].astype(float)
            out[name] = float(col.sum(skipna=True))
            out[f"{name}_missing"] = int(col.isna().sum())
    return out


@dataclass
class KnapsackResult:
    """A budget allocation.

    Attributes
    ----------
    selected : numpy.ndarray of bool
        Chosen items, in input order.
    value, cost : float
        Need covered and money spent by the chosen items.
    method : str
        ``"milp"`` (exact) or ``"greedy"`` (fallback or on request).
    status : str
        Solver message.
    greedy_value : float
        Value of the greedy solution, always computed.
    gap : float
        ``(value - greedy_value) / value``: what greedy would lose (0 when equal).
    """

    selected: np.ndarray
    value: float
    cost: float
    method: str
    status: str
    greedy_value: float
    gap: float

    def __repr__(self) -> str:
        return (
            f"KnapsackResult({self.method}: {int(self.selected.sum())} chosen, value="
            f"{self.value:.6g}, cost={self.cost:.6g}, greedy gap={self.gap:.2%})"
        )


def _check(values: np.ndarray, costs: np.ndarray, budget: float) -> None:
    if values.shape != costs.shape or values.ndim != 1:
        raise ScenarioError(
            f"values and costs must be 1-D of the same length; got {values.shape} and "
            f"{costs.shape}"
        )
    if not (np.isfinite(budget) and budget >= 0):
        raise ScenarioError(f"budget must be a finite number >= 0; got {budget!r}")
    bad = np.isfinite(costs) & (costs < 0)
    if bad.any():
        raise ScenarioError(f"costs must be >= 0; {int(bad.sum())} are negative")


def greedy_knapsack(values: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """Greedy allocation: highest ``value / cost`` first, skip what no longer fits.

    Items with a missing or non-positive value, or a missing cost, are never chosen.
    Ties keep input order.

    Examples
    --------
    >>> greedy_knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], 50).tolist()
    [True, True, False]
    """
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    _check(v, c, float(budget))
    usable = np.isfinite(v) & np.isfinite(c) & (v > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(c > 0, v / np.where(c > 0, c, 1.0), np.inf)
    ratio = np.where(usable, ratio, -np.inf)
    order = np.argsort(-ratio, kind="stable")
    chosen = np.zeros(len(v), dtype=bool)
    spent = 0.0
    for i in order:
        if not usable[i]:
            break
        if spent + c[i] <= budget * (1 + 1e-12):
            chosen[i] = True
            spent += c[i]
    return chosen


def knapsack(
    values: np.ndarray | list[float],
    costs: np.ndarray | list[float],
    *,
    budget: float,
    method: str = "milp",
    time_limit: float = 20.0,
) -> KnapsackResult:
    """Choose items maximising total value with total cost within ``budget``.

    Parameters
    ----------
    values : array-like
        Need covered by each district (e.g. stunted children, or the score).
    costs : array-like
        Cost of serving each district (same unit as ``budget``).
    budget : float
        Money available.
    method : {"milp", "greedy"}, default="milp"
        ``"milp"`` solves the exact 0–1 knapsack with :func:`scipy.optimize.milp`
        (relative gap ``MIP_REL_GAP``); if the solver fails, stops early or returns less
        than greedy, the better of the two is kept and ``status`` says so.
    time_limit : float, default=20.0
        Seconds allowed to the solver.

    Returns
    -------
    KnapsackResult

    Examples
    --------
    >>> knapsack([5.0, 4.0, 3.0], [4.0, 3.0, 2.0], budget=5).selected.tolist()
    [False, True, True]
    """
    if method not in ("milp", "greedy"):
        raise ScenarioError(f"method must be one of ['milp', 'greedy']; got {method!r}")
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    _check(v, c, float(budget))
    greedy = greedy_knapsack(v, c, budget)
    g_value = float(v[greedy].sum())
    chosen, used, status = greedy, "greedy", "greedy on request"
    if method == "milp":
        chosen, used, status = _milp(v, c, float(budget), time_limit, greedy)
    value = float(v[chosen].sum())
    gap = 0.0 if value <= 0 else max(0.0, (value - g_value) / value)
    logger.info("knapsack %s: value %.6g, greedy %.6g (gap %.3f%%)", used, value, g_value,
                100 * gap)
    return KnapsackResult(chosen, value, float(c[chosen].sum()), used, status, g_value, gap)


def _milp(
    v: np.ndarray, c: np.ndarray, budget: float, time_limit: float, greedy: np.ndarray
) -> tuple[np.ndarray, str, str]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    usable = np.isfinite(v) & np.isfinite(c) & (v > 0)
    idx = np.flatnonzero(usable)
    chosen = np.zeros(len(v), dtype=bool)
    if idx.size == 0:
        return chosen, "milp", "nothing to choose"
    try:
        res = milp(
            c=-v[idx],
            integrality=np.ones(idx.size),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(c[idx][None, :], -np.inf, budget),
            options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP},
        )
    except Exception as exc:  # the solver is a fallback path: any failure goes to greedy
        logger.warning("milp failed (%s): greedy allocation used", exc)
        return greedy, "greedy", f"milp failed: {exc}"
    if res.x is None:
        logger.warning("milp found no solution (%s): greedy allocation used", res.message)
        return greedy, "greedy", f"milp: {res.message}"
    chosen[idx] = res.x > 0.5
    if c[chosen].sum() > budget * (1 + 1e-9):  # guard against tolerance rounding
        return greedy, "greedy", "milp solution over budget after rounding"
    if v[greedy].sum() > v[chosen].sum():
        return greedy, "greedy", f"milp solution below greedy ({res.message}); greedy kept"
    if res.status != 0:
        return chosen, "milp", f"milp not proven optimal: {res.message}"
    return chosen, "milp", f"optimal (relative gap <= {MIP_REL_GAP:g})"


def allocation_table(
    values: np.ndarray, costs: np.ndarray, selected: np.ndarray, order: np.ndarray
) -> pd.DataFrame:
    """Cumulative cost and coverage of the chosen districts, walked in ``order``.

    ``order`` lists positions (e.g. by rank); coverage is the share of the total value of
    all usable districts. Rows not chosen get NaN.

    Examples
    --------
    >>> import numpy as np
    >>> t = allocation_table(np.array([3.0, 1.0, 6.0]), np.array([1.0, 1.0, 2.0]),
    ...                      np.array([True, False, True]), np.array([2, 0, 1]))
    >>> t["cum_cost"].tolist(), t["cum_coverage"].tolist()
    ([3.0, nan, 2.0], [0.9, nan, 0.6])
    """
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    total = float(np.nansum(np.where(v > 0, v, 0.0)))
    cum_cost = np.full(len(v), np.nan)
    cum_cov = np.full(len(v), np.nan)
    spent = covered = 0.0
    for i in order:
        if selected[i]:
            spent += c[i]
            covered += v[i]
            cum_cost[i] = spent
            cum_cov[i] = covered / total if total > 0 else np.nan
    return pd.DataFrame({"cost": c, "cum_cost": cum_cost, "cum_coverage": cum_cov})
