"""Stunting by district from SIEN-HIS counts with census covariates (Fay–Herriot).

The raw 2022 rate is noise where a handful of children were measured, and 35 districts
measured none. This script fits the Fay–Herriot model with the covariates chosen by geoprio's
documented rule (forward selection on BIC), shows what it says where children are few, gives
every unmeasured district an estimate with its (wide) interval, benchmarks the estimates to
ENDES 2022 by department, and writes the table.

Run: ``python examples/small_area_stunting.py [OUTPUT_FOLDER]`` (about 10 seconds).
The files go to OUTPUT_FOLDER, by default ``./geoprio_salidas`` in the folder you run it from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _salidas import output_folder, written

import geoprio


def main(folder: Path) -> None:
    districts = geoprio.load_districts()
    fh = geoprio.small_area(districts, "stunted_u5_2022", "evaluated_u5_2022", scale=100,
                            benchmark="endes")
    fit = fh.attrs["fit"]
    terms = [c for c in fit["covariates"] if not c.startswith("department_")]
    print(f"covariates chosen by BIC: {', '.join(terms)} and the department")
    print(f"sigma2_u {fit['sigma2_u']:.5f} (without covariates "
          f"{fit['sigma2_u_without_covariates']:.5f}): R2 {fit['r2']:.3f}")
    table = fh.assign(district=districts["district"].to_numpy(),
                      eb=districts["stunting_u5_2022_eb"].to_numpy())
    few = table[table["trials"] < 10].sort_values("ubigeo").head(3)
    for r in few.itertuples():
        print(f"{r.ubigeo} {r.district}: {int(r.events)} of {int(r.trials)} stunted: raw "
              f"{r.direct:.1f}%, EB {r.eb:.1f}%, FH {r.estimate:.1f}% ({r.lo:.1f}-{r.hi:.1f}), "
              f"own data weighs {100 * r.gamma:.0f}%")
    none = table[~table["measured"]]
    print(f"{len(none)} districts without a child measured, e.g.:")
    for r in none.head(2).itertuples():
        print(f"  {r.ubigeo} {r.district}: {r.estimate:.1f}% ({r.lo:.1f}-{r.hi:.1f}), "
              f"synthetic")
    lima = fh.attrs["benchmark"]["ratio_by_department"]["15"]
    print(f"ENDES benchmark: Lima's estimates x {lima:.3f}, Huancavelica's x "
          f"{fh.attrs['benchmark']['ratio_by_department']['09']:.3f}")
    out = geoprio.export(table.drop(columns=["eb"]), folder / "desnutricion_fh.csv")
    print(f"{written(out)} ({len(table)} districts)")


if __name__ == "__main__":
    main(output_folder(sys.argv[1:]))
