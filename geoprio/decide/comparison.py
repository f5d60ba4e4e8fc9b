"""Two prioritisations side by side: what changes when the criteria or the data change.

:func:`compare_scenarios` takes two :func:`geoprio.prioritize` outputs (or two scenarios and
the districts) and returns a :class:`ScenarioComparison`:

- the **rank correlations** (Spearman, Kendall) over the districts ranked in both;
- the districts that **enter**, **leave** or **stay** on the list;
- a **table** with one row per district: both ranks, both 90% rank intervals, both
  probabilities of selection, both reasons, and whether the move is **within its interval**:
  both scenarios are run on the same Monte Carlo draws (:func:`paired_rank_shift`), and a
  move whose 90% interval of ``rank_b − rank_a`` holds 0 is not told apart by the data
  (``within_intervals``): it is not news, and ``news`` marks the moves that are. Both sides
  draw the same sources: a source only one side can draw (the 2022 rates' posterior against
  the 2019 rates, which publish no error) is held at its published value;
- the **people reached** by each list (stunted and anaemic children, people in poverty).

:func:`with_2019_rates` turns a scenario on the 2022 SIEN-HIS rates into the same scenario on
the SIEN 2019 rates (the "same scenario on 2019 versus 2022 data" comparison), and
:func:`geoprio.report.decisions.export_comparison` writes the table with both scenarios in
its methodology (XLSX, GeoPackage, CSV...).

Examples
--------
>>> import pandas as pd
>>> from geoprio.engine.scenario import Scenario
>>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [3.0, 2.0, 1.0], "y": [1.0, 3.0, 2.0]})
>>> c = compare_scenarios(Scenario(weights={"x": 1}, higher_is_worse={"x": True}, top_n=1,
...                                n_draws=0),
...                       Scenario(weights={"y": 1}, higher_is_worse={"y": True}, top_n=1,
...                                n_draws=0), districts=f)
>>> c.table[["ubigeo", "rank_a", "rank_b", "change"]].values.tolist()
[['1', 1, 3, 'leaving'], ['2', 2, 1, 'entering'], ['3', 3, 2, 'out']]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoprio.engine.derived import PEOPLE, people_totals
from geoprio.engine.scenario import Scenario
from geoprio.errors import GeoprioError, InputError, ScenarioError

logger = logging.getLogger(__name__)

__all__ = ["CHANGES", "RATES_2019", "PairedShift", "ScenarioComparison", "compare_scenarios",
           "paired_rank_shift", "with_2019_rates"]

#: what happened to a district between list a and list b
CHANGES: tuple[str, ...] = ("kept", "entering", "leaving", "out")
#: 2022 column -> the 2019 column that replaces it in :func:`with_2019_rates`
RATES_2019: dict[str, str] = {
    "stunting_u5_2022_fh": "stunting_u5_2019",
    "stunting_u5_2022_fh_endes": "stunting_u5_2019",
    "stunting_u5_2022_eb": "stunting_u5_2019",
    "stunting_u5_2022": "stunting_u5_2019",
    "anemia_6_35m_2022_eb": "anemia_6_35m_2019",
    "anemia_6_35m_2022": "anemia_6_35m_2019",
}
_NAMES = ("ubigeo", "department", "province", "district")
_PER_SIDE = ("rank", "rank_p05", "rank_p95", "p_selected", "selected", "reasons")


@dataclass
class ScenarioComparison:
    """How two prioritisations differ.

    Attributes
    ----------
    spearman, kendall : float
        Rank correlations over the districts ranked in both (NaN if fewer than 2).
    n_common : int
        Districts ranked in both.
    entering : pandas.DataFrame
        Selected in ``b`` but not in ``a`` (``ubigeo``, names, ``rank_a``, ``rank_b``), by
        ``rank_b``.
    leaving : pandas.DataFrame
        Selected in ``a`` but not in ``b``, by ``rank_a``.
    n_kept : int
        Selected in both.
    table : pandas.DataFrame
        One row per district, in ``a``'s order (a GeoDataFrame when ``a`` has geometry):
        names, ``rank_a``, ``rank_b``, ``rank_p05_a``, ``rank_p95_a``, ``rank_p05_b``,
        ``rank_p95_b``, ``p_selected_a``, ``p_selected_b``, ``selected_a``, ``selected_b``,
        ``change`` (one of :data:`CHANGES`), ``rank_shift`` (``rank_b - rank_a``),
        ``shift_p05`` and ``shift_p95`` (the 90% interval of ``rank_b − rank_a`` over paired
        draws, when they were run), ``within_intervals`` (that interval holds 0, or without
        paired draws the two 90% rank intervals overlap: the data do not tell the two ranks
        apart; missing where the district is ranked in only one), ``news`` (the district
        moved, in rank or on the list, and the intervals do not explain it),
        ``reasons_a``, ``reasons_b`` and the people reached of each district.
    people : pandas.DataFrame
        People reached by each list: one row per people column (``stunted_children``,
        ``anemic_children``, ``poor_people``), columns ``a``, ``b``, ``difference``
        (``b - a``), ``entering``, ``leaving``. Each list is counted on its own output's
        columns (the 2022 smoothed rates for both when comparing 2019 and 2022 lists).
    scenario_a, scenario_b : dict
        The two scenarios (``attrs["scenario"]`` of each output).
    """

    spearman: float
    kendall: float
    n_common: int
    entering: pd.DataFrame
    leaving: pd.DataFrame
    n_kept: int
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    people: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    scenario_a: dict[str, Any] = field(default_factory=dict, repr=False)
    scenario_b: dict[str, Any] = field(default_factory=dict, repr=False)

    def n_within(self, change: str) -> int:
        """Districts of a ``change`` (e.g. ``"entering"``) whose move is within the intervals."""
        if change not in CHANGES:
            raise ScenarioError(f"change must be one of {list(CHANGES)}; got {change!r}")
        rows = self.table[self.table["change"] == change]
        return int(rows["within_intervals"].fillna(False).astype(bool).sum())

    def summary(self) -> dict[str, Any]:
        """The comparison's figures as plain data (what an export records)."""
        return {
            "spearman": None if np.isnan(self.spearman) else round(self.spearman, 6),
            "kendall": None if np.isnan(self.kendall) else round(self.kendall, 6),
            "ranked_in_both": self.n_common,
            "kept": self.n_kept,
            "entering": len(self.entering),
            "leaving": len(self.leaving),
            "entering_within_intervals": self.n_within("entering") if len(self.table) else 0,
            "leaving_within_intervals": self.n_within("leaving") if len(self.table) else 0,
            **{f"{p}_{side}": round(float(self.people.loc[p, side]), 1)
               for p in self.people.index for side in ("a", "b")},
        }

    def __repr__(self) -> str:
        within = ""
        if len(self.table):
            within = (f" ({self.n_within('entering')} and {self.n_within('leaving')} within "
                      "their rank intervals)")
        return (
            f"ScenarioComparison(spearman={self.spearman:.3f}, kendall={self.kendall:.3f}, "
            f"over {self.n_common}; kept {self.n_kept}, entering {len(self.entering)}, "
            f"leaving {len(self.leaving)}{within})"
        )


def _output(x: object, districts: pd.DataFrame | None, catalog: pd.DataFrame | None,
            lang: str) -> pd.DataFrame:
    if isinstance(x, (Scenario, str)):
        if districts is None:
            raise ScenarioError("compare_scenarios with Scenario objects needs districts=")
        from geoprio.engine.ranking import prioritize

        x = prioritize(districts, x, catalog=catalog, lang=lang)
    if not isinstance(x, pd.DataFrame) or not {"ubigeo", "rank", "selected"} <= set(x):
        raise InputError("compare_scenarios needs prioritize() outputs or Scenario objects")
    return x


@dataclass
class PairedShift:
    """The 90% interval of each district's rank difference ``rank_b − rank_a`` over paired draws.

    Both scenarios are run on the **same** draws: one set of values per draw for every source
    both of them draw (poverty within INEI's interval, a smoothed rate within its posterior)
    and the same Dirichlet draw of the weights where the two weight vectors agree (indicators
    matched by name, a 2019 rate with its 2022 column). A source only one side draws (the
    2022 rates against the 2019 ones, which have no published error) is held at its
    published value on that side, so both sides draw the same sources.

    Attributes
    ----------
    shift_p05, shift_p95 : numpy.ndarray
        Per district, the 5th and 95th percentiles of ``rank_b − rank_a`` over the draws in
        which it is ranked in both (NaN where never).
    drawn : list of str
        Sources drawn on both sides; ``held`` those held at their published value.
    n_draws, seed : int
    """

    shift_p05: np.ndarray
    shift_p95: np.ndarray
    drawn: list[str]
    held: list[str]
    n_draws: int
    seed: int
    codes: list[str] = field(default_factory=list)


def _canonical(name: str) -> str:
    """A 2019 rate's name read as its 2022 column, so that paired weights line up."""
    back = {v: k for k, v in RATES_2019.items() if k.endswith("_eb")}
    return back.get(name, name)


def _paired_weights(plan: Any, n_draws: int, seed: int) -> np.ndarray:
    """Dirichlet draws of a plan's weights, in name order with 2019 rates read as 2022."""
    from geoprio.engine.uncertainty import draw_weights

    order = np.argsort([_canonical(i) for i in plan.ids], kind="stable")
    rng = np.random.default_rng([seed, 20])
    drawn = draw_weights(plan.weights[order], n_draws=n_draws,
                         weight_spread=plan.scenario.weight_spread, rng=rng)
    out = np.empty_like(drawn)
    out[:, order] = drawn
    return out


def paired_rank_shift(districts: pd.DataFrame, a: Scenario, b: Scenario, *,
                      catalog: pd.DataFrame | None = None, lang: str = "es") -> PairedShift:
    """Run both scenarios on the same draws; the 90% interval of each rank difference.

    Draws ``a.n_draws`` times with ``a.seed`` (see :class:`PairedShift`). A district whose
    interval holds 0 is not told apart by the data: its move is within its interval.

    Examples
    --------
    >>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [50.0, 49.0, 10.0],
    ...                   "x_lo": [30.0, 29.0, 9.0], "x_hi": [70.0, 69.0, 11.0],
    ...                   "y": [1.0, 2.0, 3.0]})
    >>> a = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, n_draws=200)
    >>> b = a.replace(weights={"x": 1, "y": 1}, higher_is_worse={"x": True, "y": True})
    >>> p = paired_rank_shift(f, a, b)
    >>> p.shift_p05.tolist(), p.shift_p95.tolist(), p.drawn
    ([0.0, -1.0, -2.0], [2.0, 0.0, 0.0], ['x'])
    """
    from geoprio.engine.ranking import build_plan
    from geoprio.engine.uncertainty import CHUNK, draw_all, rank_quantiles

    pa = build_plan(districts, a, catalog=catalog, lang=lang)
    pb = build_plan(districts, b, catalog=catalog, lang=lang)
    drawn = sorted(set(pa.models) & set(pb.models))
    held = sorted(set(pa.models) ^ set(pb.models))
    n, m_all, seed = pa.n, int(a.n_draws), int(a.seed)
    if m_all < 1:
        raise ScenarioError("paired draws need n_draws >= 1 in scenario a")
    wa, wb = _paired_weights(pa, m_all, seed), _paired_weights(pb, m_all, seed)
    rng = np.random.default_rng(seed)
    counts = np.zeros((n, 2 * n + 1), dtype=np.int32)
    base = (np.arange(n, dtype=np.int64) * (2 * n + 1))[None, :]
    for start in range(0, m_all, CHUNK):
        m = min(CHUNK, m_all - start)
        common = draw_all({c: pa.models[c] for c in drawn}, rng, m)
        out_a = pa.run({**pa.point_values(), **common}, wa[start:start + m])
        out_b = pb.run({**pb.point_values(), **common}, wb[start:start + m])
        both = np.broadcast_to(out_a.ranked, (m, n)) & np.broadcast_to(out_b.ranked, (m, n))
        shift = (np.broadcast_to(out_b.rank, (m, n)).astype(np.int64)
                 - np.broadcast_to(out_a.rank, (m, n)) + n)
        counts += np.bincount((base + shift)[both], minlength=n * (2 * n + 1)).reshape(
            n, 2 * n + 1).astype(np.int32)
    q = rank_quantiles(counts, (0.05, 0.95)) - n
    logger.info("paired draws %r / %r: %d draws, drawn %s, held %s", a.name, b.name, m_all,
                drawn, held)
    codes = pa.frame["ubigeo"].astype(str).tolist()
    return PairedShift(q[0], q[1], drawn, held, m_all, seed, codes)


def _side(frame: pd.DataFrame, suffix: str) -> pd.DataFrame:
    cols = {"ubigeo": frame["ubigeo"].astype(str).to_numpy()}
    for c in _PER_SIDE:
        if c in frame.columns:
            cols[f"{c}_{suffix}"] = frame[c].to_numpy()
        elif c in ("rank_p05", "rank_p95"):  # an output without intervals: the point rank
            cols[f"{c}_{suffix}"] = frame["rank"].to_numpy()
        elif c == "p_selected":
            cols[f"{c}_{suffix}"] = frame["selected"].astype(float).to_numpy()
        elif c == "reasons":
            cols[f"{c}_{suffix}"] = ""
    return pd.DataFrame(cols)


def _side_by_side(fa: pd.DataFrame, fb: pd.DataFrame,
                  names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per district with both sides' columns (suffixes ``_a``, ``_b``; districts only
    in ``b`` last, in its order), the change of list and the rank shift; and those
    ``b``-only rows."""
    left = pd.DataFrame({c: fa[c].to_numpy() for c in names})
    left["ubigeo"] = left["ubigeo"].astype(str)
    both = left.merge(_side(fa, "a"), on="ubigeo", how="left", sort=False, validate="1:1")
    right = _side(fb, "b")
    extra = right[~right["ubigeo"].isin(both["ubigeo"])]
    both = both.merge(right, on="ubigeo", how="left", sort=False, validate="1:1")
    if len(extra):  # districts only in b go last, in b's order
        both = pd.concat([both, extra], ignore_index=True)
    for s in ("a", "b"):
        both[f"selected_{s}"] = both[f"selected_{s}"].astype("boolean").fillna(False).astype(bool)
        both[f"p_selected_{s}"] = both[f"p_selected_{s}"].astype(float).fillna(0.0)
        both[f"reasons_{s}"] = both[f"reasons_{s}"].fillna("").astype(object)
        for c in ("rank", "rank_p05", "rank_p95"):
            both[f"{c}_{s}"] = pd.array(both[f"{c}_{s}"], dtype="Int64")
    sa, sb = both["selected_a"].to_numpy(), both["selected_b"].to_numpy()
    change = np.select([sa & sb, sb & ~sa, sa & ~sb], ["kept", "entering", "leaving"], "out")
    both["change"] = pd.Series(change, index=both.index, dtype=object)
    both["rank_shift"] = both["rank_b"] - both["rank_a"]
    return both, extra


def _mark_news(both: pd.DataFrame, rule: pd.Series, ranked_both: pd.Series) -> None:
    """``within_intervals`` (missing where a side has no rank) and ``news``: a district that
    moved or changed list by more than the intervals allow."""
    within = pd.array(np.where(ranked_both, rule.fillna(False), False), dtype="boolean")
    within[~ranked_both.to_numpy()] = pd.NA
    both["within_intervals"] = within
    moved = (both["rank_shift"].fillna(1) != 0) | (both["change"].isin(["entering", "leaving"]))
    moved &= both["rank_a"].notna() | both["rank_b"].notna()
    both["news"] = (moved & ~both["within_intervals"].fillna(False)).astype(bool)


def compare_scenarios(
    a: pd.DataFrame | Scenario | str,
    b: pd.DataFrame | Scenario | str,
    *,
    districts: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
    lang: str = "es",
    pair: bool = True,
) -> ScenarioComparison:
    """Compare two prioritisations: correlation, list changes, intervals, people reached.

    Parameters
    ----------
    a, b : DataFrame, Scenario or preset name
        Outputs of :func:`geoprio.prioritize`, or scenarios (then ``districts`` is
        required). Rank intervals come from each output's Monte Carlo (``n_draws > 0``);
        without draws an interval is the rank itself, so every move counts as news.
    districts : DataFrame, optional
        Districts to run scenarios on.
    catalog : DataFrame, optional
        Passed to :func:`geoprio.prioritize`.
    lang : {"es", "en"}, default="es"
        Language of the reasons when scenarios are run here.
    pair : bool, default=True
        Decide ``within_intervals`` on paired draws (:func:`paired_rank_shift`: both
        scenarios on the same draws; the move is within when the 90% interval of
        ``rank_b − rank_a`` holds 0), with ``a``'s ``n_draws`` and seed, on ``districts`` (or
        ``a``'s output, which carries every input column). Without draws, or with
        ``pair=False``, a move is within when the two 90% rank intervals overlap (a weaker
        test: two ranks 150 apart can have overlapping intervals).

    Returns
    -------
    ScenarioComparison

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [3.0, 2.0, 1.0],
    ...                   "y": [1.0, 3.0, 2.0]})
    >>> c = compare_scenarios(Scenario(weights={"x": 1}, higher_is_worse={"x": True},
    ...                                top_n=1, n_draws=0),
    ...                       Scenario(weights={"y": 1}, higher_is_worse={"y": True},
    ...                                top_n=1, n_draws=0), districts=f)
    >>> round(c.spearman, 2), c.entering["ubigeo"].tolist(), c.leaving["ubigeo"].tolist()
    (-0.5, ['2'], ['1'])
    """
    from scipy.stats import kendalltau, spearmanr

    fa = _output(a, districts, catalog, lang)
    fb = _output(b, districts, catalog, lang)
    names = [c for c in _NAMES if c in fa.columns]
    both, extra = _side_by_side(fa, fb, names)
    sa, sb = both["selected_a"].to_numpy(), both["selected_b"].to_numpy()
    ranked_both = both["rank_a"].notna() & both["rank_b"].notna()
    paired = _paired(a, b, fa, fb, districts, catalog, lang) if pair else None
    _mark_news(both, _within(both, paired), ranked_both)
    people = [p for p in PEOPLE if p in fa.columns]
    for p in people:
        both[p] = both["ubigeo"].map(dict(zip(fa["ubigeo"].astype(str), fa[p], strict=True)))

    common = ranked_both.to_numpy()
    ra = both.loc[common, "rank_a"].astype(float).to_numpy()
    rb = both.loc[common, "rank_b"].astype(float).to_numpy()
    if common.sum() >= 2:
        rho = float(spearmanr(ra, rb).statistic)
        tau = float(kendalltau(ra, rb).statistic)
    else:
        rho = tau = float("nan")
    cols = [*names, "rank_a", "rank_b"]
    entering = both.loc[both["change"] == "entering", cols].sort_values("rank_b")
    leaving = both.loc[both["change"] == "leaving", cols].sort_values("rank_a")
    table = both
    if "geometry" in fa.columns and len(extra) == 0:
        import geopandas as gpd

        table = gpd.GeoDataFrame(both, geometry=fa.geometry.to_numpy(), crs=fa.crs)
    if paired is not None:
        table.attrs["paired"] = {"n_draws": paired.n_draws, "seed": paired.seed,
                                 "drawn": paired.drawn, "held": paired.held}
    return ScenarioComparison(
        spearman=rho, kendall=tau, n_common=int(common.sum()),
        entering=entering.reset_index(drop=True), leaving=leaving.reset_index(drop=True),
        n_kept=int((sa & sb).sum()), table=table,
        people=_people(fa, fb, both, people),
        scenario_a=dict(fa.attrs.get("scenario", {})),
        scenario_b=dict(fb.attrs.get("scenario", {})),
    )


def _scenario_of(x: object, frame: pd.DataFrame) -> Scenario | None:
    if isinstance(x, Scenario):
        return x
    if isinstance(x, str):
        return Scenario.preset(x)
    data = frame.attrs.get("scenario")
    try:
        return Scenario.from_dict(data) if data else None
    except GeoprioError:
        return None


def _paired(a: object, b: object, fa: pd.DataFrame, fb: pd.DataFrame,
            districts: pd.DataFrame | None, catalog: pd.DataFrame | None,
            lang: str) -> PairedShift | None:
    """Paired draws of both scenarios, or None when they cannot be run (then: overlap)."""
    sa, sb = _scenario_of(a, fa), _scenario_of(b, fb)
    if sa is None or sb is None or sa.n_draws < 1 or sb.n_draws < 1:
        return None
    try:
        return paired_rank_shift(fa if districts is None else districts, sa, sb,
                                 catalog=catalog, lang=lang)
    except GeoprioError as exc:
        logger.warning("compare_scenarios: no paired draws (%s); moves are judged by the "
                       "overlap of the two rank intervals", exc)
        return None


def _within(both: pd.DataFrame, paired: PairedShift | None) -> pd.Series:
    """Per row, whether the data leave the move unexplained (see compare_scenarios)."""
    overlap = ((both["rank_p05_a"] <= both["rank_p95_b"])
               & (both["rank_p05_b"] <= both["rank_p95_a"])).astype("boolean")
    if paired is None:
        return overlap
    codes = paired.codes
    lo = both["ubigeo"].map(dict(zip(codes, paired.shift_p05, strict=True)))
    hi = both["ubigeo"].map(dict(zip(codes, paired.shift_p95, strict=True)))
    both["shift_p05"] = pd.array(lo, dtype="Float64").round().astype("Int64")
    both["shift_p95"] = pd.array(hi, dtype="Float64").round().astype("Int64")
    holds_zero = ((both["shift_p05"] <= 0) & (both["shift_p95"] >= 0)).astype("boolean")
    return holds_zero.fillna(overlap)


def _people(fa: pd.DataFrame, fb: pd.DataFrame, both: pd.DataFrame,
            people: list[str]) -> pd.DataFrame:
    ta = people_totals(fa, fa["selected"].to_numpy(dtype=bool))
    tb = people_totals(fb, fb["selected"].to_numpy(dtype=bool))
    rows = []
    for p in people:
        if p not in fb.columns:
            continue
        rows.append({
            "people": p, "a": ta[p], "b": tb[p], "difference": tb[p] - ta[p],
            "entering": float(both.loc[both["change"] == "entering", p].sum()),
            "leaving": float(both.loc[both["change"] == "leaving", p].sum()),
        })
    return pd.DataFrame(rows, columns=["people", "a", "b", "difference", "entering",
                                       "leaving"]).set_index("people")


def with_2019_rates(scenario: Scenario | str) -> Scenario:
    """The same scenario on the SIEN 2019 rates instead of the SIEN-HIS 2022 ones.

    Every 2022 stunting or anaemia column of the weights, directions, targets and rule is
    replaced by its 2019 column (:data:`RATES_2019`); the name gets ``_2019``. The people
    reached (the budget need) keep the 2022 smoothed rates: both lists are then counted on one
    measure. 2019 has rates only (no children measured), so nothing is smoothed nor drawn.

    Examples
    --------
    >>> s = with_2019_rates("dci")
    >>> s.name, s.rule, sorted(s.weights)[:2]
    ('dci_2019', 'stunting_u5_2019 >= 0', ['anemia_6_35m_2019', 'no_sewer_2017'])
    """
    s = Scenario.preset(scenario) if isinstance(scenario, str) else scenario
    if not isinstance(s, Scenario):
        raise TypeError(f"scenario must be a Scenario or a preset name; got {scenario!r}")

    def swap(table: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in table.items():
            key = RATES_2019.get(k, k)
            if key in out:
                raise ScenarioError(f"scenario {s.name!r} weights both {k!r} and "
                                    f"{key!r}: on 2019 data they are one column")
            out[key] = v
        return out

    pattern = re.compile(r"\b(" + "|".join(map(re.escape, RATES_2019)) + r")\b")
    rule = pattern.sub(lambda m: RATES_2019[m.group(1)], s.rule)
    return s.replace(name=f"{s.name}_2019", weights=swap(s.weights),
                     higher_is_worse=swap(s.higher_is_worse), targets=swap(s.targets),
                     rule=rule)

