"""Fisher–Jenks breaks of a map: geoprio's numpy programme against mapclassify, one run.

Run: ``python benchmarks/bench_jenks.py``. For three shipped indicators (1,865 to 1,874
districts) and the map's class counts, times ``geoprio.report.jenks.FisherJenks`` and
``mapclassify.FisherJenks`` (pure Python here: numba is not installed) on the same values,
best of 3, and says whether the classes are the same or which partition is tighter (the
within-class sum of squared deviations, what both minimise). Prints a Markdown table.
"""

from __future__ import annotations

import warnings

import mapclassify
import numpy as np
from timing import best_of

import geoprio
from geoprio.report.jenks import FisherJenks

CASES = (("poverty_2018", 5), ("stunting_u5_2019", 7), ("no_water_2017", 3),
         ("stunting_u5_2022_eb", 5))


def ssd(values: np.ndarray, yb: np.ndarray) -> float:
    return float(sum(((values[yb == c] - values[yb == c].mean()) ** 2).sum()
                     for c in np.unique(yb)))


def main() -> None:
    districts = geoprio.load_districts()
    warnings.simplefilter("ignore", UserWarning)  # mapclassify: "Numba not installed"
    print("| indicator | districts | classes | geoprio (s) | mapclassify (s) | ratio | classes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for column, k in CASES:
        values = districts[column].dropna().to_numpy(float)
        ours_t = best_of(lambda v=values, k=k: FisherJenks(v, k), 3)
        theirs_t = best_of(lambda v=values, k=k: mapclassify.FisherJenks(v, k=k), 3)
        ours, theirs = FisherJenks(values, k), mapclassify.FisherJenks(values, k=k)
        same = np.allclose(ours.bins, theirs.bins)
        verdict = "same" if same else (
            f"geoprio's tighter (SSD {ssd(values, ours.yb):,.2f} vs "
            f"{ssd(values, theirs.yb):,.2f})")
        print(f"| `{column}` | {len(values):,} | {k} | {ours_t:.3f} | {theirs_t:.2f} | "
              f"{theirs_t / ours_t:.0f}× | {verdict} |")


if __name__ == "__main__":
    main()
