"""FONIE's simultaneous gaps: where water, sanitation, electricity and telecom lag together.

The law asks FONIE to finance its sectors "de preferencia en forma simultánea". This script
ranks the FONIE preset, counts for every district the sectors whose gap is above the national
median (``geoprio.fonie_gaps``), keeps the eligible districts with at least 3 gaps and says
which sectors explain the place of the first ones. Rural roads have no district data: a
column of your own can be declared as the roads sector (``roads="my_column"``).

Run: ``python examples/fonie_gaps.py [OUTPUT_FOLDER]`` (about 5 seconds).
The files go to OUTPUT_FOLDER, by default ``./geoprio_salidas`` in the folder you run it from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _salidas import output_folder, written

import geoprio
from geoprio.engine.scenario import Scenario


def main(folder: Path) -> None:
    districts = geoprio.load_districts()
    result = geoprio.prioritize(districts, Scenario.preset("fonie").replace(n_draws=0))
    gaps = geoprio.fonie_gaps(result)
    refs = gaps.attrs["fonie_gaps"]
    print("national medians: " + ", ".join(
        f"{k} {v['reference']:.1f}% ({v['column']})" for k, v in refs.items() if v["column"]))
    print(f"roads: {refs['roads']['why']}")
    listed = gaps[gaps["selected"]]
    three = listed[listed["fonie_gap_count"] >= 3]
    print(f"{len(three)} of the {len(listed)} FONIE districts have 3 or more gaps")
    for r in three.sort_values("rank").head(5).itertuples():
        print(f"  {int(r.rank):>3} {r.ubigeo} {r.district}: {', '.join(r.fonie_gap_sectors)}")
    out = geoprio.export(three, folder / "fonie_3_brechas.gpkg")
    print(f"{written(out)} ({len(three)} districts)")


if __name__ == "__main__":
    main(output_folder(sys.argv[1:]))
