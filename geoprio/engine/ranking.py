"""From indicators to a ranked, explained list of priority districts.

:func:`prioritize` runs a :class:`~geoprio.engine.scenario.Scenario` on the districts frame in named
steps, each a function or method of its own:

1. **derive**: poverty quintiles and people reached, recomputed (:mod:`geoprio.engine.derived`);
2. **score**: the composite index (:mod:`geoprio.engine.scoring`);
3. **eligibility**: the rule (:mod:`geoprio.engine.rules`) and the department/province filters;
4. **selection**: ranks and the list, top N, threshold or budget (:mod:`geoprio.engine.selection`);
5. **simulation**: the same steps 1–4 again in every Monte Carlo draw
   (:mod:`geoprio.engine.uncertainty`), so that eligibility, quintiles, needs and the list move
   with the drawn values, not only the score;
6. **explanation**: a reason per district, with its probabilities.

Steps 1–4 are :meth:`Plan.run`, called once on the published estimates (the point result)
and once per chunk of draws: the point list and its probabilities come from one rule.
Every district comes out, selected or not, in input order; the same scenario gives
identical output.

:func:`geoprio.compare_scenarios` (:mod:`geoprio.decide.comparison`) says how much two rankings
agree, which districts enter or leave the list and whether each move is within the rank
intervals.

Examples
--------
>>> import geoprio
>>> out = geoprio.prioritize(geoprio.load_districts(), geoprio.Scenario.preset("fonie"))
>>> len(out), int(out["eligible"].sum()), int(out["selected"].sum())
(1874, 800, 800)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio import fmt
from geoprio.engine.budget import allocation_table, knapsack
from geoprio.engine.derived import DERIVED, PEOPLE, add_derived, derive, inputs_of, people_totals
from geoprio.engine.rules import DERIVED_LABELS, Rule, _fold
from geoprio.engine.scenario import Scenario
from geoprio.engine.scoring import (
    aggregate,
    directions_from_catalog,
    normalise,
    normalise_weights,
    prepare_raw,
    shipped_catalog_if_none,
)
from geoprio.engine.selection import ranks_of, select
from geoprio.engine.texts import RANKING as _TEXT  # the reasons' words (frontier reads _TEXT)
from geoprio.engine.uncertainty import BLOCK, CHUNK, draw_models, simulate
from geoprio.errors import InputError, ScenarioError

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "Plan", "TieAtCut", "build_plan", "prioritize"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "score", "rank", "rank_p05", "rank_median", "rank_p95", "p_eligible", "p_selected",
    "eligibility_uncertain", "selection_uncertain", "eligible", "selected", "reasons",
)
BUDGET_COLUMNS: tuple[str, ...] = ("budget_need", "cost", "cum_cost", "cum_coverage")
#: a probability strictly between these is a coin toss, never presented as firm
UNCERTAIN_BAND = (0.1, 0.9)

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


def _numeric(frame: pd.DataFrame, column: str, role: str) -> np.ndarray:
    if column not in frame.columns:
        raise ScenarioError(f"{role} {column!r} is not a column of the districts frame")
    try:
        values = pd.to_numeric(frame[column], errors="raise").astype(float).to_numpy()
    except (TypeError, ValueError):
        raise ScenarioError(
            f"{role} {column!r} must be numeric; it holds text (e.g. "
            f"{frame[column].dropna().astype(str).head(3).tolist()}): choose a numeric column"
        ) from None
    return values


@dataclass
class Outcome:
    """Steps 2–4 of one evaluation: arrays of shape ``(n,)`` or ``(draws, n)``.

    Attributes
    ----------
    score, eligible, ranked, rank, selected : numpy.ndarray
    need, costs : numpy.ndarray or None
        What a budget maximised and what each district costs (budget lists only).
    """

    score: np.ndarray
    eligible: np.ndarray
    ranked: np.ndarray
    rank: np.ndarray
    selected: np.ndarray
    need: np.ndarray | None = None
    costs: np.ndarray | None = None


class Plan:
    """A scenario prepared on a districts frame: fixed parts computed once, uncertain ones named.

    Parameters
    ----------
    frame : pandas.DataFrame
        Districts with their derived columns (:func:`geoprio.engine.derived.add_derived`).
    scenario : Scenario
    catalog : pandas.DataFrame
        Directions, units (for the draw bounds) and labels.
    lang : {"es", "en"}

    Attributes
    ----------
    ids : list of str
        Weighted indicators (weight > 0); ``weights`` their weights, summing to 1.
    models : dict
        Columns drawn in the simulation (:func:`geoprio.engine.uncertainty.draw_models`).
    varying : set of str
        Drawn columns and the derived columns computed from them.
    """

    def __init__(self, frame: pd.DataFrame, scenario: Scenario, catalog: pd.DataFrame,
                 lang: str = "es") -> None:
        s = scenario
        self.frame, self.scenario, self.n, self.lang = frame, s, len(frame), lang
        self.weights_all = normalise_weights(s.weights)
        # indicators in name order: the draws of the weights do not depend on the order in
        # which a scenario lists them
        self.ids = sorted(k for k, v in self.weights_all.items() if v > 0)
        self.weights = np.array([self.weights_all[i] for i in self.ids])
        self.raw, self.missing_counts, self.imputed = prepare_raw(frame, self.ids,
                                                                  missing=s.missing)
        self.directions = directions_from_catalog(self.ids, catalog, s.higher_is_worse)
        col = "label_en" if lang == "en" else "label_es"
        self.labels = ({str(i): str(v) for i, v in zip(catalog["id"], catalog[col], strict=True)
                        if isinstance(v, str)} if col in catalog.columns else {})
        self.rule = Rule(s.rule)
        in_dept, why_dept = _filter_mask(frame, "department", s.departments, lang)
        in_prov, why_prov = _filter_mask(frame, "province", s.provinces, lang)
        self.in_filter = in_dept & in_prov
        self.filter_why = [" ".join(x for x in pair if x) for pair in
                           zip(why_dept, why_prov, strict=True)]

        used = [*self.ids, *self.rule.names]
        if s.budget is not None:
            used += [c for c in (s.need, s.beneficiary_column) if c and c != "score"]
        derived_used = [u for u in used if u in DERIVED]
        self.models = draw_models(frame, [*used, *inputs_of(derived_used, frame.columns)],
                                  catalog)
        drawn = set(self.models)
        self.derived_drawn = [d for d in dict.fromkeys(derived_used)
                              if set(DERIVED[d]) & drawn]
        self.varying = drawn | set(self.derived_drawn)
        self.rule_varies = bool(set(self.rule.names) & self.varying)
        self.fixed_eligible = self.rule.holds(frame) & self.in_filter
        self.fixed_norm = {
            j: self._normalise(j, self.raw[:, j])
            for j, i in enumerate(self.ids) if i not in self.varying
        }
        self.medians = {i: float(np.nanmedian(self.raw[:, j])) if np.isfinite(
            self.raw[:, j]).any() else np.nan for j, i in enumerate(self.ids)}
        self.need_fixed = self.base_fixed = None
        self.need_shifted = False
        if s.budget is not None:
            self._check_budget(frame)

    # ------------------------------------------------------------------ setup
    def _normalise(self, j: int, values: np.ndarray) -> np.ndarray:
        s, i = self.scenario, self.ids[j]
        return normalise(values, method=s.normalisation, higher_is_worse=self.directions[i],
                         target=s.targets.get(i))

    def _check_budget(self, frame: pd.DataFrame) -> None:
        s = self.scenario
        if s.need != "score":
            need = _numeric(frame, s.need, "need")
            negative = (need < 0) & self.fixed_eligible
            if negative.any():
                raise ScenarioError(
                    f"need {s.need!r} is negative in {int(negative.sum())} eligible districts "
                    f"(e.g. {frame.loc[negative, 'ubigeo'].head(3).tolist()}); a budget "
                    "maximises a need >= 0: choose another need or rescale this column"
                )
            self.need_fixed = need
        if s.cost_per_beneficiary is not None:
            base = _numeric(frame, s.beneficiary_column, "beneficiary_column")
            if (base < 0).any():
                raise ScenarioError(
                    f"beneficiary_column {s.beneficiary_column!r} has negative counts; "
                    "a cost per beneficiary needs counts >= 0"
                )
            self.base_fixed = base

    def point_values(self) -> dict[str, np.ndarray]:
        """The published estimates of the drawn columns (the point result's 'draw')."""
        return {c: m.mean for c, m in self.models.items()}

    # ------------------------------------------------------------------ steps
    def run(self, values: Mapping[str, np.ndarray], weights: np.ndarray) -> Outcome:
        """Steps 1–4 on ``values`` (drawn columns) and ``weights``: ``(n,)`` or ``(m, n)``."""
        s = self.scenario
        cols = dict(values)
        if self.derived_drawn:
            cols.update(derive(self.frame, self.derived_drawn, values=values,
                               quintiles=s.quintiles))
        score = self.score(cols, weights)
        eligible = self.eligibility(cols, score.shape)
        ranked = eligible & np.isfinite(score)
        rank = ranks_of(score, ranked)
        need = costs = None
        if s.budget is not None:
            need = self.need(score, ranked, cols)
            costs = self.costs(cols)
        selected = select(score, ranked, rank, top_n=s.top_n, threshold=s.threshold,
                          budget=s.budget, need=need, costs=costs)
        return Outcome(score, eligible, ranked, rank, selected, need, costs)

    def score(self, cols: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        """Step 2: the composite score of every district (NaN where it has none)."""
        s = self.scenario
        w = np.asarray(weights, dtype=float)
        shapes = [np.shape(cols[i]) for i in self.ids if i in cols] + [(*w.shape[:-1], self.n)]
        shape = max(shapes, key=len)
        # (..., n, k), indicators last, as numpy.stack lays them out
        tensor = np.empty((*shape, len(self.ids)))
        for j, i in enumerate(self.ids):
            if i in cols:
                x = np.asarray(cols[i], dtype=float)
                if s.missing == "impute":
                    x = np.where(np.isnan(x), self.medians[i], x)
                tensor[..., j] = self._normalise(j, x)
            else:
                tensor[..., j] = self.fixed_norm[j]
        return aggregate(tensor, w, method=s.aggregation, missing=s.missing)

    def eligibility(self, cols: Mapping[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        """Step 3: rule and filters, redrawn when the rule reads a drawn column."""
        if not self.rule_varies:
            return np.broadcast_to(self.fixed_eligible, shape)
        drawn = {k: cols[k] for k in self.rule.names if k in cols}
        return np.broadcast_to(self.rule.holds(self.frame, drawn) & self.in_filter, shape)

    def need(self, score: np.ndarray, ranked: np.ndarray,
             cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """What a budget maximises, >= 0 (scores shifted when they can be negative)."""
        s = self.scenario
        if s.need != "score":
            return np.asarray(cols[s.need]) if s.need in cols else self.need_fixed
        with np.errstate(invalid="ignore"):
            low = np.min(np.where(ranked, score, np.inf), axis=-1, keepdims=True)
        low = np.where(np.isfinite(low), low, 0.0)
        return score - np.minimum(low, 0.0)

    def unfundable(self, point: Outcome) -> np.ndarray:
        """Per district, the missing figure that keeps it off a budget list ("" if none).

        A ranked district whose need or cost is missing cannot be funded: its reasons say
        which figure is missing (the need's or the cost base's label).
        """
        out = np.full(self.n, "", dtype=object)
        if self.scenario.budget is None or point.need is None or point.costs is None:
            return out
        s = self.scenario
        for values, column in ((point.need, s.need), (point.costs, s.beneficiary_column)):
            lacking = point.ranked & ~np.isfinite(np.asarray(values, dtype=float)) & (out == "")
            for i in np.flatnonzero(lacking):
                out[i] = self._missing_input(str(column), i)
        return out

    def _missing_input(self, column: str, i: int) -> str:
        """The figure a district lacks for ``column``: for a derived column, its input."""
        base = column.removesuffix("_rate_weighted")
        if column in DERIVED and base in PEOPLE:
            counts, rate = PEOPLE[base]
            present = [c for c in counts if c in self.frame.columns]
            for c in (*present[:1], rate):
                if c in self.frame.columns and pd.isna(self.frame[c].iloc[i]):
                    return self._label(c)
        return self._label(column)

    def _label(self, column: str) -> str:
        return self.labels.get(column) or DERIVED_LABELS.get(column, {}).get(self.lang, column)

    def costs(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """Cost of serving each district."""
        s = self.scenario
        if s.cost_per_district is not None:
            return np.full(self.n, s.cost_per_district)
        base = cols.get(s.beneficiary_column, self.base_fixed)  # type: ignore[arg-type]
        return np.asarray(base, dtype=float) * s.cost_per_beneficiary


@dataclass
class TieAtCut:
    """Districts with the score of the last one on a top-N list, on both sides of the cut.

    Ranks break such a tie by input order (ubigeo in the shipped data): the tie is reported
    in the reasons and in ``attrs["tie_at_cut"]``, never broken silently.
    """

    mask: np.ndarray
    score: float
    first: int
    last: int
    inside: int

    @classmethod
    def find(cls, point: Outcome, top_n: int | None) -> TieAtCut | None:
        """The tie at the cut of a top-N list, or None when there is none."""
        if top_n is None or int(point.ranked.sum()) <= top_n:
            return None
        at = np.flatnonzero(point.ranked & (point.rank == top_n))
        after = np.flatnonzero(point.ranked & (point.rank == top_n + 1))
        if not len(at) or not len(after) or point.score[at[0]] != point.score[after[0]]:
            return None
        mask = point.ranked & (point.score == point.score[at[0]])
        ranks = point.rank[mask]
        return cls(mask, float(point.score[at[0]]), int(ranks.min()), int(ranks.max()),
                   int((mask & point.selected).sum()))

    def text(self, lang: str) -> str:
        """The sentence a tied district's reasons carry."""
        return _TEXT[lang]["tie"].format(
            k=fmt.integer(int(self.mask.sum()), lang), first=fmt.integer(self.first, lang),
            last=fmt.integer(self.last, lang), inside=fmt.integer(self.inside, lang))

    def record(self, ubigeo: np.ndarray, selected: np.ndarray) -> dict[str, object]:
        """Plain data for ``attrs["tie_at_cut"]``: the score, the ranks and both sides."""
        codes = np.asarray(ubigeo).astype(str)
        return {"score": self.score, "ranks": [self.first, self.last],
                "selected": codes[self.mask & selected].tolist(),
                "left_out": codes[self.mask & ~selected].tolist()}


def _explain(
    plan: Plan, point: Outcome, rule_reasons: np.ndarray, p_eligible: np.ndarray,
    p_selected: np.ndarray, simulated: bool, lang: str,
) -> list[str]:
    """Step 6: one reason per district, with its probabilities where they are not firm.

    Each part is a sentence that starts with a capital; numbers are written as ``lang``
    writes them (:mod:`geoprio.fmt`: ``puesto 1 698 de 1 865``, ``89,7%``: a probability is
    rounded toward 50%, so it never reads as the 10% or 90% line it misses).
    """
    t = _TEXT[lang]
    lo, hi = UNCERTAIN_BAND
    of_total = fmt.integer(int(point.ranked.sum()), lang)
    missing = np.isnan(plan.raw) if plan.ids else np.zeros((plan.n, 0), dtype=bool)
    scored = np.isfinite(point.score)
    ids = np.asarray(plan.ids)

    unfunded = plan.unfundable(point)
    tie = TieAtCut.find(point, plan.scenario.top_n)

    written: dict[float, str] = {}  # a probability is one of n_draws + 1 values

    def pct(p: float) -> str:  # rounded toward 50%: 0.897 is 89,7%, never 90%
        if p not in written:
            written[p] = fmt.probability(p, 0 if p in (0.0, 1.0) else 1, lang)
        return written[p]

    out = []
    for i in range(plan.n):
        parts = [x for x in (plan.filter_why[i], rule_reasons[i]) if x]
        if not scored[i]:
            lacking = ", ".join(plan.labels.get(str(x), str(x)) for x in ids[missing[i]]) or "-"
            policy = t["policy"].get(plan.scenario.missing, plan.scenario.missing)
            state = t["noscore"].format(ids=lacking, policy=policy)
        elif point.ranked[i]:
            chosen = t["sel"] if point.selected[i] else t["nosel"]
            tail = f", {t['unsure']}" if lo < p_selected[i] < hi else ""
            rank = t["rank"].format(rank=fmt.integer(point.rank[i], lang), total=of_total)
            state = f"{rank}; {chosen}"
            if simulated:
                state += f" ({t['in_list_p'].format(p=pct(p_selected[i]))}{tail})"
            if unfunded[i]:
                state += f"; {t['no_need'].format(what=unfunded[i])}"
            if tie is not None and tie.mask[i]:
                state += f"; {tie.text(lang)}"
        else:
            state = t["ineligible"]
            if simulated and p_selected[i] > 0:
                tail = f", {t['unsure']}" if lo < p_selected[i] < hi else ""
                state += f" ({t['sel_p'].format(p=pct(p_selected[i]))}{tail})"
        if simulated and lo < p_eligible[i] < hi:
            state += f"; {t['elig_unsure']} ({t['elig_p'].format(p=pct(p_eligible[i]))})"
        parts.append(state)
        spread = ids[missing[i]] if scored[i] and plan.scenario.missing == "reweight" else ()
        if len(spread):
            parts.append(t["spread"].format(ids=", ".join(plan.labels.get(str(x), str(x))
                                                          for x in spread)))
        out.append(". ".join(p[:1].upper() + p[1:] for p in parts))
    return out


def _int_column(values: np.ndarray, keep: np.ndarray) -> pd.arrays.IntegerArray:
    col = pd.array(np.nan_to_num(values, nan=0).astype(np.int64), dtype="Int64")
    col[~(keep & np.isfinite(values))] = pd.NA
    return col


def build_plan(districts: pd.DataFrame, scenario: Scenario | str, *,
               catalog: pd.DataFrame | None = None, lang: str = "es") -> Plan:
    """Steps 1 and the setup of 2-4: the scenario checked and prepared on the districts.

    The derived columns are recomputed from their inputs (a stale copy in ``districts`` is
    replaced) and the output columns of an earlier :func:`prioritize` are dropped, so a
    prioritisation's output can be passed again. :func:`prioritize` and the paired draws of
    :func:`geoprio.compare_scenarios` start here.
    """
    scenario = _check_inputs(districts, scenario)
    if lang not in _TEXT:
        raise ScenarioError(f"lang must be one of {list(_TEXT)}; got {lang!r}")
    catalog = shipped_catalog_if_none(catalog)
    scenario.validate(catalog=catalog, columns=districts.columns)
    required = [c for c in scenario.names_used() if c in DERIVED]
    frame = add_derived(districts.drop(columns=[c for c in (*OUTPUT_COLUMNS, *BUDGET_COLUMNS)
                                                if c in districts.columns]),
                        required, quintiles=scenario.quintiles)
    return Plan(frame, scenario, catalog, lang)


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
        Directions, units and labels of the indicators; default the shipped
        ``geoprio.catalog()``. An indicator in neither the catalog nor the scenario's
        ``higher_is_worse`` is an error.
    lang : {"es", "en"}, default="es"
        Language of ``reasons``.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        Same type as ``districts``, all its rows in order and all its columns, plus the
        derived columns (``poverty_quintile_2018``, people reached; recomputed, never taken
        from the input), ``score``, ``rank`` (1 = first, among eligible districts with a
        score), ``rank_p05``, ``rank_median``, ``rank_p95`` (Monte Carlo 90% interval),
        ``p_eligible``, ``p_selected``, ``eligibility_uncertain`` and
        ``selection_uncertain`` (probability strictly between 0.1 and 0.9), ``eligible``,
        ``selected``, ``reasons`` and, with a budget, ``budget_need``, ``cost``,
        ``cum_cost``, ``cum_coverage``. ``attrs`` holds ``scenario`` (dict), ``weights``,
        ``excluded``, ``imputed``, ``drawn``, ``totals`` and, with a budget, ``budget``.

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
    catalog = shipped_catalog_if_none(catalog)
    plan = build_plan(districts, scenario, catalog=catalog, lang=lang)
    # 2-4. score, eligibility, selection on the published estimates
    point = plan.run(plan.point_values(), plan.weights)
    rule_reasons = _rule_reasons(plan, catalog, lang)
    # 5. simulation: the same steps in every draw
    spread = _spread(plan, point)
    # 6. explanation
    reasons = _explain(plan, point, rule_reasons, spread.p_eligible, spread.p_selected,
                       spread.simulated, lang)
    out = _result_columns(plan, point, spread, reasons)
    _attach_report(out, plan, point, lang)
    logger.info("prioritize %r: %d eligible, %d ranked, %d selected", plan.scenario.name,
                int(point.eligible.sum()), int(point.ranked.sum()), int(point.selected.sum()))
    return out


def _rule_reasons(plan: Plan, catalog: pd.DataFrame, lang: str) -> np.ndarray:
    """The rule's reason for each district on the published estimates."""
    verdict = plan.rule.evaluate(plan.frame, catalog=catalog, lang=lang)
    rule_reasons = verdict.reasons.to_numpy()
    if not (~verdict.eligible & ~verdict.unknown).any():
        # a rule no district with data fails (an empty rule, "x >= 0") tells nothing: only
        # "no data" stays
        rule_reasons = np.where(verdict.unknown.to_numpy(), rule_reasons, "")
    return rule_reasons


@dataclass(frozen=True)
class _Spread:
    """Rank interval and probabilities of every district: drawn, or the point's own."""

    rank_p05: np.ndarray
    rank_median: np.ndarray
    rank_p95: np.ndarray
    p_eligible: np.ndarray
    p_selected: np.ndarray
    simulated: bool


def _spread(plan: Plan, point: Outcome) -> _Spread:
    """The Monte Carlo of the scenario (its ``n_draws``), or the point when it has none."""
    scenario = plan.scenario
    if scenario.n_draws > 0:
        # a budget's greedy walks the districts one by one for a whole block at once: it
        # takes the largest blocks
        mc = simulate(plan.run, plan.models, plan.weights, n_units=plan.n,
                      n_draws=scenario.n_draws, weight_spread=scenario.weight_spread,
                      seed=scenario.seed, block=BLOCK if scenario.budget is None else CHUNK)
        return _Spread(mc.rank_p05, mc.rank_median, mc.rank_p95, mc.p_eligible,
                       mc.p_selected, True)
    ranks = np.where(point.ranked, point.rank, np.nan).astype(float)
    return _Spread(ranks, ranks, ranks, point.eligible.astype(float),
                   point.selected.astype(float), False)


def _result_columns(plan: Plan, point: Outcome, spread: _Spread, reasons: list[str]
                    ) -> pd.DataFrame:
    """The districts' frame with the score, ranks, probabilities, flags and reasons."""
    lo, hi = UNCERTAIN_BAND
    p_elig, p_sel = spread.p_eligible, spread.p_selected
    out = plan.frame.copy()
    out["score"] = point.score
    out["rank"] = _int_column(point.rank.astype(float), point.ranked)
    for name, values in (("rank_p05", spread.rank_p05), ("rank_median", spread.rank_median),
                         ("rank_p95", spread.rank_p95)):
        out[name] = _int_column(values, np.ones(plan.n, dtype=bool))
    out["p_eligible"] = p_elig
    out["p_selected"] = p_sel
    out["eligibility_uncertain"] = (p_elig > lo) & (p_elig < hi)
    out["selection_uncertain"] = (p_sel > lo) & (p_sel < hi)
    out["eligible"] = np.asarray(point.eligible, dtype=bool)
    out["selected"] = np.asarray(point.selected, dtype=bool)
    out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)
    return out


def _attach_report(out: pd.DataFrame, plan: Plan, point: Outcome, lang: str) -> None:
    """``out.attrs``: the scenario, weights, exclusions, totals, a tie at the cut, budget."""
    scenario, frame = plan.scenario, plan.frame
    excluded = [str(u) for u in np.asarray(frame["ubigeo"])[~np.isfinite(point.score)]]
    out.attrs = {
        "scenario": scenario.to_dict(),
        "weights": plan.weights_all,
        "excluded": excluded,
        "imputed": plan.imputed,
        "drawn": sorted(plan.models),
        "totals": people_totals(out, out["selected"]),
        "lang": lang,
    }
    tie = TieAtCut.find(point, scenario.top_n)
    if tie is not None:
        out.attrs["tie_at_cut"] = tie.record(frame["ubigeo"].to_numpy(), point.selected)
        logger.warning("prioritize %r: %d districts tie at the cut of the top %d",
                       scenario.name, int(tie.mask.sum()), scenario.top_n)
    if scenario.budget is not None:
        _budget_columns(out, plan, point)
        lacking = plan.unfundable(point) != ""
        out.attrs["budget"]["unfunded_no_data"] = int(lacking.sum())
        out.attrs["budget"]["unfunded_no_data_ubigeos"] = [
            str(u) for u in frame["ubigeo"].to_numpy()[lacking]]


def _budget_columns(out: pd.DataFrame, plan: Plan, point: Outcome) -> None:
    """Budget columns and the report: objective, greedy value, exact optimum and gap."""
    s = plan.scenario
    need = np.where(point.ranked, point.need, np.nan)
    costs = np.asarray(point.costs, dtype=float)
    order = np.argsort(np.where(point.ranked, point.rank, plan.n + 1), kind="stable")
    alloc = allocation_table(need, costs, point.selected, order)
    out["budget_need"] = need
    for c in ("cost", "cum_cost", "cum_coverage"):
        out[c] = alloc[c].to_numpy()
    value = float(np.nansum(need[point.selected]))
    exact = knapsack(np.nan_to_num(need, nan=-1.0), np.nan_to_num(costs, nan=np.inf),
                     budget=s.budget)
    shifted = s.need == "score" and bool(np.nanmin(point.score[point.ranked]) < 0) if (
        point.ranked.any()) else False
    out.attrs["budget"] = {
        "need": s.need,
        "need_shifted": shifted,
        "method": "greedy",
        "value": value,
        "cost": float(costs[point.selected].sum()),
        "exact_value": exact.value,
        "exact_method": exact.method,
        "exact_status": exact.status,
        "gap": 0.0 if exact.value <= 0 else max(0.0, (exact.value - value) / exact.value),
    }
