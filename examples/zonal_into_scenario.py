"""Zonal statistics of a GeoTIFF, added to a scenario as an indicator, ranked and exported.

What a GIS analyst does with a raster (a population grid, a travel-time surface, night
lights, an elevation model):

1. summarise it over every district (``geoprio.zonal_stats``);
2. add one statistic as a scorable indicator with its label, unit, direction and source
   (``geoprio.add_zonal_indicator``), which also extends the catalog;
3. use it in a scenario and rank (``geoprio.prioritize``);
4. export the result (``geoprio.export``: GeoPackage and CSV).

Without arguments the GeoTIFF is a **made-up demonstration** that the script writes next to its
outputs, with values that are easy to check: 0.05-degree pixels over
Peru worth **100 south of latitude 14° S and 0 north of it** (and nodata west of 81.2° W,
over the sea). A district's mean is therefore the share of its pixels south of 14° S: 100
for a district wholly south of it (most of Puno), 0 for every district of Loreto, something
in between for a district the line crosses. It is not data; no conclusion
may be drawn from it. With your own raster, say which way it points (``peor``: a higher
value means more need, e.g. travel time; ``mejor``: less, e.g. night lights)::

    python examples/zonal_into_scenario.py mi_raster.tif peor [CARPETA]

The files go to CARPETA, by default ``./geoprio_salidas`` in the folder you run it from
(about 10 seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import rasterio
from _salidas import output_folder, written
from rasterio.transform import from_origin

import geoprio
from geoprio.engine.scenario import Scenario

PIXEL = 0.05  # degrees
WEST, NORTH, EAST, SOUTH = -81.5, 0.5, -68.5, -18.5
NODATA = -9999.0
SOUTH_OF = -14.0  # latitude of the step in the demonstration raster


def write_example_raster(folder: Path) -> Path:
    """Float32 GeoTIFF in EPSG:4326: 100 south of 14° S, 0 north of it, nodata over the sea."""
    width = round((EAST - WEST) / PIXEL)
    height = round((NORTH - SOUTH) / PIXEL)
    lat = NORTH - PIXEL * (np.arange(height) + 0.5)  # pixel-centre latitudes
    lon = WEST + PIXEL * (np.arange(width) + 0.5)
    values = np.where(lat[:, None] < SOUTH_OF, 100.0, 0.0) * np.ones((1, width))
    values[:, lon < -81.2] = NODATA
    path = folder / "ejemplo_sur_14s.tif"
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=NODATA,
                       transform=from_origin(WEST, NORTH, PIXEL, PIXEL)) as ds:
        ds.write(values.astype("float32"), 1)
    return path


def main(argv: list[str]) -> int:
    if argv and (len(argv) < 2 or argv[1].lower() not in ("peor", "mejor")):
        raise SystemExit("say which way the raster points: python examples/"
                         "zonal_into_scenario.py RASTER peor|mejor [FOLDER]")
    folder = output_folder(argv[2:])
    worse = not argv or argv[1].lower() == "peor"
    if argv:
        raster = Path(argv[0])
    else:
        raster = write_example_raster(folder)
        print(f"demonstration raster written: {raster.resolve()} (values 100 south of "
              "14° S, 0 north; not data)")

    districts = geoprio.load_districts()
    zonal = geoprio.zonal_stats(districts, raster, stats=["mean", "count"])
    methods = zonal["zonal_method"].value_counts().to_dict()
    print(f"zonal statistics for {len(zonal)} districts; how each got its pixels: {methods}")
    by_dept = zonal.assign(department=districts["department"]).groupby("department")
    for dept in ("PUNO", "LORETO", "CUSCO"):
        means = by_dept.get_group(dept)["mean"]
        print(f"  {dept}: mean of the district means {means.mean():.1f} "
              f"(min {means.min():.1f}, max {means.max():.1f})")

    new, catalog = geoprio.add_zonal_indicator(
        districts, geoprio.catalog(), zonal, column="mean", id="ejemplo_sur_14s",
        label_es="Ejemplo: % de píxeles al sur de 14° S (demostración)",
        label_en="Example: % of pixels south of 14° S (demonstration)",
        unit="%", higher_is_worse=worse,
        source="ráster de demostración de examples/zonal_into_scenario.py (no es un dato)")
    row = catalog.set_index("id").loc["ejemplo_sur_14s"]
    print(f"indicator added: {row['label_en']!r}, unit {row['unit']}, caveats: "
          f"{row['caveats']}")

    scenario = Scenario(
        name="pobreza_y_ejemplo",
        description="Pobreza 2018 y un indicador de demostración de un GeoTIFF.",
        weights={"poverty_2018": 0.5, "ejemplo_sur_14s": 0.5},
        top_n=50, n_draws=200,
        caveats=["ejemplo_sur_14s es un ráster de demostración: no es un dato."],
    )
    result = geoprio.prioritize(new, scenario, catalog=catalog)
    sel = result[result["selected"]]
    print(f"scenario {scenario.name!r}: {len(sel)} selected, "
          f"{int((sel['ejemplo_sur_14s'] == 100).sum())} of them wholly south of 14° S")
    for r in sel.sort_values("rank").head(5).itertuples():
        print(f"  {int(r.rank):>3} {r.ubigeo} {r.district:<24} {r.department:<12} "
              f"poverty {r.poverty_2018:.1f}%  example {r.ejemplo_sur_14s:.0f}")

    gpkg = geoprio.export(result, folder / "prioridad_zonal.gpkg", scenario=scenario,
                          catalog=catalog)
    csv = geoprio.export(result, folder / "prioridad_zonal.csv", catalog=catalog)
    print(f"exported {gpkg.name} ({gpkg.stat().st_size // 1024} KiB) and {csv.name} "
          f"({len(result)} rows); {written(gpkg, csv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
