"""Scenario comparison: checked against set operations, pandas ranks and hand-made frames."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyogrio
import pytest
import tomllib
from openpyxl import load_workbook

import geoprio
from geoprio.cli import main
from geoprio.decide.comparison import ScenarioComparison, compare_scenarios, with_2019_rates
from geoprio.engine.scenario import Scenario
from geoprio.errors import InputError, ScenarioError
from geoprio.report.decisions import export_comparison


@pytest.fixture(scope="module")
def dci_anemia(districts):
    a = geoprio.prioritize(districts, Scenario.preset("dci").replace(n_draws=0))
    b = geoprio.prioritize(districts, Scenario.preset("anemia").replace(n_draws=0))
    return a, b, compare_scenarios(a, b)


def test_table_agrees_with_set_operations_and_pandas_ranks(dci_anemia, districts):
    a, b, c = dci_anemia
    t = c.table
    assert len(t) == 1874 and t["ubigeo"].tolist() == districts["ubigeo"].tolist()
    sel_a = set(a.loc[a["selected"], "ubigeo"])
    sel_b = set(b.loc[b["selected"], "ubigeo"])
    assert set(t.loc[t["change"] == "entering", "ubigeo"]) == sel_b - sel_a
    assert set(t.loc[t["change"] == "leaving", "ubigeo"]) == sel_a - sel_b
    assert set(t.loc[t["change"] == "kept", "ubigeo"]) == sel_a & sel_b
    assert int((t["change"] == "out").sum()) == 1874 - len(sel_a | sel_b)
    # the ranks are each output's, the shift their difference
    assert t["rank_a"].equals(a["rank"].reset_index(drop=True).rename("rank_a"))
    assert (t["rank_shift"].dropna() == (b["rank"] - a["rank"]).dropna().to_numpy()).all()
    # Spearman by pandas over the districts ranked in both
    both = a["rank"].notna() & b["rank"].notna()
    rho = a.loc[both, "rank"].astype(float).corr(b.loc[both, "rank"].astype(float),
                                                  method="spearman")
    assert c.spearman == pytest.approx(rho, abs=1e-12)
    # without draws an interval is the rank itself: a move is within it only if there is none
    ranked = t["rank_a"].notna() & t["rank_b"].notna()
    assert (t.loc[ranked, "within_intervals"] == (t.loc[ranked, "rank_shift"] == 0)).all()
    assert t.loc[~ranked, "within_intervals"].isna().all()
    assert isinstance(t, geoprio.load_districts().__class__)  # a GeoDataFrame for the map


def test_within_intervals_and_news_on_a_case_by_hand():
    def out(ranks, lo, hi, sel):
        return pd.DataFrame({"ubigeo": list("abcd"), "rank": pd.array(ranks, dtype="Int64"),
                             "rank_p05": pd.array(lo, dtype="Int64"),
                             "rank_p95": pd.array(hi, dtype="Int64"), "selected": sel,
                             "p_selected": [float(s) for s in sel], "reasons": ["r"] * 4})

    a = out([1, 2, 3, None], [1, 1, 2, None], [2, 3, 4, None], [True, True, False, False])
    b = out([1, 3, 2, 4], [1, 3, 1, 3], [1, 4, 2, 4], [True, False, True, False])
    t = compare_scenarios(a, b).table
    # a: 1-2 vs 1-1 overlap; b: 1-3 vs 3-4 overlap (3); c: 2-4 vs 1-2 overlap; d: ranked once
    assert t["within_intervals"].tolist() == [True, True, True, pd.NA]
    assert t["change"].tolist() == ["kept", "leaving", "entering", "out"]
    # a did not move; b and c moved within their intervals; d became ranked: news
    assert t["news"].tolist() == [False, False, False, True]
    b2 = out([1, 3, 2, 4], [1, 4, 1, 3], [1, 5, 2, 4], [True, False, True, False])
    t2 = compare_scenarios(a, b2).table
    assert t2["within_intervals"].tolist()[1] is False  # 1-3 against 4-5: apart
    assert t2["news"].tolist()[1]


def test_people_reached_by_each_list_by_hand(dci_anemia, districts):
    a, b, c = dci_anemia
    d = districts
    stunted = d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100
    poor = d["pop_2020"].fillna(d["pop_2017"]) * d["poverty_2018"] / 100
    for side, frame in (("a", a), ("b", b)):
        sel = frame["selected"].to_numpy()
        assert c.people.loc["stunted_children", side] == pytest.approx(stunted[sel].sum())
        assert c.people.loc["poor_people", side] == pytest.approx(poor[sel].sum())
    entering = c.table["change"].eq("entering").to_numpy()
    assert c.people.loc["stunted_children", "entering"] == pytest.approx(
        stunted[entering].sum())
    assert c.people.loc["stunted_children", "difference"] == pytest.approx(
        c.people.loc["stunted_children", "b"] - c.people.loc["stunted_children", "a"])


def test_with_2019_rates_is_the_methodology_scenario():
    s = with_2019_rates("dci")
    assert s.weights == {"stunting_u5_2019": 0.30, "anemia_6_35m_2019": 0.20,
                         "poverty_2018": 0.20, "no_water_2017": 0.15, "no_sewer_2017": 0.15}
    assert s.rule == "stunting_u5_2019 >= 0" and s.name == "dci_2019"
    assert s.need == "stunted_children"  # counted on the 2022 estimates
    with pytest.raises(ScenarioError, match="weights both"):
        with_2019_rates(Scenario(weights={"stunting_u5_2022": 1, "stunting_u5_2022_eb": 1}))


def test_2019_against_2022_with_intervals(districts):
    a = geoprio.prioritize(districts, with_2019_rates(Scenario.preset("dci").replace(
        n_draws=200)))
    b = geoprio.prioritize(districts, Scenario.preset("dci").replace(n_draws=200))
    c = compare_scenarios(a, b, pair=False)
    assert (c.n_kept, len(c.entering), len(c.leaving)) == (288, 87, 87)
    # without paired draws: overlap of the 90% rank intervals, recomputed by pandas
    enter = b["selected"] & ~a["selected"]
    lo = np.maximum(a["rank_p05"].astype(float), b["rank_p05"].astype(float))
    hi = np.minimum(a["rank_p95"].astype(float), b["rank_p95"].astype(float))
    overlap = (lo <= hi) & a["rank"].notna() & b["rank"].notna()
    assert c.n_within("entering") == int((enter & overlap).sum())
    assert 0 < c.n_within("entering") < 87
    assert "within their rank intervals" in repr(c)


def test_export_xlsx_and_gpkg_hold_both_scenarios(tmp_path, districts):
    a = Scenario.preset("dci").replace(n_draws=0)
    c = compare_scenarios(with_2019_rates(a), a, districts=districts)
    xlsx = export_comparison(c, tmp_path / "c.xlsx")
    sheet = {r[0]: r[1] for r in load_workbook(xlsx)["metodologia"].iter_rows(values_only=True)}
    assert sheet["escenario.a.name"] == "dci_2019" and sheet["escenario.b.name"] == "dci"
    assert sheet["escenario.comparacion.kept"] == "288"
    table = pd.read_excel(xlsx, sheet_name="distritos", dtype={"ubigeo": str},
                          engine="openpyxl")
    assert len(table) == 1874 and {"rank_a", "rank_b", "within_intervals"} <= set(table)
    gpkg = export_comparison(c, tmp_path / "c.gpkg")
    assert [layer[0] for layer in pyogrio.list_layers(gpkg)] == ["distritos", "escenario"]
    meta = pyogrio.read_dataframe(gpkg, layer="escenario")
    record = tomllib.loads(meta["valor"].iloc[0])
    assert Scenario.from_dict(record["b"]) == a
    assert Scenario.from_dict(record["a"]) == with_2019_rates(a)
    assert record["comparacion"]["entering"] == 87


def test_errors():
    with pytest.raises(ScenarioError, match="needs districts="):
        compare_scenarios(Scenario.preset("dci"), Scenario.preset("anemia"))
    with pytest.raises(InputError, match="prioritize\\(\\) outputs"):
        compare_scenarios(pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="ScenarioComparison"):
        export_comparison("no", "x.csv")
    c = ScenarioComparison(1.0, 1.0, 0, pd.DataFrame(), pd.DataFrame(), 0)
    with pytest.raises(ScenarioError, match="change must be one of"):
        c.n_within("moved")


def test_the_engine_does_not_import_the_decision_tools():
    """compare_scenarios lives in geoprio.decide (above the engine): the engine never imports
    it (issue 22: no cycle between ranking and comparison); the public name stays."""
    code = ("import sys, geoprio.engine.ranking; assert 'geoprio.decide.comparison' not in "
            "sys.modules; import geoprio, geoprio.decide.comparison as c; "
            "assert geoprio.compare_scenarios is c.compare_scenarios")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_cli_compare_writes_the_comparison(tmp_path, capsys):
    out = tmp_path / "cambios.csv"
    assert main(["compare", "dci", "dci", "--on-2019", "a", "--draws", "0", "--out",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "kept 288, entering 87 (0 within their rank intervals)" in printed
    table = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig")
    assert len(table) == 1874 and int((table["change"] == "entering").sum()) == 87


def _paired_by_hand(f: pd.DataFrame, a: Scenario, b: Scenario) -> tuple[np.ndarray, ...]:
    """The paired draws rebuilt outside geoprio's simulation: x drawn within its interval
    (normal, sd = (hi - lo) / 3.92, the generator of the seed, 250 draws at a time), both
    scenarios ranked on each drawn table by prioritize without draws, differences by numpy."""
    rng = np.random.default_rng(a.seed)
    sd = ((f["x_hi"] - f["x_lo"]) / 3.92).to_numpy()
    shifts = []
    for start in range(0, a.n_draws, 250):
        m = min(250, a.n_draws - start)
        noise = rng.standard_normal((m, len(f)))
        for row in noise:
            g = f.assign(x=f["x"].to_numpy() + sd * row)
            ra = geoprio.prioritize(g, a.replace(n_draws=0))["rank"].astype(float)
            rb = geoprio.prioritize(g, b.replace(n_draws=0))["rank"].astype(float)
            shifts.append((rb - ra).to_numpy())
    shifts = np.array(shifts)
    lo = np.array([np.quantile(c[~np.isnan(c)], 0.05, method="inverted_cdf") for c in shifts.T])
    hi = np.array([np.quantile(c[~np.isnan(c)], 0.95, method="inverted_cdf") for c in shifts.T])
    return lo, hi


def test_news_comes_from_paired_draws_of_the_rank_difference():
    # issue 20: "within its interval" meant that two 90% rank intervals overlap, which two
    # ranks 150 apart can do; a move is now within when the 90% interval of rank_b - rank_a,
    # both scenarios run on the same draws, holds 0
    rng = np.random.default_rng(7)
    x = rng.uniform(10, 60, 8)
    f = pd.DataFrame({"ubigeo": [f"{i:02d}" for i in range(8)], "x": x,
                      "x_lo": x - rng.uniform(1, 20, 8), "x_hi": x + rng.uniform(1, 20, 8),
                      "y": rng.uniform(0, 1, 8)})
    a = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, top_n=3, n_draws=300,
                 weight_spread=0, seed=11)
    b = Scenario(weights={"x": 1, "y": 1}, higher_is_worse={"x": True, "y": True}, top_n=3,
                 n_draws=300, weight_spread=0, seed=11)
    lo, hi = _paired_by_hand(f, a, b)
    c = compare_scenarios(a, b, districts=f)
    t = c.table
    assert t["shift_p05"].astype(float).tolist() == lo.tolist()
    assert t["shift_p95"].astype(float).tolist() == hi.tolist()
    within = (lo <= 0) & (hi >= 0)
    assert t["within_intervals"].astype(bool).tolist() == within.tolist()
    moved = (t["rank_shift"] != 0) | t["change"].isin(["entering", "leaving"])
    assert t["news"].tolist() == (moved & ~within).tolist()
    assert t.attrs["paired"] == {"n_draws": 300, "seed": 11, "drawn": ["x"], "held": []}
    # the same from the two outputs: their scenarios and columns are enough
    fa, fb = geoprio.prioritize(f, a), geoprio.prioritize(f, b)
    assert compare_scenarios(fa, fb).table["shift_p95"].astype(float).tolist() == hi.tolist()


def test_2019_against_2022_draws_the_same_sources_and_news_is_trustworthy(districts):
    # issue 20: the 2019 run drew only poverty while 2022 also drew the rates, and 86 of the
    # 120 "within interval" moves shifted more than 150 ranks
    dci = Scenario.preset("dci").replace(n_draws=200)
    c = compare_scenarios(with_2019_rates(dci), dci, districts=districts)
    paired = c.table.attrs["paired"]
    assert paired["drawn"] == ["poverty_2018"]
    assert paired["held"] == ["anemia_6_35m_2022_eb", "stunting_u5_2022_fh"]
    t = c.table
    within = t["within_intervals"].fillna(False).astype(bool)
    shift = t["rank_shift"].astype(float).abs()
    lo, hi = t["shift_p05"].astype(float), t["shift_p95"].astype(float)
    # within: the interval of the difference holds 0, so no within move can be far from it
    assert ((lo[within] <= 0) & (hi[within] >= 0)).all()
    assert int((within & (shift > 150)).sum()) == 0
    # the overlap rule let large moves through
    old = compare_scenarios(with_2019_rates(dci), dci, districts=districts, pair=False).table
    old_within = old["within_intervals"].fillna(False).astype(bool)
    assert int((old_within & (old["rank_shift"].astype(float).abs() > 150)).sum()) > 50


def test_entering_and_leaving_tables_are_in_rank_order():
    # issue 20 (a surviving mutant): leaving sorted by its rank in a, entering by its rank in b
    def out(ranks, sel):
        return pd.DataFrame({"ubigeo": list("abcdef"), "rank": pd.array(ranks, dtype="Int64"),
                             "selected": sel})

    a = out([5, 1, 6, 2, 3, 4], [False, True, False, True, True, False])
    b = out([1, 6, 2, 5, 4, 3], [True, False, True, False, False, True])
    c = compare_scenarios(a, b)
    assert c.leaving["ubigeo"].tolist() == ["b", "d", "e"]      # ranks 1, 2, 3 in a
    assert c.leaving["rank_a"].tolist() == [1, 2, 3]
    assert c.entering["ubigeo"].tolist() == ["a", "c", "f"]     # ranks 1, 2, 3 in b
    assert c.entering["rank_b"].tolist() == [1, 2, 3]


def test_the_comparison_figures_an_export_records():
    f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [3.0, 2.0, 1.0], "y": [1.0, 3.0, 2.0]})
    a = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, top_n=1, n_draws=0)
    b = Scenario(weights={"y": 1}, higher_is_worse={"y": True}, top_n=1, n_draws=0)
    c = compare_scenarios(a, b, districts=f)
    # ranks a 1, 2, 3 against b 3, 1, 2: Spearman -0.5, Kendall (1 - 2) / 3
    assert c.summary() == {"spearman": -0.5, "kendall": -0.333333, "ranked_in_both": 3,
                           "kept": 0, "entering": 1, "leaving": 1,
                           "entering_within_intervals": 0, "leaving_within_intervals": 0}
    assert repr(c) == ("ScenarioComparison(spearman=-0.500, kendall=-0.333, over 3; kept 0, "
                       "entering 1, leaving 1 (0 and 0 within their rank intervals))")
    one = compare_scenarios(a, b, districts=f.iloc[:1])
    assert one.summary()["spearman"] is None and one.summary()["kendall"] is None
    with pytest.raises(ScenarioError, match=r"^change must be one of \['kept', 'entering', "
                                            r"'leaving', 'out'\]; got 'in'$"):
        c.n_within("in")
    from geoprio.decide.comparison import paired_rank_shift

    with pytest.raises(ScenarioError, match=r"^paired draws need n_draws >= 1 in scenario a$"):
        paired_rank_shift(f, a, b)
    with pytest.raises(TypeError, match=r"^comparison must be a ScenarioComparison; got dict$"):
        export_comparison({}, "x.csv")
    with pytest.raises(TypeError, match=r"^scenario must be a Scenario or a preset name; got 3$"):
        with_2019_rates(3)


def test_2019_rates_replace_directions_and_targets_too():
    s = Scenario(weights={"stunting_u5_2022_eb": 1}, higher_is_worse={"stunting_u5_2022_eb": True},
                 targets={"stunting_u5_2022_eb": 10.0}, normalisation="target", n_draws=0)
    old = with_2019_rates(s)
    assert old.higher_is_worse == {"stunting_u5_2019": True}
    assert old.targets == {"stunting_u5_2019": 10.0}
