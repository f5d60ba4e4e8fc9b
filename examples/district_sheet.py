"""One-page district sheets to hand to a municipality, one district or a whole list.

Writes the sheet of Asunción (Chachapoyas, Amazonas) under the DCI preset as a PDF and as an
HTML page, then a ZIP with the sheets of the first 5 districts of the DCI list. Each sheet
has a location map, the rank and its 90% interval, FONIE's gaps, each indicator beside its
department and Peru with year and source, the stunting trend beside ENDES and the caveats
that apply. The same inputs give the same bytes.

Run: ``python examples/district_sheet.py [OUTPUT_FOLDER]`` (about 15 seconds).
The files go to OUTPUT_FOLDER, by default ``./geoprio_salidas`` in the folder you run it from.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from _salidas import output_folder, written

import geoprio
from geoprio.engine.scenario import Scenario


def main(folder: Path) -> None:
    districts = geoprio.load_districts()
    result = geoprio.prioritize(districts, Scenario.preset("dci").replace(n_draws=200))
    pdf = geoprio.district_sheet("010102", folder / "ficha_asuncion.pdf", result=result)
    page = geoprio.district_sheet("010102", folder / "ficha_asuncion.html", result=result)
    again = geoprio.district_sheet("010102", folder / "otra.pdf", result=result)
    print(f"{pdf.name}: {pdf.stat().st_size // 1024} kB; {page.name}: "
          f"{page.stat().st_size // 1024} kB; same bytes twice: "
          f"{pdf.read_bytes() == again.read_bytes()}")
    top5 = geoprio.prioritize(districts, Scenario.preset("dci").replace(top_n=5, n_draws=200))
    bundle = geoprio.district_sheets(top5, folder / "fichas_dci.zip", districts=districts)
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
    print(f"{bundle.name}: {len(names) - 1} sheets and an index: {', '.join(names)}")
    print(written(pdf, page, bundle))


if __name__ == "__main__":
    main(output_folder(sys.argv[1:]))
