"""Columns geoprio derives from the indicators: poverty quintiles and people reached.

They are always recomputed from their inputs, never taken from the frame a user passes (a
stale ``poverty_quintile_2018`` from another year or another cut would silently change who
is eligible). The same functions serve the point estimate and every Monte Carlo draw: the
inputs may be arrays of shape ``(n,)`` or ``(draws, n)``.

Derived columns (``DERIVED``: id -> the columns it is computed from):

``poverty_quintile_2018``
    Quintile of ``poverty_2018``, 1 = poorest (see :func:`poverty_quintiles`); cut by number
    of districts, or by population (``pop_2017``) when ``quintiles="population"``.
``stunted_children``
    ``under5_2020 × stunting_u5_2022_fh_endes / 100``: children under 5 with chronic
    malnutrition (the Fay–Herriot estimate from SIEN-HIS 2022, benchmarked to ENDES 2022 by
    department: a count of children living there is population-based, and a handful of
    children measured does not make a district's count; methodology 3.13).
``anemic_children``
    ``children_6_35m_2020 × anemia_6_35m_2022_eb / 100``: children 6–35 months with anemia.
``poor_people``
    ``pop_2020 × poverty_2018 / 100`` (``pop_2017`` in each district whose 2020 population
    is missing, or where the column is absent): people in monetary
    poverty. Population and prevalence come from different years: an order of magnitude, not a
    count.
``<people>_rate_weighted``
    People reached weighted by their district's rate, ``people × rate / 100``: a child in a
    district at 40% counts twice one in a district at 20%. A budget that maximises it leans
    towards high rates without ignoring how many people live there.

A missing input gives a missing value (NaN), never zero.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"under5_2020": [1000.0, 500.0],
...                   "stunting_u5_2022_fh_endes": [20.0, None]})
>>> add_derived(f)["stunted_children"].tolist()
[200.0, nan]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

__all__ = [
    "BASIC",
    "DERIVED",
    "PEOPLE",
    "QUINTILE_METHODS",
    "add_derived",
    "derive",
    "inputs_of",
    "people_totals",
    "poverty_quintiles",
    "stable_argsort",
]

QUINTILE_METHODS: tuple[str, ...] = ("districts", "population")

#: people reached -> (count column candidates, prevalence column (%))
PEOPLE: dict[str, tuple[tuple[str, ...], str]] = {
    "stunted_children": (("under5_2020",), "stunting_u5_2022_fh_endes"),
    "anemic_children": (("children_6_35m_2020",), "anemia_6_35m_2022_eb"),
    "poor_people": (("pop_2020", "pop_2017"), "poverty_2018"),
}

#: derived columns every prioritisation adds where it can
BASIC: tuple[str, ...] = ("poverty_quintile_2018", *PEOPLE)
#: derived id -> every column it may be computed from
DERIVED: dict[str, tuple[str, ...]] = {
    "poverty_quintile_2018": ("poverty_2018", "pop_2017"),
    **{name: (*counts, rate) for name, (counts, rate) in PEOPLE.items()},
    **{f"{name}_rate_weighted": (*counts, rate) for name, (counts, rate) in PEOPLE.items()},
}


def stable_argsort(key: np.ndarray, *, free_inf: bool = False) -> np.ndarray:
    """``numpy.argsort(key, axis=-1, kind="stable")``, from numpy's faster default sort.

    The default sort (introsort, vectorised on CPUs with AVX-512) puts equal keys in any
    order; each run of equal keys is then put back in input order, so the result is the
    stable sort's, element for element (NaN last, in input order). With ``free_inf`` runs of
    ``+inf`` keys may keep any order: for callers whose ``+inf`` marks what is never ranked.

    Examples
    --------
    >>> import numpy as np
    >>> stable_argsort(np.array([[2.0, 1.0, 2.0, 1.0], [0.0, 0.0, 0.0, -1.0]])).tolist()
    [[1, 3, 0, 2], [3, 0, 1, 2]]
    """
    k = np.asarray(key)
    order = np.argsort(k, axis=-1)
    n = k.shape[-1] if k.ndim else 0
    if n < 2:
        return order
    s = np.take_along_axis(k, order, axis=-1)
    tie = s[..., 1:] == s[..., :-1]
    if k.dtype.kind in "fc":
        tie |= np.isnan(s[..., 1:]) & np.isnan(s[..., :-1])
        if free_inf:
            tie &= s[..., 1:] != np.inf
    if tie.any():
        _inputs_order_in_runs(order.reshape(-1, n), tie.reshape(-1, n - 1))
    return order


def _inputs_order_in_runs(order: np.ndarray, tie: np.ndarray) -> None:
    """Sort ``order`` (rows, n) in place within each run of equal keys (``tie`` marks them).

    Every element of a run gets the key ``(run number, input position)``, runs numbered
    across all rows in order, so one sort of those keys reorders each run alone.
    """
    n = order.shape[1]
    start = np.ones(order.shape, dtype=bool)
    start[:, 1:] = ~tie
    member = np.zeros(order.shape, dtype=bool)
    member[:, 1:] = tie
    member[:, :-1] |= tie
    run = np.cumsum(start, axis=None).reshape(order.shape)
    keys = run[member].astype(np.int64) * n + order[member]
    keys.sort()
    order[member] = keys % n


def poverty_quintiles(
    poverty: pd.Series | np.ndarray, *, population: pd.Series | np.ndarray | None = None
) -> np.ndarray:
    """Poverty quintile of each district, 1 = poorest, NaN where poverty is missing.

    Parameters
    ----------
    poverty : array-like
        Poverty rate (%), shape ``(n,)`` or ``(draws, n)`` (quintiles cut within each draw).
    population : array-like, optional
        If given, quintiles hold equal shares of population (districts sorted from the
        poorest; a district falls in the quintile where the population before it ends);
        otherwise equal numbers of districts. Tied rates share the quintile of the first
        district of the tie (districts INEI estimated jointly share one rate).

    Examples
    --------
    >>> poverty_quintiles([90, 80, 70, 60, 50, 40, 30, 20, 10, 0]).tolist()
    [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0]
    >>> poverty_quintiles([90, 10, 5], population=[10, 10, 80]).tolist()
    [1.0, 1.0, 2.0]
    >>> poverty_quintiles([[50, 40, 40], [30, 40, 20]]).tolist()
    [[1.0, 2.0, 2.0], [2.0, 1.0, 4.0]]
    """
    p = np.asarray(poverty, dtype=float)
    flat = p.ndim == 1
    p2 = np.atleast_2d(p)
    pop = None
    if population is not None:
        pop = np.nan_to_num(np.asarray(population, dtype=float), nan=0.0)
        pop = np.broadcast_to(pop, p2.shape)
    # with whole weights every sum below is exact in any order, so the order within a run of
    # equal rates changes nothing and numpy's default sort does; otherwise the stable sort
    # (and with no infinite rate, which would sort among the missing ones)
    exact = (pop is None or _whole_numbers(pop)) and not np.isinf(p2).any()
    # sort each row from the poorest; missing values go last
    key = np.where(np.isnan(p2), np.inf, -p2)
    order = np.argsort(key, axis=1) if exact else stable_argsort(key)
    sorted_p = np.take_along_axis(p2, order, axis=1)
    sorted_valid = ~np.isnan(sorted_p)
    if pop is None:
        weight = sorted_valid.astype(float)
    else:
        weight = np.where(sorted_valid, np.take_along_axis(pop, order, axis=1), 0.0)
    total = weight.sum(axis=1, keepdims=True)
    before = np.cumsum(weight, axis=1) - weight
    q = np.clip(np.floor(5 * before / np.maximum(total, 1e-12)) + 1, 1, 5)
    # ties: every district of a run of equal rates takes the quintile of the run's first
    start = np.ones(p2.shape, dtype=bool)
    start[:, 1:] = sorted_p[:, 1:] != sorted_p[:, :-1]
    if exact:  # q never decreases along a row: the run's first has the run's largest q so far
        q = np.maximum.accumulate(np.where(start, q, 0.0), axis=1)
    else:
        first = np.maximum.accumulate(np.where(start, np.arange(p2.shape[1]), 0), axis=1)
        q = np.take_along_axis(q, first, axis=1)
    q[~sorted_valid] = np.nan
    out = np.empty_like(q)
    np.put_along_axis(out, order, q, axis=1)
    return out[0] if flat else out


def _whole_numbers(x: np.ndarray) -> bool:
    """Whether ``x`` holds whole numbers ≥ 0 whose sum a float64 holds exactly."""
    return bool(np.all((x >= 0) & (x == np.floor(x)))) and float(x.sum(axis=-1).max(
        initial=0.0)) < 2.0**53


def inputs_of(names: list[str] | tuple[str, ...], columns: set[str] | list[str]) -> list[str]:
    """The columns of ``columns`` that the derived ids among ``names`` are computed from.

    Examples
    --------
    >>> inputs_of(["poverty_quintile_2018", "vraem"], ["poverty_2018", "pop_2017"])
    ['poverty_2018', 'pop_2017']
    """
    have = set(columns)
    out: list[str] = []
    for name in names:
        for col in DERIVED.get(name, ()):
            if col in have and col not in out:
                out.append(col)
    return out


def _column(frame: pd.DataFrame, values: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    if name in values:
        return np.asarray(values[name], dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").astype(float).to_numpy()


def derive(
    frame: pd.DataFrame,
    names: list[str] | tuple[str, ...] | None = None,
    *,
    required: list[str] | tuple[str, ...] = (),
    quintiles: str = "districts",
    values: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Compute derived columns from ``frame``, with some inputs replaced by ``values``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The districts.
    names : list of str, optional
        Derived ids wanted (default: the quintile and the people reached).
    required : list of str, default=()
        Ids that must be computed: missing inputs raise :class:`ScenarioError` naming them
        (the others are skipped and logged).
    quintiles : {"districts", "population"}, default="districts"
    values : mapping, optional
        Input column -> array ``(n,)`` or ``(draws, n)`` (e.g. drawn poverty).

    Returns
    -------
    dict
        Derived id -> array (shape of the widest input). Ids whose inputs are absent are
        left out, unless ``required``.
    """
    if quintiles not in QUINTILE_METHODS:
        raise ScenarioError(f"quintiles must be one of {list(QUINTILE_METHODS)}; got {quintiles!r}")
    values = dict(values or {})
    have = set(frame.columns) | set(values)
    wanted = list(BASIC) if names is None else [n for n in names if n in DERIVED]
    wanted += [r for r in required if r in DERIVED and r not in wanted]
    out: dict[str, np.ndarray] = {}
    for name in wanted:
        if name == "poverty_quintile_2018":
            if "poverty_2018" not in have:
                _absent(name, ["poverty_2018"], name in required)
                continue
            pop = None
            if quintiles == "population":
                if "pop_2017" not in have:
                    raise ScenarioError("quintiles='population' needs a 'pop_2017' column")
                pop = _column(frame, values, "pop_2017")
            out[name] = poverty_quintiles(_column(frame, values, "poverty_2018"), population=pop)
            continue
        base = name.removesuffix("_rate_weighted")
        counts, rate = PEOPLE[base]
        present = [c for c in counts if c in have]
        if not present or rate not in have:
            _absent(name, [" or ".join(counts), rate], name in required)
            continue
        r = _column(frame, values, rate)
        people = _count(frame, values, present) * r / 100.0
        out[name] = people if name == base else people * r / 100.0
    return out


def _count(frame: pd.DataFrame, values: Mapping[str, np.ndarray],
           columns: list[str]) -> np.ndarray:
    """The first count column, each missing value filled from the next one, row by row."""
    out = _column(frame, values, columns[0])
    for col in columns[1:]:
        out = np.where(np.isnan(out), _column(frame, values, col), out)
    return out


def _absent(name: str, needs: list[str], required: bool) -> None:
    if not required:
        logger.info("%s not computed: needs %s", name, " and ".join(needs))
        return
    raise ScenarioError(
        f"{name!r} is computed by geoprio from {' and '.join(needs)}, which the districts "
        "frame lacks; add those columns (e.g. geoprio.load_districts()) or do not use it"
    )


def add_derived(
    frame: pd.DataFrame, required: list[str] | tuple[str, ...] = (), *,
    quintiles: str = "districts",
) -> pd.DataFrame:
    """A copy of ``frame`` with the derived columns recomputed (stale copies replaced).

    Computes the quintile and the people reached where their inputs are present, plus every
    derived id in ``required`` (an error names the missing inputs). A derived column found
    in ``frame`` that cannot be recomputed is dropped (and logged): geoprio never trusts a
    derived figure it cannot recompute.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"poverty_2018": [60.0, 10.0], "poverty_quintile_2018": [5, 1]})
    >>> add_derived(f)["poverty_quintile_2018"].tolist()
    [1.0, 3.0]
    """
    out = frame.copy()
    computed = derive(out, required=required, quintiles=quintiles)
    stale = [c for c in DERIVED if c in out.columns and c not in computed]
    if stale:
        logger.warning("derived columns %s dropped: their inputs are absent", stale)
        out = out.drop(columns=stale)
    for name, vals in computed.items():
        out[name] = vals
    return out


def people_totals(districts: pd.DataFrame, selected: pd.Series | np.ndarray | None = None
                  ) -> dict[str, float | int]:
    """Totals of the people-reached columns, for the selected districts or all.

    Missing district estimates are skipped and counted in ``<column>_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"poor_people": [10.0, 5.0, None]})
    >>> people_totals(f, pd.Series([True, False, True]))
    {'poor_people': 10.0, 'poor_people_missing': 1}
    """
    rows = districts if selected is None else districts[np.asarray(selected, dtype=bool)]
    out: dict[str, float | int] = {}
    for name in PEOPLE:
        if name in rows.columns:
            col = rows[name].astype(float)
            out[name] = float(col.sum(skipna=True))
            out[f"{name}_missing"] = int(col.isna().sum())
    return out
