"""Budget allocation: which districts a sum of money covers, and how well.

A budget list chooses districts that maximise the *need* covered within the money available,
a 0–1 knapsack. geoprio fills it with the **greedy rule** (highest need per sol first; skip a
district that no longer fits and go on), vectorised over Monte Carlo draws, so that the point
list and every draw are chosen the same way and ``p_selected`` agrees with ``selected``.
The exact optimum (:func:`knapsack`, :func:`scipy.optimize.milp`, HiGHS) is solved once for
the point estimate and reported beside it: the *gap* is what greedy leaves on the table
(with a cost per district greedy is exact; with a cost per beneficiary the gap on the
shipped data is a few hundredths of a percent, measured in ``benchmarks/``).

Needs (what a budget maximises; :data:`NEEDS`):

``score``
    The composite score. Scores can be negative under ``normalisation="zscore"``: they are
    then shifted so that the lowest-ranked district has need 0 (stated in the result), so
    that enough money funds every eligible district.
``stunted_children`` (and ``anemic_children``, ``poor_people``)
    People reached: favours large districts, even where the rate is low.
``stunted_children_rate_weighted`` (and the others)
    People reached weighted by the rate (see :mod:`geoprio.engine.derived`): leans to high rates.
any numeric column
    Must be >= 0 everywhere it is used; a negative or non-numeric need is an error.

Examples
--------
>>> res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50)
>>> res.selected.tolist(), res.value, res.greedy_value
([False, True, True], 220.0, 160.0)
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio.engine.derived import PEOPLE
from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

#: HiGHS relative MIP gap; its default (1e-4) can stop short of greedy on real data
MIP_REL_GAP = 1e-9

__all__ = [
    "NEEDS",
    "KnapsackResult",
    "allocation_table",
    "greedy_fill",
    "greedy_knapsack",
    "knapsack",
    "native_output_dropped",
]

#: needs a scenario may maximise under a budget (any numeric column >= 0 is allowed too)
NEEDS: tuple[str, ...] = (
    "score", *PEOPLE, *(f"{p}_rate_weighted" for p in PEOPLE),
)


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


def greedy_fill(
    values: np.ndarray, costs: np.ndarray, budget: float, usable: np.ndarray | None = None
) -> np.ndarray:
    """Greedy allocation for one list ``(n,)`` or many draws ``(draws, n)`` at once.

    Highest ``value / cost`` first (a free district first of all); a district that no longer
    fits is skipped and the next one tried. A district is never chosen when it is not
    ``usable``, or its value or cost is missing, or its value is negative; a district of value
    0 is funded last, when money remains. Ties keep input order. A negative cost (of a
    usable district) is an error, never skipped.

    Parameters
    ----------
    values : numpy.ndarray
        Need per district, ``(n,)`` or ``(draws, n)``.
    costs : numpy.ndarray
        Cost per district, ``(n,)`` or ``(draws, n)``.
    budget : float
    usable : numpy.ndarray of bool, optional
        Districts that may be chosen, ``(n,)`` or ``(draws, n)``.

    Returns
    -------
    numpy.ndarray of bool, the shape of ``values``.

    Examples
    --------
    >>> greedy_fill(np.array([60.0, 100.0, 120.0]), np.array([10.0, 20.0, 30.0]), 50).tolist()
    [True, True, False]
    >>> greedy_fill(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([1.0, 1.0]), 1).tolist()
    [[False, True], [True, False]]
    """
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    u = np.ones(v.shape[-1:], dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    shape = np.broadcast_shapes(v.shape, c.shape, u.shape)
    flat = len(shape) == 1
    shape = shape if not flat else (1, *shape)
    v, c, u = (np.broadcast_to(a, shape) for a in (v, c, u))
    negative = np.isfinite(c) & (c < 0) & u
    if negative.any():
        raise ScenarioError(
            f"costs must be >= 0; {int(negative.any(axis=0).sum())} districts have a negative "
            "cost: a negative cost would fund a district and add money to the budget"
        )
    ok = np.isfinite(v) & (v >= 0) & np.isfinite(c) & (c >= 0) & u
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(c > 0, v / np.where(c > 0, c, 1.0), np.inf)
    ratio = np.where(ok, ratio, -np.inf)
    order = np.argsort(-ratio, axis=1, kind="stable")
    c_s = np.take_along_axis(np.where(ok, c, 0.0), order, axis=1)
    ok_s = np.take_along_axis(ok, order, axis=1)
    limit = budget * (1 + 1e-12)
    # the districts before the first one that does not fit are all funded
    cum = np.cumsum(c_s, axis=1)
    fits = ok_s & (cum <= limit)
    broken = ok_s & (cum > limit)
    first = np.where(broken.any(axis=1), broken.argmax(axis=1), v.shape[1])
    chosen_s = fits & (np.arange(v.shape[1]) < first[:, None])
    start = int(first.min()) if len(first) else 0
    if start < v.shape[1]:
        spent = np.where(chosen_s, c_s, 0.0).sum(axis=1)
        # cheapest usable district from each position on: stop when none fits any draw
        cheapest = np.minimum.accumulate(np.where(ok_s, c_s, np.inf)[:, ::-1], axis=1)[:, ::-1]
        rows = np.arange(v.shape[0])
        for j in range(start, v.shape[1]):
            left = limit - spent
            if not (left >= cheapest[:, j]).any():
                break
            take = ok_s[:, j] & (j >= first) & (c_s[:, j] <= left)
            chosen_s[rows, j] |= take
            spent += np.where(take, c_s[:, j], 0.0)
    chosen = np.empty_like(chosen_s)
    np.put_along_axis(chosen, order, chosen_s, axis=1)
    return chosen[0] if flat else chosen


def greedy_knapsack(values: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """Greedy allocation of one list (see :func:`greedy_fill`), with input checks.

    Examples
    --------
    >>> greedy_knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], 50).tolist()
    [True, True, False]
    """
    v = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    _check(v, c, float(budget))
    return greedy_fill(v, c, float(budget))


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
        Need covered by each district (e.g. stunted children, or the score); missing and
        negative values are never chosen.
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
    greedy = greedy_fill(v, c, float(budget))
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


@contextlib.contextmanager
def native_output_dropped() -> Iterator[None]:
    """Drop what native code writes to file descriptor 1, for a whole command-line run.

    HiGHS (:func:`scipy.optimize.milp`) writes debug lines to the process's file descriptor
    1 on some programs, whatever its options say. The ``geoprio`` command, whose standard
    output carries tables and TOML, wraps its run in this: Python's ``sys.stdout`` keeps the
    terminal (a copy of descriptor 1) while descriptor 1 itself points to ``os.devnull``.
    The library never does this by itself: a server's or a notebook's output is not
    silenced, and solves are never serialised behind a lock; there the solver's lines go to
    the process's log.
    """
    try:
        if sys.stdout is None or sys.stdout.fileno() != 1:
            raise ValueError("standard output is not descriptor 1")
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # captured or closed: nothing to route
        yield
        return
    old = sys.stdout
    sys.stdout = open(saved, "w", encoding=old.encoding, errors=old.errors,  # noqa: SIM115
                      closefd=False, buffering=1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout = old


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
