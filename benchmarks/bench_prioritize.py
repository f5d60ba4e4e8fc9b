"""Benchmark the prioritisation engine on the shipped 1,874 districts.

Run: ``python benchmarks/bench_prioritize.py``; prints a Markdown table of median timings.
Goal: one scoring plus 1,000 Monte Carlo draws under 1 s on a 2-core machine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from timing import median_seconds

import geoprio
from geoprio.scenario import Scenario
from geoprio.scoring import composite, prepare_raw
from geoprio.uncertainty import monte_carlo

REPEATS = 7


def _median_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    return median_seconds(fn, repeats, warm_up=True)


def main() -> None:
    districts = pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))
    cat = geoprio.catalog()
    dci = Scenario.preset("dci")
    ids = list(dci.weights)
    raw, _, _ = prepare_raw(districts, ids, missing=dci.missing)
    w = np.array([dci.weights[i] for i in ids])
    intervals = {ids.index("poverty_2018"): (districts["poverty_2018_lo"].to_numpy(),
                                             districts["poverty_2018_hi"].to_numpy())}

    rows = [
        ("composite score (DCI, 5 indicators, 1,874 districts)",
         lambda: composite(districts, dci.weights, catalog=cat)),
        ("Monte Carlo, 1,000 draws (weights + poverty interval), top 375",
         lambda: monte_carlo(raw, ids, w, intervals=intervals, top_n=375, n_draws=1000)),
        ("Monte Carlo, 1,000 draws, budget (greedy per draw)",
         lambda: monte_carlo(raw, ids, w, intervals=intervals, budget=5e6,
                             costs=districts["under5_2020"].to_numpy() * 50.0, n_draws=1000)),
        ("prioritize(), DCI preset (1,000 draws, reasons)",
         lambda: geoprio.prioritize(districts, dci, catalog=cat)),
        ("prioritize(), FONIE preset (rule + 1,000 draws)",
         lambda: geoprio.prioritize(districts, Scenario.preset("fonie"), catalog=cat)),
        ("prioritize(), DCI with budget (exact MILP knapsack + 1,000 draws)",
         lambda: geoprio.prioritize(
             districts, dci.replace(top_n=None, budget=5e6, cost_per_beneficiary=50.0),
             catalog=cat)),
    ]
    print("| step | median (s) |")
    print("|---|---:|")
    for label, fn in rows:
        repeats = 3 if "MILP" in label else REPEATS
        print(f"| {label} | {_median_seconds(fn, repeats):.3f} |")


if __name__ == "__main__":
    main()
