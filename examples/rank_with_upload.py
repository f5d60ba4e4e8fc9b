"""Rank districts with an indicator brought by the user, and export a GeoPackage.

What a GIS analyst at MIDIS or a regional government does with a table that arrives by e-mail:

1. read it as it comes (``geoprio.read_table``: separators, decimal commas, lost zeros);
2. join it to the 1,874 districts and read the join report (``geoprio.join_indicators``);
3. add it to a scenario next to the shipped indicators, rank (``geoprio.prioritize``);
4. export every district, with the scenario inside, as a GeoPackage (``geoprio.export``).

The table used here is a **made-up demonstration**, written by this script into a temporary
folder at run time: the column ``ejemplo_sin_cobertura`` ("example: % of children not
reached by a programme") is computed from a seeded random generator. It is not data, it is
not shipped with geoprio, and no conclusion may be drawn from it. Replace it with your own
file: ``python examples/rank_with_upload.py mi_tabla.csv mi_columna``.

Run: ``python examples/rank_with_upload.py`` (about 10 seconds).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pyogrio

import geoprio
from geoprio.scenario import Scenario

DEPARTMENTS = ["AYACUCHO", "HUANCAVELICA"]
EXAMPLE_COLUMN = "ejemplo_sin_cobertura"


def write_example_table(folder: Path) -> Path:
    """A CSV as offices write them: ';' separator, decimal commas, codes without their zero.

    One row per district of Ayacucho and Huancavelica, plus one row with a code created after
    2017 (080915, Kumpirushiato) and one row with a broken code, so that the join report has
    something to say. The values are random numbers (seed 2024): a demonstration only.
    """
    districts = geoprio.load_districts()
    rows = districts[districts["department"].isin(DEPARTMENTS)]
    rng = np.random.default_rng(2024)
    values = rng.uniform(5, 95, size=len(rows)).round(1)
    lines = ["Tabla de DEMOSTRACIÓN generada por examples/rank_with_upload.py (no es un dato)",
             f"UBIGEO;{EXAMPLE_COLUMN}"]
    for code, value in zip(rows["ubigeo"], values, strict=True):
        lines.append(f"{int(code)};{str(value).replace('.', ',')}")
    lines.append("80915;50,0")   # a district created after 2017: mapped to its 2017 parent
    lines.append("ABC;12,0")     # not a code at all: reported, never guessed
    path = folder / "ejemplo_cobertura.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="geoprio_example_") as tmp:
        folder = Path(tmp)
        if len(argv) >= 2:
            path, column = Path(argv[0]), argv[1]
        else:
            path, column = write_example_table(folder), EXAMPLE_COLUMN
            print(f"demonstration table written: {path.name} (random values, not data)")

        table = geoprio.read_table(path)
        read = table.attrs["read"]
        print(f"read {len(table)} rows: separator {read['delimiter']!r}, "
              f"code column {read['code_column']!r}, {len(read['problems'])} problems")

        districts = geoprio.load_districts()
        joined, report = geoprio.join_indicators(districts, table)
        print(f"join: {report.matched} matched, {len(report.recoded)} recoded, "
              f"{len(report.invalid)} invalid, {len(report.missing_districts)} districts "
              "without a row")
        for item in report.recoded:
            print(f"  recoded {item['code']} -> {item['ubigeo']} ({item['scheme']})")

        base = Scenario.preset("dci")
        scenario = base.replace(
            name="dci_con_ejemplo",
            weights={**base.weights, column: 0.25},
            higher_is_worse={column: True},
            departments=DEPARTMENTS,
            top_n=20,
            n_draws=200,
            caveats=[*base.caveats, f"{column}: indicador de demostración, no es un dato."],
        )
        result = geoprio.prioritize(joined, scenario, catalog=geoprio.catalog())
        print(f"scenario {scenario.name!r}: {int(result['eligible'].sum())} eligible, "
              f"{int(result['selected'].sum())} selected, "
              f"{int(result['selection_uncertain'].sum())} uncertain")
        top = result[result["selected"]].sort_values("rank").head(5)
        for r in top.itertuples():
            print(f"  {int(r.rank):>3} {r.ubigeo} {r.district:<28} score {r.score:.3f} "
                  f"rank interval {int(r.rank_p05)}-{int(r.rank_p95)} p={r.p_selected:.2f}")

        out = geoprio.export(result, folder / "prioridad.gpkg", scenario=scenario)
        layers = [name for name, _ in pyogrio.list_layers(out)]
        back = pyogrio.read_dataframe(out, layer="distritos", columns=["ubigeo", "selected"])
        print(f"GeoPackage written: layers {layers}, {len(back)} districts, "
              f"{int(back['selected'].sum())} selected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
