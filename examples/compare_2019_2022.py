"""Compare the DCI list on the SIEN 2019 rates with the same list on the SIEN-HIS 2022 rates.

What changes when the data change? This script runs the DCI preset twice (the 2022 rates:
stunting's Fay–Herriot estimate and the smoothed anaemia rate; and the same weights on the 2019
rates with ``geoprio.with_2019_rates``), compares the
two lists with ``geoprio.compare_scenarios`` and writes the comparison as an XLSX (both
scenarios in the ``metodologia`` sheet) and a GeoPackage (the map of districts entering,
leaving and staying, with both scenarios in its ``escenario`` layer).

A district whose move is **within its interval** is not news: both lists are run on the same
draws, and the 90% interval of its rank difference holds 0, so the data cannot tell its two
ranks apart. Both sides draw the same sources: the 2019 rates publish no error, so only
poverty and the weights are drawn. The script says how many moves are within, and lists the
first districts that enter the list beyond their interval.

Run: ``python examples/compare_2019_2022.py [OUTPUT_FOLDER]`` (about 10 seconds).
The files go to OUTPUT_FOLDER, by default ``./geoprio_salidas`` in the folder you run it from.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyogrio
from _salidas import output_folder, written

import geoprio
from geoprio.engine.scenario import Scenario


def main(folder: Path) -> None:
    districts = geoprio.load_districts()
    dci = Scenario.preset("dci").replace(n_draws=200)
    before = geoprio.prioritize(districts, geoprio.with_2019_rates(dci))
    after = geoprio.prioritize(districts, dci)
    cmp = geoprio.compare_scenarios(before, after)
    print(f"Spearman {cmp.spearman:.3f} over {cmp.n_common} districts ranked in both")
    print(f"kept {cmp.n_kept}, entering {len(cmp.entering)}, leaving {len(cmp.leaving)}")
    paired = cmp.table.attrs["paired"]
    print(f"paired draws: {paired['n_draws']}, drawn {paired['drawn']}, held {paired['held']}")
    print(f"within their interval: {cmp.n_within('entering')} entering, "
          f"{cmp.n_within('leaving')} leaving")
    for people, row in cmp.people.iterrows():
        print(f"{people}: 2019 list {row['a']:,.0f}, 2022 list {row['b']:,.0f}")
    t = cmp.table
    news = t[(t["change"] == "entering") & t["news"]].sort_values("rank_b").head(5)
    print("first districts entering beyond their interval (rank change, its 90% interval):")
    for r in news.itertuples():
        before = ("not ranked" if r.rank_a is pd.NA else
                  f"rank {r.rank_a} [{r.rank_p05_a}-{r.rank_p95_a}]")
        shift = "" if r.shift_p05 is pd.NA else f" (change {r.shift_p05} to {r.shift_p95})"
        print(f"  {r.ubigeo} {r.district} ({r.department}): {before} -> rank {r.rank_b} "
              f"[{r.rank_p05_b}-{r.rank_p95_b}]{shift}")
    xlsx = geoprio.export_comparison(cmp, folder / "dci_2019_2022.xlsx")
    gpkg = geoprio.export_comparison(cmp, folder / "dci_2019_2022.gpkg")
    layers = [layer[0] for layer in pyogrio.list_layers(gpkg)]
    print(f"{written(xlsx, gpkg)} (layers {layers})")


if __name__ == "__main__":
    main(output_folder(sys.argv[1:]))
