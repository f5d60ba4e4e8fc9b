"""Time of the data build and of each export format for the 1,874 districts.

Run: ``python benchmarks/bench_export.py [--sources ../shared/peru-data]``; prints a Markdown
table (median of 3 runs, seconds, and the file size).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from timing import median_seconds

import geoprio
import geoprio.data.shipped
from geoprio.data import shipped
from geoprio.engine.scenario import Scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, default=Path("../shared/peru-data"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if (args.sources / "indicators").is_dir():
            from geoprio.build import build

            rows.append(("data build (all of data/)", median_seconds(
                lambda: build(args.sources, tmp / "data"), repeat=1), ""))
        rows.append(("load_districts() (cold cache)", median_seconds(
            lambda: (shipped._read_indicators.cache_clear(), shipped._boundaries.cache_clear(),
                     geoprio.load_districts())), ""))
        scenario = Scenario.preset("dci")
        ranked = geoprio.prioritize(geoprio.load_districts(), scenario)
        for ext in ("csv", "xlsx", "geojson", "gpkg", "zip", "html", "png"):
            path = tmp / f"out.{ext}"
            seconds = median_seconds(lambda p=path: geoprio.export(ranked, p, scenario=scenario,
                                                                 column="score"))
            rows.append((f"export .{ext} (1,874 rows)", seconds,
                         f"{path.stat().st_size / 1e6:.2f} MB"))
    print("| step | seconds | size |\n|---|---:|---:|")
    for name, seconds, size in rows:
        print(f"| {name} | {seconds:.2f} | {size} |")


if __name__ == "__main__":
    main()
