"""Rank districts with an indicator brought by the user, and export a GeoPackage.

What a GIS analyst at MIDIS or a regional government does with a table that arrives by e-mail:

1. read it as it comes (``geoprio.read_table``: separators, decimal commas, lost zeros);
2. join it to the 1,874 districts and read the join report (``geoprio.join_indicators``);
3. add it to a scenario next to the shipped indicators, **saying which way it points**: a
   higher value may mean more need (children not reached) or less (a coverage); geoprio
   never guesses it;
4. export every district, with the scenario inside, as a GeoPackage (``geoprio.export``).

With your own file::

    python examples/rank_with_upload.py mi_tabla.csv mi_columna peor [CARPETA]
    python examples/rank_with_upload.py cobertura.csv cobertura mejor [CARPETA]

``peor``: a higher value means more need (e.g. % of children not reached); ``mejor``: a
higher value means less need (e.g. a coverage). Without arguments the script runs on a
**made-up demonstration** table that it writes next to its outputs: the column
``ejemplo_sin_cobertura`` ("example: % of children not reached by a programme", higher is
worse) comes from a seeded random generator. It is not data, it is not shipped with geoprio,
and no conclusion may be drawn from it.

The files go to CARPETA, by default ``./geoprio_salidas`` in the folder you run it from
(about 10 seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyogrio
from _salidas import output_folder, written

import geoprio
from geoprio.engine.scenario import Scenario

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


#: how the direction is said on the command line
DIRECTIONS = {"peor": True, "worse": True, "mejor": False, "better": False}


def arguments(argv: list[str]) -> tuple[Path | None, str, bool, Path]:
    """File, column, direction (higher is worse) and output folder from the command line."""
    if not argv:
        return None, EXAMPLE_COLUMN, True, output_folder([])
    if len(argv) < 3 or argv[2].lower() not in DIRECTIONS:
        raise SystemExit("say which way the column points: python examples/rank_with_upload.py "
                         "TABLE COLUMN peor|mejor [FOLDER] (peor: a higher value means more "
                         "need; mejor: less need)")
    return Path(argv[0]), argv[1], DIRECTIONS[argv[2].lower()], output_folder(argv[3:])


def main(argv: list[str]) -> int:
    path, column, worse, folder = arguments(argv)
    if path is None:
        path = write_example_table(folder)
        print(f"demonstration table written: {path.resolve()} (random values, not data)")

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
        higher_is_worse={column: worse},  # as the user said, never assumed
        departments=DEPARTMENTS,
        top_n=20,
        n_draws=200,
        caveats=[*base.caveats, f"{column}: indicador de demostración, no es un dato."],
    )
    print(f"{column}: a higher value means {'more' if worse else 'less'} need")
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
    print(f"GeoPackage: layers {layers}, {len(back)} districts, "
          f"{int(back['selected'].sum())} selected; {written(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
