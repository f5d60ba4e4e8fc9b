"""geoprio.zonal_stats against rasterstats.zonal_stats on a Peru-sized 1 km raster.

Writes its own GeoTIFFs (random values: no raster is shipped) covering Peru at 30 arc-seconds
(1,560 columns x 2,232 rows, about 1 km) and in EPSG:32718 at 1 km, summarises them over the
1,874 districts of ``geoprio.load_districts()`` with both tools and prints a Markdown table:
seconds (best of ``--repeat`` for geoprio, one run for rasterstats), speed-up, the largest
absolute difference over all statistics and the peak memory geoprio allocates.

Run: ``python benchmarks/bench_raster.py [--repeat 3] [--quick]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.transform import from_origin

import geoprio
from geoprio.spatial.raster import zonal_stats

STATS = ["mean", "sum", "min", "max", "median", "count", "majority"]


def write_rasters(folder: Path) -> dict[str, tuple[str, str]]:
    """The test rasters: name -> (path, CRS). Tiled 256 x 256, uncompressed."""
    rng = np.random.default_rng(2024)
    height, width = 2232, 1560
    common = {"driver": "GTiff", "height": height, "width": width, "count": 1,
              "tiled": True, "blockxsize": 256, "blockysize": 256}
    out = {}
    geo = from_origin(-81.5, 0.1, 1 / 120, 1 / 120)  # 30 arc-seconds, like WorldPop 1 km
    values = rng.normal(1000, 300, (height, width))
    values[rng.random(values.shape) < 0.02] = -9999
    path = folder / "float64_4326.tif"
    with rasterio.open(path, "w", dtype="float64", crs="EPSG:4326", transform=geo,
                       nodata=-9999, **common) as ds:
        ds.write(values, 1)
    out["float64, EPSG:4326"] = (str(path), "EPSG:4326")
    elevation = rng.integers(0, 6000, (height, width)).astype("int16")
    elevation[rng.random(elevation.shape) < 0.02] = -32768
    path = folder / "int16_4326.tif"
    with rasterio.open(path, "w", dtype="int16", crs="EPSG:4326", transform=geo,
                       nodata=-32768, **common) as ds:
        ds.write(elevation, 1)
    out["int16, EPSG:4326"] = (str(path), "EPSG:4326")
    utm = from_origin(-250_000, 10_100_000, 1000, 1000)  # EPSG:32718 covers Peru at 1 km
    path = folder / "float64_32718.tif"
    with rasterio.open(path, "w", dtype="float64", crs="EPSG:32718", transform=utm,
                       nodata=-9999, **{**common, "width": 1560, "height": 2232}) as ds:
        ds.write(values, 1)
    out["float64, EPSG:32718"] = (str(path), "EPSG:32718")
    return out


def run_rasterstats(geoms, path, stats, all_touched):
    from rasterstats import zonal_stats as rs_zonal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.DataFrame(rs_zonal(geoms, path, stats=stats, all_touched=all_touched))


def max_abs_diff(ours: pd.DataFrame, theirs: pd.DataFrame, stats) -> tuple[float, int]:
    worst, nan_mismatch = 0.0, 0
    for s in stats:
        a, b = ours[s].to_numpy(float), theirs[s].to_numpy(float)
        nan_mismatch += int((np.isnan(a) != np.isnan(b)).sum())
        both = ~np.isnan(a) & ~np.isnan(b)
        if both.any():
            worst = max(worst, float(np.abs(a[both] - b[both]).max()))
    return worst, nan_mismatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="geoprio runs (best is kept)")
    parser.add_argument("--quick", action="store_true", help="only the first raster")
    args = parser.parse_args()

    districts = geoprio.load_districts()[["ubigeo", "geometry"]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rasters = write_rasters(Path(tmp))
        cases = [
            ("float64, EPSG:4326", STATS, False),
            ("float64, EPSG:4326", STATS, True),
            ("float64, EPSG:4326", ["mean", "count"], False),
            ("int16, EPSG:4326", STATS, False),
            ("float64, EPSG:32718", STATS, False),
        ]
        if args.quick:
            cases = cases[:1]
        for name, stats, touched in cases:
            path, crs = rasters[name]
            geoms = districts.geometry.to_crs(crs).tolist()  # rasterstats needs them reprojected
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                ours = zonal_stats(districts, path, stats=stats, all_touched=touched)
                times.append(time.perf_counter() - t0)
            tracemalloc.start()
            zonal_stats(districts, path, stats=stats, all_touched=touched)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            t0 = time.perf_counter()
            theirs = run_rasterstats(geoms, path, stats, touched)
            t_rs = time.perf_counter() - t0
            diff, nan_mismatch = max_abs_diff(ours, theirs, stats)
            rows.append({
                "raster (1,560 x 2,232)": name,
                "stats": "7 (mean..majority)" if stats == STATS else ", ".join(stats),
                "all_touched": touched,
                "geoprio s": f"{min(times):.2f}",
                "rasterstats s": f"{t_rs:.2f}",
                "speed-up": f"{t_rs / min(times):.1f}x",
                "max abs diff": f"{diff:.1e}",
                "NaN mismatches": nan_mismatch,
                "geoprio peak MiB": f"{peak:.0f}",
            })
    table = pd.DataFrame(rows)
    header = "| " + " | ".join(table.columns) + " |"
    print(f"\n{len(districts):,} districts; geoprio best of {args.repeat}, rasterstats one run\n")
    print(header)
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
