"""Benchmark the prioritisation engine on the shipped 1,874 districts.

Run: ``python benchmarks/bench_prioritize.py``; prints a Markdown table of median timings.
Goals: ``prioritize()`` with 1,000 draws, eligibility and quintiles redrawn in every draw,
under 1 s for each preset; a budget list (greedy in every draw, exact optimum once for the
gap) under 3 s; memory flat in the number of draws.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pandas as pd
from timing import median_seconds

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.engine.scoring import composite

REPEATS = 7


def _median_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    return median_seconds(fn, repeats, warm_up=True)


def _peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    districts = pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))
    cat = geoprio.catalog()
    dci, fonie = Scenario.preset("dci"), Scenario.preset("fonie")
    budget = dci.replace(top_n=None, budget=5e6, cost_per_beneficiary=50.0)

    def run(s: Scenario) -> Callable[[], object]:
        return lambda: geoprio.prioritize(districts, s, catalog=cat)

    rows = [
        ("composite score (DCI, 5 indicators, 1,874 districts)",
         lambda: composite(districts, dci.weights, catalog=cat)),
        ("prioritize(), no draws, DCI preset", run(dci.replace(n_draws=0))),
        ("prioritize(), DCI preset (1,000 draws, reasons)", run(dci)),
        ("prioritize(), FONIE preset (1,000 draws; quintiles and eligibility redrawn)",
         run(fonie)),
        ("prioritize(), anemia preset (1,000 draws)", run(Scenario.preset("anemia"))),
        ("prioritize(), FONIE top 644 (1,000 draws)", run(fonie.replace(top_n=644))),
        ("prioritize(), DCI with budget (greedy in every draw, exact optimum once)", run(budget)),
        ("prioritize(), FONIE with budget, need redrawn (1,000 draws)",
         run(fonie.replace(budget=2e9, cost_per_district=5e6))),
    ]
    print("| step | median (s) |")
    print("|---|---:|")
    for label, fn in rows:
        repeats = 3 if "budget" in label else REPEATS
        print(f"| {label} | {_median_seconds(fn, repeats):.3f} |")
    print()
    print("| FONIE draws | peak memory (MB, tracemalloc) |")
    print("|---:|---:|")
    for n in (1_000, 10_000):
        print(f"| {n:,} | {_peak_mb(run(fonie.replace(n_draws=n))):.0f} |")


if __name__ == "__main__":
    main()
