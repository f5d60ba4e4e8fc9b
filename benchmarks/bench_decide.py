"""Benchmark the decision tools: comparison, budget trade-off, FONIE gaps, district sheets.

Run: ``python benchmarks/bench_decide.py`` (about 5 minutes: the ZIP of the 375 DCI sheets is
built once). Prints a Markdown table. Goals: a trade-off frontier of 11 points quick enough to
draw in the app (a few seconds); one sheet under 1 s; the ZIP of the 375-district DCI list
bounded in time and size.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from timing import median_seconds

import geoprio
from geoprio.decide.comparison import with_2019_rates
from geoprio.decide.frontier import tradeoff
from geoprio.engine.scenario import Scenario
from geoprio.report.decisions import export_comparison
from geoprio.report.sheet import district_sheet, district_sheets


def _presolve_against(districts) -> tuple[float, float]:
    """One program of the frontier solved with and without HiGHS's presolve."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    d = districts[districts["stunting_u5_2022_eb"].notna()]
    n = (d["under5_2020"] * d["stunting_u5_2022_eb"] / 100).to_numpy()
    r = d["stunting_u5_2022_eb"].to_numpy()
    a = np.vstack([np.full(len(n), 2e6), n * (r - 25.0)])
    times = []
    for presolve in (True, False):
        times.append(median_seconds(lambda p=presolve: milp(
            c=-n, integrality=np.ones(len(n)), bounds=Bounds(0, 1),
            constraints=LinearConstraint(a, [-np.inf, 0], [1e8, np.inf]),
            options={"presolve": p, "mip_rel_gap": 1e-9}), 5))
    return times[0], times[1]


def main() -> None:
    districts = geoprio.load_districts()
    cat = geoprio.catalog()
    rows: list[tuple[str, str]] = []
    dci = Scenario.preset("dci")
    a = geoprio.prioritize(districts, with_2019_rates(dci), catalog=cat)
    b = geoprio.prioritize(districts, dci, catalog=cat)
    rows.append(("`compare_scenarios` of two outputs (1,874 districts)",
                 f"{median_seconds(lambda: geoprio.compare_scenarios(a, b), 5):.3f} s"))
    cmp = geoprio.compare_scenarios(a, b)
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("xlsx", "gpkg"):
            t = median_seconds(lambda e=ext: export_comparison(cmp, Path(tmp) / f"c.{e}"), 3)
            rows.append((f"`export_comparison` to .{ext}", f"{t:.2f} s"))

    per_district = dci.replace(top_n=None, budget=1e8, cost_per_district=2e6)
    per_child = dci.replace(top_n=None, budget=2e7, cost_per_beneficiary=100.0)
    for label, s, kw in (
            ("`tradeoff`, DCI, S/ 100 million at S/ 2 million a district, 11 steps",
             per_district, {}),
            ("`tradeoff`, DCI, S/ 20 million at S/ 100 a child, 11 steps", per_child, {}),
            ("`tradeoff`, DCI, S/ 20 million at S/ 100 a child, 21 steps", per_child,
             {"steps": 21}),
            ("`tradeoff`, DCI, 3 budgets (S/ 10, 20, 40 million a child) × 11 steps", per_child,
             {"budgets": [1e7, 2e7, 4e7]})):
        t = median_seconds(lambda s=s, kw=kw: tradeoff(districts, s, catalog=cat, **kw), 3)
        n = len(tradeoff(districts, s, catalog=cat, **kw))
        rows.append((label, f"{t:.2f} s ({n} points)"))
    with_pre, without = _presolve_against(districts)
    rows.append(("one frontier program (1,839 binaries), HiGHS presolve on / off",
                 f"{with_pre:.2f} s / {without:.2f} s"))

    rows.append(("`fonie_gaps`, 1,874 districts",
                 f"{median_seconds(lambda: geoprio.fonie_gaps(districts), 5):.3f} s"))

    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("pdf", "html"):
            t = median_seconds(lambda e=ext: district_sheet(
                "010102", Path(tmp) / f"f.{e}", result=b, districts=districts), 3,
                warm_up=True)
            size = (Path(tmp) / f"f.{ext}").stat().st_size
            rows.append((f"`district_sheet` to .{ext} (context included)",
                         f"{t:.2f} s, {size / 1024:.0f} kB"))
        tracemalloc.start()
        start = time.perf_counter()
        path = district_sheets(b, Path(tmp) / "fichas.zip", districts=districts)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        size = path.stat().st_size / 2**20
        rows.append(("`district_sheets`, the 375 DCI districts, ZIP of PDFs",
                     f"{seconds:.0f} s ({seconds / 375:.2f} s a sheet), {size:.1f} MiB, "
                     f"peak Python memory {peak:.0f} MiB"))

    print("| what | time |")
    print("|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
