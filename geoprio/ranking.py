"""From indicators to a ranked, explained list of priority districts.

:func:`prioritize` runs a :class:`~geoprio.scenario.Scenario` on the districts frame:
derived columns (poverty quintile, people reached), composite score
(:mod:`geoprio.scoring`), eligibility with reasons (:mod:`geoprio.rules`) and filters, rank,
selection (top N, threshold, or budget via the exact knapsack of :mod:`geoprio.budget`) and
Monte Carlo rank intervals (:mod:`geoprio.uncertainty`). Every district comes out, selected
or not, in input order; the same scenario gives identical output.

:func:`compare_scenarios` says how much two rankings agree and which districts enter or
leave the list.

Examples
--------
>>> import geoprio
>>> out = geoprio.prioritize(geoprio.load_districts(), geoprio.Scenario.preset("fonie"))
>>> len(out), int(out["selected"].sum())
(1874, 644)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio.budget import add_beneficiaries, allocation_table, beneficiary_totals, knapsack
from geoprio.errors import InputError, ScenarioError
from geoprio.rules import _fold, evaluate_rule
from geoprio.scenario import Scenario
from geoprio.scoring import composite, prepare_raw
from geoprio.uncertainty import monte_carlo, ranks_of

logger = logging.getLogger(__name__)

__all__ = ["ScenarioComparison", "compare_scenarios", "poverty_quintiles", "prioritize"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "score", "rank", "rank_p05", "rank_median", "rank_p95", "p_selected",
    "selection_uncertain", "eligible", "selected", "reasons",
)
BUDGET_COLUMNS: tuple[str, ...] = ("cost", "cum_cost", "cum_coverage")
#: p_selected strictly between these marks a coin toss
UNCERTAIN_BAND = (0.1, 0.9)

_TEXT = {
    "es": {"filter": "fuera del filtro", "dept": "departamento", "prov": "provincia",
           "noscore": "sin puntaje (faltan datos: {ids}; política '{policy}')",
           "rank": "puesto {rank} de {total}", "sel": "seleccionado", "nosel": "no seleccionado",
           "unsure": "selección incierta", "ineligible": "no elegible"},
    "en": {"filter": "outside the filter", "dept": "department", "prov": "province",
           "noscore": "no score (missing data: {ids}; policy '{policy}')",
           "rank": "rank {rank} of {total}", "sel": "selected", "nosel": "not selected",
           "unsure": "uncertain selection", "ineligible": "not eligible"},
}


def poverty_quintiles(
    poverty: pd.Series | np.ndarray, *, population: pd.Series | np.ndarray | None = None
) -> np.ndarray:
    """Poverty quintile of each district, 1 = poorest, NaN where poverty is missing.

    Parameters
    ----------
    poverty : array-like
        Poverty rate (%).
    population : array-like, optional
        If given, quintiles hold equal shares of population (districts sorted from the
        poorest, a district falls in the quintile where the population before it ends);
        otherwise equal numbers of districts. Tied rates share a quintile.

    Examples
    --------
    >>> poverty_quintiles([90, 80, 70, 60, 50, 40, 30, 20, 10, 0]).tolist()
    [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0]
    >>> poverty_quintiles([90, 10, 5], population=[10, 10, 80]).tolist()
    [1.0, 1.0, 2.0]
    """
    p = np.asarray(poverty, dtype=float)
    valid = ~np.isnan(p)
    out = np.full(len(p), np.nan)
    if not valid.any():
        return out
    order = np.flatnonzero(valid)[np.argsort(-p[valid], kind="stable")]
    if population is None:
        before = np.arange(len(order), dtype=float)
        total = float(len(order))
    else:
        pop = np.nan_to_num(np.asarray(population, dtype=float)[order], nan=0.0)
        before = np.cumsum(pop) - pop
        total = float(pop.sum())
    q = np.clip(np.floor(5 * before / max(total, 1e-12)) + 1, 1, 5)
    # tied rates share the quintile of the first (poorest-side) district of the tie
    q = pd.Series(q).groupby(p[order], sort=False).transform("min").to_numpy()
    out[order] = q
    return out


def _check_inputs(districts: object, scenario: object) -> Scenario:
    if not isinstance(districts, pd.DataFrame):
        raise TypeError(f"districts must be a (Geo)DataFrame; got {type(districts).__name__}")
    if "ubigeo" not in districts.columns:
        raise InputError(
            f"districts must have a 'ubigeo' column; got columns {list(districts.columns)[:12]}"
        )
    if districts["ubigeo"].duplicated().any():
        dups = districts.loc[districts["ubigeo"].duplicated(), "ubigeo"].head(5).tolist()
        raise InputError(f"districts has repeated ubigeo codes, e.g. {dups}")
    if isinstance(scenario, str):
        return Scenario.preset(scenario)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario or a preset name; got {scenario!r}")
    return scenario


def _filter_mask(
    frame: pd.DataFrame, column: str, wanted: list[str], lang: str
) -> tuple[np.ndarray, list[str]]:
    n = len(frame)
    if not wanted:
        return np.ones(n, dtype=bool), [""] * n
    if column not in frame.columns:
        raise ScenarioError(f"filter on {column} needs a {column!r} column in districts")
    values = [_fold(v) for v in frame[column]]
    folded = {_fold(w) for w in wanted}
    present = {v for v in values if v is not None}
    unknown = [w for w in wanted if _fold(w) not in present]
    if unknown:
        raise ScenarioError(
            f"{column} filter names {unknown}, which match no district; "
            f"e.g. {sorted({str(v) for v in frame[column].dropna()})[:8]}"
        )
    inside = np.array([v in folded for v in values])
    t = _TEXT[lang]
    word = t["dept"] if column == "department" else t["prov"]
    why = ["" if ok else f"{t['filter']}: {word} {v}" for ok, v in
           zip(inside, frame[column], strict=True)]
    return inside, why


def prioritize(
    districts: pd.DataFrame,
    scenario: Scenario | str,
    *,
    catalog: pd.DataFrame | None = None,
    lang: str = "es",
) -> pd.DataFrame:
    """Rank, explain and select districts under a scenario.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame or pandas.DataFrame
        One row per district with a ``ubigeo`` column and the scenario's indicators
        (e.g. ``geoprio.load_districts()``, possibly with uploaded indicators joined).
    scenario : Scenario or {"fonie", "dci", "anemia"}
    catalog : pandas.DataFrame, optional
        ``geoprio.catalog()``: directions of the indicators, labels in reasons, id checks.
    lang : {"es", "en"}, default="es"
        Language of ``reasons``.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        Same type as ``districts``, all its rows in order and all its columns, plus
        ``poverty_quintile_2018`` and people-reached columns (when computable), ``score``,
        ``rank`` (1 = first, among eligible districts with a score), ``rank_p05``,
        ``rank_median``, ``rank_p95`` (Monte Carlo 90% interval), ``p_selected``,
        ``selection_uncertain`` (0.1 < p_selected < 0.9), ``eligible``, ``selected``,
        ``reasons`` and, with a budget, ``cost``, ``cum_cost``, ``cum_coverage``.
        ``attrs`` holds ``scenario`` (dict), ``weights``, ``excluded``, ``totals`` and,
        with a budget, ``knapsack``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "poverty_2018": [60.0, 20.0, 45.0],
    ...                   "vraem": [False, False, True]})
    >>> s = Scenario(weights={"poverty_2018": 1}, rule="poverty_2018 >= 40", top_n=1,
    ...              n_draws=0)
    >>> out = prioritize(f, s)
    >>> out["rank"].tolist(), out["selected"].tolist()
    ([1, <NA>, 2], [True, False, False])
    """
    scenario = _check_inputs(districts, scenario)
    if lang not in _TEXT:
        raise ScenarioError(f"lang must be one of {list(_TEXT)}; got {lang!r}")
    scenario.validate(catalog=catalog, columns=districts.columns)
    t = _TEXT[lang]

    frame = add_beneficiaries(districts)
    frame = frame.drop(columns=[c for c in (*OUTPUT_COLUMNS, *BUDGET_COLUMNS)
                                if c in frame.columns])
    if "poverty_2018" in frame.columns and "poverty_quintile_2018" not in districts.columns:
        pop = None
        if scenario.quintiles == "population":
            if "pop_2017" not in frame.columns:
                raise ScenarioError("quintiles='population' needs a 'pop_2017' column")
            pop = frame["pop_2017"]
        frame["poverty_quintile_2018"] = poverty_quintiles(frame["poverty_2018"], population=pop)

    comp = composite(
        frame, scenario.weights, normalisation=scenario.normalisation,
        aggregation=scenario.aggregation, missing=scenario.missing,
        higher_is_worse=scenario.higher_is_worse, targets=scenario.targets, catalog=catalog,
    )
    score = comp.score.to_numpy()
    ids = list(comp.normalised.columns)

    verdict = evaluate_rule(frame, scenario.rule, catalog=catalog, lang=lang)
    in_dept, why_dept = _filter_mask(frame, "department", scenario.departments, lang)
    in_prov, why_prov = _filter_mask(frame, "province", scenario.provinces, lang)
    eligible = verdict.eligible.to_numpy() & in_dept & in_prov
    scored = np.isfinite(score)
    ranked = eligible & scored
    rank = ranks_of(score, ranked)
    total_ranked = int(ranked.sum())

    n = len(frame)
    need_vals = None if scenario.need == "score" else (
        pd.to_numeric(frame[scenario.need], errors="coerce").astype(float).to_numpy()
    )
    costs = None
    knap = None
    alloc = None
    if scenario.budget is not None:
        if scenario.cost_per_district is not None:
            costs = np.full(n, scenario.cost_per_district)
        else:
            base = pd.to_numeric(frame[scenario.beneficiary_column], errors="coerce")
            costs = base.astype(float).to_numpy() * scenario.cost_per_beneficiary
        values = score if need_vals is None else need_vals
        values = np.where(ranked, values, np.nan)
        knap = knapsack(values, costs, budget=scenario.budget)
        selected = knap.selected & ranked
        order = np.argsort(np.where(ranked, rank, n + 1), kind="stable")
        alloc = allocation_table(values, costs, selected, order)
    elif scenario.top_n is not None:
        selected = ranked & (rank <= scenario.top_n)
    elif scenario.threshold is not None:
        selected = ranked & (score >= scenario.threshold)
    else:
        selected = ranked.copy()

    if scenario.n_draws > 0 and total_ranked:
        raw, _, _ = prepare_raw(frame, ids, missing=scenario.missing)
        intervals = {
            j: (frame[f"{i}_lo"].astype(float).to_numpy(),
                frame[f"{i}_hi"].astype(float).to_numpy())
            for j, i in enumerate(ids)
            if f"{i}_lo" in frame.columns and f"{i}_hi" in frame.columns
        }
        mc = monte_carlo(
            raw, ids, np.array([comp.weights[i] for i in ids]),
            higher_is_worse=[comp.higher_is_worse[i] for i in ids],
            normalisation=scenario.normalisation, aggregation=scenario.aggregation,
            missing=scenario.missing, targets=[scenario.targets.get(i) for i in ids],
            intervals=intervals, eligible=eligible, top_n=scenario.top_n,
            threshold=scenario.threshold, budget=scenario.budget, costs=costs,
            need=need_vals, n_draws=scenario.n_draws, weight_spread=scenario.weight_spread,
            seed=scenario.seed,
        )
        p05, p50, p95, p_sel = mc.rank_p05, mc.rank_median, mc.rank_p95, mc.p_selected
    else:
        point = np.where(ranked, rank, np.nan).astype(float)
        p05 = p50 = p95 = point
        p_sel = selected.astype(float)

    lo_band, hi_band = UNCERTAIN_BAND
    unsure = (p_sel > lo_band) & (p_sel < hi_band)
    missing_by_row = comp.normalised.isna().to_numpy()
    reasons = []
    rule_reasons = verdict.reasons.to_numpy()
    for i in range(n):
        parts = [x for x in (why_dept[i], why_prov[i]) if x]
        parts.append(rule_reasons[i])
        if not scored[i]:
            lacking = ", ".join(np.asarray(ids)[missing_by_row[i]]) or "-"
            parts.append(t["noscore"].format(ids=lacking, policy=scenario.missing))
        elif ranked[i]:
            state = t["sel"] if selected[i] else t["nosel"]
            tail = f", {t['unsure']}" if unsure[i] else ""
            parts.append(
                f"{t['rank'].format(rank=rank[i], total=total_ranked)}; {state} "
                f"(p = {p_sel[i]:.2f}{tail})"
            )
        else:
            parts.append(t["ineligible"])
        reasons.append(". ".join(parts))

    out = frame.copy()
    out["score"] = score
    out["rank"] = pd.array(np.where(ranked, rank, 0), dtype="Int64")
    out.loc[~ranked, "rank"] = pd.NA
    for name, values in (("rank_p05", p05), ("rank_median", p50), ("rank_p95", p95)):
        col = pd.array(np.nan_to_num(values, nan=0).astype(np.int64), dtype="Int64")
        col[~np.isfinite(values)] = pd.NA
        out[name] = col
    out["p_selected"] = p_sel
    out["selection_uncertain"] = unsure
    out["eligible"] = eligible
    out["selected"] = selected
    out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)
    if alloc is not None:
        for c in BUDGET_COLUMNS:
            out[c] = alloc[c].to_numpy()
    out.attrs = {
        "scenario": scenario.to_dict(),
        "weights": comp.weights,
        "excluded": comp.excluded,
        "imputed": comp.imputed,
        "totals": beneficiary_totals(out, out["selected"]),
    }
    if knap is not None:
        out.attrs["knapsack"] = {
            "method": knap.method, "status": knap.status, "value": knap.value,
            "cost": knap.cost, "greedy_value": knap.greedy_value, "gap": knap.gap,
        }
    logger.info("prioritize %r: %d eligible, %d ranked, %d selected", scenario.name,
                int(eligible.sum()), total_ranked, int(selected.sum()))
    return out


@dataclass
class ScenarioComparison:
    """How two rankings differ.

    Attributes
    ----------
    spearman, kendall : float
        Rank correlations over the districts ranked in both (NaN if fewer than 2).
    n_common : int
        Districts ranked in both.
    entering : pandas.DataFrame
        Selected in ``b`` but not in ``a`` (``ubigeo``, names, ``rank_a``, ``rank_b``).
    leaving : pandas.DataFrame
        Selected in ``a`` but not in ``b``.
    n_kept : int
        Selected in both.
    """

    spearman: float
    kendall: float
    n_common: int
    entering: pd.DataFrame
    leaving: pd.DataFrame
    n_kept: int

    def __repr__(self) -> str:
        return (
            f"ScenarioComparison(spearman={self.spearman:.3f}, kendall={self.kendall:.3f}, "
            f"over {self.n_common}; kept {self.n_kept}, entering {len(self.entering)}, "
            f"leaving {len(self.leaving)})"
        )


def compare_scenarios(
    a: pd.DataFrame | Scenario,
    b: pd.DataFrame | Scenario,
    *,
    districts: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
) -> ScenarioComparison:
    """Compare two prioritisations: rank correlation and districts entering or leaving.

    Parameters
    ----------
    a, b : DataFrame or Scenario
        Outputs of :func:`prioritize`, or scenarios (then ``districts`` is required).
    districts : DataFrame, optional
        Districts to run scenarios on.
    catalog : DataFrame, optional
        Passed to :func:`prioritize`.

    Returns
    -------
    ScenarioComparison

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [3.0, 2.0, 1.0], "y": [1.0, 3.0, 2.0]})
    >>> c = compare_scenarios(Scenario(weights={"x": 1}, top_n=1, n_draws=0),
    ...                       Scenario(weights={"y": 1}, top_n=1, n_draws=0), districts=f)
    >>> round(c.spearman, 2), c.entering["ubigeo"].tolist(), c.leaving["ubigeo"].tolist()
    (-0.5, ['2'], ['1'])
    """
    from scipy.stats import kendalltau, spearmanr

    frames = []
    for x in (a, b):
        if isinstance(x, Scenario):
            if districts is None:
                raise ScenarioError("compare_scenarios with Scenario objects needs districts=")
            x = prioritize(districts, x, catalog=catalog)
        if not isinstance(x, pd.DataFrame) or not {"ubigeo", "rank", "selected"} <= set(x):
            raise InputError("compare_scenarios needs prioritize() outputs or Scenario objects")
        frames.append(x)
    fa, fb = frames
    names = [c for c in ("ubigeo", "department", "province", "district") if c in fa.columns]
    left = fa[[*names, "rank", "selected"]].rename(columns={"rank": "rank_a",
                                                            "selected": "sel_a"})
    right = fb[["ubigeo", "rank", "selected"]].rename(columns={"rank": "rank_b",
                                                               "selected": "sel_b"})
    both = left.merge(right, on="ubigeo", how="outer", sort=False)
    both["sel_a"] = both["sel_a"].fillna(False).astype(bool)
    both["sel_b"] = both["sel_b"].fillna(False).astype(bool)
    common = both["rank_a"].notna() & both["rank_b"].notna()
    ra = both.loc[common, "rank_a"].astype(float).to_numpy()
    rb = both.loc[common, "rank_b"].astype(float).to_numpy()
    if common.sum() >= 2:
        rho = float(spearmanr(ra, rb).statistic)
        tau = float(kendalltau(ra, rb).statistic)
    else:
        rho = tau = float("nan")
    cols = [*names, "rank_a", "rank_b"]
    entering = both.loc[both["sel_b"] & ~both["sel_a"], cols].sort_values("rank_b")
    leaving = both.loc[both["sel_a"] & ~both["sel_b"], cols].sort_values("rank_a")
    return ScenarioComparison(
        spearman=rho, kendall=tau, n_common=int(common.sum()),
        entering=entering.reset_index(drop=True), leaving=leaving.reset_index(drop=True),
        n_kept=int((both["sel_a"] & both["sel_b"]).sum()),
    )
