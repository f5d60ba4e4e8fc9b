"""The budget trade-off, drawn: children reached against the severity of their rate.

With S/ 100 million and S/ 2 million a district, the DCI preset can fund 50 districts. The
same money reaches the most stunted children in large districts with moderate rates, or the
highest rates in small remote districts. ``geoprio.tradeoff`` computes the exact Pareto
frontier between the two (augmented epsilon-constraint on an exact 0-1 solver); this script
prints it, draws it (PNG), picks the point in the middle and writes its list as an XLSX
whose ``metodologia`` sheet records the point and both objective values.

Run: ``python examples/budget_tradeoff.py [OUTPUT_FOLDER]`` (about 10 seconds).
The files go to OUTPUT_FOLDER, by default ``./geoprio_salidas`` in the folder you run it from.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _salidas import output_folder, written

import geoprio
from geoprio.engine.scenario import Scenario


def main(folder: Path) -> None:
    districts = geoprio.load_districts()
    scenario = Scenario.preset("dci").replace(top_n=None, budget=100_000_000.0,
                                              cost_per_district=2_000_000.0, n_draws=0)
    frontier = geoprio.tradeoff(districts, scenario, steps=11)
    print(f"{len(frontier)} frontier points ({frontier.attrs['people']} against the "
          f"need-weighted mean of {frontier.attrs['rate']})")
    for r in frontier.itertuples():
        print(f"  point {r.point:>2}: {r.children_reached:>9,.0f} children, mean rate "
              f"{r.mean_rate:4.1f}%, {r.n_selected} districts")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(frontier["mean_rate"], frontier["children_reached"], marker="o")
    ax.set_xlabel("tasa media de desnutrición de la lista (%)")
    ax.set_ylabel("niños con desnutrición alcanzados")
    fig.savefig(folder / "frontera.png", dpi=100)
    plt.close(fig)
    middle = int(frontier["point"].iloc[len(frontier) // 2])
    result = geoprio.prioritize(districts, scenario)
    chosen = geoprio.tradeoff_list(result, frontier, middle)
    point = chosen.attrs["tradeoff"]
    print(f"point {middle}: {int(chosen['selected'].sum())} districts, "
          f"{point['children_reached']:,.0f} children at {point['mean_rate']:.1f}%")
    out = geoprio.export_tradeoff(chosen, folder / "punto.xlsx")
    print(written(folder / "frontera.png", out))


if __name__ == "__main__":
    main(output_folder(sys.argv[1:]))
