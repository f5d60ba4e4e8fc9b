"""The figures the methodology states, derived again by routes independent of geoprio's engine.

``docs/metodologia.md`` section 14 checks each figure against geoprio's own output, so the text
cannot go stale. That proves consistency, not correctness. Here every figure of sections 6 to 10
is recomputed with plain pandas/numpy written for this test (scores by hand, quintiles by
``rank``, a budget by sorting, Empirical Bayes posteriors from Marshall's formulas, a Monte
Carlo of our own with its own random stream, Fay–Herriot draws from the shipped arcsine mean
and root MSE). Monte Carlo counts agree within their sampling error, not to the unit.

The DCI preset weighs the Fay–Herriot stunting estimate (``stunting_u5_2022_fh``, SIEN-HIS
scale) and counts stunted children on its ENDES-benchmarked twin
(``stunting_u5_2022_fh_endes``); ``DCI_EB`` is the preset as it was, on Empirical Bayes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import geoprio

DCI_2022 = {"stunting_u5_2022_fh": 0.30, "anemia_6_35m_2022_eb": 0.20, "poverty_2018": 0.20,
            "no_water_2017": 0.15, "no_sewer_2017": 0.15}
DCI_EB = {"stunting_u5_2022_eb": 0.30, "anemia_6_35m_2022_eb": 0.20, "poverty_2018": 0.20,
          "no_water_2017": 0.15, "no_sewer_2017": 0.15}
DCI_2019 = {"stunting_u5_2019": 0.30, "anemia_6_35m_2019": 0.20, "poverty_2018": 0.20,
            "no_water_2017": 0.15, "no_sewer_2017": 0.15}
FONIE = ["no_water_2017", "no_sewer_2017", "no_electricity_2017", "rural_no_mobile_2017",
         "poverty_2018"]


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    return pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))


def score_by_hand(d: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Min-max on every district, weighted mean over the indicators a district has."""
    num = pd.Series(0.0, index=d.index)
    den = pd.Series(0.0, index=d.index)
    for col, w in weights.items():
        x = d[col]
        v = (x - x.min()) / (x.max() - x.min())
        num += (w * v).fillna(0.0)
        den += w * v.notna()
    return (num / den).where(den > 0)


def top(score: pd.Series, eligible: pd.Series, n: int) -> set:
    return set(score[eligible].sort_values(ascending=False, kind="stable").index[:n])


def quintile_by_hand(p: pd.Series) -> pd.Series:
    return np.floor(5 * ((-p).rank(method="min") - 1) / p.notna().sum()) + 1


def test_fonie_figures(d):
    q = quintile_by_hand(d["poverty_2018"])
    law = d["vraem"] | d["border"]
    eligible = (q <= 2) | law
    assert (int((q <= 2).sum()), int(eligible.sum()), int((eligible & (q > 2)).sum())) == (
        751, 800, 49)
    assert d.loc[q <= 2, "poverty_2018"].min() == 39.2
    # the first 644 by score would drop 17 VRAEM and 17 border districts
    chosen = top(score_by_hand(d, dict.fromkeys(FONIE, 1.0)), eligible, 644)
    out = ~d.index.isin(list(chosen))
    assert (int((out & d["vraem"]).sum()), int((out & d["border"]).sum())) == (17, 17)
    # by population: the poorest two fifths of 2017 people
    order = d.sort_values("poverty_2018", ascending=False)
    before = order.groupby("poverty_2018", sort=False)["pop_2017"].sum().cumsum().shift(
        fill_value=0)
    share = d["poverty_2018"].map(before) / d["pop_2017"].sum()
    qp = np.floor(5 * share) + 1
    assert (int((qp <= 2).sum()), int(((qp <= 2) | law).sum())) == (1449, 1465)
    # household internet against rural mobile phones: same list, close order
    old = score_by_hand(d, dict.fromkeys([*FONIE[:3], "no_internet_2017", "poverty_2018"], 1.0))
    new = score_by_hand(d, dict.fromkeys(FONIE, 1.0))
    rank_old, rank_new = old[eligible].rank(ascending=False), new[eligible].rank(ascending=False)
    assert round(spearmanr(rank_old, rank_new).statistic, 3) == 0.968
    assert len(top(old, eligible, 100) & top(new, eligible, 100)) == 84
    assert d.loc[new[eligible].idxmax(), "ubigeo"] == "160804"  # Yaguas


def test_fonie_eligibility_uncertainty_by_an_independent_simulation(d):
    # poverty drawn in INEI's interval, one draw per joint-estimate group; quintiles cut again
    rng = np.random.default_rng(20261128)  # not geoprio's seed: a different random stream
    groups = d["poverty_joint_2018"].fillna(-1 - pd.Series(range(len(d)), index=d.index))
    codes = pd.factorize(groups)[0]
    sd = (d["poverty_2018_hi"] - d["poverty_2018_lo"]).to_numpy() / 3.92
    law = (d["vraem"] | d["border"]).to_numpy()
    hits = np.zeros(len(d))
    draws = 2000
    for _ in range(draws):
        p = np.clip(d["poverty_2018"].to_numpy() + sd * rng.standard_normal(codes.max() + 1)[codes],
                    0, 100)
        q = quintile_by_hand(pd.Series(p))
        hits += ((q <= 2).to_numpy() | law)
    p_elig = hits / draws
    unsure = (p_elig > 0.1) & (p_elig < 0.9)
    assert abs(int(unsure.sum()) - 493) <= 20  # the documented count, within Monte Carlo error
    assert abs(int((p_elig >= 0.9).sum()) - 547) <= 20
    assert p_elig[d.index[d["ubigeo"] == "050113"][0]] == pytest.approx(0.48, abs=0.04)


def test_dci_and_anemia_counts(d):
    assert int(d["stunting_u5_2022_eb"].notna().sum()) == 1839
    assert int(d["anemia_6_35m_2022_eb"].notna().sum()) == 1837
    # Fay–Herriot gives every district a stunting estimate: the DCI rule leaves none out
    assert int(d["stunting_u5_2022_fh"].notna().sum()) == 1874
    assert int(d["stunting_u5_2022_fh_endes"].notna().sum()) == 1874
    # benchmarked to ENDES: one ratio per department, below 1 (SIEN-HIS above ENDES) in 17 of 25
    ratio = (d["stunting_u5_2022_fh_endes"] / d["stunting_u5_2022_fh"]).groupby(d["department"])
    assert (ratio.max() - ratio.min()).max() < 1e-3
    assert (int((ratio.mean() < 1).sum()), len(ratio.mean())) == (17, 25)
    # on Empirical Bayes (no figure without a child measured) and without its rule, Santa
    # Isabel de Siguas would rank 24th on poverty, water and sewer alone; on its Fay–Herriot
    # estimate (7.3%) it ranks 496th
    s = score_by_hand(d, DCI_EB)
    siguas = d["ubigeo"] == "040120"
    assert d.loc[siguas, "stunting_u5_2022_eb"].isna().all()
    assert int((s > s[siguas].item()).sum()) + 1 == 24
    s = score_by_hand(d, DCI_2022)
    assert int((s > s[siguas].item()).sum()) + 1 == 496
    assert [round(d.loc[siguas, c].item(), 1) for c in (
        "stunting_u5_2022_fh", "stunting_u5_2022_fh_lo", "stunting_u5_2022_fh_hi")] == [
        7.3, 2.8, 12.7]


def test_dci_list_change_2019_to_2022(d):
    old = top(score_by_hand(d, DCI_2019), d["stunting_u5_2019"].notna(), 375)
    new = top(score_by_hand(d, DCI_2022), d["stunting_u5_2022_fh"].notna(), 375)
    assert (len(old & new), len(new - old), len(old - new)) == (288, 87, 87)
    leaving = d.loc[sorted(old - new)]
    assert int(leaving["evaluated_u5_2022"].isna().sum()) == 4
    assert int(leaving["stunting_u5_2019_small_n"].sum()) == 17
    assert int((leaving["stunting_u5_2022_fh"] < leaving["stunting_u5_2019"]).sum()) == 77
    entering = d.loc[sorted(new - old)]
    assert int((entering["stunting_u5_2022_fh"] > entering["stunting_u5_2019"]).sum()) == 46
    both = d["stunting_u5_2019"].notna() & d["stunting_u5_2022_fh"].notna()
    assert int(both.sum()) == 1865
    ra = score_by_hand(d, DCI_2019)[both].rank(ascending=False)
    rb = score_by_hand(d, DCI_2022)[both].rank(ascending=False)
    assert round(spearmanr(ra, rb).statistic, 3) == 0.926


def test_dci_list_change_empirical_bayes_to_fay_herriot(d):
    # docs/cambios-presets-2022.md and methodology 9.2: the preset moved from EB to FH
    old = top(score_by_hand(d, DCI_EB), d["stunting_u5_2022_eb"].notna(), 375)
    new = top(score_by_hand(d, DCI_2022), d["stunting_u5_2022_fh"].notna(), 375)
    assert (len(old & new), len(new - old), len(old - new)) == (362, 13, 13)
    unmeasured = set(d.index[d["evaluated_u5_2022"].isna()])
    assert len(unmeasured) == 35 and len(new & unmeasured) == 4
    both = d["stunting_u5_2022_eb"].notna()
    ra = score_by_hand(d, DCI_EB)[both].rank(ascending=False)
    rb = score_by_hand(d, DCI_2022)[both].rank(ascending=False)
    assert round(spearmanr(ra, rb).statistic, 3) == 0.996


def _greedy(need: pd.Series, cost: pd.Series, money: float) -> pd.Series:
    order = (need / cost).sort_values(ascending=False, kind="stable").index
    chosen, spent = [], 0.0
    for i in order:
        if spent + cost[i] <= money:
            chosen.append(i)
            spent += cost[i]
    return need.index.isin(chosen)


def test_budget_examples(d):
    # children: under-5s x the Fay–Herriot estimate benchmarked to ENDES (population scale)
    rate = d["stunting_u5_2022_fh_endes"]
    ok = d["stunting_u5_2022_fh"].notna()
    children = d["under5_2020"] * rate / 100
    rows = d[ok]
    # S/ 100 million at S/ 2 million per district: the 50 districts with the most need
    for need, reached, mean_rate in ((children, 86_771, 15.5),
                                     (children * rate / 100, 68_659, 29.7)):
        fifty = need[ok].sort_values(ascending=False, kind="stable").index[:50]
        assert round(children[fifty].sum()) == reached
        assert round(rate[fifty].mean(), 1) == mean_rate
    # S/ 20 million at S/ 100 per child under 5: greedy on children per sol
    picked = _greedy(children[ok], rows["under5_2020"] * 100.0, 2e7)
    assert int(picked.sum()) == 215 and round(children[ok][picked].sum()) == 66_573
    assert round(rate[ok][picked].mean(), 1) == 32.9
    # the user guide's Presupuesto page: S/ 200 million, S/ 2 million a district, point 0
    hundred = children[ok].sort_values(ascending=False, kind="stable").index[:100]
    assert round(children[hundred].sum()) == 131_164
    assert round((children[hundred] * rate[hundred]).sum() / children[hundred].sum(), 1) == 17.2


def _posterior(d: pd.DataFrame, events: str, measured: str) -> tuple[np.ndarray, np.ndarray]:
    """Marshall's global EB as a Beta prior with kappa = m / A (methodology section 3.9)."""
    y, n = d[events].to_numpy(float), d[measured].to_numpy(float)
    ok = n > 0
    m = y[ok].sum() / n[ok].sum()
    s2 = (n[ok] * (y[ok] / n[ok] - m) ** 2).sum() / n[ok].sum()
    kappa = m / (s2 - m / n[ok].mean())
    return kappa * m + y, kappa * (1 - m) + n - y


def test_dci_selection_uncertainty_by_an_independent_simulation(d):
    rng = np.random.default_rng(7)
    draws = 1000
    w = np.array(list(DCI_2022.values()))
    # stunting: Fay–Herriot's predictive distribution, normal on the arcsine scale (3.13)
    theta = d["stunting_u5_2022_fh_theta"].to_numpy(float)
    theta_se = d["stunting_u5_2022_fh_theta_se"].to_numpy(float)
    a_a, b_a = _posterior(d, "anemic_6_35m_2022", "evaluated_6_35m_2022")
    groups = pd.factorize(d["poverty_joint_2018"].fillna(
        -1 - pd.Series(range(len(d)), index=d.index)))[0]
    sd = (d["poverty_2018_hi"] - d["poverty_2018_lo"]).to_numpy() / 3.92
    eligible = d["stunting_u5_2022_fh"].notna().to_numpy()
    assert eligible.all() and np.isfinite(theta_se).all()
    picked = np.zeros(len(d))
    for _ in range(draws):
        cols = {
            "stunting_u5_2022_fh": 100 * np.sin(theta + theta_se * rng.standard_normal(
                len(d))) ** 2,
            "anemia_6_35m_2022_eb": np.where(np.isfinite(a_a), 100 * rng.beta(
                np.nan_to_num(a_a, nan=1), np.nan_to_num(b_a, nan=1)), np.nan),
            "poverty_2018": np.clip(d["poverty_2018"].to_numpy() + sd * rng.standard_normal(
                groups.max() + 1)[groups], 0, 100),
        }
        frame = d.assign(**cols)
        weights = dict(zip(DCI_2022, rng.dirichlet(100 * w), strict=True))
        chosen = top(score_by_hand(frame, weights), pd.Series(eligible, index=d.index), 375)
        picked[d.index.isin(list(chosen))] += 1
    p = picked / draws
    assert abs(int(((p > 0.1) & (p < 0.9)).sum()) - 323) <= 25
    assert abs(int((p >= 0.9).sum()) - 222) <= 25
    # section 8's two examples: Incahuasi first and firm, Coporaque (Cusco) a coin toss
    by_code = pd.Series(p, index=d["ubigeo"].to_numpy())
    rank = score_by_hand(d, DCI_2022).rank(ascending=False, method="first")
    rank.index = d["ubigeo"].to_numpy()
    assert rank["140203"] == 1 and by_code["140203"] >= 0.99
    assert rank["080803"] == 372 and abs(by_code["080803"] - 0.49) <= 0.08


# ------------------------------------------------------------------ section 10: decisions
def test_section_10_comparison_people_and_intervals(d):
    old = top(score_by_hand(d, DCI_2019), d["stunting_u5_2019"].notna(), 375)
    new = top(score_by_hand(d, DCI_2022), d["stunting_u5_2022_fh"].notna(), 375)
    # both lists' children counted on one measure: the 2022 estimate on ENDES's scale
    children = d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100
    assert (round(children[sorted(old)].sum()), round(children[sorted(new)].sum())) == (
        82_758, 84_317)
    dist = geoprio.load_districts()
    a = geoprio.prioritize(dist, geoprio.with_2019_rates("dci"))
    b = geoprio.prioritize(dist, "dci")
    assert set(a.index[a["selected"]]) == old and set(b.index[b["selected"]]) == new
    enter = d.index.isin(sorted(new - old))
    leave = d.index.isin(sorted(old - new))
    assert (int((enter & a["rank"].isna().to_numpy()).sum()),
            int((leave & b["rank"].isna().to_numpy()).sum())) == (2, 0)
    # moves within their interval (methodology: 1 of the 87 entering, 3 of the 87 leaving):
    # a paired simulation of our own, both lists on the same draws of poverty and weights
    lo, hi = _paired_shift_by_hand(d, draws=400)
    ranked = (d["stunting_u5_2019"].notna() & d["stunting_u5_2022_fh"].notna()).to_numpy()
    within = ranked & (lo <= 0) & (hi >= 0)
    assert int((enter & within).sum()) <= 3
    assert 1 <= int((leave & within).sum()) <= 8
    # the earlier rule (the two rank intervals overlap) let far moves through
    lo_i = np.maximum(a["rank_p05"].astype(float), b["rank_p05"].astype(float))
    hi_i = np.minimum(a["rank_p95"].astype(float), b["rank_p95"].astype(float))
    overlap = (lo_i <= hi_i).to_numpy()
    far = np.abs((b["rank"].astype(float) - a["rank"].astype(float)).to_numpy()) > 150
    assert int(((enter | leave) & overlap & far).sum()) > 50
    assert int(((enter | leave) & within & far).sum()) == 0


def _paired_shift_by_hand(d: pd.DataFrame, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles of rank(2022) - rank(2019), both on the same draws of poverty
    (one per INEI group) and of the weights (one Dirichlet draw for both lists); the rates of
    both years held (2019 publishes no error)."""
    rng = np.random.default_rng(11)
    groups = pd.factorize(d["poverty_joint_2018"].fillna(
        -1 - pd.Series(range(len(d)), index=d.index)))[0]
    sd = (d["poverty_2018_hi"] - d["poverty_2018_lo"]).to_numpy() / 3.92
    w = np.array(list(DCI_2022.values()))

    def ranks(values: dict[str, np.ndarray], weights: np.ndarray, ok: np.ndarray) -> np.ndarray:
        num = np.zeros(len(d))
        den = np.zeros(len(d))
        for wj, x in zip(weights, values.values(), strict=True):
            v = (x - np.nanmin(x)) / (np.nanmax(x) - np.nanmin(x))
            num += np.where(np.isnan(v), 0.0, wj * v)
            den += np.where(np.isnan(v), 0.0, wj)
        score = np.where(ok & (den > 0), num / np.where(den > 0, den, 1), -np.inf)
        order = np.argsort(-score, kind="stable")
        r = np.empty(len(d))
        r[order] = np.arange(1, len(d) + 1)
        return r

    ok19 = d["stunting_u5_2019"].notna().to_numpy()
    ok22 = d["stunting_u5_2022_fh"].notna().to_numpy()
    shifts = np.empty((draws, len(d)))
    for k in range(draws):
        pov = np.clip(d["poverty_2018"].to_numpy() + sd * rng.standard_normal(
            groups.max() + 1)[groups], 0, 100)
        wk = rng.dirichlet(100 * w)
        v19 = {c: (pov if c == "poverty_2018" else d[c].to_numpy(float)) for c in DCI_2019}
        v22 = {c: (pov if c == "poverty_2018" else d[c].to_numpy(float)) for c in DCI_2022}
        shifts[k] = ranks(v22, wk, ok22) - ranks(v19, wk, ok19)
    return (np.quantile(shifts, 0.05, axis=0, method="inverted_cdf"),
            np.quantile(shifts, 0.95, axis=0, method="inverted_cdf"))


def test_section_10_tradeoff_worked_example_by_brute_force():
    import itertools

    n = {"a": 100.0, "b": 60.0, "c": 10.0, "d": 30.0}
    r = {"a": 10.0, "b": 20.0, "c": 50.0, "d": 30.0}
    lists = [set(x) for k in (1, 2) for x in itertools.combinations("abcd", k)]
    value = {frozenset(x): (sum(n[i] for i in x), sum(n[i] * r[i] for i in x)
                            / sum(n[i] for i in x)) for x in lists}
    front = {x for x, (nx, rx) in value.items()
             if not any(ny >= nx and ry >= rx and (ny, ry) != (nx, rx)
                        for ny, ry in value.values())}
    assert front == {frozenset(x) for x in ("ab", "ad", "bd", "bc", "cd", "c")}
    assert [round(value[frozenset(x)][1], 2) for x in ("ab", "ad", "bd", "bc", "cd", "c")] == [
        13.75, 14.62, 23.33, 24.29, 35.0, 50.0]
    f = pd.DataFrame({"ubigeo": list(n), "n": list(n.values()), "r": list(r.values())})
    s = geoprio.Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=2,
                         cost_per_district=1, n_draws=0)
    t = geoprio.tradeoff(f, s, steps=5, objectives=("n", "r"))
    assert [frozenset(u) for u in t["ubigeos"]] == [frozenset(x) for x in ("ab", "bd", "cd", "c")]
    # floors 13.75, 22.8, 31.9, 40.9 and 50: the one at 50 finds {c} again, kept once
    assert t["epsilon"].round(2).tolist() == [13.75, 22.81, 31.88, 40.94]


def test_section_10_tradeoff_on_the_shipped_data(d):
    from scipy.optimize import linprog

    # need and rate of DCI: children on the ENDES-benchmarked Fay–Herriot estimate
    ok = d["stunting_u5_2022_fh"].notna()
    children = (d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100)[ok]
    rate = d.loc[ok, "stunting_u5_2022_fh_endes"]
    fifty = children.sort_values(ascending=False, kind="stable").index[:50]
    assert round(children[fifty].sum()) == 86_771
    assert round((children[fifty] * rate[fifty]).sum() / children[fifty].sum(), 1) == 16.0
    top_rate = rate.idxmax()
    assert d.loc[top_rate, "ubigeo"] == "090607"  # Pilpichaca, Huancavelica
    assert (round(children[top_rate]), round(rate[top_rate], 1)) == (184, 52.5)
    dist = geoprio.load_districts()
    s = geoprio.Scenario.preset("dci").replace(top_n=None, budget=1e8, cost_per_district=2e6)
    f = geoprio.tradeoff(dist, s, steps=11)
    middle = f.iloc[5]
    kids = children[d.index[d["ubigeo"].isin(middle["ubigeos"])]]
    assert (round(kids.sum()), round((kids * rate[kids.index]).sum() / kids.sum(), 1),
            len(kids)) == (46_229, 34.3, 50)
    # its program's LP relaxation bounds it; an integer list loses at most two districts
    lp = linprog(-children.to_numpy(), A_ub=np.vstack([
        np.full(len(children), 2e6), -(children * (rate - middle["epsilon"])).to_numpy()]),
        b_ub=[1e8, 0.0], bounds=(0, 1), method="highs")
    assert -lp.fun - 2 * children.max() <= kids.sum() <= -lp.fun + 1e-6
    # S/ 100 a child under 5: 215 districts, at least greedy's 215 (66,573) and under the
    # fractional-knapsack bound computed by hand (children per sol = the rate)
    cost = d.loc[ok, "under5_2020"] * 100.0
    s2 = s.replace(budget=2e7, cost_per_district=None, cost_per_beneficiary=100.0)
    first = geoprio.tradeoff(dist, s2, steps=2).iloc[0]
    chosen = children[d.index[d["ubigeo"].isin(first["ubigeos"])]]
    assert (round(chosen.sum()), len(chosen)) == (66_573, 215)
    assert round((chosen * rate[chosen.index]).sum() / chosen.sum(), 1) == 34.2
    assert cost[chosen.index].sum() <= 2e7
    order = (children / cost).sort_values(ascending=False, kind="stable").index
    spent = cost[order].cumsum()
    whole = order[spent <= 2e7]
    nxt = order[len(whole)]
    bound = children[whole].sum() + children[nxt] * (2e7 - cost[whole].sum()) / cost[nxt]
    greedy = children[_greedy(children, cost, 2e7)].sum()
    assert round(greedy) == 66_573 and greedy - 1e-6 <= chosen.sum() <= bound


def test_section_10_fonie_gaps(d):
    cols = ["no_water_2017", "no_sewer_2017", "rural_no_electricity_2017",
            "rural_no_mobile_2017"]
    medians = [d[c].median() for c in cols]
    assert [round(m, 1) for m in medians] == [22.5, 61.4, 24.8, 34.4]
    count = sum((d[c] > m).astype(int) for c, m in zip(cols, medians, strict=True))
    assert count.value_counts().sort_index().tolist() == [387, 377, 389, 366, 355]
    assert int((count >= 3).sum()) == 721
    q = quintile_by_hand(d["poverty_2018"])
    eligible = (q <= 2) | d["vraem"] | d["border"]
    assert int((eligible & (count >= 3)).sum()) == 450
    assert int((sum((d[c] > 50).astype(int) for c in cols) == 4).sum()) == 90
    assert int(d["rural_no_electricity_2017"].isna().sum()) == 68


def test_section_10_district_sheet_example(d):
    # the sheet's stunting row is the Fay–Herriot estimate, beside the department's and
    # Peru's under-5-weighted means of the district estimates (the catalog's roll-up)
    row = d.set_index("ubigeo").loc["010102"]
    amazonas = d[d["ubigeo"].str[:2] == "01"]

    def wmean(t):
        return (t["stunting_u5_2022_fh"] * t["under5_2020"]).sum() / t["under5_2020"].sum()

    assert d["stunting_u5_2022_fh"].notna().all() and d["under5_2020"].notna().all()
    assert [round(x, 1) for x in (row["stunting_u5_2022_fh"], wmean(amazonas), wmean(d),
                                  100 * row["stunted_u5_2022"] / row["evaluated_u5_2022"],
                                  row["stunting_u5_2022_eb"])] == [16.7, 20.8, 13.1, 16.7, 15.7]
    assert [round(row[c], 1) for c in ("stunting_u5_2022_fh_lo", "stunting_u5_2022_fh_hi")] == [
        10.2, 24.0]
    assert int(row["evaluated_u5_2022"]) == 6 and round(row["stunting_u5_2022_fh_gamma"]) == 8
